import type { ExchangeInput, ExchangeResult } from './types.js';
import { routeTemplate } from './route.js';
import { LatencyHistogram } from './latency.js';
import { RouteStats, fieldKey, type RouteStatsJson } from './route-stats.js';
import { buildExample, exampleKey, exampleKeyHead } from './examples.js';

/**
 * The statistics of a run (or of one chunk of it): per route template,
 * request and error counts, status codes, per-field difference and noise
 * counts, difference signatures, a few examples, and HDR latency histograms
 * of target and reference. `merge` is exact and independent of order, so a
 * run's statistics are the same whichever workers processed its chunks;
 * `toJSON` is compact and canonical (equal stats, equal JSON).
 */
export class RunStats {
  readonly routes = new Map<string, RouteStats>();
  /** How late late requests started, µs. */
  lateness = new LatencyHistogram();

  route(route: string): RouteStats {
    let r = this.routes.get(route);
    if (!r) this.routes.set(route, (r = new RouteStats()));
    return r;
  }

  /** Counts one compared exchange. */
  add(input: ExchangeInput, result: ExchangeResult, extra?: { lateUs?: number }): void {
    const r = this.route(result.route);
    r.requests++;
    this.countLate(r, extra?.lateUs);
    const { reference, target } = input;
    if (reference.error) r.countStatus('reference', 'error');
    else {
      r.countStatus('reference', reference.status);
      if (input.referenceRepeated !== true) r.referenceLatency.record(reference.latencyUs);
    }
    if (target.error) {
      r.countStatus('target', 'error');
      r.countError(target.error);
      return;
    }
    r.countStatus('target', target.status);
    r.targetLatency.record(target.latencyUs);
    if (result.skipped) r.countSkipped(result.skipped);
    if (result.skipped === 'reference-error') return;
    r.compared++;
    if (result.noiseSampled) r.noiseSampled++;
    for (const d of result.noise) {
      const f = r.field(d.field, d.kind);
      if (f) f.noise++;
    }
    // most exchanges do not differ: no set of keys to make for them
    if (result.differences.length === 0 && !result.clipped) return;
    const keys = new Set<string>();
    for (const d of result.differences) {
      const key = fieldKey(d.field, d.kind);
      if (keys.has(key)) continue;
      const f = r.field(d.field, d.kind);
      if (!f) r.fieldOverflow++;
      else {
        f.count++;
        if (d.expected) f.expected++;
      }
      if (!d.expected) keys.add(key);
    }
    if (result.clipped) keys.add('…clipped');
    if (keys.size === 0) return;
    const signature = [...keys].sort().join('\u0001');
    r.countSignature(signature);
    this.keepExamples(r, input, result, signature);
  }

  /** Counts a request that got no answer at all (refused, reset, timeout, ...). */
  addError(method: string, url: string, error: string, extra?: { lateUs?: number }): void {
    const r = this.route(routeTemplate(method, url));
    r.requests++;
    r.countError(error);
    r.countStatus('target', 'error');
    this.countLate(r, extra?.lateUs);
  }

  private countLate(r: RouteStats, lateUs: number | undefined): void {
    if (lateUs === undefined || !(lateUs > 0)) return;
    r.late++;
    this.lateness.record(lateUs);
  }

  private keepExamples(r: RouteStats, input: ExchangeInput, result: ExchangeResult, signature: string): void {
    const head = exampleKeyHead(input.method, input.url, signature);
    let key: string | undefined;
    const fullKey = () => (key ??= exampleKey(head, input));
    if (r.examples.admits(head)) r.examples.offer(buildExample(fullKey(), input, result.differences));
    for (const d of result.differences) {
      const f = r.fields.get(fieldKey(d.field, d.kind));
      if (!f || !f.examples.admits(head)) continue;
      f.examples.offer(buildExample(fullKey(), input, result.differences, (x) => x.field === d.field && x.kind === d.kind));
    }
  }

  merge(other: RunStats): void {
    for (const [route, o] of other.routes) this.route(route).merge(o);
    this.lateness.merge(other.lateness);
  }

  toJSON(): RunStatsJson {
    const routes = [...this.routes.keys()].sort();
    return { v: 1, routes: Object.fromEntries(routes.map((k) => [k, this.routes.get(k)!.toJSON()])), lateness: this.lateness.toJSON() };
  }

  static fromJSON(j: RunStatsJson): RunStats {
    const s = new RunStats();
    for (const [route, rj] of Object.entries(j.routes)) s.routes.set(route, RouteStats.fromJSON(rj));
    s.lateness = LatencyHistogram.fromJSON(j.lateness);
    return s;
  }
}

/** The stored form of RunStats (one document per chunk in Redis). */
export interface RunStatsJson {
  v: 1;
  routes: Record<string, RouteStatsJson>;
  lateness: number[];
}
