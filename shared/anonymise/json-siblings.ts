import { isCredentialName, mayNameCredential } from './credentials.js';
import type { Frame } from './json-frame.js';
import { isWs, JsonText } from './json-lex.js';
import { pinValueAt } from './pin.js';
import type { Scrub } from './scrub.js';

/**
 * Objects that name a secret in one member and hold it in another: a
 * Kubernetes env entry `{"name":"DB_PASSWORD","value":"…"}`,
 * `{"key":"api_key","value":"…"}`, Keycloak's `{"type":"password","value":"…"}`,
 * AWS SSM's `{"Name":"/prod/db/password","Value":"…"}`, CloudFormation's
 * `{"ParameterKey":"DbPassword","ParameterValue":"…"}`, a form builder's
 * `{"label":"Password","data":"…"}` or `{"field":"api_key","content":"…"}`,
 * a Kubernetes Secret `{"kind":"Secret","data":{…}}`, and the validation
 * errors that echo what was sent: express-validator's
 * `{"path":"password","value":"…"}`, Spring's `{"field":"password",
 * "rejectedValue":"…"}`, class-validator's `{"property":"password",
 * "value":"…"}`. Namers: `name`, `key`, `type`, `kind`, `label`, `field`,
 * `title`, `param`, `path`, `property`, `variable`, `attribute`
 * (capitalised or all capitals too), `ParameterKey`; holders: `value`,
 * `data`, `content`, `text`, `val`, `input` (capitalised or all capitals
 * too), `ParameterValue`, `rejectedValue`, `originalValue`. And an OAuth token
 * request sent as JSON, whose `code` is the authorization code when
 * `grant_type`, `redirect_uri` or `code_verifier` sits beside it (a bare
 * `code` is as often a country's or an error's).
 *
 * The walk asks only about a member whose key is one of those few names (a
 * look at the key's length), and for a name only when its string names a
 * credential the way a key would (mayNameCredential, then
 * isCredentialName: `password_hint` does not). The holder that follows is
 * then pseudonymised like a credential key's value; one that came before
 * is found by reading the object back, and the document is walked again
 * (rewriteJson) with that object known from its start.
 */

/** A frame's `sibling` marks: its members `value`, `Value`, `ParameterValue` hold a secret… */
export const HOLDS_VALUE = 1;
/** …its member `code` does. */
export const HOLDS_CODE = 2;
/** …its member `code` does when it holds 4 to 8 digits: a one-time code sent with the phone or address it went to… */
export const HOLDS_OTP = 4;
/** …its member `input` does (pydantic's `loc`, zod's `path`)… */
export const HOLDS_INPUT = 8;
/** …its member `value` does (JSON Patch's and express-validator's `path`; not a route's `data` or `text`). */
export const HOLDS_PATCH_VALUE = 16;
/** Kinds whose namer's string must name a credential (not OAuth's, nor a phone's). */
const NAMED = HOLDS_VALUE | HOLDS_INPUT | HOLDS_PATCH_VALUE;

/**
 * text[at…] is `word`, `word` with its first letter capitalised, or `WORD` (the caller compared the first letter already,
 * in either case). Only a key whose second letter is a capital pays for the upper-cased comparison.
 */
const is = (text: string, at: number, word: string) => {
  if (text.startsWith(word.slice(1), at + 1)) return true;
  const c = text.charCodeAt(at + 1);
  return c >= 65 && c <= 90 && text.startsWith(word.slice(1).toUpperCase(), at + 1);
};
/** The lower-cased first letter of text[at]: one comparison settles most keys before any startsWith (each costs ~10 ns). */
const first = (text: string, at: number) => text.charCodeAt(at) | 0x20;

