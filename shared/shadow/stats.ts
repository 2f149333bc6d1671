import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RunStats, type DiffMode, type ExchangeInput, type ExchangeResult, type RunStatsJson } from '../diff/index.js';
import { keys } from '../redis/keys.js';
import { addTotals, admittedRoute, foldRoutes, type RouteTotals } from './route-cap.js';
import { bucketStart, windowBuckets, type ShadowWindow } from './window.js';

/**
 * Rolling per-route shadow statistics in Redis. Each worker process keeps
 * the RunStats of the current minute in memory and writes it, whole, to
 * its own field of that minute's hash every second (`w:<worker>`), so
 * concurrent workers never race and a window's statistics are the exact
 * merge of every field of its buckets. Proxies add their counters to the
 * same hashes (`p:<counter>`), workers their own drops (`x:<reason>`) and
 * how they compared (`k:<mode>:<reference>`). All-
 * time per-route counters (the Prometheus counters) go to one more hash,
 * which expires like the buckets once nothing is added to it. Routes are
 * capped everywhere (./route-cap.ts).
 */

export interface ShadowStatsOptions {
  retentionSeconds: number;
  /** Field name of this process; default a random id. */
  workerId?: string;
  /** How often the current bucket is written, ms. Default 1000. */
  flushMs?: number;
}

/** What the shadow's answer was compared with: production's recorded answer, or the shadow baseline's. */
export type ShadowReference = 'production' | 'baseline';

/** The all-time per-route counters kept in keys.shadowTotals. */
export type TotalCounter = 'requests' | 'diffs' | 'errors';
const TOTAL_COUNTERS = new Set<string>(['requests', 'diffs', 'errors'] satisfies TotalCounter[]);

export class ShadowStatsRecorder {
  readonly #redis: Redis;
  readonly #opts: ShadowStatsOptions;
  readonly #field: string;
  /** Buckets written or to write: the current one and, around a minute's turn, the one before. */
  readonly #buckets = new Map<number, { stats: RunStats; dirty: boolean; kinds: Set<string> }>();
  #totals: RouteTotals = new Map();
  #drops = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> = Promise.resolve();

  constructor(redis: Redis, opts: ShadowStatsOptions) {
    this.#redis = redis;
    this.#opts = opts;
    this.#field = `w:${opts.workerId ?? randomBytes(6).toString('hex')}`;
    this.#timer = setInterval(() => void this.flush(), opts.flushMs ?? 1000);
    this.#timer.unref();
  }

