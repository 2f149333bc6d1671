import { errorText } from '../errors.js';
import { logGrowth, silentLogger, type GrowthLog, type Logger } from '../log.js';
import type { ShadowGate } from '../shadow/gate.js';
import { exchangeBytes } from './batch.js';
import { startBackend, type CaptureBackend, type CaptureMode } from './backend.js';
import type { Exchange, ExchangeSink } from './exchange.js';
import { DROP_REASONS, TO_CAPTURE, TO_SHADOW, type CaptureThreadSettings, type DropReason, type Settlement } from './protocol.js';
import { BatchEncoder } from './wire.js';


/** How often at most a line says records were dropped for one reason. */
const DROP_LOG_MS = 5000;
/**
 * Drops logged as they grow (counts only: no URL, no Redis reply). `redis-down` has its own line when Redis goes,
 * `record-error` the thread's failure, `shutdown` the proxy's last line.
 */
const LOGGED_DROPS: [DropReason, string][] = [
  ['redis-error', 'capture dropped records: Redis refused the writes (out of memory, read-only?); production is served as before; count is since the last such line'],
  ['buffer-full', 'capture dropped records: the capture buffer was full (Redis too slow for this traffic?); production is served as before; count is since the last such line'],
  ['anonymiser-error', 'capture dropped records the anonymiser could not read; production is served as before; count is since the last such line'],
];
/** A batch leaves for the capture thread at this size even before its delay. */
const BATCH_BYTES = 1 << 20;
/** How often the shadow gate's counters go to the capture thread (for the per-minute buckets in Redis). */
const SHADOW_COUNTERS_MS = 1000;

/**
 * The capture writer: an ExchangeSink whose `offer` checks a bounded buffer
 * and copies the exchange into the current batch (wire.ts), so nothing of
 * it stays referenced on the request thread. Batches leave every 20 ms (or
 * at 512 exchanges or 1 MiB) for the capture thread (backend.ts), which
 * builds, anonymises, encodes and XADDs them. When Redis is slow or down the
 * buffer fills and further exchanges are dropped and counted — traffic is
 * never slowed or failed.
 *
 * In shadow mode the writer also carries the exchanges the shadow gate
 * admits: each is copied into the same batch once, marked for capture,
 * shadow or both, and its record is built and anonymised once on the capture
 * thread for both jobs. A paused writer still carries shadow work.
 */

export interface CaptureWriterOptions extends CaptureThreadSettings {
  /** Exchanges held (queued, or on the capture thread unwritten) before dropping. */
  bufferMaxRecords: number;
  /** Bytes those exchanges may hold before dropping. */
  bufferMaxBytes: number;
  /** Default 'thread'. */
  mode?: CaptureMode;
  /** Exchanges per batch sent to the thread; default 512. */
  batchRecords?: number;
  /** Longest wait before a partial batch is sent, ms; default 20. */
  batchDelayMs?: number;
  /** Shadow mode: the gate that admits exchanges to the shadow queue. */
  shadowGate?: ShadowGate;
  logger?: Logger;
}

/** Counters of the writer, for /metrics and session stats. */
export interface CaptureStats {
  /** Exchanges offered to the writer. */
  offered: number;
  /** Records written to Redis. */
  written: number;
  dropped: Record<DropReason, number>;
  /** Exchanges buffered and not yet written. */
  bufferRecords: number;
  bufferBytes: number;
  redisUp: boolean;
}

export class CaptureWriter implements ExchangeSink {
  readonly name = 'capture';
  /** Set by the admin plane: a paused writer captures nothing (it still carries shadow work). */
  paused = false;
  readonly #opts: Required<Pick<CaptureWriterOptions, 'bufferMaxRecords' | 'bufferMaxBytes' | 'batchRecords' | 'batchDelayMs'>>;
  readonly #settings: CaptureWriterOptions;
  readonly #log: Logger;
  readonly #shadow: ShadowGate | undefined;
  readonly #shadowTick: NodeJS.Timeout | undefined;
  #backend: CaptureBackend;
  /** Exchanges offered and not yet sent, already copied into the wire format. */
  #batch: BatchEncoder | undefined;
  #batchCharged = 0;
  /** Id of the batch being filled. */
  #batchId = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #restarting = false;
  /** Charged records and bytes per batch posted and not yet settled, oldest first. */
  #inFlight: { records: number; bytes: number }[] = [];
  readonly #stats: CaptureStats = { offered: 0, written: 0, dropped: zeroDrops(), bufferRecords: 0, bufferBytes: 0, redisUp: false };
  /** Lines saying records were dropped while Redis was connected (its loss has a line of its own). */
  readonly #dropLogs: GrowthLog[];

