import type { Redis } from 'ioredis';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { nowUs } from '../../shared/record/convert.js';
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

  /**
   * Records for the given selection indices; an index whose record is gone
   * (trimmed) is absent. With `spreadUntilUs` (µs since the epoch), the
   * reads and decoding are paced to end about then rather than run flat out.
   */
  async get(indices: Iterable<number>, spreadUntilUs?: number): Promise<Map<number, CaptureRecord>> {
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
    const found = await this.#readByIds(unique, (i) => this.#ids.get(i), spreadUntilUs);
    for (const i of unique) {
      const r = found.get(this.#ids.get(i) ?? '');
      if (!r) continue;
      out.set(i, r);
      this.#remember(i, r);
    }
    return out;
  }

  /**
   * Pipelined reads in one round trip per slice, decoding only the records
   * asked for. A run of consecutive selection indices (a closed-model block,
   * a whole window of one lane) is one `XRANGE first last COUNT n`; a lone
   * index, or one such a range did not return (records between them that the
   * selection left out took its place), is one `XRANGE id id`. The rare
   * record whose body is kept beside the stream is read again through the
   * session store, which restores it.
   */
  async #readByIds(indices: readonly number[], idOf: (i: number) => string | undefined, spreadUntilUs?: number): Promise<Map<string, CaptureRecord>> {
    const found = new Map<string, CaptureRecord>();
    const external: string[] = [];
    const slice = spreadUntilUs === undefined ? 200 : PACED_SLICE;
    const runs = consecutive(indices, idOf, slice);
    const ids = runs.flat();
    const wanted = new Set(ids);
    await this.#read(runs, wanted, found, external, slice, spreadUntilUs);
    const missed = ids.filter((id) => !found.has(id) && !external.includes(id));
    if (missed.length > 0 && runs.some((r) => r.length > 1)) await this.#read(missed.map((id) => [id]), wanted, found, external, slice);
    await Promise.all(
      external.map(async (id) => {
        for await (const r of readRecords(this.#redis, this.#session, { from: id, to: id, limit: 1 })) found.set(r.streamId, r.record);
      }),
    );
    return found;
  }

  async #read(runs: string[][], wanted: Set<string>, found: Map<string, CaptureRecord>, external: string[], slice: number, spreadUntilUs?: number): Promise<void> {
    const stream = keys.sessionStream(this.#session);
    // Small pipelines, decoded between turns of the event loop: chunks load
    // their records while earlier chunks fire, and must not hold up their
    // timers. Paced, the pauses spread the slices over the time given.
    let left = runs.reduce((n, r) => n + r.length, 0);
    let k = 0;
    while (k < runs.length) {
      if (k > 0) await pause(spreadUntilUs, Math.ceil(left / slice));
      const pipe = this.#redis.pipeline();
      for (let records = 0; k < runs.length && records < slice; k++) {
        const run = runs[k]!;
        pipe.xrangeBuffer(stream, run[0]!, run[run.length - 1]!, 'COUNT', run.length);
        records += run.length;
        left -= run.length;
      }
      for (const [err, reply] of (await pipe.exec()) ?? []) {
        if (err) continue;
        for (const [rawId, fields] of reply as [Buffer, Buffer[]][]) {
          const id = rawId.toString();
          if (!wanted.has(id) || found.has(id)) continue;
          const record = recordField(fields);
          if (!record) continue;
          if (record.req.body.ext || record.res?.body.ext) external.push(id);
          else found.set(id, record);
        }
      }
    }
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

/**
 * Records per slice when loading is paced. Every record decoded survives the
 * next scavenge of the young generation (it waits for its due time), and
 * that copy is what a scavenge costs: a window's 4 × 1,000 records loaded
 * flat out while the previous window fired made 244–350 of its requests
 * late by up to 40–71 ms (bench:replay, 2,000 req/s, 2-core box). Paced over
 * the lead a chunk has before its window, each scavenge copies a few dozen.
 */
const PACED_SLICE = 50;

/** Between slices: a setImmediate turn, or with a pace, an even share of the time left (at most 100 ms). */
function pause(spreadUntilUs: number | undefined, slicesLeft: number): Promise<void> {
  const ms = spreadUntilUs === undefined ? 0 : (spreadUntilUs - nowUs()) / 1000 / (slicesLeft + 1);
  return new Promise((r) => (ms >= 1 ? setTimeout(r, Math.min(ms, 100)) : setImmediate(r)));
}

/** The stream ids of sorted selection indices, grouped into runs of consecutive indices (at most `max` each). */
function consecutive(sorted: readonly number[], idOf: (i: number) => string | undefined, max: number): string[][] {
  const out: string[][] = [];
  let prev = -2;
  for (const i of sorted) {
    const id = idOf(i);
    if (id === undefined) continue;
    const last = out[out.length - 1];
    if (last && i === prev + 1 && last.length < max) last.push(id);
    else out.push([id]);
    prev = i;
  }
  return out;
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
