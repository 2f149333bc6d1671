import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CaptureRecord } from '../record/schema.js';
import { keys, queues } from '../redis/keys.js';
import { encodeMirroredRequests, shadowJobData, type MirroredRequest, type ShadowDestination } from './job.js';
import type { ShadowCounters } from './counters.js';
import { seal } from './seal.js';
import { bucketStart } from './window.js';

/**
 * Adds shadow jobs to the BullMQ shadow queue on the capture thread: what
 * arrived in the last few milliseconds goes out in one addBulk, as jobs of
 * up to JOB_RECORDS exchanges. With raw opt-in, a job's raw requests are
 * sealed together and stored under their own key with a short TTL before the
 * job is added. Also polls the queue's depth (the proxy's drop bound, in
 * exchanges) and adds the proxy's counters to the per-minute buckets
 * `parity shadow status` reads.
 */

export interface ShadowEnqueuerOptions {
  /** Connection the queue uses (enableOfflineQueue: false, so a lost Redis fails fast); not closed here. */
  connection: Redis;
  destination: ShadowDestination;
  raw?: { key: Buffer; ttlSeconds: number };
  retentionSeconds: number;
  /** Exchanges waiting in the queue (jobs waiting × exchanges per job). */
  onDepth: (depth: number) => void;
}

/** How one offered job ended. */
export type EnqueueOutcome = 'enqueued' | 'redis-error' | 'shutdown';

interface Pending {
  record: CaptureRecord;
  raw: MirroredRequest | undefined;
  settle(outcome: EnqueueOutcome): void;
}

const BATCH = 1024;
/** Exchanges per job: enough to amortise BullMQ's per-job cost, few enough to spread over workers. */
export const JOB_RECORDS = 64;
/** A job of 1 exchange costs about twice as much CPU per exchange as one of 64 (addBulk, job JSON): wait a little to fill jobs. */
const FLUSH_DELAY_MS = 20;
const DEPTH_POLL_MS = 250;
const REDIS_TIMEOUT_MS = 2000;

export class ShadowEnqueuer {
  readonly #opts: ShadowEnqueuerOptions;
  readonly #queue: Queue;
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inflight: Promise<void> | undefined;
  readonly #poll: NodeJS.Timeout;
  /** Counters already added to Redis, to add only the change. */
  #reported = new Map<string, number>();
  /** Exchanges and jobs added so far: their ratio turns the queue's job count into exchanges. */
  #added = { records: 0, jobs: 0 };

  constructor(opts: ShadowEnqueuerOptions) {
    this.#opts = opts;
    this.#queue = new Queue(queues.shadow, { connection: opts.connection, prefix: keys.bullPrefix });
    // a lost Redis is counted where a write fails; the queue's own error events add nothing
    this.#queue.on('error', () => undefined);
    this.#poll = setInterval(() => void this.#pollDepth(), DEPTH_POLL_MS);
    void this.#pollDepth();
  }

  /** Queues one job; `settle` is called once it was added or dropped. */
  offer(record: CaptureRecord, raw: MirroredRequest | undefined, settle: (outcome: EnqueueOutcome) => void): void {
    this.#pending.push({ record, raw: this.#opts.raw ? raw : undefined, settle });
    if (this.#pending.length >= BATCH) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), FLUSH_DELAY_MS);
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#inflight || this.#pending.length === 0) return;
    const batch = this.#pending.splice(0, BATCH);
    this.#inflight = this.#send(batch).finally(() => {
      this.#inflight = undefined;
      if (this.#pending.length > 0) this.#flush();
    });
  }

  async #send(batch: Pending[]): Promise<void> {
    let outcome: EnqueueOutcome = 'enqueued';
    try {
      const jobs = await this.#jobData(batch);
      await withTimeout(this.#queue.addBulk(jobs.map((data) => ({ name: 'shadow', data, opts: { attempts: 1, removeOnComplete: true, removeOnFail: true } }))));
      this.#added.records += batch.length;
      this.#added.jobs += jobs.length;
    } catch {
      outcome = 'redis-error';
    }
    for (const p of batch) p.settle(outcome);
  }

  /** Job data for a batch, JOB_RECORDS exchanges per job; raw requests are sealed and stored first, one key per job with the TTL. */
  async #jobData(batch: Pending[]) {
    const raw = this.#opts.raw;
    const dest = this.#opts.destination;
    const groups: Pending[][] = [];
    for (let i = 0; i < batch.length; i += JOB_RECORDS) groups.push(batch.slice(i, i + JOB_RECORDS));
    if (!raw) return groups.map((g) => shadowJobData(g.map((p) => p.record), dest));
    await ready(this.#opts.connection);
    const pipe = this.#opts.connection.pipeline();
    const jobs = groups.map((g) => {
      const id = randomUUID();
      pipe.set(keys.shadowRaw(id), seal(raw.key, encodeMirroredRequests(g.map((p) => p.raw ?? null)), keys.shadowRaw(id)), 'EX', raw.ttlSeconds);
      return shadowJobData(g.map((p) => p.record), dest, id);
    });
    const results = (await withTimeout(pipe.exec())) ?? [];
    const failed = results.find(([e]) => e);
    if (failed?.[0]) throw failed[0];
    return jobs;
  }

  async #pollDepth(): Promise<void> {
    try {
      const jobs = await withTimeout(this.#queue.count());
      this.#opts.onDepth(this.#added.jobs > 0 ? Math.round((jobs * this.#added.records) / this.#added.jobs) : jobs);
    } catch {
      // keep the last depth; failed adds are counted where they happen
    }
  }

  /** Adds the counters' change since the last call to the current minute's bucket (fields `p:<name>`). */
  async reportCounters(c: ShadowCounters): Promise<void> {
    const now = new Map<string, number>([
      ['offered', c.offered],
      ['enqueued', c.enqueued],
    ]);
    for (const [k, v] of Object.entries(c.skipped)) now.set(`skipped:${k}`, v);
    for (const [k, v] of Object.entries(c.dropped)) now.set(`dropped:${k}`, v);
    const changed = [...now].filter(([k, v]) => v !== (this.#reported.get(k) ?? 0));
    if (changed.length === 0) return;
    const key = keys.shadowBucket(bucketStart(Date.now()));
    const pipe = this.#opts.connection.pipeline();
    for (const [k, v] of changed) pipe.hincrby(key, `p:${k}`, v - (this.#reported.get(k) ?? 0));
    pipe.expire(key, this.#opts.retentionSeconds);
    try {
      const results = (await withTimeout(pipe.exec())) ?? [];
      if (!results.some(([e]) => e)) this.#reported = now;
    } catch {
      // the change accumulates and goes with the next report
    }
  }

  /** Sends what is pending, at most `timeoutMs`; returns what was left unsent (settled as dropped by the caller). */
  async close(timeoutMs: number): Promise<Pending[]> {
    clearInterval(this.#poll);
    const deadline = Date.now() + timeoutMs;
    while ((this.#inflight || this.#pending.length > 0) && Date.now() < deadline) {
      if (!this.#inflight) this.#flush();
      await Promise.race([this.#inflight, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
    }
    if (this.#timer) clearTimeout(this.#timer);
    const left = this.#pending;
    this.#pending = [];
    await this.#queue.close().catch(() => undefined);
    return left;
  }
}

/** Without an offline queue, writes before 'ready' fail; wait for it instead (at most REDIS_TIMEOUT_MS). */
function ready(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error('Redis is not connected'));
    }, REDIS_TIMEOUT_MS);
    redis.once('ready', onReady);
  });
}

function withTimeout<T>(p: Promise<T>, ms = REDIS_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
