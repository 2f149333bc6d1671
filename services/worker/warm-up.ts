import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { RecordAnonymiser } from '../../shared/anonymise/index.js';
import { Pool } from 'undici';
import type { Logger } from '../../shared/log.js';
import { nowUs } from '../../shared/record/convert.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import type { ReplayRunDef } from '../../shared/replay/run.js';
import { ChunkRecorder } from './chunk-recorder.js';
import type { DiffThread } from './diff-thread.js';
import { InFlight } from './exchange.js';
import { replayOne, type SendContext } from './replay-send.js';

/**
 * A fresh worker's first open-model chunk used to start on cold code: in
 * bench:replay the first half second of a fresh worker's first as-recorded
 * run at 2,000 req/s was 800–1,000 requests late by up to 60–120 ms, because
 * undici, the comparison and the result encoding ran in V8's interpreter
 * while the schedule kept coming. A warm-up run against another origin cut
 * those to 25–44 requests late by ~3–4 ms, so most of it is JIT, not new
 * connections.
 *
 * So before the first open-model chunk fires, in the slack between its
 * records being loaded and its first due time, the worker replays that
 * chunk's own records — through the same replayOne, with the run's own
 * transform and diff rules — at a server of its own on 127.0.0.1 that
 * answers each request with the record's recorded answer. Nothing reaches
 * the target, and nothing is written to Redis: the recorder is never started
 * or flushed, and its results are dropped.
 */

/** Requests the warm-up sends at most, and how many at once. */
const WARM_REQUESTS = 1500;
const WARM_CONCURRENCY = 16;
/** Skipped when less slack than this remains before the chunk's first due time. */
const MIN_SLACK_US = 400_000;
/** How long before the first due time the warm-up stops at the latest. */
const MARGIN_US = 250_000;

export interface WarmUpContext {
  redis: Redis;
  log: Logger;
  diffs: DiffThread;
  anonymise: RecordAnonymiser;
}

let warming: Promise<void> | undefined;
let warmed = false;

/**
 * Warms this process once, before its first open-model chunk, when there is
 * time: resolves by `firstDueUs − MARGIN_US` at the latest. Chunks that
 * start meanwhile wait for the same warm-up, within their own deadline.
 */
export async function warmUpOnce(ctx: WarmUpContext, def: ReplayRunDef, records: readonly CaptureRecord[], firstDueUs: number): Promise<void> {
  if (warmed) return;
  const deadlineUs = firstDueUs - MARGIN_US;
  if (!warming) {
    if (firstDueUs - nowUs() < MIN_SLACK_US || records.length === 0) return;
    warming = warmUp(ctx, def, records, deadlineUs)
      .then((r) => ctx.log.debug(r, 'replay worker warmed up'))
      .catch((err: unknown) => ctx.log.debug({ err: (err as Error).message }, 'replay worker warm-up failed'))
      .finally(() => (warmed = true));
  }
  const left = (deadlineUs - nowUs()) / 1000;
  if (left <= 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([warming, new Promise<void>((r) => (timer = setTimeout(r, left)))]);
  clearTimeout(timer);
}

/** Replays `records` at a loopback server until WARM_REQUESTS were sent or `deadlineUs` comes; returns how many were sent, and how many failed. */
export async function warmUp(ctx: WarmUpContext, def: ReplayRunDef, records: readonly CaptureRecord[], deadlineUs: number): Promise<{ sent: number; errors: number }> {
  const answers = new Map<string, CaptureRecord>();
  for (const r of records) if (r.res && !answers.has(r.url)) answers.set(r.url, r);
  const server = await listen(answers);
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const pool = new Pool(url.origin, { connections: WARM_CONCURRENCY, pipelining: 1 });
  const abort = new AbortController();
  const inFlight = new InFlight(abort.signal);
  const recorder = new ChunkRecorder(ctx.redis, def, -1, ctx.log);
  const send: SendContext = {
    def,
    anonymise: ctx.anonymise,
    target: { name: 'target', url, dispatcher: pool },
    recorder,
    inFlight,
    chunk: -1,
    attempt: 'warm-up',
    diffs: ctx.diffs,
  };
  ctx.diffs.open(send.attempt, def.mode, def.rules); // answers over 32 KiB are compared there
  let sent = 0;
  const user = async () => {
    while (sent < WARM_REQUESTS && nowUs() < deadlineUs) {
      const record = records[sent % records.length]!;
      sent++;
      await replayOne(send, sent, record, nowUs());
    }
  };
  try {
    await Promise.all(Array.from({ length: WARM_CONCURRENCY }, user));
  } finally {
    abort.abort();
    inFlight.close();
    await pool.destroy().catch(() => undefined);
    await ctx.diffs.collect(send.attempt).catch(() => undefined);
    await new Promise((r) => server.close(r));
    server.closeAllConnections();
  }
  return { sent, errors: recorder.errors };
}

/** A server on 127.0.0.1 answering each path with the recorded answer captured for it (or 404). */
function listen(answers: Map<string, CaptureRecord>): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const r = answers.get(req.url ?? '')?.res;
      if (!r) {
        res.writeHead(404).end();
        return;
      }
      // the recorded body is stored decoded: send it as is, without the recorded framing or coding
      try {
        res.writeHead(r.status >= 200 && r.status <= 599 ? r.status : 200, r.headers.filter(([k]) => !FRAMING.has(k)).flat());
        res.end(r.body.bytes);
      } catch {
        // a recorded header Node will not send again
        if (!res.headersSent) res.writeHead(500);
        res.end();
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const FRAMING = new Set(['content-length', 'transfer-encoding', 'content-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer', 'te']);
