import type { LatencyHistogram } from './latency.js';

/**
 * Is the target slower than the reference, beyond chance? Two one-sided
 * checks on the histograms, so a handful of requests never fails a build:
 *
 * - shift: Mann–Whitney U (normal approximation, tie-corrected, continuity
 *   corrected) — the target's latencies tend to be larger;
 * - quantile: at the percentile the gate judges (p50, p95 or p99), the
 *   distribution-free confidence bounds from order statistics do not
 *   overlap — the target's lower bound is above the reference's upper bound.
 *   This catches a regression only in the tail, which the shift test misses.
 *
 * Significant when both sides have at least `minSamples` and either check
 * holds at alpha/2 (Bonferroni for two checks).
 */
export interface Significance {
  test: 'mann-whitney+quantile-ci';
  /** p-value of "target shifted slower" (1 when not computed). */
  pShift: number;
  /** The quantile check, when a percentile was given. */
  quantile?: { percentile: number; targetLowUs: number; referenceHighUs: number };
  significant: boolean;
  /** Why it is not significant when samples were too few. */
  note?: string;
}

/** Standard normal upper tail P(Z > z), via the Numerical Recipes erfc approximation (absolute error < 1e-5). */
export function normalUpperTail(z: number): number {
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    t *
    Math.exp(
      -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886187 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  const erfc = x >= 0 ? y : 2 - y;
  return erfc / 2;
}

function bucketCounts(h: LatencyHistogram): Map<number, number> {
  const m = new Map<number, number>();
  h.forEachBucket((i, c) => m.set(i, c));
  return m;
}

/** One-sided Mann–Whitney p-value that `target` is stochastically larger than `reference`. */
export function mannWhitneyGreater(target: LatencyHistogram, reference: LatencyHistogram): number {
  const nT = target.count;
  const nR = reference.count;
  if (nT === 0 || nR === 0) return 1;
  const t = bucketCounts(target);
  const r = bucketCounts(reference);
  const indices = [...new Set([...t.keys(), ...r.keys()])].sort((a, b) => a - b);
  let before = 0;
  let rankSumT = 0;
  let ties = 0;
  for (const i of indices) {
    const ct = t.get(i) ?? 0;
    const cr = r.get(i) ?? 0;
    const k = ct + cr;
    rankSumT += ct * (before + (k + 1) / 2);
    ties += k * k * k - k;
    before += k;
  }
  const n = nT + nR;
  const u = rankSumT - (nT * (nT + 1)) / 2;
  const mean = (nT * nR) / 2;
  const variance = ((nT * nR) / 12) * (n + 1 - ties / (n * (n - 1)));
  if (variance <= 0) return 1;
  return normalUpperTail((u - mean - 0.5) / Math.sqrt(variance));
}

/** z with P(Z > z) = p, by bisection on normalUpperTail (p in (0, 0.5]). */
export function normalQuantileUpper(p: number): number {
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (normalUpperTail(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Distribution-free bounds for a percentile from order statistics: the rank
 * of the q-quantile in n samples is Binomial(n, q); ranks nq ∓ z·√(nq(1−q))
 * give the lower and upper bound (normal approximation).
 */
export function percentileBounds(h: LatencyHistogram, percentile: number, z: number): { low: number; high: number } {
  const n = h.count;
  const q = percentile / 100;
  const spread = z * Math.sqrt(n * q * (1 - q));
  const rank = (r: number) => h.percentile(Math.min(100, Math.max(0, (100 * r) / n)));
  return { low: rank(Math.floor(n * q - spread)), high: rank(Math.ceil(n * q + spread)) };
}

export function latencySignificance(target: LatencyHistogram, reference: LatencyHistogram, opts: { alpha: number; minSamples: number; percentile?: number }): Significance {
  if (target.count < opts.minSamples || reference.count < opts.minSamples) {
    return { test: 'mann-whitney+quantile-ci', pShift: 1, significant: false, note: `fewer than ${opts.minSamples} samples on a side (target ${target.count}, reference ${reference.count})` };
  }
  const pShift = mannWhitneyGreater(target, reference);
  const out: Significance = { test: 'mann-whitney+quantile-ci', pShift, significant: pShift < opts.alpha / 2 };
  if (opts.percentile !== undefined) {
    const z = normalQuantileUpper(opts.alpha / 2);
    const t = percentileBounds(target, opts.percentile, z);
    const r = percentileBounds(reference, opts.percentile, z);
    out.quantile = { percentile: opts.percentile, targetLowUs: t.low, referenceHighUs: r.high };
    if (t.low > r.high) out.significant = true;
  }
  return out;
}
