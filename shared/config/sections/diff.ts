import { z } from 'zod';
import { setting, num } from '../setting.js';

/** Settings of the diff engine and the release gate (per-route thresholds live in the rules file's `gate` section). */
export const diffSettings = {
  diffMode: setting({
    schema: z.enum(['status', 'shape', 'exact']).optional(),
    env: 'PARITY_DIFF_MODE',
    flag: '--diff-mode <mode>',
    doc: 'Comparison: status, shape or exact (default: shape against recorded answers, exact with --baseline).',
  }),
  maxDiffRate: setting({
    schema: num().min(0).max(1).default(0),
    env: 'PARITY_MAX_DIFF_RATE',
    flag: '--max-diff-rate <p>',
    doc: 'Gate: highest share of requests with a real difference, 0..1 (default 0: strict).',
  }),
  maxErrorRate: setting({
    schema: num().min(0).max(1).default(0),
    env: 'PARITY_MAX_ERROR_RATE',
    flag: '--max-error-rate <p>',
    doc: 'Gate: highest share of requests the target did not answer (refused, reset, timeout), 0..1 (default 0: strict).',
  }),
  maxP99Regression: setting({
    schema: num().min(0).default(0.25),
    env: 'PARITY_MAX_P99_REGRESSION',
    flag: '--max-p99-regression <p>',
    doc: 'Gate: highest p99 slowdown of a route or overall, as a fraction (0.25 = 25 % slower); only significant slowdowns of at least 1 ms count.',
  }),
};
