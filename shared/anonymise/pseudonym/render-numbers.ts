import { luhnCheckDigit, verhoeffCheckDigit } from '../checksums.js';
import { embedMarker, MARKER_RESIDUE } from './marker.js';
import { phoneParts } from './phone.js';
import { codePoints, DIGITS, draw, fromCodePoints, makePool, MARKER_MOD, type Pool, type SeededStream } from './shape.js';

/**
 * Pseudonyms of numbers, in the original's layout (separators, brackets and
 * '+' stay where they were): phone numbers keep their prefix and the first
 * national digit, cards their BIN (first six digits) and a valid Luhn digit,
 * Aadhaar numbers and VIDs a valid Verhoeff digit, IPv4 addresses the digit
 * count of each octet. Each returns undefined when no marker fits.
 */

const AADHAAR_FIRST: Pool = makePool([50, 51, 52, 53, 54, 55, 56, 57]);
/**
 * A VID pseudonym's first digit: never 0 (a JSON number would become a
 * string) and never a card's first digit (2-6, 8), so it is not read as a
 * card when it happens to pass Luhn.
 */
const VID_FIRST = makePool([49, 55, 57]);
const NONZERO = makePool([49, 50, 51, 52, 53, 54, 55, 56, 57]);

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
  for (let k = keep; k < at.length; k++) cps[at[k]!] = draw(k === 0 && check === verhoeffCheckDigit ? (at.length === 12 ? AADHAAR_FIRST : VID_FIRST) : DIGITS, rng);
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

/**
 * The block an address's pseudonym must stay in: [first octet], [first, second] or [first, second's min, second's
 * max] — 10/8, 127/8, 169.254/16, 172.16/12, 192.168/16, 100.64/10 (written with the same digit counts; else
 * undefined, and the pseudonym is drawn public like any other). A public address's pseudonym is public.
 */
function blockOf(o: number[], lens: number[]): number[] | undefined {
  const [a, b] = [o[0]!, o[1]!];
  if (a === 10 || a === 127) return [a];
  if (a === 169 && b === 254) return [169, 254];
  if (a === 192 && b === 168) return [192, 168];
  if (a === 172 && b >= 16 && b <= 31) return [172, 16, 31];
  if (a === 100 && b >= 64 && b <= 127) return lens[1] === 2 ? [100, 64, 99] : [100, 100, 127];
  return undefined;
}

/** Not private, loopback, link-local, shared, multicast, reserved or `0.x` (what blockOf keeps, and 224/3, 0/8). */
function isPublic(v: number[]): boolean {
  const [a, b] = [v[0]!, v[1]!];
  return !(a === 0 || a === 10 || a === 127 || a >= 224 || (a === 169 && b === 254) || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31) || (a === 100 && b >= 64 && b <= 127));
}

function octet(len: number, rng: SeededStream): number {
  if (len === 1) return rng.below(10);
  if (len === 2) return 10 + rng.below(90);
  return 100 + rng.below(156);
}

const OCTET_MIN = [0, 0, 10, 100];
const OCTET_MAX = [0, 9, 99, 255];
const POW10 = [1, 10, 100, 1000];

/** A value in [min, max] congruent to `residue` (0-96) mod 97, drawn evenly, or -1. */
function congruent(residue: number, min: number, max: number, rng: SeededStream): number {
  let first = residue;
  while (first < min) first += MARKER_MOD;
  // written so that an octet length out of range (bounds undefined) finds none
  if (!(first >= min && first <= max)) return -1;
  return first + MARKER_MOD * rng.below(Math.floor((max - first) / MARKER_MOD) + 1);
}

/** Lengths of the '.'-separated parts of `text` (as text.split('.') would cut it). */
function partLengths(text: string): number[] {
  const lens: number[] = [];
  let start = 0;
  for (let dot = text.indexOf('.'); dot >= 0; dot = text.indexOf('.', start)) {
    lens.push(dot - start);
    start = dot + 1;
  }
  lens.push(text.length - start);
  return lens;
}

/**
 * IPv4: octets keep their digit counts. The marker covers every digit but
 * the last, so the third octet (when the last has one digit) or the leading
 * digits of the last octet are solved for; a few redraws at most.
 */
export function renderIpv4(text: string, rng: SeededStream): string | undefined {
  const lens = partLengths(text);
  const v = [0, 0, 0, 0];
  const block = blockOf(text.split('.').map(Number), lens);
  for (let attempt = 0; attempt < 200; attempt++) {
    for (let k = 0; k < 4; k++) v[k] = octet(lens[k]!, rng);
    // a private, loopback, link-local or shared address stays one of its block (an internal hop in X-Forwarded-For),
    // where one with the marker exists: not for 192.168.1.1, whose only free digits are the two the marker needs
    if (block && attempt < 100) {
      v[0] = block[0]!;
      if (block.length > 1) v[1] = block[1]! + (block.length > 2 ? rng.below(block[2]! - block[1]! + 1) : 0);
    } else if (!isPublic(v)) continue;
    let h = (v[0]! * POW10[lens[1]!]! + v[1]!) % MARKER_MOD;
    const last = lens[3]!;
    if (last === 1) {
      const third = congruent(((MARKER_RESIDUE - h * POW10[lens[2]!]!) % MARKER_MOD + MARKER_MOD * 100) % MARKER_MOD, OCTET_MIN[lens[2]!]!, OCTET_MAX[lens[2]!]!, rng);
      if (third < 0) continue;
      v[2] = third;
    } else {
      h = (h * POW10[lens[2]!]! + v[2]!) % MARKER_MOD;
      const lead = congruent(((MARKER_RESIDUE - h * POW10[last - 1]!) % MARKER_MOD + MARKER_MOD * 100) % MARKER_MOD, last === 2 ? 1 : 10, last === 2 ? 9 : 25, rng);
      if (lead < 0) continue;
      v[3] = lead * 10 + (lead === 25 ? rng.below(6) : rng.below(10));
    }
    const out = `${v[0]}.${v[1]}.${v[2]}.${v[3]}`;
    if (out !== text) return out;
  }
  return undefined;
}

/**
 * A JSON number's text (NUMBER in json-lex.ts) with its digits redrawn, and
 * its sign, '.', exponent and the digit count of each part kept, so that it
 * stays a JSON number of the same shape. The digits are drawn as
 * renderGeneric draws them (a number has the pseudonym of the same digits in
 * a string), and then, when an integer part of two digits or more came out
 * with a leading 0, which JSON does not allow, its first digit is drawn again
 * from 1-9.
 */
export function renderJsonNumber(text: string, rng: SeededStream): string {
  const cps: number[] = [];
  let lead = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (lead < 0) lead = i;
      cps.push(draw(DIGITS, rng));
    } else {
      cps.push(c);
    }
  }
  if (lead >= 0 && cps[lead] === 48 && lead + 1 < text.length && isDigit(text.charCodeAt(lead + 1))) cps[lead] = draw(NONZERO, rng);
  return String.fromCharCode(...cps);
}

/**
 * `out` (a pseudonym of `text`, both JSON numbers) made different from
 * `text` when it is not: its last digit, which never leads an integer part
 * of two digits or more, is moved by 1 to 9.
 */
export function unlikeJsonNumber(text: string, out: string, rng: SeededStream): string {
  if (out !== text) return out;
  let last = out.length - 1;
  while (last >= 0 && !isDigit(out.charCodeAt(last))) last--;
  if (last < 0) return out;
  const d = (out.charCodeAt(last) - 48 + 1 + rng.below(9)) % 10;
  return out.slice(0, last) + String.fromCharCode(48 + d) + out.slice(last + 1);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
