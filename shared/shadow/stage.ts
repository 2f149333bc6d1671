import type { Redis } from 'ioredis';
import type { CaptureRecord } from '../record/schema.js';
import type { ShadowCounters, ShadowDropReason } from './counters.js';
import { ShadowEnqueuer, type EnqueueOutcome } from './enqueuer.js';
import type { MirroredRequest } from './job.js';
import type { ShadowSettlement, ShadowStageSettings } from './protocol.js';

/**
 * Shadow mode's half on the capture thread. The capture pipeline builds and
 * anonymises each record once; the records of exchanges the gate (gate.ts)
 * admitted come here with, when raw mirroring is on, a copy of the request
 * taken before the anonymiser ran. They go to the enqueuer, and each batch
 * is settled back to the gate once all its exchanges were enqueued or
 * dropped.
 */
export class ShadowStage {
  readonly #enqueuer: ShadowEnqueuer;
  readonly #raw: boolean;
  readonly #onSettled: (s: ShadowSettlement) => void;
  #reporting: Promise<void> = Promise.resolve();

  constructor(redis: Redis, settings: ShadowStageSettings, events: { settled: (s: ShadowSettlement) => void; depth: (n: number) => void }) {
    this.#onSettled = events.settled;
    this.#raw = settings.raw !== undefined;
    const opts = { connection: redis, destination: settings.destination, retentionSeconds: settings.retentionSeconds, onDepth: events.depth, ...(settings.flushDelayMs ? { flushDelayMs: settings.flushDelayMs } : {}) };
    this.#enqueuer = new ShadowEnqueuer(settings.raw ? { ...opts, raw: settings.raw } : opts);
  }

  /** The request as the client sent it, when raw mirroring is on; taken before the record is anonymised. */
  keepRaw(record: CaptureRecord): MirroredRequest | undefined {
    return this.#raw ? rawRequest(record) : undefined;
  }

  /** Batch `id`'s mirrored records, and how many of its mirrored exchanges failed before they were records. */
  accept(id: number, mirrored: readonly { record: CaptureRecord; raw: MirroredRequest | undefined }[], failed: Partial<Record<ShadowDropReason, number>>): void {
    const settlement: ShadowSettlement = { id, records: mirrored.length, enqueued: 0, dropped: { ...failed } };
    for (const n of Object.values(failed)) settlement.records += n;
    let open = mirrored.length;
    if (open === 0) return this.#onSettled(settlement);
    const settle = (outcome: EnqueueOutcome) => {
      if (outcome === 'enqueued') settlement.enqueued++;
      else settlement.dropped[outcome] = (settlement.dropped[outcome] ?? 0) + 1;
      if (--open === 0) this.#onSettled(settlement);
    };
    for (const m of mirrored) this.#enqueuer.offer(m.record, m.raw, settle);
  }

  /** Enqueues what waits for a flush now: mirroring was paused, and no more is coming to join it. */
  sendNow(): void {
    this.#enqueuer.sendNow();
  }

  /** Adds the gate's counters to Redis' per-minute buckets (what `parity shadow status` reads). */
  reportCounters(c: ShadowCounters): void {
    this.#reporting = this.#reporting.then(() => this.#enqueuer.reportCounters(c));
  }

  /** Enqueues what is held, at most `timeoutMs` (the rest is settled as 'shutdown'), then reports `final` when given. */
  async flush(timeoutMs: number, final?: ShadowCounters): Promise<void> {
    for (const p of await this.#enqueuer.close(timeoutMs)) p.settle('shutdown');
    if (final) this.reportCounters(final);
    await this.#reporting;
  }
}

/** The request as the client sent it (a copy: the anonymiser works on the record next). */
function rawRequest(r: CaptureRecord): MirroredRequest {
  // a body decoded from gzip/br/deflate at capture is sent decoded, so its Content-Encoding goes
  const headers = r.req.body.decodedFrom ? r.req.headers.filter(([k]) => k !== 'content-encoding') : r.req.headers.map(([k, v]): [string, string] => [k, v]);
  return { method: r.method, url: r.url, headers, body: Buffer.from(r.req.body.bytes) };
}