  constructor(opts: CaptureWriterOptions) {
    this.#settings = opts;
    this.#opts = { batchRecords: 512, batchDelayMs: 20, ...opts };
    this.#log = opts.logger ?? silentLogger;
    this.#shadow = opts.shadowGate;
    this.#backend = this.#start();
    this.#dropLogs = LOGGED_DROPS.map(([reason, msg]) => logGrowth(this.#log, { count: () => this.#stats.dropped[reason], everyMs: DROP_LOG_MS, fields: { reason }, msg }));
    const gate = this.#shadow;
    if (gate) this.#shadowTick = setInterval(() => this.#backend.shadowCounters(gate.counters()), SHADOW_COUNTERS_MS).unref();
    // what was admitted before a pause is enqueued now rather than at the end of the enqueuer's wait
    gate?.onPause(() => {
      if (this.#closed) return;
      this.#send();
      this.#backend.shadowSend();
    });
  }

  #start(): CaptureBackend {
    const { bufferMaxRecords: _r, bufferMaxBytes: _b, mode, batchRecords: _n, batchDelayMs: _d, logger: _l, shadowGate, ...settings } = this.#settings;
    return startBackend(mode ?? 'thread', shadowGate ? { ...settings, shadow: shadowGate.stage } : settings, {
      settled: (s) => this.#settled(s),
      redis: (up) => {
        if (up !== this.#stats.redisUp && !this.#closed) this.#log[up ? 'info' : 'warn'](up ? 'capture connected to Redis' : 'capture lost Redis; buffering, then dropping and counting');
        this.#stats.redisUp = up;
      },
      shadowSettled: (settlement) => this.#shadow?.settled(settlement),
      shadowDepth: (depth) => this.#shadow?.depth(depth),
      failed: (err) => this.#failed(err),
    });
  }

  accepts(): boolean {
    return !this.#closed && (!this.paused || this.#shadow !== undefined);
  }

  offer(e: Exchange): void {
    const s = this.#stats;
    const bytes = exchangeBytes(e);
    const capture = !this.paused;
    const shadow = this.#shadow?.admits(e, bytes) === true;
    if (capture) s.offered++;
    if (!capture && !shadow) return;
    if (s.bufferRecords + 1 > this.#opts.bufferMaxRecords || s.bufferBytes + bytes > this.#opts.bufferMaxBytes) {
      if (capture) s.dropped[s.redisUp ? 'buffer-full' : 'redis-down']++;
      if (shadow) this.#shadow.dropped('buffer-full');
      return;
    }
    s.bufferRecords++;
    s.bufferBytes += bytes;
    const batch = (this.#batch ??= new BatchEncoder());
    batch.add(e, (capture ? TO_CAPTURE : 0) | (shadow ? TO_SHADOW : 0));
    if (shadow) this.#shadow.took(this.#batchId, bytes);
    this.#batchCharged += bytes;
    if (batch.count >= this.#opts.batchRecords || batch.bytes >= BATCH_BYTES) this.#send();
    else this.#timer ??= setTimeout(() => this.#send(), this.#opts.batchDelayMs);
  }

  stats(): CaptureStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } };
  }

  #send(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#batch;
    if (!batch || this.#restarting) return;
    this.#inFlight.push({ records: batch.count, bytes: this.#batchCharged });
    this.#backend.post(this.#batchId++, batch.finish(this.#batchCharged));
    this.#batch = undefined;
    this.#batchCharged = 0;
  }

  #settled(s: Settlement): void {
    this.#inFlight.shift();
    this.#stats.bufferRecords -= s.records;
    this.#stats.bufferBytes -= s.bytes;
    this.#stats.written += s.written;
    for (const [reason, n] of Object.entries(s.dropped) as [DropReason, number][]) this.#stats.dropped[reason] += n;
  }

  /** The capture thread died: what it held is lost; start a new one. */
  #failed(err: Error): void {
    this.#log.error({ err: errorText(err) }, 'capture thread failed; restarting it');
    for (const b of this.#inFlight.splice(0)) {
      this.#stats.bufferRecords -= b.records;
      this.#stats.bufferBytes -= b.bytes;
      this.#stats.dropped['record-error'] += b.records;
    }
    this.#shadow?.lost();
    this.#stats.redisUp = false;
    if (this.#closed || this.#restarting) return;
    // a thread that fails at once must not spin: restart after a pause, keep queuing meanwhile
    this.#restarting = true;
    setTimeout(() => {
      this.#restarting = false;
      if (this.#closed) return;
      this.#backend = this.#start();
      this.#send();
    }, 1000).unref();
  }

  /**
   * Stops accepting, sends what is queued and waits for it to be written, at
   * most `timeoutMs`. What is left is counted as dropped ('shutdown').
   */
  async close(timeoutMs: number): Promise<CaptureStats> {
    if (this.#closed) return this.stats();
    this.#closed = true;
    clearInterval(this.#shadowTick);
    this.#send();
    await this.#backend.close(timeoutMs, this.#shadow?.counters());
    this.#shadow?.abandon();
    for (const l of this.#dropLogs) l.stop();
    const left = this.#stats.bufferRecords;
    if (left > 0) {
      this.#stats.dropped.shutdown += left;
      this.#stats.bufferRecords = 0;
      this.#stats.bufferBytes = 0;
    }
    return this.stats();
  }
}

function zeroDrops(): Record<DropReason, number> {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
}
