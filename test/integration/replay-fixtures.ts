import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { newRecordId } from '../../shared/record/convert.js';
import type { CaptureRecord, HeaderPair } from '../../shared/record/schema.js';
import { appendRecords, markSessionUpstream } from '../../shared/session/store.js';
import { spawnCli, stopChild, waitForOutput } from '../helpers/cli.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

/** Fixtures shared by the replay tests: sessions written straight into Redis, a target that records arrivals, workers as child processes. */

export interface RecordSpec {
  /** ms after the first record. */
  atMs: number;
  method?: string;
  url?: string;
  status?: number;
  body?: unknown;
  /** The recorded answer's body as is, instead of `body` (JSON.stringify cannot write a value nested thousands deep). */
  rawBody?: string;
  headers?: HeaderPair[];
  reqBody?: string;
}

export const T0 = 1_700_000_000_000_000;

export function makeRecord(session: string, s: RecordSpec): CaptureRecord {
  const ts = T0 + Math.round(s.atMs * 1000);
  const id = Number(/\/items\/(\d+)/.exec(s.url ?? '/items/1')?.[1] ?? 0);
  // by default the shape the arrival target answers with
  const body = Buffer.from(s.rawBody ?? JSON.stringify(s.body ?? { id, name: `item ${id}` }));
  const reqBody = Buffer.from(s.reqBody ?? '');
  return {
    v: 1,
    id: newRecordId(ts),
    session,
    ts,
    method: s.method ?? 'GET',
    url: s.url ?? '/items/1',
    httpVersion: '1.1',
    scheme: 'http',
    req: { headers: s.headers ?? [['accept', 'application/json']], body: { bytes: reqBody, size: reqBody.length, truncated: false } },
    res: { status: s.status ?? 200, headers: [['content-type', 'application/json']], body: { bytes: body, size: body.length, truncated: false } },
    timing: { ttfbUs: 1000, totalUs: 1500 },
    anonymised: [],
  };
}

/** Writes a session of records (and the upstream it was captured from). */
export async function writeSession(redis: Redis, session: string, specs: RecordSpec[], upstream = 'http://prod.invalid:8080'): Promise<CaptureRecord[]> {
  const records = specs.map((s) => makeRecord(session, s));
  await appendRecords(redis, records, { maxLen: 1_000_000, bodyTtlSeconds: 3600 });
  await markSessionUpstream(redis, session, upstream);
  return records;
}

/** `n` GETs spread evenly `gapMs` apart over a few routes. */
export function evenSpecs(n: number, gapMs: number): RecordSpec[] {
  return Array.from({ length: n }, (_, i) => ({ atMs: i * gapMs, url: `/items/${i}`, body: { id: i, name: `item ${i}` } }));
}

export interface Arrival {
  /** ms since the epoch the request arrived. */
  at: number;
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface ArrivalTarget extends TestServer {
  arrivals: Arrival[];
  /** Requests being answered right now, and the most seen at once. */
  inFlight: number;
  maxInFlight: number;
  /** TCP connections open to it right now, and the most open at once. */
  connections: number;
  maxConnections: number;
}

/** A target that records every arrival and answers like the fixtures' records; `behave` may delay, reset or change the answer. */
export async function startArrivalTarget(behave?: (req: IncomingMessage, res: ServerResponse) => 'handled' | { delayMs?: number; status?: number; body?: unknown } | undefined): Promise<ArrivalTarget> {
  const target = { arrivals: [] as Arrival[], inFlight: 0, maxInFlight: 0, connections: 0, maxConnections: 0 } as ArrivalTarget;
  const server = await startHttpServer((req, res) => {
    const at = performance.timeOrigin + performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      target.arrivals.push({ at, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      const how = behave?.(req, res);
      if (how === 'handled') return;
      target.inFlight++;
      target.maxInFlight = Math.max(target.maxInFlight, target.inFlight);
      const id = Number(/\/items\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
      const answer = () => {
        target.inFlight--;
        res.writeHead(how?.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(how?.body ?? { id, name: `staging item ${id}` }));
      };
      if (how?.delayMs) setTimeout(answer, how.delayMs);
      else answer();
    });
  });
  server.server.on('connection', (socket) => {
    target.maxConnections = Math.max(target.maxConnections, ++target.connections);
    socket.on('close', () => target.connections--);
  });
  return Object.assign(target, server);
}

/** Starts `parity worker` on the test's Redis and waits until it takes jobs. */
export async function startWorker(redisUrl: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawnCli(['worker'], { env: { PARITY_REDIS_URL: redisUrl, ...env } });
  await waitForOutput(child, /replay worker ready/);
  return child;
}

export async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => stopChild(c)));
}

/** Arrival times relative to the first, in ms. */
export function relative(arrivals: Arrival[]): number[] {
  const sorted = arrivals.map((a) => a.at).sort((a, b) => a - b);
  return sorted.map((t) => t - sorted[0]!);
}

/** A test's replay setting: its Redis namespace, a target recording arrivals (answering as `behave` says) and session `s1` of 10 records 20 ms apart. */
export async function openReplayCluster(behave?: Parameters<typeof startArrivalTarget>[0]): Promise<{ t: TestRedis; target: ArrivalTarget }> {
  const t = await testRedis();
  const target = await startArrivalTarget(behave);
  await writeSession(t.redis, 's1', evenSpecs(10, 20));
  return { t, target };
}

/** Stops what openReplayCluster and the test started: its workers, the target, the namespace. */
export async function closeReplayCluster(c: { t: TestRedis; target: ArrivalTarget; workers: ChildProcess[] }): Promise<void> {
  await stopWorkers(c.workers.splice(0));
  await c.target.close();
  await c.t.cleanup();
}
