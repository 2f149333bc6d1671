import { DEFAULT_DIFF_RULES, LatencyHistogram, latencySignificance, type DiffRules, type RouteStats, type RunStats } from '../diff/index.js';
import { routeThresholds, type GateReason, type GateThresholds } from './gate.js';
import type { Distribution, FieldReport, LatencyComparison, Percentiles, Report, ReportMeta, RouteReport, Totals } from './types.js';
import { classifyField } from './noise-rule.js';

export type { ReportMeta } from './types.js';

const DISTRIBUTION_POINTS = [0, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];
const rate = (n: number, d: number) => (d > 0 ? n / d : 0);
const pct = (r: number) => `${(r * 100).toFixed(r > 0 && r < 0.001 ? 3 : 1)}%`;
const ms = (us: number) => `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;

/**
 * The latency at percentile `p`, within the smallest and largest recorded.
 * HDR answers with the top of the value's bucket (3 significant digits), up
 * to 0.1 % past the largest latency recorded: a p99 of 503551 µs beside a
 * max of 503296 µs reads as a contradiction.
 */
export function percentileUs(h: LatencyHistogram, p: number): number {
  if (h.count === 0) return 0;
  // percentile(0) is the bottom of the smallest value's bucket
  return Math.min(h.max, Math.max(h.percentile(0), h.percentile(p)));
}

function percentiles(h: LatencyHistogram): Percentiles {
  return { count: h.count, p50Us: percentileUs(h, 50), p95Us: percentileUs(h, 95), p99Us: percentileUs(h, 99), maxUs: h.max, meanUs: Math.round(h.mean) };
}

function distribution(h: LatencyHistogram): Distribution {
  return { count: h.count, points: h.count === 0 ? [] : DISTRIBUTION_POINTS.map((p) => [p, percentileUs(h, p)]) };
}

const PERCENTILE_FIELDS = { 50: 'p50Us', 95: 'p95Us', 99: 'p99Us' } as const;
/** Samples a percentile needs beyond it on each side to be compared. */
const TAIL_SAMPLES = 5;

function latencyFigures(target: LatencyHistogram, reference: LatencyHistogram, gate: GateThresholds): LatencyComparison {
  const t = percentiles(target);
  const r = percentiles(reference);
  const p99Regression = t.count > 0 && r.count > 0 && r.p99Us > 0 ? t.p99Us / r.p99Us - 1 : null;
  let regression: LatencyComparison['regression'] = null;
  const n = Math.min(t.count, r.count);
  for (const q of [50, 95, 99] as const) {
    if (n * (1 - q / 100) < TAIL_SAMPLES - 1e-9) continue;
    const field = PERCENTILE_FIELDS[q];
    if (r[field] <= 0) continue;
    const value = t[field] / r[field] - 1;
    if (!regression || value > regression.value) regression = { percentile: q, value, deltaUs: t[field] - r[field] };
  }
  const significance = latencySignificance(target, reference, { alpha: gate.latencyAlpha, minSamples: gate.minLatencySamples, ...(regression ? { percentile: regression.percentile } : {}) });
  return { target: t, reference: r, p99Regression, regression, significance };
}

/** Is this latency a regression the gate fails on? */
function latencyFails(l: LatencyComparison, maxRegression: number, gate: GateThresholds): boolean {
  return l.regression !== null && l.regression.value > maxRegression && l.regression.deltaUs >= gate.minLatencyDeltaUs && l.significance.significant;
}

function latencyMessage(l: LatencyComparison, max: number): string {
  const g = l.regression!;
  const field = PERCENTILE_FIELDS[g.percentile];
  return `p${g.percentile} ${ms(l.target[field])} vs ${ms(l.reference[field])} (+${pct(g.value)} > ${pct(max)}, n=${l.target.count}/${l.reference.count}, shift p=${l.significance.pShift.toExponential(1)})`;
}

/** Turns run statistics into the report: noise rule, rates, latency tests, gate verdict. */
export function buildReport(meta: ReportMeta, stats: RunStats, gate: GateThresholds, options: { noise?: DiffRules['noise'] } = {}): Report {
  const noise = options.noise ?? DEFAULT_DIFF_RULES.noise;
  const reasons: GateReason[] = [];
  const routes: RouteReport[] = [];
  const fields: FieldReport[] = [];
  const allTarget = new LatencyHistogram();
  const allReference = new LatencyHistogram();
  const totals = { requests: 0, compared: 0, errors: 0, late: 0, diffs: 0, noiseSampled: 0, skipped: {} as Record<string, number> };
  // the overall check counts the routes without a limit of their own: an override loosens its route
  const gated = { diffs: 0, compared: 0, errors: 0, requests: 0 };

  for (const [route, r] of stats.routes) {
    const routeFields = routeFieldReports(route, r, noise);
    fields.push(...routeFields);
    const real = new Set(routeFields.filter((f) => f.classification === 'real').map((f) => `${f.path}\u0000${f.kind}`));
    const diffs = realDiffRequests(r, real);
    const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
    const latency = latencyFigures(r.targetLatency, r.referenceLatency, gate);
    const report: RouteReport = {
      route, verdict: 'pass', requests: r.requests, compared: r.compared, errors, errorRate: rate(errors, r.requests), errorKinds: { ...r.errors },
      diffs, diffRate: rate(diffs, r.compared), late: r.late, status: { target: { ...r.targetStatus }, reference: { ...r.referenceStatus } },
      latency, reasons: [], examples: r.examples.items,
    };
    routeGate(report, routeFields, gate, reasons);
    routes.push(report);
    allTarget.merge(r.targetLatency);
    allReference.merge(r.referenceLatency);
    totals.requests += r.requests;
    totals.compared += r.compared;
    totals.errors += errors;
    totals.late += r.late;
    totals.diffs += diffs;
    totals.noiseSampled += r.noiseSampled;
    const own = gate.routes[route] ?? {};
    if (own.maxDiffRate === undefined) {
      gated.diffs += diffs;
      gated.compared += r.compared;
    }
    if (own.maxErrorRate === undefined) {
      gated.errors += errors;
      gated.requests += r.requests;
    }
    for (const [k, v] of Object.entries(r.skipped)) totals.skipped[k] = (totals.skipped[k] ?? 0) + v;
  }

  const overall: Totals = { ...totals, errorRate: rate(totals.errors, totals.requests), diffRate: rate(totals.diffs, totals.compared), latency: latencyFigures(allTarget, allReference, gate) };
  overallGate(overall, gated, gate, reasons);

  const badness = (r: RouteReport) => Math.max(r.diffRate, r.errorRate);
  routes.sort((a, b) => Number(b.verdict === 'fail') - Number(a.verdict === 'fail') || badness(b) - badness(a) || b.requests - a.requests || (a.route < b.route ? -1 : 1));
  const order = { real: 0, expected: 1, noise: 2 };
  fields.sort((a, b) => order[a.classification] - order[b.classification] || b.count - a.count || b.noiseCount - a.noiseCount || (a.route + a.path + a.kind < b.route + b.path + b.kind ? -1 : 1));
  const report: Report = {
    version: 1, run: meta.run, target: meta.target, reference: meta.reference, mode: meta.mode,
    verdict: reasons.length > 0 ? 'fail' : 'pass',
    totals: overall,
    gate: { thresholds: gate, reasons },
    routes,
    fields,
    latency: routes.map((r) => ({ route: r.route, target: distribution(stats.routes.get(r.route)!.targetLatency), reference: distribution(stats.routes.get(r.route)!.referenceLatency) })),
    lateness: { count: stats.lateness.count, p50Us: percentileUs(stats.lateness, 50), p99Us: percentileUs(stats.lateness, 99), maxUs: stats.lateness.max },
  };
  if (meta.session !== undefined) report.session = meta.session;
  if (meta.startedAt !== undefined) report.startedAt = meta.startedAt;
  if (meta.endedAt !== undefined) report.endedAt = meta.endedAt;
  if (meta.state !== undefined) report.state = meta.state;
  return report;
}

function routeFieldReports(route: string, r: RouteStats, noise: DiffRules['noise']): FieldReport[] {
  return [...r.fields.values()].map((f) => ({
    route, path: f.field, kind: f.kind,
    classification: classifyField({ count: f.count, expected: f.expected, noise: f.noise, compared: r.compared, noiseSampled: r.noiseSampled }, noise),
    count: f.count, rate: rate(f.count, r.compared), noiseCount: f.noise, noiseRate: rate(f.noise, r.noiseSampled), examples: f.examples.items,
  }));
}

/** Requests whose differences include a real one; capped-away signatures and fields count as real. */
function realDiffRequests(r: RouteStats, real: Set<string>): number {
  let n = r.signatureOverflow;
  for (const [sig, count] of r.signatures) {
    if (sig.split('\u0001').some((key) => real.has(key) || !r.fields.has(key))) n += count;
  }
  return n;
}

function routeGate(route: RouteReport, fields: FieldReport[], gate: GateThresholds, reasons: GateReason[]): void {
  const t = routeThresholds(gate, route.route);
  const fail = (reason: GateReason) => {
    reasons.push(reason);
    route.reasons.push(reason.message);
    route.verdict = 'fail';
  };
  const real = fields.filter((f) => f.classification === 'real').sort((a, b) => b.count - a.count);
  const new5xx = real.find((f) => f.kind === 'new-5xx');
  if (new5xx) fail({ rule: 'new-5xx', route: route.route, value: new5xx.count, threshold: 0, message: `${route.route}: new 5xx on ${new5xx.count} of ${route.compared} requests` });
  if (route.diffRate > t.maxDiffRate) {
    const top = real.slice(0, 5).map((f) => `${f.path} ${f.kind} ×${f.count}`);
    const what = top.length > 0 ? `: ${top.join(', ')}` : '';
    fail({ rule: 'max-diff-rate', route: route.route, value: route.diffRate, threshold: t.maxDiffRate, message: `${route.route}: ${route.diffs} of ${route.compared} requests differ (${pct(route.diffRate)} > ${pct(t.maxDiffRate)})${what}` });
  }
  if (route.errorRate > t.maxErrorRate) {
    const kinds = Object.entries(route.errorKinds).map(([k, v]) => `${k} ×${v}`).join(', ');
    fail({ rule: 'max-error-rate', route: route.route, value: route.errorRate, threshold: t.maxErrorRate, message: `${route.route}: ${route.errors} of ${route.requests} requests failed (${pct(route.errorRate)} > ${pct(t.maxErrorRate)}): ${kinds}` });
  }
  const l = route.latency;
  if (latencyFails(l, t.maxP99Regression, gate)) {
    fail({ rule: 'max-p99-regression', route: route.route, value: l.regression!.value, threshold: t.maxP99Regression, message: `${route.route}: ${latencyMessage(l, t.maxP99Regression)}` });
  }
}

/**
 * The overall check. Routes with a limit of their own (`gate.routes`) are
 * judged by it alone and left out of the overall rate of the same rule;
 * otherwise an override could never loosen anything.
 */
function overallGate(t: Totals, g: { diffs: number; compared: number; errors: number; requests: number }, gate: GateThresholds, reasons: GateReason[]): void {
  const some = Object.keys(gate.routes).length > 0 ? ' (routes without a limit of their own)' : '';
  const diffRate = rate(g.diffs, g.compared);
  const errorRate = rate(g.errors, g.requests);
  if (diffRate > gate.maxDiffRate) reasons.push({ rule: 'max-diff-rate', value: diffRate, threshold: gate.maxDiffRate, message: `overall${some}: ${g.diffs} of ${g.compared} requests differ (${pct(diffRate)} > ${pct(gate.maxDiffRate)})` });
  if (errorRate > gate.maxErrorRate) reasons.push({ rule: 'max-error-rate', value: errorRate, threshold: gate.maxErrorRate, message: `overall${some}: ${g.errors} of ${g.requests} requests failed (${pct(errorRate)} > ${pct(gate.maxErrorRate)})` });
  const l = t.latency;
  if (latencyFails(l, gate.maxP99Regression, gate)) {
    reasons.push({ rule: 'max-p99-regression', value: l.regression!.value, threshold: gate.maxP99Regression, message: `overall: ${latencyMessage(l, gate.maxP99Regression)}` });
  }
}
