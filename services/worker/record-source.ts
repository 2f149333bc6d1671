import type { Redis } from 'ioredis';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { keys } from '../../shared/redis/keys.js';
import { decodeRecord, RECORD_FIELD } from '../../shared/record/codec.js';
import { readRecords } from '../../shared/session/store.js';

/**
 * The records of one run's selection, fetched by selection index and cached
 * in the worker process: rate profiles cycle through a small session many
 * times, so most chunks after the first are served from memory.
 */
export class RecordSource {
  readonly #redis: Redis;
  readonly #run: string;
  readonly #session: string;
  readonly #ids = new Map<number, string>();
  readonly #records = new Map<number, CaptureRecord>();
  readonly #maxRecords: number;

  constructor(redis: Redis, run: string, session: string, maxRecords = 20_000) {
    this.#redis = redis;
    this.#run = run;
    this.#session = session;
    this.#maxRecords = maxRecords;
  }

  /** Records for the given selection indices; an index whose record is gone (trimmed) is absent. */
  async get(indices: Iterable<number>): Promise<Map<number, CaptureRecord>> {
    const out = new Map<number, CaptureRecord>();
    const missing: number[] = [];
    for (const i of indices) {
      const r = this.#records.get(i);
      if (r) out.set(i, r);
      else if (!out.has(i)) missing.push(i);
    }
    if (missing.length === 0) return out;
    const unique = [...new Set(missing)].sort((a, b) => a - b);
    await this.#loadIds(unique);
    const found = await this.#readByIds(unique.map((i) => this.#ids.get(i)).filter((id): id is string => id !== undefined));
    for (const i of unique) {
      const r = found.get(this.#ids.get(i) ?? '');
      if (!r) continue;
      out.set(i, r);
      this.#remember(i, r);
    }
    return out;
  }

  /**
   * One pipelined `XRANGE id id` per record, in one round trip, decoding
   * only the records asked for (a chunk's lane takes every n-th record, so a
   * range read would decode n times too many). The rare record whose body is
   * kept beside the stream is read again through the session store, which
   * restores it.
   */
  async #readByIds(ids: string[]): Promise<Map<string, CaptureRecord>> {
    const found = new Map<string, CaptureRecord>();
    const stream = keys.sessionStream(this.#session);
    const external: string[] = [];
    // Small pipelines, decoded between turns of the event loop: chunks load
    // their records while earlier chunks fire, and must not hold up their timers.
    for (let k = 0; k < ids.length; k += 200) {
      if (k > 0) await new Promise((r) => setImmediate(r));
      const pipe = this.#redis.pipeline();
      for (const id of ids.slice(k, k + 200)) pipe.xrangeBuffer(stream, id, id, 'COUNT', 1);
      for (const [err, reply] of (await pipe.exec()) ?? []) {
        const entry = err ? undefined : (reply as [Buffer, Buffer[]][])[0];
        if (!entry) continue;
        const record = recordField(entry[1]);
        if (!record) continue;
        const id = entry[0].toString();
        if (record.req.body.ext || record.res?.body.ext) external.push(id);
        else found.set(id, record);
      }
    }
    await Promise.all(
      external.map(async (id) => {
        for await (const r of readRecords(this.#redis, this.#session, { from: id, to: id, limit: 1 })) found.set(r.streamId, r.record);
      }),
    );
    return found;
  }

  /** Fetches stream ids for the indices in as few LRANGE calls as their spread allows. */
  async #loadIds(indices: number[]): Promise<void> {
    const need = indices.filter((i) => !this.#ids.has(i));
    const ranges = spans(need, 64);
    const pipe = this.#redis.pipeline();
    for (const [a, b] of ranges) pipe.lrange(keys.runSelection(this.#run), a, b);
    const replies = (await pipe.exec()) ?? [];
    ranges.forEach(([a], n) => {
      const [err, ids] = replies[n] ?? [];
      if (err || !Array.isArray(ids)) return;
      (ids as string[]).forEach((id, k) => this.#ids.set(a + k, id));
    });
  }

  #remember(i: number, r: CaptureRecord): void {
    if (this.#records.size >= this.#maxRecords) {
      // drop the oldest entry (Map keeps insertion order)
      const first = this.#records.keys().next();
      if (!first.done) this.#records.delete(first.value);
    }
    this.#records.set(i, r);
  }
}

/** Sorted indices grouped into [first, last] runs whose gaps are at most `gap`. */
function spans(sorted: readonly number[], gap: number): [number, number][] {
  const out: [number, number][] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i - last[1] <= gap) last[1] = i;
    else out.push([i, i]);
  }
  return out;
}

function recordField(fields: Buffer[]): CaptureRecord | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i]!.toString() === RECORD_FIELD) return decodeRecord(fields[i + 1]!);
  return undefined;
}
