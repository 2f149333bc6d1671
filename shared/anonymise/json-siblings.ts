import { isCredentialName, mayNameCredential } from './credentials.js';
import type { Frame } from './json-frame.js';
import { isWs, JsonText } from './json-lex.js';
import { pinValueAt } from './pin.js';
import type { Scrub } from './scrub.js';
import { holderKind, HOLDS_INPUT, HOLDS_JWK, HOLDS_OTP, HOLDS_PATCH_VALUE, HOLDS_VALUE, NAMED, namerKind } from './json-sibling-kinds.js';

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
  /** Where the body's backslashes are, for #escapeIn. */
  #escapes: number[] | undefined;

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
    if (length < 10 && !mayNameCredential(this.#text, start, e)) {
      if (length === 3) return (f.sibling & HOLDS_JWK) === 0 && this.#namer(f) === HOLDS_JWK;
      return (length === 5 || length === 6) && this.#namer(f) === HOLDS_OTP && (f.sibling & HOLDS_OTP) === 0 && this.#hasCode();
    }
    const k = this.#namer(f);
    return k !== 0 && (f.sibling & k) !== k && ((k & NAMED) === 0 || mayNameCredential(this.#text, start, e));
  }

  /**
   * Marks `f` when its current member, whose string is value[start, end), names a secret a sibling holds (of the kinds
   * in `only`).
   */
  note(f: Frame, value: string, start: number, end: number, only = ~0): void {
    let k = this.#namer(f) & only;
    // a route (`"path":"/oauth/token","value":1532`, a metric) names no field; JSON Patch's path does, after its `op`
    if ((k & HOLDS_PATCH_VALUE) !== 0 && hasSlash(value, start, end) && !this.#text.slice(f.open, f.memberStart).includes('"op"')) k &= ~HOLDS_PATCH_VALUE;
    k &= ~f.sibling; // kinds already marked: nothing new to read back for
    if (k === 0 || ((k & NAMED) !== 0 && !namesCredential(value, start, end)) || (k === HOLDS_OTP && !this.#hasCode())) return;
    f.sibling |= k;
    // the members before this one are read again (charged), once per object and kind
    this.#scrub.charge(f.memberStart - f.open);
    if (holderBefore(this.#text, f.open + 1, f.memberStart, k, this.#escapeIn(f.open, f.memberStart))) (this.#holderFirst ??= new Map()).set(f.open, f.sibling);
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
    if (last >= 0) this.note(f, this.#text, last, this.#text.indexOf('"', last), (length === 4 ? HOLDS_INPUT : ~0));
  }

  /** The document has a `code` member at all: a phone or an address beside nothing of the kind costs no read back. */
  #hasCode(): boolean {
    return (this.#code ??= this.#text.includes('"code"'));
  }

  /** text[from, to) holds a backslash: the body's backslashes are listed once, on the first question, then searched. */
  #escapeIn(from: number, to: number): boolean {
    const at = (this.#escapes ??= backslashes(this.#text));
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < at.length && at[lo]! < to;
  }

  #namer(f: Frame): number {
    if (f.lazyKey) return namerKind(this.#text, f.keyStart, f.keyEnd);
    return typeof f.key === 'string' ? namerKind(f.key, 0, f.key.length) : 0;
  }
}

/**
 * A member in text[from, to) (an object's members, read from the start of the first) holds what `kind` marks. With no
 * backslash in the range (`escaped` false) keys and strings end at their next quote; else a lexer of its own reads them
 * (the walk's remembers where the next backslash is from its own position on; a new one searches to the body's end).
 */
function holderBefore(text: string, from: number, to: number, kind: number, escaped: boolean): boolean {
  const lex = escaped ? new JsonText(text) : undefined;
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (isWs(c) || c === 44) {
      i++;
      continue;
    }
    if (c !== 34) return false;
    let held: number;
    if (lex) {
      const key = lex.readString(i);
      held = key.end - i - 2 === key.content.length ? holderKind(text, i + 1, key.end - 1) : holderKind(key.content, 0, key.content.length);
      i = key.end;
    } else {
      const q = text.indexOf('"', i + 1);
      if (q < 0 || q >= to) return false;
      held = holderKind(text, i + 1, q);
      i = q + 1;
    }
    if (held & kind) return true;
    while (i < to && (isWs(text.charCodeAt(i)) || text.charCodeAt(i) === 58)) i++;
    if (i >= to) return false;
    i = lex ? lex.skipValue(i) : skipCleanValue(text, i, to);
  }
  return false;
}

/** The end of the value at text[i] (before the ',' or the closing bracket after it), for text without a backslash. */
function skipCleanValue(text: string, i: number, to: number): number {
  let depth = 0;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const q = text.indexOf('"', i + 1);
      if (q < 0 || q >= to) return to;
      i = q;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth < 0) return i;
    } else if (c === 44 && depth === 0) return i;
  }
  return to;
}

/** Where text's backslashes are, in order. */
function backslashes(text: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf('\\'); i >= 0; i = text.indexOf('\\', i + 1)) at.push(i);
  return at;
}

/** text[start, end) holds a '/'. */
function hasSlash(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 47) return true;
  return false;
}

/**
 * Whether the key closing at `quote` (its colon follows), whose last three
 * letters are a namer's (SIBLING_END), names a secret a sibling holds, its
 * value read from `after` on: for a JSON text in which no detector found
 * anything, which is walked only when something in it names a credential
 * (json-credentials.ts).
 */
export function namesSiblingAt(text: string, quote: number, after: number): number {
  // a namer is 3 to 13 characters long (`key`, `name`, `label`, `property`, `ParameterKey`): its opening quote is the first one back
  // (a key holds no unescaped quote)
  let start = quote - 3;
  while (start > 0 && quote - start < 13 && text.charCodeAt(start - 1) !== 34) start--;
  if (start <= 0 || text.charCodeAt(start - 1) !== 34) return 0;
  // a phone's or an address's namer names a one-time code whatever it holds (the caller looks for a `code` member once),
  // a JWK's `kty` its private members whatever the key's type (the caller looks for `"d"` or `"k"`)
  const kind = namerKind(text, start, quote);
  if (kind === HOLDS_OTP || kind === HOLDS_JWK) return kind;
  return namerValueAt(text, start, quote, after) ? HOLDS_VALUE : 0;
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
