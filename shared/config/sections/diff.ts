import { setting, num } from '../setting.js';

/** Settings of the diff engine and the release gate. */
export const diffSettings = {
  maxDiffRate: setting({
    schema: num().min(0).max(1).default(0),
    env: 'PARITY_MAX_DIFF_RATE',
    flag: '--max-diff-rate <p>',
    doc: 'Gate: highest share of requests with a real difference, 0..1 (default 0: strict).',
  }),
};
