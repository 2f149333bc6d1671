import { luhnValid, verhoeffValid } from '../checksums.js';
import { cardNetworkIssues } from './card-networks.js';
import type { Finding, Kind, KindSet } from './kinds.js';

/**
 * Numbers written with separators: phone numbers (E.164 and Indian), payment
 * cards (Luhn), Aadhaar numbers and VIDs (Verhoeff) and IPv4 addresses.
 *
 * A span is a run of digits joined by short runs of separators (spaces of
 * any width, '-' and other hyphens, '.', '(' and ')'), found in one pass
 * over the text. Spans are cut into digit groups and the longest window of at
 * most MAX_GROUPS groups that classifies wins; groups glued to letters
 * (identifiers, UUIDs, versions) are never part of a finding. Linear in the
 * text length.
 */

const MAX_GROUPS = 8;
const MAX_DIGITS = 19;

const NEXT_DIGIT = /[0-9]/g;

/** A space of some width: ' ', tab, NBSP, thin and narrow no-break spaces (word processors and i18n formatters write those). */
const isSpace = (c: number) => c === 32 || c === 9 || c === 0xa0 || c === 0x2009 || c === 0x202f;
/** Separators inside a number: spaces, '-' and the Unicode hyphens and en dash, '.', brackets. */
const isSep = (c: number) => isSpace(c) || c === 45 || c === 46 || c === 40 || c === 41 || c === 0x2010 || c === 0x2011 || c === 0x2013;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordish = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** True when the separator run between two groups contains a space or a bracket (a natural word break). */
function breaks(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c) || c === 40 || c === 41) return true;
  }
  return false;
}

/** The classification of a window of digit groups. */
export function classifyNumber(digits: string, plus: boolean, seps: string, groupLens: readonly number[]): Kind | undefined {
  const n = digits.length;
  const dotted = seps.includes('.');
  if (dotted) {
    if (!plus && groupLens.length === 4 && seps.replace(/\./g, '') === '' && isQuad(digits, groupLens)) return isNetmask(digits, groupLens) ? undefined : 'ipv4';
    // dots between the groups of a phone or card number (`987.654.3210`, `+91.98765.43210`):
    // three groups at least, or a '+', so that a decimal (`1234567890.12`) is never read as one
    if (groupLens.length < (plus ? 2 : 3)) return undefined;
  }
  const bracketed = seps.includes('(') || seps.includes(')');
  if (plus) return n >= 8 && n <= 15 ? 'phone' : undefined;
  const first = digits.charCodeAt(0) - 48;
  if (!bracketed && n >= 13 && n <= 19 && cardNetworkIssues(digits) && luhnValid(digits)) return 'card';
  if (!bracketed && n === 16 && verhoeffValid(digits)) return 'vid';
  if (!bracketed && n === 12 && first >= 2 && verhoeffValid(digits)) return 'aadhaar';
  if (n === 10 && first >= 6) return 'phone';
  // a trunk `0` before an area code or mobile number, an international `00` before a country code: neither
  // starts with 0 (a zero-padded field, a tar header's `00000000014`, is no phone)
  if (n === 11 && first === 0 && digits.charCodeAt(1) !== 48) return 'phone';
  if (n === 12 && digits.startsWith('91') && digits.charCodeAt(2) >= 54) return 'phone';
  if (n >= 12 && n <= 17 && digits.startsWith('00') && digits.charCodeAt(2) !== 48) return 'phone';
  return undefined;
}

/**
 * A dotted quad that names no host: a contiguous netmask (`255.255.255.0`,
 * `255.255.255.252`), which takes in the unspecified address `0.0.0.0` and
 * the broadcast `255.255.255.255`.
 */
function isNetmask(digits: string, groupLens: readonly number[]): boolean {
  let value = 0;
  let at = 0;
  for (const len of groupLens) {
    value = value * 256 + Number(digits.slice(at, at + len));
    at += len;
  }
  const hostBits = ~value >>> 0;
  return (hostBits & (hostBits + 1)) === 0;
}

function isQuad(digits: string, groupLens: readonly number[]): boolean {
  let at = 0;
  for (const len of groupLens) {
    if (len > 3 || Number(digits.slice(at, at + len)) > 255) return false;
    at += len;
  }
  return true;
}

