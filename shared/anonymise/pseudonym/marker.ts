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

/** The marker residue of a sequence of code points (all of them: the caller drops the last). */
function residueOf(values: readonly number[]): number {
  let h = 0;
  for (const v of values) h = (h * 10 + v) % MARKER_MOD;
  return h;
}

function shapeValues(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (isShapeChar(cp)) out.push(markerValue(cp));
  }
  return out;
}

const PHONE_LIKE = /^[+0-9 ().-]+$/;

/** True when `text` carries the pseudonym marker. */
export function hasMarker(text: string): boolean {
  const values = shapeValues(text);
  if (values.length >= 3 && residueOf(values.slice(0, -1)) === MARKER_RESIDUE) return true;
  if (!PHONE_LIKE.test(text)) return false;
  const digits = text.replace(/[^0-9]/g, '');
  if (digits.length < 10) return false;
  const national = [...digits.slice(-10, -1)].map(Number);
  return residueOf(national) === MARKER_RESIDUE;
}

/**
 * Sets two adjacent shape characters of `cps` (tagA right before tagB in
 * shape order, neither the last shape character) so that `cps` carries the
 * marker over the shape characters between `from` and `to`. Returns false
 * when no choice from the two pools gives the marker.
 */
export function embedMarker(cps: number[], from: number, to: number, tagA: number, tagB: number, poolA: Pool, poolB: Pool, rng: SeededStream): boolean {
  // shape positions in order, the last one dropped
  const shape: number[] = [];
  for (let i = from; i < to; i++) if (isShapeChar(cps[i]!)) shape.push(i);
  shape.pop();
  const ia = shape.indexOf(tagA);
  const ib = shape.indexOf(tagB);
  if (ia < 0 || ib !== ia + 1) return false;
  const n = shape.length;
  // weight of shape position k: 10^(n-1-k) mod 97
  const weight = (k: number) => {
    let w = 1;
    for (let j = 0; j < n - 1 - k; j++) w = (w * 10) % MARKER_MOD;
    return w;
  };
  let base = 0;
  for (let k = 0; k < n; k++) if (k !== ia && k !== ib) base = (base + markerValue(cps[shape[k]!]!) * weight(k)) % MARKER_MOD;
  const wa = weight(ia);
  const wb = weight(ib);
  const waInv = inverse(wa);
  const start = rng.below(poolB.cps.length);
  for (let j = 0; j < poolB.cps.length; j++) {
    const b = poolB.cps[(start + j) % poolB.cps.length]!;
    const need = mod((MARKER_RESIDUE - base - markerValue(b) * wb) * waInv);
    const options = poolA.byResidue.get(need);
    if (options && options.length > 0) {
      cps[tagA] = options[rng.below(options.length)]!;
      cps[tagB] = b;
      return true;
    }
  }
  return false;
}

const mod = (x: number) => ((x % MARKER_MOD) + MARKER_MOD) % MARKER_MOD;

function inverse(w: number): number {
  for (let x = 1; x < MARKER_MOD; x++) if ((w * x) % MARKER_MOD === 1) return x;
  return 1;
}
