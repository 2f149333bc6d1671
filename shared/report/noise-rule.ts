import type { DiffRules } from '../diff/index.js';

/**
 * The noise rule (Diffy's idea, documented in docs/report-format.md). For
 * one route, field path and kind of difference:
 *
 *   diff rate  rD = count / compared requests
 *   noise rate rN = noise / requests with baseline answers   (0 without baselines)
 *
 * The field is a real difference when rD − rN > minAbsolute and
 * rD − rN ≥ minRelative · rD; otherwise it is noise (listed, never gating).
 * Fields declared by an `expected` rule are `expected`.
 */
export interface FieldCounts {
  count: number;
  expected: number;
  noise: number;
  compared: number;
  noiseSampled: number;
}

export function classifyField(c: FieldCounts, rule: DiffRules['noise']): 'real' | 'expected' | 'noise' {
  if (c.count > 0 && c.expected >= c.count) return 'expected';
  if (c.count === 0 || c.compared === 0) return 'noise';
  const rD = c.count / c.compared;
  const rN = c.noiseSampled > 0 ? c.noise / c.noiseSampled : 0;
  const excess = rD - rN;
  return excess > rule.minAbsolute && excess >= rule.minRelative * rD ? 'real' : 'noise';
}
