import type { LatencyHistogram } from './latency.js';

/**
 * Is the target slower than the reference, beyond chance? Two one-sided
 * tests on the histograms, so a handful of requests never fails a build:
 *
 * - shift: Mann–Whitney U (normal approximation, tie-corrected, continuity
 *   corrected) — the target's latencies tend to be larger;
 * - tail: two-proportion z-test on the share of requests slower than the
 *   reference's p95 — catches a regression only in the tail (p99).
 *
 * Significant when both sides have at least `minSamples` and either p-value
 * is below alpha/2 (Bonferroni for two tests).
 */
export interface Significance {
  test: 'mann-whitney+tail';
  /** p-value of "target shifted slower" (1 when not computed). */
  pShift: number;
  /** p-value of "more target requests beyond the reference's p95". */
  pTail: number;
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

/** One-sided two-proportion p-value that more target than reference requests exceed the reference's p95. */
export function tailExceedanceGreater(target: LatencyHistogram, reference: LatencyHistogram): number {
  const nT = target.count;
  const nR = reference.count;
  if (nT === 0 || nR === 0) return 1;
  const cut = reference.indexOf(reference.percentile(95));
  let xT = 0;
  let xR = 0;
  target.forEachBucket((i, c) => {
    if (i > cut) xT += c;
  });
  reference.forEachBucket((i, c) => {
    if (i > cut) xR += c;
  });
  const pooled = (xT + xR) / (nT + nR);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nT + 1 / nR));
  if (se === 0) return 1;
  return normalUpperTail((xT / nT - xR / nR) / se);
}

export function latencySignificance(target: LatencyHistogram, reference: LatencyHistogram, opts: { alpha: number; minSamples: number }): Significance {
  if (target.count < opts.minSamples || reference.count < opts.minSamples) {
    return { test: 'mann-whitney+tail', pShift: 1, pTail: 1, significant: false, note: `fewer than ${opts.minSamples} samples on a side (target ${target.count}, reference ${reference.count})` };
  }
  const pShift = mannWhitneyGreater(target, reference);
  const pTail = tailExceedanceGreater(target, reference);
  return { test: 'mann-whitney+tail', pShift, pTail, significant: Math.min(pShift, pTail) < opts.alpha / 2 };
}
