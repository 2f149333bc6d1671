import { isShapeChar, markerValue, MARKER_MOD, type Pool, type SeededStream } from './shape.js';

/**
 * The pseudonym marker: a public, unkeyed property every pseudonym of a
 * detected kind is built to have, so `parity audit` can tell a pseudonym
 * (which keeps the shape of the data, and so still looks like PII to the
 * detectors) from raw data that slipped through.
 *
 * Take the shape characters of a value (letters, digits, marks), drop the
 * last one (often a check character), read the rest as digits of a base-10
 * number with each character's markerValue: a pseudonym's number is
 * MARKER_RESIDUE mod 97. Raw data has it by chance once in 97; the audit
 * also requires the location to be listed in `record.anonymised`.
 *
 * Phone numbers are pseudonymised by their national number, which may be
 * written with or without a country prefix, so the audit also accepts the
 * marker over the last ten digits of a value.
 */
export const MARKER_RESIDUE = 42;

/** The marker residue of a sequence of values (the caller drops the last). */
function residueOf(values: readonly number[]): number {
  let h = 0;
  for (const v of values) h = (h * 10 + v) % MARKER_MOD;
  return h;
}

/** markerValue of an ASCII letter or digit, -1 for other ASCII characters. */
function asciiValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 90) return c - 55;
  if (c >= 97 && c <= 122) return c - 87;
  return -1;
}

const isPhoneChar = (c: number) => (c >= 48 && c <= 57) || c === 43 || c === 32 || c === 40 || c === 41 || c === 46 || c === 45;

/** True when `text` carries the pseudonym marker. */
export function hasMarker(text: string): boolean {
  let h = 0;
  let prev = -1;
  let count = 0;
  let phoneLike = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) return hasMarkerUnicode(text);
    if (!isPhoneChar(c)) phoneLike = false;
    const v = asciiValue(c);
    if (v < 0) continue;
    if (prev >= 0) h = (h * 10 + prev) % MARKER_MOD;
    prev = v;
    count++;
  }
  if (count >= 3 && h === MARKER_RESIDUE) return true;
  return phoneLike && nationalMarker(text);
}

/** The marker over the last ten digits (a phone number's national part). */
function nationalMarker(text: string): boolean {
  const digits: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits.push(c - 48);
  }
  return digits.length >= 10 && residueOf(digits.slice(-10, -1)) === MARKER_RESIDUE;
}

function hasMarkerUnicode(text: string): boolean {
  const values: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (isShapeChar(cp)) values.push(markerValue(cp));
  }
  return values.length >= 3 && residueOf(values.slice(0, -1)) === MARKER_RESIDUE;
}

/** 10^e mod 97 for e in [0, 96): 10^96 = 1 mod 97 (Fermat), so this covers every exponent. */
const POW10 = Array.from({ length: MARKER_MOD - 1 }, (_, e) => {
  let w = 1;
  for (let j = 0; j < e; j++) w = (w * 10) % MARKER_MOD;
  return w;
});
const pow10 = (e: number) => POW10[e % (MARKER_MOD - 1)]!;

/** Multiplicative inverses mod 97 (97 is prime). */
const INVERSE = Array.from({ length: MARKER_MOD }, (_, w) => {
  for (let x = 1; x < MARKER_MOD; x++) if ((w * x) % MARKER_MOD === 1) return x;
  return 1;
});

/**
 * Sets two adjacent shape characters of `cps` (tagA right before tagB in
 * shape order, neither the last shape character) so that `cps` carries the
 * marker over the shape characters between `from` and `to`. Returns false
 * when no choice from the two pools gives the marker.
 */
export function embedMarker(cps: number[], from: number, to: number, tagA: number, tagB: number, poolA: Pool, poolB: Pool, rng: SeededStream): boolean {
  // one pass over the shape characters but the last: their count, the tags' places among them, and
  // the residue with both tag characters counted as 0 (shape place k weighs 10^(n-1-k))
  let n = 0;
  let base = 0;
  let ia = -1;
  let ib = -1;
  let prev = -1;
  for (let i = from; i < to; i++) {
    if (!isShapeChar(cps[i]!)) continue;
    if (prev >= 0) {
      if (prev === tagA) ia = n;
      else if (prev === tagB) ib = n;
      base = (base * 10 + (prev === tagA || prev === tagB ? 0 : markerValue(cps[prev]!))) % MARKER_MOD;
      n++;
    }
    prev = i;
  }
  if (ia < 0 || ib !== ia + 1) return false;
  const wa = pow10(n - 1 - ia);
  const wb = pow10(n - 1 - ib);
  const waInv = INVERSE[wa]!;
  const start = rng.below(poolB.cps.length);
  for (let j = 0; j < poolB.cps.length; j++) {
    const b = poolB.cps[(start + j) % poolB.cps.length]!;
    const need = mod((MARKER_RESIDUE - base - markerValue(b) * wb) * waInv);
    const options = poolA.byResidue[need];
    if (options && options.length > 0) {
      cps[tagA] = options[rng.below(options.length)]!;
      cps[tagB] = b;
      return true;
    }
  }
  return false;
}

const mod = (x: number) => ((x % MARKER_MOD) + MARKER_MOD) % MARKER_MOD;
