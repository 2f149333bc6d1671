import type { Worker } from 'node:worker_threads';
import { exchangeBytes, packBatch } from '../capture/batch.js';
import type { Exchange, ExchangeSink } from '../capture/exchange.js';
import { errorText } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { zeroCounters, type ShadowCounters } from './counters.js';
import type { FromShadowThread, ShadowSettlement, ShadowThreadSettings } from './protocol.js';
import type { ShadowPolicy } from './rules.js';
import { startModuleThread } from '../thread.js';

/**
 * The proxy side of shadow mode: an ExchangeSink beside capture. `offer`
 * runs on the request thread after production answered; it only checks the
 * shadow rules and the bounds and appends to an array. Batches leave every
 * few milliseconds for the shadow thread (thread.ts), which builds,
 * anonymises and enqueues them. Past the queue-depth bound, or while the
 * thread is behind, shadow work is dropped and counted — production never
 * waits for it.
 */

export interface ShadowSinkOptions {
  thread: ShadowThreadSettings;
  policy: ShadowPolicy;
  /** Waiting jobs past which new shadow work is dropped (approximate: the depth is read every 250 ms). */
  maxQueue: number;
  /** Exchanges handed to the thread and not yet enqueued, before dropping. Default 1000. */
  maxInFlight?: number;
  /** Bytes those may hold. Default 32 MiB. */
  maxInFlightBytes?: number;
  logger?: Logger;
}

const BATCH = 128;
// Shadow work is not urgent: fuller batches cost less per exchange (fewer messages, fewer jobs).
const BATCH_DELAY_MS = 10;
const COUNTERS_MS = 1000;

export class ShadowSink implements ExchangeSink {
  readonly name = 'shadow';
  readonly #opts: ShadowSinkOptions;
  readonly #log: Logger;
  readonly #counters = zeroCounters();
  #thread: Worker;
  #pending: Exchange[] = [];
  #pendingBodyBytes = 0;
  #inFlightBytes = 0;
  /** Batches posted and not yet settled, by sequence number. */
  readonly #batches = new Map<number, { records: number; bytes: number }>();
  #nextBatch = 0;
  /** Jobs enqueued since the thread last read the queue depth. */
  #sinceDepth = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #tick: NodeJS.Timeout;
  #closed = false;
  #restarting = false;
  #flushed: (() => void) | undefined;

  constructor(opts: ShadowSinkOptions) {
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger;
    this.#thread = this.#start();
    this.#tick = setInterval(() => this.#thread.postMessage({ type: 'counters', counters: this.counters() }), COUNTERS_MS).unref();
  }

  accepts(): boolean {
    return !this.#closed;
  }

  offer(e: Exchange): void {
    const c = this.#counters;
    c.offered++;
    const skip = this.#opts.policy.skip(e.method, e.url);
    if (skip) return void c.skipped[skip]++;
    if (e.status === undefined || e.error || e.upgrade) return void c.skipped['no-response']++;
    if (e.reqBody.truncated) return void c.skipped.incomplete++;
    if (c.queueDepth + this.#sinceDepth + c.inFlight >= this.#opts.maxQueue) return void c.dropped['queue-full']++;
    const bytes = exchangeBytes(e);
    if (this.#closed || c.inFlight >= (this.#opts.maxInFlight ?? 1000) || this.#inFlightBytes + bytes > (this.#opts.maxInFlightBytes ?? 32 << 20)) {
      return void c.dropped['buffer-full']++;
    }
    c.inFlight++;
    this.#inFlightBytes += bytes;
    this.#pending.push(e);
    this.#pendingBodyBytes += e.reqBody.kept + (e.resBody?.kept ?? 0);
    if (this.#pending.length >= BATCH) this.#send();
    else this.#timer ??= setTimeout(() => this.#send(), BATCH_DELAY_MS);
  }

  /** A copy of the counters, for /metrics and the admin page. */
  counters(): ShadowCounters {
    const c = this.#counters;
    return { ...c, queueDepth: c.queueDepth + this.#sinceDepth, skipped: { ...c.skipped }, dropped: { ...c.dropped } };
  }

  #send(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0 || this.#restarting) return;
    const charged = this.#pending.reduce((n, e) => n + exchangeBytes(e), 0);
    const batch = packBatch(this.#pending, this.#pendingBodyBytes, charged);
    const id = this.#nextBatch++;
    this.#batches.set(id, { records: this.#pending.length, bytes: charged });
    this.#pending = [];
    this.#pendingBodyBytes = 0;
    this.#thread.postMessage({ type: 'batch', id, batch }, [batch.arena]);
  }

  #settled(s: ShadowSettlement): void {
    const b = this.#batches.get(s.id);
    if (!b) return; // counted as lost when its thread failed
    this.#batches.delete(s.id);
    const c = this.#counters;
    c.inFlight -= b.records;
    this.#inFlightBytes -= b.bytes;
    c.enqueued += s.enqueued;
    this.#sinceDepth += s.enqueued;
    for (const [reason, n] of Object.entries(s.dropped) as [keyof ShadowCounters['dropped'], number][]) c.dropped[reason] += n;
  }

  #start(): Worker {
    const w = spawnThread(this.#opts.thread);
    w.on('message', (m: FromShadowThread) => {
      if (m.type === 'settled') this.#settled(m.settlement);
      else if (m.type === 'depth') {
        this.#counters.queueDepth = m.depth;
        this.#sinceDepth = 0;
      } else this.#flushed?.();
    });
    w.on('error', (err) => this.#failed(err));
    w.on('exit', (code) => {
      this.#flushed?.();
      this.#failed(new Error(`shadow thread exited with code ${code}`));
    });
    return w;
  }

  /** The thread died: what it held is lost and counted; a new one starts after a pause. */
  #failed(err: Error): void {
    if (this.#closed) return;
    this.#log.error({ err: errorText(err) }, 'shadow thread failed; restarting it');
    for (const b of this.#batches.values()) {
      this.#counters.inFlight -= b.records;
      this.#inFlightBytes -= b.bytes;
      this.#counters.dropped['record-error'] += b.records;
    }
    this.#batches.clear();
    if (this.#restarting) return;
    this.#restarting = true;
    setTimeout(() => {
      this.#restarting = false;
      if (this.#closed) return;
      this.#thread = this.#start();
      this.#send();
    }, 1000).unref();
  }

  /** Stops accepting, enqueues what is held (at most `timeoutMs`) and stops the thread. */
  async close(timeoutMs: number): Promise<ShadowCounters> {
    if (this.#closed) return this.counters();
    this.#send();
    this.#closed = true;
    clearInterval(this.#tick);
    const done = new Promise<void>((resolve) => (this.#flushed = resolve));
    this.#thread.postMessage({ type: 'flush', timeoutMs, counters: this.counters() });
    const cap = setTimeout(() => this.#flushed?.(), timeoutMs + 1000);
    await done;
    clearTimeout(cap);
    await this.#thread.terminate();
    return this.counters();
  }
}

/** The thread: thread.ts from sources, thread.js once compiled (shared/thread.ts). */
function spawnThread(settings: ShadowThreadSettings): Worker {
  return startModuleThread(import.meta.url, './thread', settings);
}
