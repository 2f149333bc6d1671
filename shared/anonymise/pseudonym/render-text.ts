import { gstinCheckChar, ibanCheckDigits } from '../checksums.js';
import { startsLikeFilter } from '../detect/at-sign.js';
import { embedMarker, hasMarker } from './marker.js';
import { codePoints, DIGITS, draw, fromCodePoints, isShapeChar, makePool, poolOf, redraw, UPPER, type Pool, type SeededStream } from './shape.js';

/**
 * Pseudonyms of addresses, identifiers and secrets: every letter and digit
 * is redrawn from its own class (and script), separators stay, and the parts
 * that carry no personal data but make the value work — an email's public
 * provider and TLD, a UPI provider, a PAN's holder type, a GSTIN's state
 * code, an IFSC's bank code, an IBAN's country and bank code, an API key's
 * prefix, a JWT's header (when it is one) — are kept. Check characters are recomputed.
 */

const PUBLIC_PROVIDERS = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.in', 'yahoo.in', 'ymail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com',
  'icloud.com', 'me.com', 'aol.com', 'proton.me', 'protonmail.com', 'rediffmail.com', 'zoho.com', 'gmx.com', 'mail.com', 'yandex.com',
  'example.com', 'example.org', 'example.net',
]);
const SECOND_LEVEL = new Set(['co', 'com', 'ac', 'gov', 'org', 'net', 'edu', 'nic', 'res', 'gen', 'firm', 'ind', 'ltd', 'plc']);
const HEX = (upper: boolean): Pool => poolOfList(upper ? '0123456789ABCDEF' : '0123456789abcdef');
const ENTITY_DIGITS = poolOfList('123456789');

function poolOfList(chars: string): Pool {
  return makePool(codePoints(chars));
}

/** The last shape position of `cps` before `end`, or -1. */
function lastShape(cps: readonly number[], end: number): number {
  let i = end - 1;
  while (i >= 0 && !isShapeChar(cps[i]!)) i--;
  return i;
}

/** The last two shape positions of `cps` before `end`, both at or after `min`. */
function lastTwoShape(cps: readonly number[], end: number, min: number): [number, number] | undefined {
  const b = lastShape(cps, end);
  const a = b < 0 ? -1 : lastShape(cps, b);
  return a >= 0 && a >= min ? [a, b] : undefined;
}

/** The last two shape positions of `cps` before its last shape character, both at or after `min`. */
function tagPositions(cps: readonly number[], min: number): [number, number] | undefined {
  return lastTwoShape(cps, lastShape(cps, cps.length), min);
}

/**
 * The tags of an address: the last two shape characters of its local part
 * (before `at`), which the marker covers whole since the domain counts as
 * one more character. Without an '@' (not a detected value) all but the
 * last character count as the local part.
 */
function localTags(cps: readonly number[], at: number): [number, number] | undefined {
  return lastTwoShape(cps, at < 0 ? Math.max(0, cps.length - 1) : at, 0);
}

/** Embeds the marker in positions a and b (adjacent shape characters) over all of `cps`. */
function embedAt(cps: number[], tag: [number, number] | undefined, rng: SeededStream): string | undefined {
  if (!tag) return undefined;
  const [a, b] = tag;
  const poolA = poolOf(cps[a]!);
  const poolB = poolOf(cps[b]!);
  if (!poolA || !poolB) return undefined;
  return embedMarker(cps, 0, cps.length, a, b, poolA, poolB, rng) ? fromCodePoints(cps) : undefined;
}

/** Redraws from `from` on, then embeds the marker in the last two shape characters before the last. */
function redrawWithMarker(cps: number[], from: number, rng: SeededStream): string | undefined {
  redraw(cps, rng, from);
  return embedAt(cps, tagPositions(cps, from), rng);
}

/** Email: the local part is redrawn; a public provider's domain is kept, otherwise only its TLD (and a second-level suffix such as co.in). */
export function renderEmail(text: string, rng: SeededStream): string | undefined {
  const cps = codePoints(text);
  const at = cps.lastIndexOf(64);
  redraw(cps, rng, 0, at);
  // a local part drawn as `eq.…` would be read as a filter and its address found from after it: draw again
  if (startsLikeFilter(fromCodePoints(cps.slice(0, at)).toLowerCase())) return undefined;
  const domain = text.slice(text.lastIndexOf('@') + 1).toLowerCase();
  if (!PUBLIC_PROVIDERS.has(domain)) {
    const labels = domain.split('.');
    let keep = 1;
    if (labels.length > 2 && labels[labels.length - 1]!.length === 2 && SECOND_LEVEL.has(labels[labels.length - 2]!)) keep = 2;
    const keptChars = [...labels.slice(-keep).join('.')].length + 1;
    redraw(cps, rng, at + 1, cps.length - keptChars);
  }
  return embedAt(cps, localTags(cps, at), rng);
}

/** UPI id: the handle is redrawn, the payment provider kept. */
export function renderUpi(text: string, rng: SeededStream): string | undefined {
  const cps = codePoints(text);
  const at = cps.lastIndexOf(64);
  redraw(cps, rng, 0, at);
  // as renderEmail: a handle drawn as `eq.…` would be read from after it
  if (startsLikeFilter(fromCodePoints(cps.slice(0, at)).toLowerCase())) return undefined;
  return embedAt(cps, localTags(cps, at), rng);
}

