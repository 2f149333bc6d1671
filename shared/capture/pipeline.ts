import type { Redis } from 'ioredis';
import { createRecordAnonymiser, type RecordAnonymiser } from '../anonymise/index.js';
import type { CaptureRecord } from '../record/schema.js';
import { StreamAppender, type PendingRecord } from './appender.js';
import type { ExchangeBatch } from './batch.js';
import { finishExchange } from './finish.js';
import type { CaptureThreadSettings, DropReason, Settlement } from './protocol.js';

/**
 * What happens to a batch of exchanges off the request path: build each
 * record, anonymise it (raw personal data never goes further), and hand it
 * to the StreamAppender. Each batch is settled once all its records were
 * written or dropped, which releases its share of the writer's buffer.
 */
export class CapturePipeline {
  readonly appender: StreamAppender;
  readonly #anonymise: RecordAnonymiser;
  readonly #settings: CaptureThreadSettings;
  readonly #onSettled: (s: Settlement) => void;
  #chain: Promise<void> = Promise.resolve();

  constructor(redis: Redis, settings: CaptureThreadSettings, onSettled: (s: Settlement) => void) {
    this.#settings = settings;
    this.#onSettled = onSettled;
    this.#anonymise = createRecordAnonymiser({ key: settings.anonKey, rules: settings.anonRules });
    this.appender = new StreamAppender(redis, { maxLen: settings.streamMaxLen, retentionSeconds: settings.retentionSeconds });
  }

  /** Batches are built in arrival order so records keep their order in the stream. */
  accept(batch: ExchangeBatch): void {
    this.#chain = this.#chain.then(() => this.#build(batch));
  }

  async #build(batch: ExchangeBatch): Promise<void> {
    const settlement: Settlement = { records: batch.exchanges.length, bytes: batch.charged, written: 0, dropped: {} };
    let open = batch.exchanges.length;
    const settle = (outcome: 'written' | DropReason) => {
      if (outcome === 'written') settlement.written++;
      else settlement.dropped[outcome] = (settlement.dropped[outcome] ?? 0) + 1;
      if (--open === 0) this.#onSettled(settlement);
    };
    if (open === 0) return this.#onSettled(settlement);
    const pending: PendingRecord[] = [];
    for (const e of batch.exchanges) {
      let record: CaptureRecord;
      try {
        record = await finishExchange(batch, e, this.#settings.maxBodyBytes);
      } catch {
        settle('record-error');
        continue;
      }
      try {
        record = this.#anonymise(record);
      } catch {
        settle('anonymiser-error');
        continue;
      }
      pending.push({ record, settle });
    }
    this.appender.push(pending);
  }

  /**
   * Waits until every accepted batch is written, at most `timeoutMs` (not at
   * all while Redis is down); what is still queued then is dropped as
   * 'shutdown'. Returns the number dropped.
   */
  async flush(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    // with Redis down there is nothing to wait for: stop promptly
    const wait = this.appender.unreachable ? 0 : timeoutMs;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, wait)));
    await Promise.race([this.#chain.then(() => this.appender.drained()), deadline]);
    clearTimeout(timer);
    const left = this.appender.takeAll();
    for (const p of left) p.settle('shutdown');
    return left.length;
  }
}
