import type { Redis } from 'ioredis';
import { createRecordAnonymiser, type RecordAnonymiser } from '../anonymise/index.js';
import type { ShadowCounters, ShadowDropReason } from '../shadow/counters.js';
import type { MirroredRequest } from '../shadow/job.js';
import type { ShadowStage } from '../shadow/stage.js';
import type { CaptureRecord } from '../record/schema.js';
import { StreamAppender, type PendingRecord } from './appender.js';
import type { ExchangeBatch } from './batch.js';
import { finishExchange } from './finish.js';
import { TO_CAPTURE, TO_SHADOW, type CaptureThreadSettings, type DropReason, type Settlement } from './protocol.js';

/**
 * What happens to a batch of exchanges off the request path: build each
 * record and anonymise it once (raw personal data never goes further), then
 * hand it to the StreamAppender, to the shadow stage (shadow mode), or both,
 * as the batch says. Each batch is settled once all its records were written
 * or dropped, which releases its share of the writer's buffer; the shadow
 * stage settles its share with the shadow gate on its own.
 */
export class CapturePipeline {
  readonly appender: StreamAppender;
  readonly #anonymise: RecordAnonymiser;
  readonly #settings: CaptureThreadSettings;
  readonly #onSettled: (s: Settlement) => void;
  readonly #shadow: ShadowStage | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(redis: Redis, settings: CaptureThreadSettings, onSettled: (s: Settlement) => void, shadow?: ShadowStage) {
    this.#settings = settings;
    this.#onSettled = onSettled;
    this.#shadow = shadow;
    this.#anonymise = createRecordAnonymiser({ key: settings.anonKey, rules: settings.anonRules });
    this.appender = new StreamAppender(redis, {
      maxLen: settings.streamMaxLen,
      retentionSeconds: settings.retentionSeconds,
      ...(settings.upstream !== undefined ? { upstream: settings.upstream } : {}),
    });
  }

  /** Batches are built in arrival order so records keep their order in the stream. */
  accept(id: number, batch: ExchangeBatch): void {
    this.#chain = this.#chain.then(() => this.#build(id, batch));
  }

  /** Mirroring was paused: once the batches accepted before are built, the shadow work waiting for a flush goes. */
  shadowSend(): void {
    this.#chain = this.#chain.then(() => this.#shadow?.sendNow());
  }

  async #build(id: number, batch: ExchangeBatch): Promise<void> {
    const settlement: Settlement = { records: batch.exchanges.length, bytes: batch.charged, written: 0, dropped: {} };
    let open = 0;
    for (const e of batch.exchanges) if (e.to & TO_CAPTURE) open++;
    const settle = (outcome: 'written' | DropReason) => {
      if (outcome === 'written') settlement.written++;
      else settlement.dropped[outcome] = (settlement.dropped[outcome] ?? 0) + 1;
      if (--open === 0) this.#onSettled(settlement);
    };
    if (open === 0) this.#onSettled(settlement);
    const pending: PendingRecord[] = [];
    const mirrored: { record: CaptureRecord; raw: MirroredRequest | undefined }[] = [];
    const failed: Partial<Record<ShadowDropReason, number>> = {};
    const fail = (e: { to: number }, reason: 'record-error' | 'anonymiser-error') => {
      if (e.to & TO_CAPTURE) settle(reason);
      if (e.to & TO_SHADOW) failed[reason] = (failed[reason] ?? 0) + 1;
    };
    for (const e of batch.exchanges) {
      let record: CaptureRecord;
      try {
        record = await finishExchange(batch, e, this.#settings.maxBodyBytes);
      } catch {
        fail(e, 'record-error');
        continue;
      }
      const shadow = e.to & TO_SHADOW ? this.#shadow : undefined;
      const raw = shadow?.keepRaw(record);
      try {
        record = this.#anonymise(record);
      } catch {
        fail(e, 'anonymiser-error'); // never stored nor mirrored: what the anonymiser could not clean goes nowhere
        continue;
      }
      if (e.to & TO_CAPTURE) pending.push({ record, settle });
      if (shadow) mirrored.push({ record, raw });
    }
    if (pending.length > 0) this.appender.push(pending);
    this.#shadow?.accept(id, mirrored, failed);
  }

  /**
   * Waits until every accepted batch is written, at most `timeoutMs` (not at
   * all while Redis is down); what is still queued then is dropped as
   * 'shutdown'; then the shadow stage does the same with what is left of
   * the time and reports `shadowFinal`. Returns the number of records dropped.
   */
  async flush(timeoutMs: number, shadowFinal?: ShadowCounters): Promise<number> {
    const start = Date.now();
    let timer: NodeJS.Timeout | undefined;
    // with Redis down there is nothing to wait for: stop promptly
    const wait = this.appender.unreachable ? 0 : timeoutMs;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, wait)));
    await Promise.race([this.#chain.then(() => this.appender.drained()), deadline]);
    clearTimeout(timer);
    const left = this.appender.takeAll();
    for (const p of left) p.settle('shutdown');
    await this.#shadow?.flush(Math.max(0, wait - (Date.now() - start)), shadowFinal);
    return left.length;
  }
}