/** PAN (AAAPA9999A): the fourth letter (holder type) is kept. */
export function renderPan(text: string, rng: SeededStream): string | undefined {
  const cps = codePoints(text);
  for (const i of [0, 1, 2, 4, 9]) cps[i] = draw(UPPER, rng);
  for (const i of [5, 6]) cps[i] = draw(DIGITS, rng);
  return embedMarker(cps, 0, 10, 7, 8, DIGITS, DIGITS, rng) ? fromCodePoints(cps) : undefined;
}

/** GSTIN: state code, holder type and the 'Z' are kept; the check character is recomputed. */
export function renderGstin(text: string, rng: SeededStream): string | undefined {
  const cps = codePoints(text);
  for (const i of [2, 3, 4, 6, 11]) cps[i] = draw(UPPER, rng);
  for (const i of [7, 8]) cps[i] = draw(DIGITS, rng);
  cps[12] = draw(cps[12]! <= 57 ? ENTITY_DIGITS : UPPER, rng);
  if (!embedMarker(cps, 0, 15, 9, 10, DIGITS, DIGITS, rng)) return undefined;
  cps[14] = gstinCheckChar(fromCodePoints(cps.slice(0, 14))).charCodeAt(0);
  return fromCodePoints(cps);
}

/** IFSC: the bank code and the '0' are kept; the branch code is redrawn. */
export function renderIfsc(text: string, rng: SeededStream): string | undefined {
  return redrawWithMarker(codePoints(text), 5, rng);
}

/** IBAN: country and the first four BBAN characters (bank) are kept; check digits recomputed. */
export function renderIban(text: string, rng: SeededStream): string | undefined {
  const cps = codePoints(text);
  const shape = cps.flatMap((cp, i) => (isShapeChar(cp) ? [i] : []));
  for (let k = 8; k < shape.length; k++) cps[shape[k]!] = draw(poolOf(cps[shape[k]!]!)!, rng);
  const a = shape[shape.length - 3]!;
  const b = shape[shape.length - 2]!;
  const poolA = poolOf(cps[a]!)!;
  const poolB = poolOf(cps[b]!)!;
  // the check digits sit inside the marker's range, so search rather than solve
  const offset = rng.below(poolA.cps.length * poolB.cps.length);
  for (let j = 0; j < poolA.cps.length * poolB.cps.length; j++) {
    const combo = (offset + j) % (poolA.cps.length * poolB.cps.length);
    cps[a] = poolA.cps[combo % poolA.cps.length]!;
    cps[b] = poolB.cps[Math.floor(combo / poolA.cps.length)]!;
    const compact = shape.map((i) => String.fromCodePoint(cps[i]!)).join('');
    const check = ibanCheckDigits(compact);
    cps[shape[2]!] = check.charCodeAt(0);
    cps[shape[3]!] = check.charCodeAt(1);
    const out = fromCodePoints(cps);
    if (hasMarker(out)) return out;
  }
  return undefined;
}

/** IPv6: every hex digit is redrawn (digits as digits, letters as letters of the same case). */
export function renderIpv6(text: string, rng: SeededStream): string | undefined {
  const cps = codePoints(text);
  const hex: number[] = [];
  const zone = text.indexOf('%');
  const end = zone < 0 ? cps.length : zone;
  for (let i = 0; i < end; i++) {
    const cp = cps[i]!;
    if (cp >= 48 && cp <= 57) cps[i] = draw(DIGITS, rng);
    else if ((cp | 32) >= 97 && (cp | 32) <= 102) cps[i] = (cp <= 70 ? 65 : 97) + rng.below(6);
    else continue;
    hex.push(i);
  }
  if (hex.length < 3) return undefined;
  const a = hex[hex.length - 3]!;
  const b = hex[hex.length - 2]!;
  const upper = /[A-F]/.test(text);
  return embedMarker(cps, 0, end, a, b, HEX(upper), HEX(upper), rng) ? fromCodePoints(cps) : undefined;
}

const KEY_PREFIX = /^(?:AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|(?:sk|rk|pk)_(?:live|test)_|whsec_|xox[abposre]-|xapp-|rzp_(?:live|test)_|AIza|ya29\.|npm_|hf_|shp(?:at|ss|ca|pa)_|SG\.)/;

/** API keys keep their well-known prefix, so they still say which service they are for. */
export function renderApiKey(text: string, rng: SeededStream): string | undefined {
  const prefix = KEY_PREFIX.exec(text)?.[0] ?? '';
  return redrawWithMarker(codePoints(text), prefix.length, rng);
}

/**
 * JWT: the header (algorithm and type) is kept; payload and signature are
 * redrawn. A token of the same shape whose first segment is no JOSE header
 * keeps only its `eyJ`: Flask's session cookie (itsdangerous) puts the
 * session's own JSON there (`{"_user_id":"42","email":…}`).
 */
export function renderJwt(text: string, rng: SeededStream): string | undefined {
  const cps = codePoints(text);
  const dot = text.indexOf('.');
  return redrawWithMarker(cps, joseHeader(text.slice(0, dot)) ? dot + 1 : 3, rng);
}

/** A base64url segment that decodes to a JSON object with an `alg`: a JWS or JWE header. */
function joseHeader(segment: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/** Bearer tokens and anything else with a marker: every letter and digit redrawn. */
export function renderToken(text: string, rng: SeededStream): string | undefined {
  return redrawWithMarker(codePoints(text), 0, rng);
}

/** A value no detector recognised (selected by a rule): redrawn, without a marker. */
export function renderGeneric(text: string, rng: SeededStream): string {
  const cps = codePoints(text);
  redraw(cps, rng);
  return fromCodePoints(cps);
}
