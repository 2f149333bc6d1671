/**
 * The kinds of personal data and secrets the detectors find. Every detector
 * is on by default; rules can switch kinds off or give them other actions.
 */
export const KINDS = [
  'email',
  'phone',
  'card',
  'iban',
  'aadhaar',
  'vid',
  'pan',
  'gstin',
  'ifsc',
  'upi',
  'ipv4',
  'ipv6',
  'jwt',
  'bearer',
  'apikey',
] as const;

export type Kind = (typeof KINDS)[number];

/** A detected value: its kind and where it sits in the scanned text ([start, end)). */
export interface Finding {
  kind: Kind;
  start: number;
  end: number;
  /**
   * Set when the value was found in the text read with its escapes decoded
   * (percent-encoding, JSON escapes) and is written with escapes in the
   * text, or is a number spelt otherwise (`9.87654321E9`): the value itself
   * (its digits), and how a replacement is to be written ('literal': as is).
   */
  decoded?: { value: string; escape: 'percent' | 'json' | 'literal' };
  /**
   * Set when a finding that overlapped this one and reached further was
   * dropped (see disjoint): replacing this one leaves the rest of that one
   * in the text, so the text must be read again after replacing.
   */
  spills?: true;
}

/** The characters of `text` a finding covers, escapes decoded. */
export const findingValue = (text: string, f: Finding): string => f.decoded?.value ?? text.slice(f.start, f.end);

/** A replacement for a finding, escaped the way the finding's characters were. */
export function escapeLike(f: Finding, replacement: string): string {
  if (!f.decoded) return replacement;
  if (f.decoded.escape === 'literal') return replacement;
  // encodeURIComponent throws on a lone surrogate: it becomes U+FFFD, as UTF-8 would write it
  return f.decoded.escape === 'percent' ? encodeURIComponent(replacement.replace(LONE_SURROGATE, '\uFFFD')) : JSON.stringify(replacement).slice(1, -1);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Which kinds to look for. */
export type KindSet = ReadonlySet<Kind>;

export const ALL_KINDS: KindSet = new Set(KINDS);

// ASCII character classes, indexed by char code.
export const C_DIGIT = 1;
export const C_UPPER = 2;
export const C_LOWER = 4;
export const C_ALNUM = C_DIGIT | C_UPPER | C_LOWER;

const table = new Uint8Array(128);
for (let c = 48; c <= 57; c++) table[c] = C_DIGIT;
for (let c = 65; c <= 90; c++) table[c] = C_UPPER;
for (let c = 97; c <= 122; c++) table[c] = C_LOWER;

/** ASCII class bits of a char code (0 for everything else). */
export function asciiClass(code: number): number {
  return code < 128 ? table[code]! : 0;
}

export function isAsciiAlnum(code: number): boolean {
  return code < 128 && table[code]! !== 0;
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
