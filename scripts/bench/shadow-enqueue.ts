/**
 * bench:shadow-enqueue — what enqueueing mirrored exchanges costs the
 * proxy's capture thread and Redis, in CPU µs per exchange (both on
 * production's machine), with exchanges arriving at a steady rate.
 * A: the way proxies did it until 2026-11-22, rebuilt here — a flush 20 ms
 * after the first exchange waiting (or at 1,024), jobs of 64 exchanges
 * with the records inline (MessagePack → base64 → JSON → BullMQ's Lua
 * script); B: the ShadowEnqueuer as it is — a flush 100 ms after the first
 * (or at a full job), each job's records stored as bytes under their own
 * key, jobs of up to 256. Both get the same anonymised records, already
 * encoded (capture encodes each once for both jobs). Alternated A B A B
 * after a warm-up, in one process against a private redis-server on
 * 127.0.0.1; at 1,000 and 7,000 exchanges/s (what bench:proxy-shadow's
 * open and closed phases mirror).
 *
 *   npm run bench:shadow-enqueue [-- --pairs 5]
 */
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { encodeRecordOnce } from '../../shared/record/codec.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { keys, queues } from '../../shared/redis/keys.js';
import { startPrivateRedis } from '../../shared/redis/private-server.js';
import { ShadowEnqueuer, type EnqueueOutcome } from '../../shared/shadow/enqueuer.js';
import { inlineShadowJobData, type ShadowDestination } from '../../shared/shadow/job.js';
import { watchMachine } from './machine.js';

const machine = watchMachine();
const pairs = Number(process.argv[process.argv.indexOf('--pairs') + 1]) || 5;
const RATES = [1000, 7000];
/** Seconds of arrivals per run. */
const RUN_S = 4;
const OLD_JOB_RECORDS = 64;
const OLD_FLUSH_DELAY_MS = 20;
const OLD_BATCH = 1024;

const BODY = Buffer.from(JSON.stringify({ items: Array.from({ length: 12 }, (_, i) => ({ id: i, name: `item ${i}`, price: i * 3.5, tags: ['a', 'b'] })) }).slice(0, 1000));
function record(i: number): CaptureRecord {
  const r: CaptureRecord = {
    v: 1, id: `bench-${i}`, session: 'bench', ts: 1_700_000_000_000_000 + i, method: 'GET', url: `/api/items?page=${i}`, httpVersion: '1.1', scheme: 'http',
    req: { headers: [['host', 'shop.example'], ['accept', 'application/json'], ['user-agent', 'bench']], body: { bytes: Buffer.alloc(0), size: 0, truncated: false } },
    res: { status: 200, headers: [['content-type', 'application/json'], ['content-length', String(BODY.length)]], body: { bytes: BODY, size: BODY.length, truncated: false } },
    timing: { ttfbUs: 300, totalUs: 400 },
    anonymised: [],
  };
  encodeRecordOnce(r);
  return r;
}

const cpuOfPid = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1e6) / 100;
};
const cpuHere = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const redis = await startPrivateRedis();
const conn = new Redis(redis.url, { maxRetriesPerRequest: null, enableOfflineQueue: false });
await new Promise((r) => conn.once('ready', r));
const dest: ShadowDestination = { target: 'http://127.0.0.1:9', marker: ['x-parity-shadow', '1'] };
/**
 * A pool offered round-robin: a proxy holds only the exchanges in flight, and
 * a pool of a whole run's records (~28,000) made the bench's own heap, and
 * its GC, most of what it measured.
 */
const POOL = 2048;
const records = Array.from({ length: POOL }, (_, i) => record(i));

/** Calls `offer` for `rate` exchanges a second for RUN_S seconds (on 10 ms ticks: finer ticks cost more than what is measured); resolves when every one was settled. */
function arrive(rate: number, offer: (r: CaptureRecord, settle: (o: EnqueueOutcome) => void) => void): Promise<number> {
  const total = rate * RUN_S;
  return new Promise((resolve) => {
    let sent = 0;
    let settled = 0;
    let failed = 0;
    const settle = (o: EnqueueOutcome) => {
      if (o !== 'enqueued') failed++;
      if (++settled === total) resolve(failed);
    };
    const start = performance.now();
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      while (sent < due) offer(records[sent++ % POOL]!, settle);
      if (sent === total) clearInterval(tick);
    }, 10);
  });
}

