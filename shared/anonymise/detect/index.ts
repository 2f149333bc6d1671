import { findAtSigns } from './at-sign.js';
import type { Finding, KindSet } from './kinds.js';
import { findNumbers } from './numeric.js';
import { findTokens, maybeSecret } from './tokens.js';

export { ALL_KINDS, KINDS, type Finding, type Kind, type KindSet } from './kinds.js';

/**
 * Everything that could hold personal data or a secret needs a digit, an
 * '@', a ':' (IPv6), or — for a secret without digits, 14 characters at
 * least — one of a few literal prefixes; most strings in a JSON body have
 * none and are skipped after a couple of native checks.
 */
const MAYBE = /[0-9@:]/;
const DIGIT = /[0-9]/;
const ALL_DIGITS = /^[0-9]+$/;

/**
 * Finds personal data and secrets in `text`: sorted by position, never
 * overlapping (where two detectors claim the same characters, the finding
 * that starts first wins, then the longer). Linear in the text length.
 */
export function findPii(text: string, kinds: KindSet): Finding[] {
  if (!MAYBE.test(text) && (text.length < 14 || !maybeSecret(text))) return [];
  const out: Finding[] = [];
  // a bare number (a JSON number, an id) can only be a phone, card, Aadhaar or VID
  if (ALL_DIGITS.test(text)) {
    if (text.length >= 8 && text.length <= 19) findNumbers(text, kinds, out);
    return out;
  }
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
