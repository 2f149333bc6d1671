import type { Redis } from 'ioredis';
import { RunStats } from '../../shared/diff/stats.js';
import type { Logger } from '../../shared/log.js';
import { keys } from '../../shared/redis/keys.js';
import { encodeResults, RESULTS_FIELD, type ReplayResult } from '../../shared/replay/result.js';
import type { ReplayRunDef } from '../../shared/replay/run.js';
import { runExpiresAt, writeProgress } from '../../shared/replay/store.js';

/**
 * What one chunk attempt produces: its RunStats (exact, in memory, stored
 * when the attempt finishes), its results appended to the run's results
 * stream in pipelined batches off the request path, and live progress
 * counters written every few hundred ms.
 *
 * Each batch is packed as soon as it is full rather than at the next flush:
 * the results then die young (a quarter second of them with their bodies
 * had been surviving into the old generation), and packing is spread over
 * the requests instead of stalling the loop for milliseconds every flush.
 */
export class ChunkRecorder {
  readonly stats = new RunStats();
  /** Requests fired at the target. */
  sent = 0;
  /** Requests not sent: their record was gone or its request body not captured whole. */
  skipped = 0;
  errors = 0;
  late = 0;
  /** Results not written because Redis fell behind (the stats still count them). */
  dropped = 0;
  readonly #redis: Redis;
  readonly #def: ReplayRunDef;
  readonly #chunk: number;
  readonly #log: Logger;
  #pending: ReplayResult[] = [];
  /** Full batches, packed, waiting for the next flush. */
  #packed: { bytes: Buffer; results: number }[] = [];
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  /** Results per stream entry. */
  static readonly BATCH = 100;
  /** Results held while a flush is under way; past it they are dropped and counted. */
  static readonly MAX_PENDING = 20_000;

  constructor(redis: Redis, def: ReplayRunDef, chunk: number, log: Logger) {
    this.#redis = redis;
    this.#def = def;
    this.#chunk = chunk;
    this.#log = log;
  }

  start(intervalMs = 250): void {
    this.#timer = setInterval(() => void this.flush(), intervalMs);
  }

  /** Counts one result and queues it for the stream. */
  push(result: ReplayResult, late: boolean): void {
    if (result.error === 'skipped') this.skipped++;
    else {
      this.sent++;
      if (result.error) this.errors++;
    }
    if (late) this.late++;
    if (this.#packed.length * ChunkRecorder.BATCH + this.#pending.length >= ChunkRecorder.MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.#pending.push(result);
    if (this.#pending.length >= ChunkRecorder.BATCH) this.#pack();
  }

  #pack(): void {
    if (this.#pending.length === 0) return;
    this.#packed.push({ bytes: encodeResults(this.#pending), results: this.#pending.length });
    this.#pending = [];
  }

  /** Writes queued results and the progress line; one flush at a time. */
  flush(): Promise<void> {
    this.#flushing ??= this.#write().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #write(): Promise<void> {
    this.#pack();
    const batches = this.#packed;
    this.#packed = [];
    try {
      if (batches.length > 0) {
        const pipe = this.#redis.pipeline();
        const stream = keys.runResults(this.#def.id);
        const maxEntries = Math.max(1, Math.ceil(this.#def.resultsMaxLen / ChunkRecorder.BATCH));
        for (const packed of batches) pipe.xadd(stream, 'MAXLEN', '~', maxEntries, '*', RESULTS_FIELD, packed.bytes);
        pipe.expireat(stream, runExpiresAt(this.#def));
        await pipe.exec();
      }
      await writeProgress(this.#redis, this.#def, this.#chunk, { sent: this.sent, skipped: this.skipped, errors: this.errors, late: this.late });
    } catch (err) {
      for (const packed of batches) this.dropped += packed.results;
      this.#log.warn({ err: (err as Error).message, run: this.#def.id, chunk: this.#chunk }, 'writing replay results failed');
    }
  }

  /** Stops the timer and writes everything still queued. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#flushing;
    await this.flush();
  }
}
