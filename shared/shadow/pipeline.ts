import type { Redis } from 'ioredis';
import { createRecordAnonymiser, type RecordAnonymiser } from '../anonymise/index.js';
import type { ExchangeBatch } from '../capture/batch.js';
import { finishExchange } from '../capture/finish.js';
import type { CaptureRecord } from '../record/schema.js';
import { ShadowEnqueuer, type EnqueueOutcome } from './enqueuer.js';
import type { MirroredRequest } from './job.js';
import type { ShadowCounters, ShadowDropReason } from './counters.js';
import type { ShadowSettlement, ShadowThreadSettings } from './protocol.js';

/**
 * What the shadow thread does with a batch of exchanges: build each record
 * (the same way capture does), keep a copy of the raw request only when raw
 * mirroring is on, anonymise the record, and hand both to the enqueuer.
 */
export class ShadowPipeline {
  readonly #enqueuer: ShadowEnqueuer;
  readonly #anonymise: RecordAnonymiser;
  readonly #settings: ShadowThreadSettings;
  readonly #onSettled: (s: ShadowSettlement) => void;
  #chain: Promise<void> = Promise.resolve();
  #reporting: Promise<void> = Promise.resolve();

  constructor(redis: Redis, settings: ShadowThreadSettings, events: { settled: (s: ShadowSettlement) => void; depth: (n: number) => void }) {
    this.#settings = settings;
    this.#onSettled = events.settled;
    this.#anonymise = createRecordAnonymiser({ key: settings.anonKey, rules: settings.anonRules });
    const opts = { connection: redis, destination: settings.destination, retentionSeconds: settings.retentionSeconds, onDepth: events.depth };
    this.#enqueuer = new ShadowEnqueuer(settings.raw ? { ...opts, raw: settings.raw } : opts);
  }

  /** Batches are built in arrival order; `id` comes back with the batch's settlement. */
  accept(id: number, batch: ExchangeBatch): void {
    this.#chain = this.#chain.then(() => this.#build(id, batch));
  }

  reportCounters(c: ShadowCounters): void {
    this.#reporting = this.#reporting.then(() => this.#enqueuer.reportCounters(c));
  }

  async #build(id: number, batch: ExchangeBatch): Promise<void> {
    const settlement: ShadowSettlement = { id, records: batch.exchanges.length, enqueued: 0, dropped: {} };
    let open = batch.exchanges.length;
    const settle = (outcome: EnqueueOutcome | ShadowDropReason) => {
      if (outcome === 'enqueued') settlement.enqueued++;
      else settlement.dropped[outcome] = (settlement.dropped[outcome] ?? 0) + 1;
      if (--open === 0) this.#onSettled(settlement);
    };
    if (open === 0) return this.#onSettled(settlement);
    for (const e of batch.exchanges) {
      let record: CaptureRecord;
      try {
        record = await finishExchange(batch, e, this.#settings.maxBodyBytes);
      } catch {
        settle('record-error');
        continue;
      }
      const raw = this.#settings.raw ? rawRequest(record) : undefined;
      try {
        record = this.#anonymise(record);
      } catch {
        settle('anonymiser-error'); // never mirror what the anonymiser could not clean
        continue;
      }
      this.#enqueuer.offer(record, raw, settle);
    }
  }

  /** Waits for accepted batches to be enqueued, at most `timeoutMs` (the rest is settled as 'shutdown'), then reports `final`. */
  async flush(timeoutMs: number, final: ShadowCounters): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#chain, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    for (const p of await this.#enqueuer.close(Math.max(0, deadline - Date.now()))) p.settle('shutdown');
    this.reportCounters(final);
    await this.#reporting;
  }
}

/** The request as the client sent it (a copy: the anonymiser works on the record next). */
function rawRequest(r: CaptureRecord): MirroredRequest {
  // a body decoded from gzip/br/deflate at capture is sent decoded, so its Content-Encoding goes
  const headers = r.req.body.decodedFrom ? r.req.headers.filter(([k]) => k !== 'content-encoding') : r.req.headers.map(([k, v]): [string, string] => [k, v]);
  return { method: r.method, url: r.url, headers, body: Buffer.from(r.req.body.bytes) };
}
