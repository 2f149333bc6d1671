import type { Redis } from 'ioredis';
import { DEFAULT_DIFF_RULES, type DiffKind, type DiffRules, type Example } from '../diff/index.js';
import { buildReport } from '../report/build.js';
import { DEFAULT_GATE, type GateThresholds } from '../report/gate.js';
import type { Percentiles, Report } from '../report/types.js';
import { readShadowWindow, type ShadowWindowStats } from './stats.js';
import { windowJson, type ShadowWindow } from './window.js';

/**
 * The live view of shadow mode over a window: per route (worst first) how
 * many requests were mirrored, how many answers differed for real (after
 * noise cancellation), errors, the latency of the reference (production, or
 * the baseline when there is one) and of the shadow, and the top differing
 * field paths with examples. `parity shadow status --json`, the /shadow
 * page and the metrics all render this one object, so they agree.
 */

export interface ShadowStatus {
  window: { since: string; until: string };
  /** What shadow answers were compared with ('production', 'baseline'), and how. */
  references: string[];
  modes: string[];
  totals: { requests: number; compared: number; diffs: number; diffRate: number; errors: number; errorRate: number };
  /** Proxy counters over the window: offered, enqueued, skipped (by rule), dropped (by capacity or failure). */
  proxy: { offered: number; enqueued: number; skipped: Record<string, number>; dropped: Record<string, number> };
  /** Exchanges workers could not mirror: records-expired, raw-expired, raw-unreadable, job-invalid. */
  worker: Record<string, number>;
  routes: ShadowRouteStatus[];
}

export interface ShadowRouteStatus {
  route: string;
  requests: number;
  compared: number;
  diffs: number;
  diffRate: number;
  errors: number;
  errorRate: number;
  errorKinds: Record<string, number>;
  latency: { reference: LatencySummary; shadow: LatencySummary };
  /** Real differences first, then noise-only paths; at most 10. */
  fields: ShadowFieldStatus[];
}

export interface LatencySummary {
  count: number;
  p50Us: number;
  p99Us: number;
}

export interface ShadowFieldStatus {
  path: string;
  kind: DiffKind;
  classification: 'real' | 'expected' | 'noise';
  count: number;
  rate: number;
  noiseCount: number;
  examples: Example[];
}

const MAX_FIELDS = 10;
const summary = (p: Percentiles): LatencySummary => ({ count: p.count, p50Us: p.p50Us, p99Us: p.p99Us });

/** The report of a window's statistics, in the same shape as a replay run's. */
export function shadowReport(w: ShadowWindow, data: ShadowWindowStats, opts: { gate?: GateThresholds; noise?: DiffRules['noise'] } = {}): Report {
  const win = windowJson(w);
  const mode = data.modes.size === 1 ? [...data.modes][0]! : 'shape';
  const reference = data.references.size === 1 ? ([...data.references][0] === 'baseline' ? 'the shadow baseline' : 'production') : 'production and the shadow baseline';
  const meta = { run: `shadow ${win.since} .. ${win.until}`, target: 'shadow', reference, mode, startedAt: w.since, endedAt: w.until };
  return buildReport(meta, data.stats, opts.gate ?? DEFAULT_GATE, { noise: opts.noise ?? DEFAULT_DIFF_RULES.noise });
}

function proxyCounters(raw: Record<string, number>): ShadowStatus['proxy'] {
  const out: ShadowStatus['proxy'] = { offered: raw.offered ?? 0, enqueued: raw.enqueued ?? 0, skipped: {}, dropped: {} };
  for (const [k, v] of Object.entries(raw)) {
    const [group, reason] = k.split(':');
    if (reason && v > 0 && (group === 'skipped' || group === 'dropped')) out[group][reason] = v;
  }
  return out;
}

export function statusFromReport(w: ShadowWindow, report: Report, data: ShadowWindowStats): ShadowStatus {
  const t = report.totals;
  return {
    window: windowJson(w),
    references: [...data.references].sort(),
    modes: [...data.modes].sort(),
    totals: { requests: t.requests, compared: t.compared, diffs: t.diffs, diffRate: t.diffRate, errors: t.errors, errorRate: t.errorRate },
    proxy: proxyCounters(data.proxy),
    worker: data.worker,
    routes: report.routes.map((r) => ({
      route: r.route,
      requests: r.requests,
      compared: r.compared,
      diffs: r.diffs,
      diffRate: r.diffRate,
      errors: r.errors,
      errorRate: r.errorRate,
      errorKinds: r.errorKinds,
      latency: { reference: summary(r.latency.reference), shadow: summary(r.latency.target) },
      fields: report.fields
        .filter((f) => f.route === r.route && f.classification !== 'expected')
        .slice(0, MAX_FIELDS)
        .map((f) => ({ path: f.path, kind: f.kind, classification: f.classification, count: f.count, rate: f.rate, noiseCount: f.noiseCount, examples: f.examples })),
    })),
  };
}

/** Reads the window from Redis and builds the status. */
export async function shadowStatus(redis: Redis, w: ShadowWindow, opts: { noise?: DiffRules['noise'] } = {}): Promise<ShadowStatus> {
  const data = await readShadowWindow(redis, w);
  return statusFromReport(w, shadowReport(w, data, opts), data);
}
