import { luhnCheckDigit, verhoeffCheckDigit } from '../checksums.js';
import { hasMarker, embedMarker } from './marker.js';
import { phoneParts } from './phone.js';
import { codePoints, DIGITS, draw, fromCodePoints, type Pool, type SeededStream } from './shape.js';

/**
 * Pseudonyms of numbers, in the original's layout (separators, brackets and
 * '+' stay where they were): phone numbers keep their prefix and the first
 * national digit, cards their BIN (first six digits) and a valid Luhn digit,
 * Aadhaar numbers and VIDs a valid Verhoeff digit, IPv4 addresses the digit
 * count of each octet. Each returns undefined when no marker fits.
 */

const AADHAAR_FIRST: Pool = { cps: [50, 51, 52, 53, 54, 55, 56, 57], byResidue: new Map([2, 3, 4, 5, 6, 7, 8, 9].map((d) => [d, [48 + d]])) };

/** Indices of the ASCII digits in `cps`. */
function digitIndices(cps: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < cps.length; i++) if (cps[i]! >= 48 && cps[i]! <= 57) out.push(i);
  return out;
}

function digitString(cps: readonly number[], at: readonly number[]): string {
  let s = '';
  for (const i of at) s += String.fromCharCode(cps[i]!);
  return s;
}

/**
 * Redraws digits from index `keep` of `at` (digit positions), embeds the
 * marker in the two digits before the last, then sets the last digit with
 * `check` (a checksum over the others) when given.
 */
function digitsWithMarker(cps: number[], at: number[], keep: number, rng: SeededStream, check?: (payload: string) => number, from = 0): boolean {
  for (let k = keep; k < at.length; k++) cps[at[k]!] = draw(k === 0 && check === verhoeffCheckDigit && at.length === 12 ? AADHAAR_FIRST : DIGITS, rng);
  const n = at.length;
  if (n - 2 <= keep || n < 3) return false;
  if (!embedMarker(cps, from, cps.length, at[n - 3]!, at[n - 2]!, DIGITS, DIGITS, rng)) return false;
  if (check) cps[at[n - 1]!] = 48 + check(digitString(cps, at.slice(0, -1)));
  return true;
}

export function renderCard(text: string, rng: SeededStream): string | undefined {
  const cps = codePoints(text);
  return digitsWithMarker(cps, digitIndices(cps), 6, rng, luhnCheckDigit) ? fromCodePoints(cps) : undefined;
}

/** Aadhaar (12 digits, first 2-9) and VID (16 digits), both closed by a Verhoeff digit. */
export function renderVerhoeff(text: string, rng: SeededStream): string | undefined {
  const cps = codePoints(text);
  return digitsWithMarker(cps, digitIndices(cps), 0, rng, verhoeffCheckDigit) ? fromCodePoints(cps) : undefined;
}

export function renderPhone(text: string, rng: SeededStream): string | undefined {
  const cps = codePoints(text);
  const at = digitIndices(cps);
  const parts = phoneParts(digitString(cps, at), cps[0] === 43);
  // the first national digit stays (an Indian mobile starts with 6-9)
  const keep = parts.prefixDigits + 1;
  const from = parts.indian ? at[parts.prefixDigits]! : 0;
  return digitsWithMarker(cps, at, keep, rng, undefined, from) ? fromCodePoints(cps) : undefined;
}

function octet(len: number, rng: SeededStream): string {
  if (len === 1) return String(rng.below(10));
  if (len === 2) return String(10 + rng.below(90));
  return String(100 + rng.below(156));
}

export function renderIpv4(text: string, rng: SeededStream): string | undefined {
  const lens = text.split('.').map((o) => o.length);
  for (let attempt = 0; attempt < 2000; attempt++) {
    const out = lens.map((len) => octet(len, rng)).join('.');
    if (out !== text && hasMarker(out)) return out;
  }
  return undefined;
}
