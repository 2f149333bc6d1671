import { isCredentialName } from './credentials.js';
import { elementText, type Span } from './text-span.js';

/**
 * Values named by the element before them rather than by `name=`
 * (credential-text.ts reads the rest of free text, script-calls.ts a
 * script's calls): a plist's `<key>Password</key><string>…`, a debug or
 * settings page's `<td>DB_PASSWORD</td><td><pre>…</pre></td>`,
 * `<th><label>API key</label></th><td>…`, `<dt>Client secret</dt><dd>…`.
 */

/** Elements whose text may label the value the next element holds (LABEL_VALUE), and inline ones wrapping a label. */
const LABELS = new Set(['key', 'td', 'th', 'dt', 'label', 'strong', 'b', 'span', 'code']);

export const isLabel = (tag: string) => LABELS.has(tag.toLowerCase());

/**
 * After a label's text: the inline elements closing around it, each maybe followed by marks (`<b>Password</b>:`,
 * `<span>API key</span> (live)`), the label's end tag, up to two comments (`<key>Password</key><!-- … --><string>`),
 * then a plist's value (`<string>`, `<data>`, `<integer>`), a table's next cell or a definition list's `<dd>`, and up
 * to three elements opening inside it (`<pre class="sf-dump">`, `<code>`, `<div>`), sticky. Not a header cell after a
 * header cell. Every part is bounded and no two of its runs overlap (a comment's text is `[^-]` or a `-` not before
 * `->`): one match reads a few hundred characters at most.
 */
const LABEL_VALUE =
  /(?:<\/(?:label|strong|b|span|code)>[ \t\r\n:*?]{0,64}(?:\([^()<>\r\n]{0,32}\)[ \t\r\n:*?]{0,64})?){0,2}<\/(?:key|td|th|dt)>[ \t\r\n]{0,64}(?:<!--(?:[^-]|-(?!->)){0,256}-->[ \t\r\n]{0,64}){0,2}<(?:string|data|integer|td|dd)(?:[ \t\r\n][^<>]{0,256})?>(?:[ \t\r\n]{0,64}<(?:pre|code|span|kbd|samp|b|strong|div|p|a|em|i|small|tt)(?:[ \t\r\n][^<>]{0,256})?>){0,3}/iy;

const isMark = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 58 || c === 42 || c === 63;

/**
 * A label's text as a name (`Password:` → `Password`, `API key (live)` → `API key`), read from its first 96
 * characters (names are shorter), marks cut with a loop: a regex of runs around an optional group anchored at the end
 * took 11 s on 4,000 colons.
 */
export function labelText(text: string): string {
  const t = text.length > 96 ? text.slice(0, 96) : text;
  let end = t.length;
  while (end > 0 && isMark(t.charCodeAt(end - 1))) end--;
  if (t.charCodeAt(end - 1) === 41) {
    const open = t.lastIndexOf('(', end - 1);
    if (open >= 0 && end - open <= 34) {
      end = open;
      while (end > 0 && isMark(t.charCodeAt(end - 1))) end--;
    }
  }
  return t.slice(0, end).trimStart();
}

/** A label in words that names many (`API keys`, `Access tokens`): a pricing table's or a feature list's row. */
const plural = (label: string) => /[a-z]s$/.test(label) && !/ss$|credentials$/i.test(label);

/**
 * A plist's flag, a setting's switch (phpinfo's `On`, `0`), a documentation table's type or a parameter's place
 * (`header`, `query`), a state or a version: no secret a label names holds these.
 */
const NOT_HELD =
  /^(?:yes|no|true|false|none|null|n\/a|on|off|-?\d|string|str|text|integer|number|bool|boolean|object|array|list|dict|map|bytes|binary|base64|hex|json|jwt|any|required|optional|enabled|disabled|unlimited|hidden|set|unset|header|query|path|body|cookie|form|formdata|u?int(?:8|16|32|64)?|float(?:32|64)?|double|long|string\(\d+\)|uuid\d?|v?\d+(?:\.\d+)+|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?)$/i;
const isMaskChar = (c: number) => c === 42 || c === 0x2022 || c === 0x25cf || c === 0xb7;

