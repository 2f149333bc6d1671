import type { Redis } from 'ioredis';
import { decodeRecord, RECORD_FIELD } from '../record/codec.js';
import type { CaptureRecord } from '../record/schema.js';
import { keys } from '../redis/keys.js';

/**
 * Record ids in an import. Ids the importer draws for records that come
 * without one (browser HARs, .gor files) are unique. Ids a file carries
 * (NDJSON, a Parity HAR's `_parity.id`) are kept, unless another record of
 * the import or of the session already has the id: bodies over 4 KiB are
 * stored under the record's id, so the second record replaced the first
 * one's body. Such a record gets a fresh id instead.
 *
 * Cost: the ids a file carries are held in a Set for the whole import
 * (about 100 bytes each), and the first such id read makes the session's
 * existing ids be read too, when it has records (one pass over its stream).
 */
export class ImportIds {
  readonly #redis: Redis;
  readonly #session: string;
  readonly #draw: (tsUs: number) => string;
  /** Ids drawn and not yet claimed: at most about a batch. */
  readonly #drawn = new Set<string>();
  readonly #taken = new Set<string>();
  #sessionRead: boolean;
  /** Records given a fresh id because theirs was taken. */
  renamed = 0;

  constructor(redis: Redis, session: string, draw: (tsUs: number) => string, sessionHasRecords: boolean) {
    this.#redis = redis;
    this.#session = session;
    this.#draw = draw;
    this.#sessionRead = !sessionHasRecords;
  }

  /** A fresh id for a record without one (HarReadOptions.newId, GorReadOptions.newId). */
  readonly fresh = (tsUs: number): string => {
    const id = this.#draw(tsUs);
    this.#drawn.add(id);
    return id;
  };

  /** Gives each record of `batch` whose id is taken a fresh one; call before appending the batch. */
  async claim(batch: CaptureRecord[]): Promise<void> {
    for (const r of batch) {
      if (this.#drawn.delete(r.id)) continue;
      if (!this.#sessionRead) await this.#readSession();
      if (this.#taken.has(r.id)) {
        r.id = this.#draw(r.ts);
        this.renamed++;
      }
      this.#taken.add(r.id);
    }
  }

  async #readSession(): Promise<void> {
    this.#sessionRead = true;
    const stream = keys.sessionStream(this.#session);
    const pageSize = 1000;
    for (let from = '-'; ; ) {
      const page = (await this.#redis.xrangeBuffer(stream, from, '+', 'COUNT', pageSize)) as [Buffer, Buffer[]][];
      for (const [, fields] of page) {
        const at = fields.findIndex((f, i) => i % 2 === 0 && f.toString() === RECORD_FIELD);
        if (at >= 0) this.#taken.add(decodeRecord(fields[at + 1]!).id);
      }
      if (page.length < pageSize) return;
      from = `(${page[page.length - 1]![0].toString()}`;
    }
  }
}