/** A: the enqueuer as it was — 20 ms flushes, inline jobs of 64. */
async function inline(rate: number): Promise<number> {
  const queue = new Queue(queues.shadow, { connection: conn, prefix: keys.bullPrefix });
  let pending: { r: CaptureRecord; settle: (o: EnqueueOutcome) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<void> | undefined;
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (inflight || pending.length === 0) return;
    const batch = pending.splice(0, OLD_BATCH);
    const jobs = [];
    for (let i = 0; i < batch.length; i += OLD_JOB_RECORDS) jobs.push(inlineShadowJobData(batch.slice(i, i + OLD_JOB_RECORDS).map((p) => p.r), dest));
    inflight = queue
      .addBulk(jobs.map((data) => ({ name: 'shadow', data, opts: { attempts: 1, removeOnComplete: true, removeOnFail: true } })))
      .then(
        () => batch.forEach((p) => p.settle('enqueued')),
        () => batch.forEach((p) => p.settle('redis-error')),
      )
      .finally(() => {
        inflight = undefined;
        if (pending.length > 0) flush();
      });
  };
  const failed = await arrive(rate, (r, settle) => {
    pending.push({ r, settle });
    if (pending.length >= OLD_BATCH) flush();
    else timer ??= setTimeout(flush, OLD_FLUSH_DELAY_MS);
  });
  pending = [];
  await queue.close();
  return failed;
}

/** B: the ShadowEnqueuer. */
async function payloadKeys(rate: number): Promise<number> {
  const enqueuer = new ShadowEnqueuer({ connection: conn, destination: dest, retentionSeconds: 3600, onDepth: () => undefined });
  const failed = await arrive(rate, (r, settle) => enqueuer.offer(r, undefined, settle));
  await enqueuer.close(5000);
  return failed;
}

async function measure(run: (rate: number) => Promise<number>, rate: number): Promise<{ here: number; redis: number }> {
  await conn.flushall();
  const h0 = cpuHere();
  const r0 = cpuOfPid(redis.pid);
  const failed = await run(rate);
  if (failed) throw new Error(`${failed} exchanges not enqueued`);
  const n = rate * RUN_S;
  return { here: (cpuHere() - h0) / n, redis: (cpuOfPid(redis.pid) - r0) / n };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`bench:shadow-enqueue — ${RUN_S} s of arrivals per run, ${pairs} pairs per rate after a warm-up; CPU µs per exchange (this process + redis-server)`);
const result: string[] = [];
try {
  for (const rate of RATES) {
    await measure(inline, rate);
    await measure(payloadKeys, rate);
    const a: number[] = [];
    const b: number[] = [];
    const ratios: number[] = [];
    for (let p = 1; p <= pairs; p++) {
      const x = await measure(inline, rate);
      const y = await measure(payloadKeys, rate);
      a.push(x.here + x.redis);
      b.push(y.here + y.redis);
      ratios.push((y.here + y.redis) / (x.here + x.redis));
      console.log(`${rate}/s pair ${p}: before ${x.here.toFixed(1)} + ${x.redis.toFixed(1)} µs; now ${y.here.toFixed(1)} + ${y.redis.toFixed(1)} µs; ratio ${ratios.at(-1)!.toFixed(3)}`);
    }
    result.push(`before_us_${rate}=${median(a).toFixed(1)} now_us_${rate}=${median(b).toFixed(1)} ratio_${rate}=${median(ratios).toFixed(3)}`);
  }
  console.log(machine.report());
  console.log(`RESULT shadow-enqueue ${result.join(' ')}`);
} finally {
  conn.disconnect();
  await redis.stop();
}