/** What the key text[start, end) says its siblings hold: HOLDS_VALUE (when its string names a credential), HOLDS_CODE, or 0. */
function namerKind(text: string, start: number, end: number): number {
  const c = first(text, start);
  switch (end - start) {
    case 3:
      if (c === 108) return is(text, start, 'loc') ? HOLDS_INPUT : 0;
      return c === 107 && is(text, start, 'key') ? HOLDS_VALUE : 0;
    case 4:
      if (c === 112) return is(text, start, 'path') ? HOLDS_PATCH_VALUE | HOLDS_INPUT : 0;
      return (c === 110 && is(text, start, 'name')) || (c === 116 && is(text, start, 'type')) || (c === 107 && is(text, start, 'kind')) ? HOLDS_VALUE : 0;
    case 5:
      if ((c === 112 && is(text, start, 'phone')) || (c === 101 && is(text, start, 'email'))) return HOLDS_OTP;
      return (c === 108 && is(text, start, 'label')) || (c === 102 && is(text, start, 'field')) || (c === 116 && is(text, start, 'title')) || (c === 112 && is(text, start, 'param')) ? HOLDS_VALUE : 0;
    case 6:
      return (c === 109 && is(text, start, 'mobile')) || (c === 109 && is(text, start, 'msisdn')) ? HOLDS_OTP : 0;
    case 8:
      return (c === 112 && is(text, start, 'property')) || (c === 118 && is(text, start, 'variable')) ? HOLDS_VALUE : 0;
    case 9:
      return c === 97 && is(text, start, 'attribute') ? HOLDS_VALUE : 0;
    case 10:
      return text.startsWith('grant_type', start) ? HOLDS_CODE : 0;
    case 11:
      return text.startsWith('phoneNumber', start) ? HOLDS_OTP : 0;
    case 12:
      if (text.startsWith('phone_number', start) || text.startsWith('mobileNumber', start)) return HOLDS_OTP;
      return text.startsWith('ParameterKey', start) ? HOLDS_VALUE : text.startsWith('redirect_uri', start) ? HOLDS_CODE : 0;
    case 13:
      return text.startsWith('code_verifier', start) ? HOLDS_CODE : 0;
    default:
      return 0;
  }
}

/** What the key text[start, end) holds when a sibling names it: HOLDS_VALUE, HOLDS_CODE, or 0. */
function holderKind(text: string, start: number, end: number): number {
  const c = first(text, start);
  switch (end - start) {
    case 3:
      return c === 118 && is(text, start, 'val') ? HOLDS_VALUE : 0;
    case 4:
      if (c === 99) return text.startsWith('code', start) ? HOLDS_CODE | HOLDS_OTP : 0;
      return (c === 100 && is(text, start, 'data')) || (c === 116 && is(text, start, 'text')) ? HOLDS_VALUE : 0;
    case 5:
      if (c === 105) return is(text, start, 'input') ? HOLDS_INPUT : 0;
      return c === 118 && is(text, start, 'value') ? HOLDS_VALUE | HOLDS_PATCH_VALUE : 0;
    case 7:
      return c === 99 && is(text, start, 'content') ? HOLDS_VALUE : 0;
    case 13:
      return text.startsWith('rejectedValue', start) || text.startsWith('originalValue', start) ? HOLDS_VALUE : 0;
    case 14:
      return text.startsWith('ParameterValue', start) ? HOLDS_VALUE : 0;
    default:
      return 0;
  }
}

/** The string text[start, end) names a credential, as a key would. */
/** The end of a label without the marks forms put after it (`Password:`, `API key *`, `PIN?`). */
function labelEnd(text: string, start: number, end: number): number {
  while (end > start) {
    const c = text.charCodeAt(end - 1);
    if (c !== 32 && c !== 58 && c !== 42 && c !== 46 && c !== 63) break;
    end--;
  }
  return end;
}
const namesCredential = (text: string, start: number, end: number) => {
  const e = labelEnd(text, start, end);
  return mayNameCredential(text, start, e) && isCredentialName(text.slice(start, e));
};

/** Per document: which members hold a secret a sibling names, and which objects must be walked again. */
export class JsonSiblings {
  readonly #text: string;
  readonly #scrub: Scrub;
  #holderFirst: Map<number, number> | undefined;
  #code: boolean | undefined;