/**
 * An integral number spelt as a decimal or with an exponent (`9876543210.0`,
 * `9.87654321E+9`: how Python and spreadsheets write ids and phone
 * numbers). The decimal form needs eight digits or more before its zeros;
 * prices and ratings (`1977.87`, `4.2`) never match. An exponent is taken
 * only as number formatters write one — after a fraction (`9.87654321E9`,
 * Java) or with a sign (`1e+16`: Python, JavaScript, Go, spreadsheets) —
 * since digits, an `e` and digits alone are hex: a UUID's `755312e4-…`, a
 * colour's `#8e9` (about 1 in 5,000 random UUIDs read as a mobile number).
 */
const INTEGRAL = /(?<![\w.+])(?<![\w.]-)(?:([0-9]{8,19})\.0{1,19}|([0-9]{1,19})(?:\.([0-9]{1,19})[eE]([+-]?)|[eE]([+-]))([0-9]{1,3}))(?![\w.])/g;

/** The digits of an integral value `whole.frac` × 10^exp, or undefined when it is not integral. */
function integralDigits(whole: string, frac: string, exp: number): string | undefined {
  const all = whole + frac;
  const scale = frac.length - exp;
  let digits: string;
  if (scale <= 0) digits = all + '0'.repeat(-scale);
  else if (scale <= all.length && /^0*$/.test(all.slice(all.length - scale))) digits = all.slice(0, all.length - scale);
  else return undefined;
  digits = digits.replace(/^0+(?=[0-9])/, '');
  return digits.length >= 8 && digits.length <= MAX_DIGITS ? digits : undefined;
}

/** Phones, cards and Aadhaar numbers spelt as decimals or with exponents; each carries its digits as `decoded`. */
function findIntegralLiterals(text: string, kinds: KindSet, out: Finding[]): void {
  INTEGRAL.lastIndex = 0;
  for (let m = INTEGRAL.exec(text); m; m = INTEGRAL.exec(text)) {
    const sign = m[4] ?? m[5];
    const digits = m[1] !== undefined ? integralDigits(m[1], '', 0) : integralDigits(m[2]!, m[3] ?? '', Number(m[6]) * (sign === '-' ? -1 : 1));
    if (!digits) continue;
    const kind = classifyNumber(digits, false, '', [digits.length]);
    if (kind && kinds.has(kind)) out.push({ kind, start: m.index, end: m.index + m[0].length, decoded: { value: digits, escape: 'literal' } });
  }
}

/** Appends the numeric findings in `text` to `out`. */
export function findNumbers(text: string, kinds: KindSet, out: Finding[]): void {
  const n = text.length;
  let i = 0;
  // seen on the way: an 8-digit run followed by ".0", or digits followed by an exponent after a fraction or with a sign
  let literal = false;
  while (i < n) {
    // the regex engine reaches the next digit faster than a loop over the characters (~1.7x on JSON bodies)
    NEXT_DIGIT.lastIndex = i;
    if (!NEXT_DIGIT.test(text)) break;
    i = NEXT_DIGIT.lastIndex - 1;
    // a span: digits joined by separators, from an optional '+' to its last digit
    const plus = i > 0 && text.charCodeAt(i - 1) === 43;
    const start = plus ? i - 1 : i;
    let end = i + 1;
    let j = i + 1;
    let digits = 1;
    let groups = 1;
    let run = 1;
    let dot = false;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d >= 48 && d <= 57) {
        if (end !== j) groups++;
        end = ++j;
        digits++;
        run++;
      } else if (isSep(d)) {
        if (d === 46) {
          if (run >= 8 && text.charCodeAt(j + 1) === 48) literal = true;
          dot = true;
        }
        run = 0;
        j++;
      } else break;
    }
    const after = text.charCodeAt(end);
    if ((after === 69 || after === 101) && (dot || text.charCodeAt(end + 1) === 43 || text.charCodeAt(end + 1) === 45)) literal = true;
    // a window of fewer than four groups needs 10 digits (8 after a '+'), a dotted quad four groups,
    // anything four digits: most numbers in a body (ids, amounts, dates) are none of these
    if (digits >= 4 && (groups >= 4 || digits >= (plus ? 8 : 10))) scanSpan(text, start, end, kinds, out);
    i = j;
  }
  if (literal) findIntegralLiterals(text, kinds, out);
}

