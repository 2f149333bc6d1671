import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { encodeRecordOnce } from '../record/codec.js';
import type { CaptureRecord } from '../record/schema.js';
import { keys, queues } from '../redis/keys.js';
import { encodeMirroredRequests, packJobRecords, SHADOW_RECORDS_TTL_SECONDS, shadowJobData, type MirroredRequest, type ShadowDestination } from './job.js';
import type { ShadowCounters } from './counters.js';
import { seal } from './seal.js';
import { bucketStart } from './window.js';

/**
 * Adds shadow jobs to the BullMQ shadow queue on the capture thread: what
 * arrived within the last second (or less, see FLUSH_DELAY_MS) goes out in
 * one addBulk, as jobs of up to JOB_RECORDS exchanges. Each job's records
 * are stored first, as bytes under their own key (job.ts), and with raw
 * opt-in its raw requests sealed together under another with a short TTL;
 * the job names them. Also polls the queue's depth (the proxy's drop bound,
 * in exchanges) and adds the proxy's counters to the per-minute buckets
 * `parity shadow status` reads.
 */

export interface ShadowEnqueuerOptions {
  /**
   * The capture thread's connection (enableOfflineQueue: false, so a lost
   * Redis fails fast); not closed here. The queue gets a duplicate of its own.
   */
  connection: Redis;
  destination: ShadowDestination;
  raw?: { key: Buffer; ttlSeconds: number };
  retentionSeconds: number;
  /** Exchanges waiting in the queue (jobs waiting × exchanges per job). */
  onDepth: (depth: number) => void;
  /** Longest wait of a flush for more exchanges, ms; default FLUSH_DELAY_MS. */
  flushDelayMs?: number;
}

/** How one offered job ended. */
export type EnqueueOutcome = 'enqueued' | 'redis-error' | 'shutdown';

interface Pending {
  /**
   * The record's MessagePack (shared with capture's XADD), not the record:
   * a flush waits up to FLUSH_DELAY_MS, and holding the records' object
   * graphs that long let them outlive young-generation collections.
   */
  bytes: Buffer;
  raw: MirroredRequest | undefined;
  settle(outcome: EnqueueOutcome): void;
}

const BATCH = 1024;
/**
 * Exchanges per job: BullMQ's cost per job (its Lua script, the job hash) is
 * paid once for all of them (bench:shadow-enqueue, docs/decisions.md). A job
 * still spreads over a worker's whole concurrency.
 */
export const JOB_RECORDS = 256;
/**
 * How long the first exchange of a flush waits for others, unless a full
 * job's worth (or FLUSH_BYTES) comes sooner, or mirroring is paused. Each
 * flush costs the capture thread and Redis ~400 µs whatever it carries (a
 * pipeline, BullMQ's addBulk, timers), ~1.5 ms on a slower box: with a
 * 100 ms wait that was a fixed ~15 ms of CPU a second, most of what shadow
 * mode cost the proxy at the default sample rate (docs/decisions.md).
 * Shadow work is not urgent; memory held is bounded by FLUSH_BYTES and the
 * gate's in-flight bounds.
 */
const FLUSH_DELAY_MS = 1000;
/** Encoded bytes pending past which a flush leaves at once: big bodies must not sit near the gate's byte bound. */
const FLUSH_BYTES = 4 << 20;
const DEPTH_POLL_MS = 250;
const REDIS_TIMEOUT_MS = 2000;

export class ShadowEnqueuer {
  readonly #opts: ShadowEnqueuerOptions;
  readonly #queue: Queue;
  /**
   * The queue's own connection. BullMQ defines its ~40 Lua scripts as
   * commands on the connection it is given, and ioredis copies every such
   * command onto each pipeline made from that connection: on the capture
   * connection, every capture XADD pipeline paid for them (it showed in a
   * CPU profile of the capture thread; docs/decisions.md).
   */
  readonly #queueConnection: Redis;
  #pending: Pending[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #inflight: Promise<void> | undefined;
  readonly #poll: NodeJS.Timeout;
  /** Counters already added to Redis, to add only the change. */
  #reported = new Map<string, number>();
  /** Exchanges and jobs added so far: their ratio turns the queue's job count into exchanges. */
  #added = { records: 0, jobs: 0 };

  constructor(opts: ShadowEnqueuerOptions) {
    this.#opts = opts;
    this.#queueConnection = opts.connection.duplicate();
    // a lost Redis is counted where a write fails; the connection's own error events add nothing
    this.#queueConnection.on('error', () => undefined);
    this.#queue = new Queue(queues.shadow, { connection: this.#queueConnection, prefix: keys.bullPrefix });
    // a lost Redis is counted where a write fails; the queue's own error events add nothing
    this.#queue.on('error', () => undefined);
    this.#poll = setInterval(() => void this.#pollDepth(), DEPTH_POLL_MS);
    void this.#pollDepth();
  }

  /** Queues one job; `settle` is called once it was added or dropped. */
  offer(record: CaptureRecord, raw: MirroredRequest | undefined, settle: (outcome: EnqueueOutcome) => void): void {
    const bytes = encodeRecordOnce(record);
    this.#pending.push({ bytes, raw: this.#opts.raw ? raw : undefined, settle });
    this.#pendingBytes += bytes.length;
    if (this.#pending.length >= JOB_RECORDS || this.#pendingBytes >= FLUSH_BYTES) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), this.#opts.flushDelayMs ?? FLUSH_DELAY_MS);
  }

  /** Sends what is pending now instead of at the end of its wait (mirroring was paused). */
  sendNow(): void {
    this.#flush();
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#inflight || this.#pending.length === 0) return;
    const batch = this.#pending.splice(0, BATCH);
    for (const p of batch) this.#pendingBytes -= p.bytes.length;
    this.#inflight = this.#send(batch).finally(() => {
      this.#inflight = undefined;
      if (this.#pending.length > 0) this.#flush();
    });
  }

  async #send(batch: Pending[]): Promise<void> {
    let outcome: EnqueueOutcome = 'enqueued';
    try {
      const jobs = await this.#jobData(batch);
      await ready(this.#queueConnection);
      await withTimeout(this.#queue.addBulk(jobs.map((data) => ({ name: 'shadow', data, opts: { attempts: 1, removeOnComplete: true, removeOnFail: true } }))));
      this.#added.records += batch.length;
      this.#added.jobs += jobs.length;
    } catch {
      outcome = 'redis-error';
    }
    for (const p of batch) p.settle(outcome);
  }

  /** Job data for a batch, JOB_RECORDS exchanges per job; each job's records (and raw requests) are stored first, one key each. */
  async #jobData(batch: Pending[]) {
    const raw = this.#opts.raw;
    const dest = this.#opts.destination;
    await ready(this.#opts.connection);
    const pipe = this.#opts.connection.pipeline();
    const jobs = [];
    for (let i = 0; i < batch.length; i += JOB_RECORDS) {
      const group = batch.slice(i, i + JOB_RECORDS);
      const id = randomUUID();
      pipe.set(keys.shadowRecords(id), packJobRecords(group.map((p) => p.bytes)), 'EX', SHADOW_RECORDS_TTL_SECONDS);
      if (raw) pipe.set(keys.shadowRaw(id), seal(raw.key, encodeMirroredRequests(group.map((p) => p.raw ?? null)), keys.shadowRaw(id)), 'EX', raw.ttlSeconds);
      jobs.push(shadowJobData(id, group.length, dest, raw ? id : undefined));
    }
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
    this.#pendingBytes = 0;
    await this.#queue.close().catch(() => undefined);
    this.#queueConnection.disconnect();
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
