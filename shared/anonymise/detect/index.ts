import { findAtSigns } from './at-sign.js';
import type { Finding, KindSet } from './kinds.js';
import { findNumbers } from './numeric.js';
import { findTokens, maybeSecret } from './tokens.js';

export { ALL_KINDS, escapeLike, findingValue, KINDS, type Finding, type Kind, type KindSet } from './kinds.js';

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
  const found = findPlain(text, kinds);
  const percent = text.includes('%') && PERCENT_ESCAPE.test(text) ? percentView(text) : undefined;
  const json = text.includes('\\') && JSON_ESCAPE.test(text) ? escapeView(text) : undefined;
  const html = text.includes('&') && HTML_ENTITY.test(text) ? entityView(text) : undefined;
  if (!percent && !json && !html) return found;
  let all = found;
  for (const view of [percent, json, html]) if (view) all = withDecoded(text, view, kinds, all);
  return disjoint(all);
}

/**
 * Text read with its escapes decoded: `%40` as '@' (a login_hint in a
 * redirect URL), `\u0040` as '@' and `\n` as a space (JSON that is not one
 * JSON value, NDJSON, JSONP), with where each decoded character sits in the
 * text (`at[k]`, and `at[length]` is the text's end).
 */
interface View {
  text: string;
  at: number[];
  /** How a replacement is written: percent-encoded, JSON-escaped, or as is (HTML takes '@' as it is). */
  escape: 'percent' | 'json' | 'literal';
}

const HEX = /^[0-9A-Fa-f]{2}$/;
const PERCENT_ESCAPE = /%[0-7][0-9A-Fa-f]/;
const JSON_ESCAPE = /\\(?:u[0-9A-Fa-f]{4}|["\\/bfnrt])/;

function percentView(text: string): View | undefined {
  let out = '';
  const at: number[] = [];
  let escaped = false;
  for (let i = 0; i < text.length; ) {
    const hex = text.charCodeAt(i) === 37 ? text.slice(i + 1, i + 3) : '';
    // ASCII only: what an address or a number is written in
    if (hex.length === 2 && HEX.test(hex) && parseInt(hex, 16) < 0x80) {
      out += String.fromCharCode(parseInt(hex, 16));
      at.push(i);
      i += 3;
      escaped = true;
    } else {
      out += text[i];
      at.push(i++);
    }
  }
  at.push(text.length);
  return escaped ? { text: out, at, escape: 'percent' } : undefined;
}

const JSON_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: ' ', f: ' ', n: ' ', r: ' ', t: ' ' };

function escapeView(text: string): View | undefined {
  let out = '';
  const at: number[] = [];
  let escaped = false;
  for (let i = 0; i < text.length; ) {
    if (text.charCodeAt(i) === 92) {
      const c = text[i + 1] ?? '';
      const u = c === 'u' ? text.slice(i + 2, i + 6) : '';
      if (u.length === 4 && /^[0-9A-Fa-f]{4}$/.test(u)) {
        out += String.fromCharCode(parseInt(u, 16));
        at.push(i);
        i += 6;
        escaped = true;
        continue;
      }
      const plain = JSON_ESCAPES[c];
      if (plain !== undefined) {
        out += plain;
        at.push(i);
        i += 2;
        escaped = true;
        continue;
      }
    }
    out += text[i];
    at.push(i++);
  }
  at.push(text.length);
  return escaped ? { text: out, at, escape: 'json' } : undefined;
}

const HTML_ENTITY = /&(?:#[0-9]{2,3}|#[xX][0-9A-Fa-f]{2}|commat|period|plus|hyphen|lpar|rpar);/;
const NAMED: Record<string, string> = { commat: '@', period: '.', plus: '+', hyphen: '-', lpar: '(', rpar: ')' };
const ENTITY = /&(?:#([0-9]{2,3})|#[xX]([0-9A-Fa-f]{2})|(commat|period|plus|hyphen|lpar|rpar));/y;

/** HTML character references for the characters addresses and numbers are written with (`&#64;`, `&commat;`). */
function entityView(text: string): View | undefined {
  let out = '';
  const at: number[] = [];
  for (let i = 0; i < text.length; ) {
    if (text.charCodeAt(i) === 38) {
      ENTITY.lastIndex = i;
      const m = ENTITY.exec(text);
      const code = m ? (m[1] ? Number(m[1]) : m[2] ? parseInt(m[2], 16) : -1) : -1;
      const ch = m ? (code >= 0 ? (code < 0x80 ? String.fromCharCode(code) : undefined) : NAMED[m[3]!]) : undefined;
      if (m && ch !== undefined) {
        out += ch;
        at.push(i);
        i += m[0].length;
        continue;
      }
    }
    out += text[i];
    at.push(i++);
  }
  at.push(text.length);
  return { text: out, at, escape: 'literal' };
}

/**
 * `found` with the findings of the decoded view added, placed in the text.
 * A decoded finding that covers findings of the text whole replaces them
 * (`priya.9876543210%40acmecorp.in` is one address, not a phone number in
 * some text); one that only partly overlaps them is left out.
 */
function withDecoded(text: string, view: View, kinds: KindSet, found: Finding[]): Finding[] {
  // both lists are sorted by position: one pointer walks the text's findings (linear, not F × G)
  const plain = [...found].sort((a, b) => a.start - b.start);
  const covered = new Set<Finding>();
  const added: Finding[] = [];
  let k = 0;
  for (const f of findPlain(view.text, kinds)) {
    const start = view.at[f.start]!;
    const end = view.at[f.end]!;
    while (k < plain.length && plain[k]!.end <= start) k++;
    let whole = true;
    const inside: Finding[] = [];
    for (let j = k; j < plain.length && plain[j]!.start < end; j++) {
      if (plain[j]!.start < start || plain[j]!.end > end) whole = false;
      inside.push(plain[j]!);
    }
    if (!whole) continue;
    for (const g of inside) covered.add(g);
    const value = view.text.slice(f.start, f.end);
    added.push(text.slice(start, end) === value ? { kind: f.kind, start, end } : { kind: f.kind, start, end, decoded: { value, escape: view.escape } });
  }
  return covered.size === 0 ? [...found, ...added] : [...found.filter((g) => !covered.has(g)), ...added];
}

function findPlain(text: string, kinds: KindSet): Finding[] {
  if (!MAYBE.test(text) && (text.length < 14 || !maybeSecret(text))) return [];
  const out: Finding[] = [];
  // a bare number (a JSON number, an id) can only be a phone, card, Aadhaar or VID
  if (ALL_DIGITS.test(text)) {
    if (text.length >= 8 && text.length <= 19) findNumbers(text, kinds, out);
    return out;
  }
  const hasDigit = DIGIT.test(text);
  findTokens(text, kinds, out, hasDigit, findPii);
  if (text.includes('@')) findAtSigns(text, kinds, out);
  if (hasDigit) findNumbers(text, kinds, out);
  return disjoint(out);
}

/**
 * Sorted by position, never overlapping: where two findings claim the same
 * characters, the one that starts first wins, then the longer; a winner that
 * leaves part of a loser in the text is marked `spills`.
 */
function disjoint(out: Finding[]): Finding[] {
  if (out.length < 2) return out;
  out.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Finding[] = [out[0]!];
  for (let i = 1; i < out.length; i++) {
    const f = out[i]!;
    const last = kept[kept.length - 1]!;
    if (f.start >= last.end) kept.push(f);
    else if (f.end > last.end) last.spills = true;
  }
  return kept;
}