function scanSpan(text: string, start: number, end: number, kinds: KindSet, out: Finding[]): void {
  let plus = text.charCodeAt(start) === 43;
  let spanStart = start;
  // digit groups as [start, end) pairs
  let gs: number[] = [];
  let ge: number[] = [];
  let i = plus ? start + 1 : start;
  while (i < end) {
    const s = i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    gs.push(s);
    ge.push(i);
    const sepStart = i;
    while (i < end && isSep(text.charCodeAt(i))) i++;
    if (i - sepStart > 2) {
      // a long separator run ends one number: classify what came before, go on after
      scanGroups(text, spanStart, gs, ge, plus, kinds, out);
      gs = [];
      ge = [];
      plus = false;
      spanStart = i;
    }
  }
  scanGroups(text, spanStart, gs, ge, plus, kinds, out);
}

/**
 * True when the number continues a token at `at`: a letter or digit, or a
 * hyphen or dot joined to a token with digits in it (`a716-446655440000` in
 * a UUID, `1.2` in a version) — but not to a plain word (`aadhaar-98765...`).
 */
function glued(text: string, at: number, step: 1 | -1): boolean {
  const c = text.charCodeAt(at);
  if (Number.isNaN(c)) return false;
  if (isWordish(c)) return true;
  if (c !== 45 && c !== 46) return false;
  for (let i = at + step, k = 0; k < 12 && isWordish(text.charCodeAt(i)); i += step, k++) {
    if (isDigit(text.charCodeAt(i))) return true;
  }
  return false;
}

/** A window may start at group g only where the number meets a word break. */
function canStart(text: string, g: number, ge: readonly number[], gs: readonly number[], firstGlued: boolean): boolean {
  return g === 0 ? !firstGlued : breaks(text, ge[g - 1]!, gs[g]!);
}

function canEnd(text: string, g: number, ge: readonly number[], gs: readonly number[], lastGlued: boolean): boolean {
  return g === gs.length - 1 ? !lastGlued : breaks(text, ge[g]!, gs[g + 1]!);
}

function scanGroups(text: string, spanStart: number, gs: number[], ge: number[], plus: boolean, kinds: KindSet, out: Finding[]): void {
  const n = gs.length;
  if (n === 0) return;
  const firstGlued = glued(text, (plus ? spanStart : gs[0]!) - 1, -1);
  const lastGlued = glued(text, ge[n - 1]!, 1);
  let g = 0;
  while (g < n) {
    const found = canStart(text, g, ge, gs, firstGlued) ? longestWindow(text, g, gs, ge, g === 0 && plus, lastGlued, kinds, out) : -1;
    g = found < 0 ? g + 1 : found + 1;
  }
}

/** Classifies the longest window of groups from `from` on; returns its last group, or -1. */
function longestWindow(text: string, from: number, gs: number[], ge: number[], withPlus: boolean, lastGlued: boolean, kinds: KindSet, out: Finding[]): number {
  const n = gs.length;
  let digits = 0;
  let last = from;
  while (last < n && last - from < MAX_GROUPS && digits + ge[last]! - gs[last]! <= MAX_DIGITS) {
    digits += ge[last]! - gs[last]!;
    last++;
  }
  for (let to = last - 1; to >= from; to--) {
    // too few digits for anything but a dotted quad: skip without building strings
    const few = digits < (withPlus ? 8 : 10);
    if (digits < 4 || (few && to - from < 3)) break;
    const len = ge[to]! - gs[to]!;
    if (!canEnd(text, to, ge, gs, lastGlued) || (few && to - from !== 3)) {
      digits -= len;
      continue;
    }
    const kind = classifyWindow(text, from, to, gs, ge, withPlus);
    if (kind && kinds.has(kind)) {
      out.push({ kind, start: withPlus ? gs[from]! - 1 : gs[from]!, end: ge[to]! });
      return to;
    }
    digits -= len;
  }
  return -1;
}

function classifyWindow(text: string, from: number, to: number, gs: number[], ge: number[], plus: boolean): Kind | undefined {
  let digits = '';
  let seps = '';
  const lens: number[] = [];
  for (let g = from; g <= to; g++) {
    digits += text.slice(gs[g], ge[g]);
    lens.push(ge[g]! - gs[g]!);
    if (g < to) seps += text.slice(ge[g], gs[g + 1]);
  }
  if (digits.length < 4) return undefined;
  return classifyNumber(digits, plus, seps, lens);
}
