import type { Redis } from 'ioredis';
import { errorText } from '../errors.js';
import type { CaptureRecord } from '../record/schema.js';
import { appendToPipeline } from '../session/store.js';

/**
 * Appends finished, anonymised records to their session streams in
 * pipelined batches on one Redis connection. When the connection is down
 * the records wait (the caller bounds how many) and go out once ioredis has
 * reconnected; a batch cut off mid-flight is sent again, so delivery is at
 * least once. Records Redis refuses (an error reply) are dropped and counted.
 */

export interface AppenderOptions {
  /** XADD MAXLEN ~ bound per session stream. */
  maxLen: number;
  /** Records older than this are trimmed (XTRIM MINID ~); side bodies expire after it. */
  retentionSeconds: number;
  /** Records per pipeline; default 256. */
  batchRecords?: number;
  /** How often a session's stream gets a MINID trim, ms; default 10 s. */
  trimEveryMs?: number;
  /** The upstream the records come from, (re)named on their sessions' meta with every batch (store.ts's AppendOptions). */
  upstream?: string;
}

/** A record waiting to be written, and what to call once it is settled. */
export interface PendingRecord {
  record: CaptureRecord;
  settle(outcome: 'written' | 'redis-error' | 'shutdown'): void;
}

const CONNECTION_ERROR = /Connection is closed|Stream isn't writeable|ECONNRESET|ECONNREFUSED|EPIPE|MaxRetriesPerRequest|Socket closed|LOADING/i;

export class StreamAppender {
  readonly #redis: Redis;
  readonly #opts: Required<Omit<AppenderOptions, 'upstream'>> & Pick<AppenderOptions, 'upstream'>;
  readonly #queue: PendingRecord[] = [];
  #writing = false;
  #lastTrim = 0;
  #idle: (() => void)[] = [];
  /** Last connection error, for logs (never carries the URL). */
  lastError: string | undefined;

  constructor(redis: Redis, opts: AppenderOptions) {
    this.#redis = redis;
    this.#opts = { batchRecords: 256, trimEveryMs: 10_000, ...opts };
    redis.on('ready', () => this.#pump());
  }

  get depth(): number {
    return this.#queue.length;
  }

  get connected(): boolean {
    return this.#redis.status === 'ready';
  }

  /** True once a connection attempt failed and ioredis is retrying (not merely still connecting). */
  get unreachable(): boolean {
    const s = this.#redis.status;
    return s === 'reconnecting' || s === 'close' || s === 'end';
  }

  push(items: readonly PendingRecord[]): void {
    for (const i of items) this.#queue.push(i);
    this.#pump();
  }

  /** Resolves once the queue is empty (or at once when it is). */
  drained(): Promise<void> {
    if (this.#queue.length === 0 && !this.#writing) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Takes every record still queued (for shutdown accounting). */
  takeAll(): PendingRecord[] {
    return this.#queue.splice(0);
  }

  #pump(): void {
    if (this.#writing) return;
    if (this.#queue.length === 0) {
      for (const f of this.#idle.splice(0)) f();
      return;
    }
    if (!this.connected) return; // 'ready' calls #pump again
    this.#writing = true;
    const batch = this.#queue.splice(0, this.#opts.batchRecords);
    this.#write(batch).then(
      (retry) => {
        this.#writing = false;
        // after a failed round trip wait a little ('ready' also resumes)
        if (retry) setTimeout(() => this.#pump(), 200).unref();
        else this.#pump();
      },
      () => {
        this.#writing = false;
        setTimeout(() => this.#pump(), 200).unref();
      },
    );
  }

  /** Writes one batch; true when it went back on the queue to be retried. */
  async #write(batch: PendingRecord[]): Promise<boolean> {
    const pipe = this.#redis.pipeline();
    const now = Date.now();
    const trim = now - this.#lastTrim >= this.#opts.trimEveryMs;
    appendToPipeline(
      pipe,
      batch.map((p) => p.record),
      {
        maxLen: this.#opts.maxLen,
        bodyTtlSeconds: this.#opts.retentionSeconds,
        ...(this.#opts.upstream !== undefined ? { upstream: this.#opts.upstream } : {}),
        ...(trim ? { minIdMs: now - this.#opts.retentionSeconds * 1000 } : {}),
      },
    );
    let results: [Error | null, unknown][];
    try {
      results = (await pipe.exec()) ?? [];
    } catch (err) {
      this.#requeue(batch, err);
      return true;
    }
    const errors = results.filter(([e]) => e).map(([e]) => e!);
    if (errors.length > 0 && (!this.connected || errors.some((e) => CONNECTION_ERROR.test(e.message)))) {
      this.#requeue(batch, errors[0]);
      return true;
    }
    if (trim) this.#lastTrim = now;
    this.lastError = errors[0] ? errorText(errors[0]) : undefined;
    // An error reply cannot be mapped back to its record cheaply: count that
    // many records of the batch as refused, the rest as written.
    const refused = Math.min(errors.length, batch.length);
    batch.forEach((p, i) => p.settle(i < refused ? 'redis-error' : 'written'));
    return false;
  }

  #requeue(batch: PendingRecord[], err: unknown): void {
    this.lastError = errorText(err);
    this.#queue.unshift(...batch);
  }
}