  #current(now: number) {
    const t = bucketStart(now);
    let b = this.#buckets.get(t);
    if (!b) this.#buckets.set(t, (b = { stats: new RunStats(), dirty: true, kinds: new Set() }));
    b.dirty = true;
    return b;
  }

  #count(route: string, requests: number, diffs: number, errors: number): void {
    const t = this.#totals.get(route);
    if (t) {
      t[0] += requests;
      t[1] += diffs;
      t[2] += errors;
    } else this.#totals.set(route, [requests, diffs, errors]);
  }

  /** Counts one compared exchange; `reference` says what the shadow was compared with. */
  add(input: ExchangeInput, result: ExchangeResult, reference: ShadowReference, now = Date.now()): void {
    const b = this.#current(now);
    const route = admittedRoute(b.stats, result.route);
    b.stats.add(input, route === result.route ? result : { ...result, route });
    b.kinds.add(`k:${input.mode}:${reference}`);
    const error = Boolean(input.target.error);
    const differs = !error && result.differences.some((d) => !d.expected);
    // the totals keep the route's own name: the cap of the totals hash, shared by every worker, decides there
    this.#count(result.route, 1, differs ? 1 : 0, error ? 1 : 0);
  }

  /** Counts exchanges that could not be mirrored at all (their records or sealed requests expired, the requests did not open, or the job was unreadable). */
  drop(reason: 'records-expired' | 'raw-expired' | 'raw-unreadable' | 'job-invalid', n = 1): void {
    this.#drops.set(reason, (this.#drops.get(reason) ?? 0) + n);
  }

  /** Writes changed buckets and counters; on failure they are written with the next flush. */
  flush(now = Date.now()): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write(now));
    return this.#flushing;
  }

  async #write(now: number): Promise<void> {
    const pipe = this.#redis.pipeline();
    const written: { dirty: boolean }[] = [];
    for (const [t, b] of this.#buckets) {
      if (b.dirty) {
        const key = keys.shadowBucket(t);
        pipe.hset(key, this.#field, JSON.stringify(b.stats.toJSON()));
        for (const k of b.kinds) pipe.hset(key, k, 1);
        pipe.expire(key, this.#opts.retentionSeconds);
        written.push(b);
        b.dirty = false;
      } else if (t < bucketStart(now)) this.#buckets.delete(t);
    }
    const totals = this.#totals;
    const drops = this.#drops;
    this.#totals = new Map();
    this.#drops = new Map();
    if (totals.size > 0) addTotals(pipe, keys.shadowTotals, totals, this.#opts.retentionSeconds, now);
    if (drops.size > 0) {
      const key = keys.shadowBucket(bucketStart(now));
      for (const [k, n] of drops) pipe.hincrby(key, `x:${k}`, n);
      pipe.expire(key, this.#opts.retentionSeconds);
    }
    if (written.length === 0 && totals.size === 0 && drops.size === 0) return;
    try {
      const results = (await pipe.exec()) ?? [];
      if (results.some(([e]) => e)) throw new Error('shadow statistics write failed');
    } catch {
      for (const b of written) b.dirty = true;
      for (const [route, [n, d, e]] of totals) this.#count(route, n, d, e);
      for (const [k, n] of drops) this.#drops.set(k, (this.#drops.get(k) ?? 0) + n);
    }
  }

  /** Writes what is left and stops the timer. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}

/** What a window of shadow statistics holds. */
export interface ShadowWindowStats {
  stats: RunStats;
  /** Proxy counters summed over the window (offered, enqueued, skipped:<reason>, dropped:<reason>). */
  proxy: Record<string, number>;
  /** Worker-side drops summed over the window (records-expired, raw-expired, raw-unreadable, job-invalid). */
  worker: Record<string, number>;
  /** How the window's answers were compared: diff modes and references seen. */
  modes: Set<DiffMode>;
  references: Set<ShadowReference>;
}

/** Merges every bucket of the window, capped at MAX_SHADOW_ROUTES routes. */
export async function readShadowWindow(redis: Redis, w: ShadowWindow): Promise<ShadowWindowStats> {
  const buckets = windowBuckets(w);
  const pipe = redis.pipeline();
  for (const t of buckets) pipe.hgetall(keys.shadowBucket(t));
  const results = (await pipe.exec()) ?? [];
  const out: ShadowWindowStats = { stats: new RunStats(), proxy: {}, worker: {}, modes: new Set(), references: new Set() };
  for (const [err, hash] of results) {
    if (err) throw err;
    for (const [field, value] of Object.entries(hash as Record<string, string>)) {
      if (field.startsWith('w:')) out.stats.merge(RunStats.fromJSON(JSON.parse(value) as RunStatsJson));
      else if (field.startsWith('p:')) out.proxy[field.slice(2)] = (out.proxy[field.slice(2)] ?? 0) + Number(value);
      else if (field.startsWith('x:')) out.worker[field.slice(2)] = (out.worker[field.slice(2)] ?? 0) + Number(value);
      else if (field.startsWith('k:')) {
        const [, mode, reference] = field.split(':');
        out.modes.add(mode as DiffMode);
        out.references.add(reference as ShadowReference);
      }
    }
  }
  foldRoutes(out.stats);
  return out;
}

/** All-time per-route counters: route → counter → value (at most MAX_SHADOW_ROUTES routes, `(other)` included). */
export async function readShadowTotals(redis: Redis): Promise<Map<string, Record<TotalCounter, number>>> {
  const hash = await redis.hgetall(keys.shadowTotals);
  const out = new Map<string, Record<TotalCounter, number>>();
  for (const [k, v] of Object.entries(hash)) {
    const tab = k.lastIndexOf('\t');
    const route = k.slice(0, tab);
    const counter = k.slice(tab + 1) as TotalCounter;
    // beside the counters, each route's `seen` and the hash's `scanAfter` (route-cap.ts)
    if (!TOTAL_COUNTERS.has(counter)) continue;
    let r = out.get(route);
    if (!r) out.set(route, (r = { requests: 0, diffs: 0, errors: 0 }));
    r[counter] = Number(v);
  }
  return out;
}
