/**
 * The processes and probes bench:proxy-shadow and bench:shadow-interleaved
 * share: an answering server in a process of its own (the upstream and the
 * shadow deployments), `parity proxy` from source with or without
 * `--shadow`, the CPU time of a process from /proc, and a wait for the
 * shadow queue to drain. Loopback only.
 *
 *   tsx scripts/bench/shadow-harness.ts serve <delayMs>   # the server role; prints its port
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'hdr-histogram-js';
import { openQueue, type Queue } from '../../shared/queue/queues.js';
import { queues } from '../../shared/redis/keys.js';
import { startPrivateRedis } from '../../shared/redis/private-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const BODY = JSON.stringify({ items: Array.from({ length: 12 }, (_, i) => ({ id: i, name: `item ${i}`, price: i * 3.5, tags: ['a', 'b'] })) }).slice(0, 1000);

/** Child role: an HTTP server answering 1 KiB of JSON after `delayMs`; prints its port. */
function serve(delayMs: number): void {
  const payload = Buffer.from(JSON.stringify({ body: BODY }));
  const server = createServer((req, res) => {
    req.resume();
    const answer = () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': payload.length }).end(payload);
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
  });
}

export function spawnLogged(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(cmd, args, { cwd: ROOT, env: { ...process.env, PARITY_FROM_SOURCE: '1', PARITY_LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function firstMatch(child: ChildProcess, re: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${seen.slice(-500)}`)), timeoutMs);
    const on = (d: Buffer) => {
      seen += d.toString();
      const m = re.exec(seen);
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
  });
}

/** An answering server in its own process; `niced` for the shadow deployments, which stand in for machines elsewhere. */
export async function startServer(delayMs: number, niced = false): Promise<{ child: ChildProcess; url: string }> {
  const args = ['--import', 'tsx', SELF, 'serve', String(delayMs)];
  const child = niced ? spawnLogged('nice', ['-n', '19', process.execPath, ...args]) : spawnLogged(process.execPath, args);
  const m = await firstMatch(child, /^(\d+)\n/m);
  return { child, url: `http://127.0.0.1:${m[1]}` };
}

export interface ProxyProcess {
  child: ChildProcess;
  url: string;
  admin: string;
}

/** `parity proxy` capturing at `sample`, mirroring to `shadow` when given. */
export async function startProxy(upstream: string, redisUrl: string, sample: string, shadow?: string): Promise<ProxyProcess> {
  const args = ['bin/parity.mjs', 'proxy', '--upstream', upstream, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--sample', sample, '--session', `bench-${shadow ? 'shadow' : 'off'}`];
  // the queue bound stands in for workers elsewhere that keep up: with them stopped during a phase, the
  // default (10,000) filled within a closed phase and the proxy dropped the rest, which flattered shadow's req/s
  if (shadow) args.push('--shadow', shadow, '--shadow-max-queue', '1000000');
  const child = spawnLogged(process.execPath, args, { PARITY_REDIS_URL: redisUrl, PARITY_LOG_LEVEL: 'info' });
  const m = await firstMatch(child, /"port":(\d+),"adminPort":(\d+)/);
  return { child, url: `http://127.0.0.1:${m[1]}`, admin: `http://127.0.0.1:${m[2]}` };
}

/** `parity worker` at nice 19, 256 mirrored requests at once (what keeps up with 1,000 req/s against a 200 ms shadow). */
export async function startWorker(redisUrl: string): Promise<ChildProcess> {
  const worker = spawnLogged('nice', ['-n', '19', process.execPath, 'bin/parity.mjs', 'worker'], { PARITY_REDIS_URL: redisUrl, PARITY_LOG_LEVEL: 'info', PARITY_SHADOW_CONCURRENCY: '256' });
  await firstMatch(worker, /shadow worker ready/);
  return worker;
}

/** Pauses or resumes a proxy's mirroring from its admin plane. */
export async function setMirroring(admin: string, on: boolean): Promise<void> {
  const res = await fetch(`${admin}/shadow/${on ? 'resume' : 'pause'}`, { method: 'POST' });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`POST ${admin}/shadow/${on ? 'resume' : 'pause'} answered ${res.status}`);
}

/** The proxy's shadow counters from its /metrics: enqueued, dropped by reason, queue depth. */
export async function shadowCounters(admin: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${admin}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^parity_shadow_(enqueued_total|dropped_total\{reason="([a-z-]+)"\}|queue_depth) (\d+)/gm)) out[m[2] ?? m[1]!] = Number(m[3]);
  return out;
}

/** CPU time (user + system, all threads) of a process so far, µs. */
export function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

/** An HDR histogram of µs, 3 significant digits. */
export const histogram = () => build({ numberOfSignificantValueDigits: 3, autoResize: true });

/** Waits until the shadow queue has no waiting or active job (at most `maxMs`); returns the ms waited. */
export async function drained(queue: Queue, maxMs = 30_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'active', 'prioritized', 'delayed');
    const left = Object.values(c).reduce((a, b) => a + b, 0);
    if (left === 0 || performance.now() - start > maxMs) return performance.now() - start;
    await sleep(100);
  }
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export const f3 = (x: number) => x.toFixed(3);

if (process.argv[1] === SELF && process.argv[2] === 'serve') serve(Number(process.argv[3] ?? 0));

/** What a shadow bench runs against: a private Redis, the upstream, two shadow deployments and a worker. */
export interface ShadowRig {
  redisUrl: string;
  upstream: string;
  /** The shadow deployments: one answering at once, one after 200 ms. */
  fast: string;
  slow: string;
  queue: Queue;
  worker: ChildProcess;
  /** Children to kill when the bench ends (the rig's own are already listed). */
  children: ChildProcess[];
  /** With the worker elsewhere: stops (or resumes) the processes that stand in for other machines. */
  away: (stopped: boolean) => void;
}

/** Starts the rig, runs `fn` on it and takes it all down again, whatever happens. */
export async function withShadowRig(worker: 'elsewhere' | 'beside', fn: (rig: ShadowRig) => Promise<void>): Promise<void> {
  const children: ChildProcess[] = [];
  const redis = await startPrivateRedis();
  let queue: Queue | undefined;
  try {
    const upstream = await startServer(0);
    const fast = await startServer(0, true);
    const slow = await startServer(200, true);
    children.push(upstream.child, fast.child, slow.child);
    const w = await startWorker(redis.url);
    children.push(w);
    queue = openQueue(queues.shadow, redis.url);
    const away = (stopped: boolean) => {
      if (worker === 'elsewhere') for (const c of [w, fast.child, slow.child]) c.kill(stopped ? 'SIGSTOP' : 'SIGCONT');
    };
    await fn({ redisUrl: redis.url, upstream: upstream.url, fast: fast.url, slow: slow.url, queue, worker: w, children, away });
  } finally {
    await queue?.close();
    for (const c of children) c.kill('SIGKILL');
    await redis.stop();
  }
}