/**
 * A value masked whole or in part: a run of 4 mask characters (`*`, `•`, `●`, `·`) or more, and mask characters at
 * least half of what follows a visible prefix ending in `_` or `-` (`••••••••`, `sk_live_••••1234`, `ghp_****abcd`,
 * `AKIA••••••••••••WXYZ`); not a password with stars in it (`Tr0ub****dor3`, `Tr0ub***dor3x`).
 */
function masked(value: string): boolean {
  let masks = 0;
  let run = 0;
  let longest = 0;
  let first = -1;
  for (let i = 0; i < value.length; i++) {
    if (!isMaskChar(value.charCodeAt(i))) {
      run = 0;
      continue;
    }
    if (first < 0) first = i;
    masks++;
    if (++run > longest) longest = run;
  }
  if (longest < 4) return false;
  const prefix = Math.max(value.lastIndexOf('_', first), value.lastIndexOf('-', first)) + 1;
  return 2 * masks >= value.length - prefix;
}
/** A label for a secret no date or version is a stand-in for (`<td>Password</td><td>1990-04-12</td>`). */
const SECRET_LABEL = /pass|pin\b|secret/i;
const DATE_OR_VERSION = /^(?:v?\d+(?:\.\d+)+|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?)$/i;
/** A label written as an environment variable or a server variable (`DB_PASSWORD`, `$_SERVER['PHP_AUTH_PW']`). */
const ENV_LABEL = /^\$?[A-Z][A-Z0-9_]*(?:\[['"]?[A-Z][A-Z0-9_]*['"]?\])?$/;
/** A variable's or a setting's name in lower case, with a `_` or a `.` (`db_password`, `spring.datasource.password`). */
const VAR_LABEL = /^[a-z][a-z0-9]*(?:[._][a-z0-9]+)+$/;

/**
 * A label that names a variable (`DB_PASSWORD`, `db_password`, `spring.datasource.password`): any one word under it is
 * its value. In lower case only a name whose last word is a credential's (`mysqli.default_pw`, `aws.secret_access_key`),
 * so that phpinfo's `session.cookie_secure` (`On`) or `session.cookie_samesite` (`Lax`) are read as labels in words.
 */
function namesVariable(label: string): boolean {
  if (ENV_LABEL.test(label)) return true;
  if (!VAR_LABEL.test(label)) return false;
  const cut = Math.max(label.lastIndexOf('_'), label.lastIndexOf('.'));
  const last = label.slice(cut + 1);
  if (last !== 'key') return isCredentialName(last);
  // `api_key`, `secret_key`, `access_key`; not `public_key`, `cache_key`
  const before = Math.max(label.lastIndexOf('_', cut - 1), label.lastIndexOf('.', cut - 1));
  return isCredentialName(label.slice(before + 1));
}

const AUTHORIZATION_LABEL = /authori[sz]ation$/i;
/** An Authorization value's scheme and the spaces after it. */
const SCHEME = /^[A-Za-z][\w.-]{0,31} +/;

/** Under a name or label naming Authorization, `span` loses its value's scheme (`Bearer …`: the token, as in the header). */
export function withoutScheme(text: string, span: Span, name: string): void {
  if (AUTHORIZATION_LABEL.test(name)) span.start += SCHEME.exec(text.slice(span.start, span.end))?.[0].length ?? 0;
}

/**
 * Reads the value an element labels (its label `label`, the text of element `tag`, ending at `at`): pushes its span
 * and returns where the read stopped, or -1 when no value element follows. In HTML, under a label in words, a value
 * is one word of 6 characters or more with a digit or of 12 or more (`<td>Password</td><td>Last changed 3 days
 * ago</td>`, `<td>api_key</td><td>string</td>` in API docs, `<td>Access tokens</td><td>10</td>` are no secrets);
 * under a variable's name (`DB_PASSWORD`, `db_password`: namesVariable) any word; an Authorization value keeps its
 * scheme (`Token …`, `SSWS …`).
 * A plist's string is any but a flag.
 */
export function labelledValue(text: string, at: number, tag: string, label: string, spans: Span[]): number {
  LABEL_VALUE.lastIndex = at;
  if (!LABEL_VALUE.test(text)) return -1;
  const found: Span[] = [];
  let read = elementText(text, LABEL_VALUE.lastIndex, found);
  // a settings page's copyable field: `<td><input readonly value="…"></td>`
  if (found.length === 0 && startsWithInput(text, read)) read = inputValue(text, read, found);
  const span = found[0];
  if (span === undefined) return read;
  withoutScheme(text, span, label);
  const value = text.slice(span.start, span.end);
  if (value === '' || masked(value) || (NOT_HELD.test(value) && !(DATE_OR_VERSION.test(value) && SECRET_LABEL.test(label)))) return read;
  const word = !/\s/.test(value);
  const env = namesVariable(label) && /[A-Za-z0-9]/.test(value);
  if (tag.toLowerCase() === 'key' || (word && env) || (word && !plural(label) && value.length >= 6 && (/[0-9]/.test(value) || value.length >= 12))) spans.push(span);
  return read;
}


/** Inputs whose value is a button's caption or a choice's, not what a field holds. */
const BUTTON_TYPE = /^(?:submit|button|reset|image|checkbox|radio)$/i;
/** How far an `<input>` tag is read: its attributes, then a quoted value as long as VALUE's. */
const TAG_CHARS = 2048;
const VALUE_CHARS = 4096;

const isTagSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
/** An `<input` tag starts at `at` (its name ends there: not `<inputs>`). */
const startsWithInput = (text: string, at: number) => text.charCodeAt(at) === 60 && text.slice(at + 1, at + 6).toLowerCase() === 'input' && (isTagSpace(text.charCodeAt(at + 6)) || text.charCodeAt(at + 6) === 47 || text.charCodeAt(at + 6) === 62);

/**
 * Reads the attributes of the `<input …>` starting at `at` (its `<`) in one pass, in any order and quoting
 * (`value="…"`, `value='…'`, `value=…`, `data-x="a>b"`): pushes its `value`'s span, unless it is a button's or a
 * choice's, and returns where the read stopped (the tag's end, or its bound: the text read is not read again).
 */
function inputValue(text: string, at: number, spans: Span[]): number {
  const end = Math.min(text.length, at + TAG_CHARS);
  let value: Span | undefined;
  let button = false;
  let i = at + 6;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 62) {
      i++;
      break;
    }
    if (isTagSpace(c) || c === 47) {
      i++;
      continue;
    }
    const name = i;
    while (i < end && !isTagSpace(text.charCodeAt(i)) && text.charCodeAt(i) !== 61 && text.charCodeAt(i) !== 62 && text.charCodeAt(i) !== 47) i++;
    const attr = i - name === 5 || i - name === 4 ? text.slice(name, i).toLowerCase() : '';
    let j = i;
    while (j < end && isTagSpace(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 61) continue;
    j++;
    while (j < end && isTagSpace(text.charCodeAt(j))) j++;
    const q = text.charCodeAt(j);
    let start = j;
    if (q === 34 || q === 39) {
      start = ++j;
      const stop = Math.min(text.length, start + VALUE_CHARS);
      while (j < stop && text.charCodeAt(j) !== q) j++;
      if (j === stop) return j;
      i = j + 1;
    } else {
      while (j < end && !isTagSpace(text.charCodeAt(j)) && text.charCodeAt(j) !== 62) j++;
      i = j;
    }
    if (attr === 'value') value = { start, end: j };
    else if (attr === 'type') button = BUTTON_TYPE.test(text.slice(start, j));
  }
  if (value !== undefined && value.end > value.start && !button) spans.push(value);
  return i;
}

/**
 * The text after `<` at `at` in a JSON body is a label element whose text names a credential (json-credentials.ts:
 * its strings are then read as text).
 */
export function labelNamesCredential(text: string, at: number): boolean {
  const tag = /^[A-Za-z]{1,6}/.exec(text.slice(at, at + 7))?.[0];
  if (tag === undefined || !isLabel(tag)) return false;
  // bounded reads: a body of `<` without `>` is not searched to its end from each
  const close = text.slice(at, at + 256).indexOf('>');
  if (close < 0) return false;
  const from = at + close + 1;
  const end = text.slice(from, from + 64).indexOf('<');
  return end > 0 && isCredentialName(labelText(text.slice(from, from + end)));
}
