import { findAtSigns } from './at-sign.js';
import type { Finding, KindSet } from './kinds.js';
import { findNumbers } from './numeric.js';
import { findTokens } from './tokens.js';

export { ALL_KINDS, KINDS, type Finding, type Kind, type KindSet } from './kinds.js';

/**
 * Everything that could hold personal data or a secret needs a digit, an
 * '@', a ':' (IPv6) or one of a few literal prefixes; most strings in a JSON
 * body have none and are skipped by this one native regex test.
 */
const MAYBE = /[0-9@:]|eyJ|earer|_live_|_test_|gh[pousr]_|whsec_|xox|xapp-|AIza/;
const DIGIT = /[0-9]/;

/**
 * Finds personal data and secrets in `text`: sorted by position, never
 * overlapping (where two detectors claim the same characters, the finding
 * that starts first wins, then the longer). Linear in the text length.
 */
export function findPii(text: string, kinds: KindSet): Finding[] {
  if (!MAYBE.test(text)) return [];
  const out: Finding[] = [];
  const hasDigit = DIGIT.test(text);
  findTokens(text, kinds, out, hasDigit);
  if (text.includes('@')) findAtSigns(text, kinds, out);
  if (hasDigit) findNumbers(text, kinds, out);
  if (out.length < 2) return out;
  out.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Finding[] = [out[0]!];
  for (let i = 1; i < out.length; i++) {
    const f = out[i]!;
    if (f.start >= kept[kept.length - 1]!.end) kept.push(f);
  }
  return kept;
}
