/**
 * The building blocks of shape-preserving pseudonyms: a deterministic stream
 * of random numbers seeded from the HMAC of a value, and the pool each
 * character is redrawn from — a digit from digits, a letter from letters of
 * the same case, a non-ASCII letter, mark or digit from the same Unicode
 * block and general category (so Devanagari stays Devanagari and a
 * two-unit astral letter stays two units). Everything else (separators,
 * punctuation, spaces) is kept.
 */

/** xoshiro128** seeded from 16 bytes of an HMAC: fast, and only as secret as its seed needs to be. */
export class SeededStream {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** `digest`: an HMAC as big-endian words (HmacSha256.digestWords); its first 16 bytes are read little-endian. */
  constructor(digest: Int32Array) {
    this.#a = bswap(digest[0]!);
    this.#b = bswap(digest[1]!);
    this.#c = bswap(digest[2]!);
    this.#d = bswap(digest[3]!) | 1;
  }

  next(): number {
    const r = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return r;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
}

function bswap(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Code points a character may be redrawn from, with their marker values. */
export interface Pool {
  readonly cps: readonly number[];
  /** Code points of the pool by marker residue (the index); undefined where the pool has none. */
  readonly byResidue: readonly (readonly number[] | undefined)[];
}

export const MARKER_MOD = 97;

/** A character's value in the pseudonym marker: digits 0-9, ASCII letters 10-35 (any case), others their code point mod 97. */
export function markerValue(cp: number): number {
  if (cp >= 48 && cp <= 57) return cp - 48;
  if (cp >= 65 && cp <= 90) return cp - 55;
  if (cp >= 97 && cp <= 122) return cp - 87;
  return cp % MARKER_MOD;
}

export function makePool(cps: number[]): Pool {
  const byResidue: number[][] = [];
  for (const cp of cps) (byResidue[markerValue(cp) % MARKER_MOD] ??= []).push(cp);
  return { cps, byResidue };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const DIGITS = makePool(range(48, 57));
export const UPPER = makePool(range(65, 90));
export const LOWER = makePool(range(97, 122));
export const HEX_LOWER = makePool(range(97, 102));
export const HEX_UPPER = makePool(range(65, 70));

const CATEGORIES = ['Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'Mn', 'Mc', 'Nd'] as const;
const CATEGORY_RE = CATEGORIES.map((c) => new RegExp(`^\\p{${c}}$`, 'u'));
const blockPools = new Map<string, Pool | null>();

function categoryOf(cp: number): number {
  const ch = String.fromCodePoint(cp);
  for (let i = 0; i < CATEGORY_RE.length; i++) if (CATEGORY_RE[i]!.test(ch)) return i;
  return -1;
}

/** True for characters a pseudonym redraws: ASCII letters and digits, and Unicode letters, marks and decimal digits. */
export function isShapeChar(cp: number): boolean {
  if (cp < 128) return (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122);
  return categoryOf(cp) >= 0;
}

/** The pool a character is redrawn from, or undefined when it is kept as is. */
export function poolOf(cp: number): Pool | undefined {
  if (cp < 128) {
    if (cp >= 48 && cp <= 57) return DIGITS;
    if (cp >= 65 && cp <= 90) return UPPER;
    if (cp >= 97 && cp <= 122) return LOWER;
    return undefined;
  }
  const cat = categoryOf(cp);
  if (cat < 0) return undefined;
  const block = cp >> 7;
  const id = `${block}:${cat}`;
  let pool = blockPools.get(id);
  if (pool === undefined) {
    const cps = range(block << 7, (block << 7) + 127).filter((c) => (c < 0xd800 || c > 0xdfff) && categoryOf(c) === cat);
    pool = cps.length > 1 ? makePool(cps) : null;
    blockPools.set(id, pool);
  }
  return pool ?? undefined;
}

/** A random member of `pool`. */
export function draw(pool: Pool, rng: SeededStream): number {
  return pool.cps[rng.below(pool.cps.length)]!;
}

/** Redraws every shape character of `cps` at the given positions (all when omitted), in place. */
export function redraw(cps: number[], rng: SeededStream, from = 0, to = cps.length): void {
  for (let i = from; i < to; i++) {
    const pool = poolOf(cps[i]!);
    if (pool) cps[i] = draw(pool, rng);
  }
}

/** The code points of `s` (a lone surrogate stands for itself). */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i)!;
    out.push(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return out;
}

const CHUNK = 4096;

export function fromCodePoints(cps: readonly number[]): string {
  let astral = false;
  for (let i = 0; i < cps.length && !astral; i++) astral = cps[i]! > 0xffff;
  // fromCharCode is several times faster than fromCodePoint, which only astral code points need
  if (!astral && cps.length <= CHUNK) return String.fromCharCode(...cps);
  let s = '';
  for (let i = 0; i < cps.length; i += CHUNK) s += String.fromCodePoint(...cps.slice(i, i + CHUNK));
  return s;
}