  constructor(text: string, scrub: Scrub) {
    this.#text = text;
    this.#scrub = scrub;
  }

  /** Objects (where they open → marks) whose holder came before its namer; undefined when none did. */
  get holderFirst(): ReadonlyMap<number, number> | undefined {
    return this.#holderFirst;
  }

  /** The current member of `f`, whose value starts at `at`, holds a secret a sibling named. */
  holds(f: Frame, at: number): boolean {
    if (f.sibling === 0) return false;
    const held = (f.lazyKey ? holderKind(this.#text, f.keyStart, f.keyEnd) : typeof f.key === 'string' ? holderKind(f.key, 0, f.key.length) : 0) & f.sibling;
    // a `code` beside a phone only when it holds a one-time code's 4 to 8 digits (not `+91`, `SAVE20`, an error's `E1001`)
    return held === HOLDS_OTP ? pinValueAt(this.#text, at) : held !== 0;
  }

  /** The current member of `f`, whose value is the string text[start, end), may name a secret a sibling holds (a quick look). */
  mayName(f: Frame, start: number, end: number): boolean {
    // a value namer (3 to 5 characters long, or ParameterKey) needs a string that ends like a credential's: most titles and
    // names stop at that table look, before the key is compared; OAuth's code namers are 10 to 13 long
    const length = f.lazyKey ? f.keyEnd - f.keyStart : typeof f.key === 'string' ? f.key.length : 0;
    const e = labelEnd(this.#text, start, end);
    // a phone's or an address's namer (5 or 6 long) names a one-time code whatever its string
    if (length < 10 && !mayNameCredential(this.#text, start, e)) return (length === 5 || length === 6) && this.#namer(f) === HOLDS_OTP && (f.sibling & HOLDS_OTP) === 0 && this.#hasCode();
    const k = this.#namer(f);
    return k !== 0 && (f.sibling & k) === 0 && ((k & NAMED) === 0 || mayNameCredential(this.#text, start, e));
  }

  /** Marks `f` when its current member, whose string is value[start, end), names a secret a sibling holds. */
  note(f: Frame, value: string, start: number, end: number): void {
    const k = this.#namer(f);
    if (k === 0 || (f.sibling & k) !== 0 || ((k & NAMED) !== 0 && !namesCredential(value, start, end)) || (k === HOLDS_OTP && !this.#hasCode())) return;
    f.sibling |= k;
    // the members before this one are read again (charged), once per object and kind
    this.#scrub.charge(f.memberStart - f.open);
    if (holderBefore(this.#text, f.open + 1, f.memberStart, k)) (this.#holderFirst ??= new Map()).set(f.open, f.sibling);
  }

  /**
   * Marks `f` when its current member is an array, opening at text[open], whose last string names a secret a sibling
   * holds: pydantic's `{"loc":["body","password"],"input":"…"}`, zod's `{"path":["password"],"input":…}`.
   * Only `loc` and `path` are read so.
   */
  noteLast(f: Frame, open: number): void {
    const length = f.lazyKey ? f.keyEnd - f.keyStart : typeof f.key === 'string' ? f.key.length : 0;
    if ((length !== 3 && length !== 4) || (this.#namer(f) & HOLDS_INPUT) === 0) return;
    const last = lastString(this.#text, open);
    if (last >= 0) this.note(f, this.#text, last, this.#text.indexOf('"', last));
  }

  /** The document has a `code` member at all: a phone or an address beside nothing of the kind costs no read back. */
  #hasCode(): boolean {
    return (this.#code ??= this.#text.includes('"code"'));
  }

  #namer(f: Frame): number {
    if (f.lazyKey) return namerKind(this.#text, f.keyStart, f.keyEnd);
    return typeof f.key === 'string' ? namerKind(f.key, 0, f.key.length) : 0;
  }
}

/** A member in text[from, to) (an object's members, read from the start of the first) holds what `kind` marks. */
function holderBefore(text: string, from: number, to: number, kind: number): boolean {
  // a lexer of its own: the walk's remembers where the next backslash is from its own position on
  const lex = new JsonText(text);
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (isWs(c) || c === 44) {
      i++;
      continue;
    }
    if (c !== 34) return false;
    const key = lex.readString(i);
    const raw = key.end - i - 2 === key.content.length;
    if ((raw ? holderKind(text, i + 1, key.end - 1) : holderKind(key.content, 0, key.content.length)) & kind) return true;
    i = key.end;
    while (i < to && (isWs(text.charCodeAt(i)) || text.charCodeAt(i) === 58)) i++;
    if (i >= to) return false;
    i = lex.skipValue(i);
  }
  return false;
}

/**
 * Whether the key closing at `quote` (its colon follows), whose last three
 * letters are a namer's (SIBLING_END), names a secret a sibling holds, its
 * value read from `after` on: for a JSON text in which no detector found
 * anything, which is walked only when something in it names a credential
 * (json-credentials.ts).
 */
export function namesSiblingAt(text: string, quote: number, after: number): boolean {
  // a namer is 3 to 13 characters long (`key`, `name`, `label`, `property`, `ParameterKey`): its opening quote is the first one back
  // (a key holds no unescaped quote)
  let start = quote - 3;
  while (start > 0 && quote - start < 13 && text.charCodeAt(start - 1) !== 34) start--;
  return start > 0 && text.charCodeAt(start - 1) === 34 && namerValueAt(text, start, quote, after);
}

/** The text has a member that may hold a secret a sibling names (`value`, `data`, `content`, `text`, `val`, `input`, in any case). */
const HOLDER_KEY = /(?:value|data|text|content|val|input)"/i;
export function mayHoldNamedSecret(text: string): boolean {
  return HOLDER_KEY.test(text);
}

/** The namer text[start, end) is followed (from `after`) by a string that names a credential. */
function namerValueAt(text: string, start: number, end: number, after: number): boolean {
  let v = after;
  while (isWs(text.charCodeAt(v))) v++;
  // pydantic's `"loc":["body","password"]`, zod's `"path":["password"]`: the array's last string
  if (text.charCodeAt(v) === 91) v = (namerKind(text, start, end) & HOLDS_INPUT) !== 0 ? lastString(text, v) - 1 : -1;
  if (v < 0 || text.charCodeAt(v) !== 34) return false;
  const q = text.indexOf('"', v + 1);
  if (q < 0) return false;
  const e = labelEnd(text, v + 1, q);
  // the key's own name is compared last: its ending already matched a namer's, and most values name nothing
  return mayNameCredential(text, v + 1, e) && (namerKind(text, start, end) & NAMED) !== 0 && isCredentialName(text.slice(v + 1, e));
}

/**
 * A JSON text in which no detector found anything may be an OAuth token
 * request whose `code` a `grant_type` or `redirect_uri` beside it makes
 * secret (a `code_verifier` is a credential key: it is walked anyway).
 * Each search starts at a rare character ('_'), so a page without those
 * keys costs ~0.01 ns a character for each. OAuth's names are snake_case:
 * camelCase SDK spellings (`grantType`) are not looked for.
 */
export function mayHoldOAuthCode(text: string): boolean {
  return (text.includes('_type"') || text.includes('_uri"')) && text.includes('"code"');
}

/** The longest array lastString reads. */
const MAX_LOC = 256;

/**
 * Where the content of the last string of the array opening at text[open] starts, or -1: read only when the array is
 * short (MAX_LOC), flat and its strings hold no escape, as a validation error's `loc` is.
 */
function lastString(text: string, open: number): number {
  let last = -1;
  for (let i = open + 1; i < text.length && i - open < MAX_LOC; i++) {
    const c = text.charCodeAt(i);
    if (c === 93) return last;
    if (c === 91 || c === 123 || c === 92) return -1;
    if (c === 34) {
      const q = text.indexOf('"', i + 1);
      if (q < 0 || q - open >= MAX_LOC) return -1;
      last = i + 1;
      i = q;
    }
  }
  return -1;
}
