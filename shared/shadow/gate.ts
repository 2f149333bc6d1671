import type { Exchange } from '../capture/exchange.js';
import { zeroCounters, type ShadowCounters, type ShadowDropReason, type ShadowSkipReason } from './counters.js';
import type { ShadowSettlement, ShadowStageSettings } from './protocol.js';
import type { ShadowPolicy } from './rules.js';

/**
 * The request thread's half of shadow mode. The capture writer asks it, for
 * each sampled exchange after production answered, whether the exchange is
 * mirrored: it checks the shadow rules and the bounds and counts what it
 * skips and drops — nothing more. A mirrored exchange rides in the capture
 * writer's batch to the capture thread, where the record is built and
 * anonymised once for both jobs and then enqueued (stage.ts). Past the
 * queue-depth bound, or while too much is still in flight, shadow work is
 * dropped and counted: production never waits for it.
 */

export interface ShadowGateOptions {
  /** What the capture thread needs to enqueue shadow jobs. Holds a secret (the sealing key): never log it. */
  stage: ShadowStageSettings;
  policy: ShadowPolicy;
  /** Waiting jobs past which new shadow work is dropped (approximate: the depth is read every 250 ms). */
  maxQueue: number;
  /** Exchanges handed to the capture thread and not yet enqueued, before dropping. Default 1000. */
  maxInFlight?: number;
  /** Bytes those may hold. Default 32 MiB. */
  maxInFlightBytes?: number;
}

export class ShadowGate {
  readonly stage: ShadowStageSettings;
  readonly #opts: ShadowGateOptions;
  readonly #counters = zeroCounters();
  #inFlightBytes = 0;
  /** Mirrored exchanges per batch posted and not yet settled, by batch id. */
  readonly #batches = new Map<number, { records: number; bytes: number }>();
  /** Jobs enqueued since the capture thread last read the queue depth. */
  #sinceDepth = 0;
  #paused = false;
  #onPause: (() => void) | undefined;

  constructor(opts: ShadowGateOptions) {
    this.#opts = opts;
    this.stage = opts.stage;
  }

  /** Mirroring paused from the admin plane (POST /shadow/pause): sampled exchanges are counted as skipped ('paused'). */
  get paused(): boolean {
    return this.#paused;
  }

  set paused(on: boolean) {
    const pausing = on && !this.#paused;
    this.#paused = on;
    if (pausing) this.#onPause?.();
  }

  /** Called when mirroring is paused: the capture writer then sends what is admitted on to be enqueued at once. */
  onPause(fn: () => void): void {
    this.#onPause = fn;
  }

  /** Counts the exchange as offered; true when it is to be mirrored and fits the bounds (`bytes` is its buffered size). */
  admits(e: Exchange, bytes: number): boolean {
    const c = this.#counters;
    c.offered++;
    const skip = this.#paused ? 'paused' : (this.#opts.policy.skip(e.method, e.url) ?? this.#unfit(e));
    if (skip) {
      c.skipped[skip]++;
      return false;
    }
    const drop = this.#overBound(bytes);
    if (drop) {
      c.dropped[drop]++;
      return false;
    }
    return true;
  }

  #unfit(e: Exchange): ShadowSkipReason | undefined {
    if (e.status === undefined || e.error || e.upgrade) return 'no-response';
    return e.reqBody.truncated ? 'incomplete' : undefined;
  }

  #overBound(bytes: number): ShadowDropReason | undefined {
    const c = this.#counters;
    if (c.queueDepth + this.#sinceDepth + c.inFlight >= this.#opts.maxQueue) return 'queue-full';
    const full = c.inFlight >= (this.#opts.maxInFlight ?? 1000) || this.#inFlightBytes + bytes > (this.#opts.maxInFlightBytes ?? 32 << 20);
    return full ? 'buffer-full' : undefined;
  }

  /** An admitted exchange joined batch `batch`. */
  took(batch: number, bytes: number): void {
    this.#counters.inFlight++;
    this.#inFlightBytes += bytes;
    const b = this.#batches.get(batch);
    if (b) {
      b.records++;
      b.bytes += bytes;
    } else this.#batches.set(batch, { records: 1, bytes });
  }

  /** An admitted exchange could not be buffered after all. */
  dropped(reason: ShadowDropReason): void {
    this.#counters.dropped[reason]++;
  }

  /** The capture thread enqueued (or dropped) a batch's mirrored exchanges. */
  settled(s: ShadowSettlement): void {
    const b = this.#batches.get(s.id);
    if (!b) return; // counted as lost when its thread failed
    this.#batches.delete(s.id);
    const c = this.#counters;
    c.inFlight -= b.records;
    this.#inFlightBytes -= b.bytes;
    c.enqueued += s.enqueued;
    this.#sinceDepth += s.enqueued;
    for (const [reason, n] of Object.entries(s.dropped) as [ShadowDropReason, number][]) c.dropped[reason] += n;
  }

  /** The shadow queue's depth in exchanges, as the capture thread last read it. */
  depth(n: number): void {
    this.#counters.queueDepth = n;
    this.#sinceDepth = 0;
  }

  /** The capture thread died: what it held is lost and counted. */
  lost(): void {
    for (const b of this.#batches.values()) {
      this.#counters.inFlight -= b.records;
      this.#inFlightBytes -= b.bytes;
      this.#counters.dropped['record-error'] += b.records;
    }
    this.#batches.clear();
  }

  /** The proxy stopped with batches unsettled: they are dropped as 'shutdown'. */
  abandon(): void {
    for (const b of this.#batches.values()) {
      this.#counters.inFlight -= b.records;
      this.#inFlightBytes -= b.bytes;
      this.#counters.dropped.shutdown += b.records;
    }
    this.#batches.clear();
  }

  /** A copy of the counters, for /metrics, the admin page and the per-minute buckets. */
  counters(): ShadowCounters {
    const c = this.#counters;
    return { ...c, queueDepth: c.queueDepth + this.#sinceDepth, skipped: { ...c.skipped }, dropped: { ...c.dropped } };
  }
}
