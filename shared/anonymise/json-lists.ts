import type { Frame } from './json-frame.js';
import { isTreatedHeader } from './headers.js';
import { isWs } from './json-lex.js';
import { mayNamePhone, phoneValueAt } from './phone-name.js';

/**
 * Containers whose elements are read by where the container sits, not by a
 * key of their own:
 * - a name/value pair kept as a two-element array in a list under a key
 *   ending in `headers`, as error trackers and mail services keep headers
 *   (Sentry's `request.headers`, Mailgun's `message-headers`:
 *   `[["Authorization","Bearer …"],["X-Api-Key","…"]]`): its value is read
 *   like that header's (headers.ts), when its name is a header read other
 *   than as free text (a spreadsheet's rows or a translation table's
 *   `["Token","Jeton"]`, under other keys, are not); so is a value in Node's
 *   `rawHeaders`, a flat list of names and values;
 * - a list under a phone's name (`{"phone":["4155552671"]}`, SCIM's
 *   `phoneNumbers`, `phones`): its strings and integers of 7 to 15 digits are
 *   pseudonymised whole like a phone-named member's (phone-name.ts), and so
 *   are an entry object's `value`, `number` and `display` (SCIM's
 *   `phoneNumbers[].value`), also in a list of lists and in an entry's
 *   object under a phone's name, `value` or `number`
 *   (`phoneNumbers[].phone.number`).
 */

/** An array in a LIST_HEADERS list: a pair when its first element names a header (Frame.pairName). */
export const LIST_PAIR = 1;
/** An array under a phone's name. */
export const LIST_PHONES = 2;
/** An object in a LIST_PHONES array. */
export const PHONE_ENTRY = 3;
/** Node's `rawHeaders`: names at even indices, each followed by its value. */
export const LIST_RAW = 4;
/** A list under a key ending in `headers`: its arrays may be pairs. */
export const LIST_HEADERS = 5;

const RAW_HEADERS = 'rawHeaders';

/** The key text[start, end) names headers, any case (`headers`, `message-headers`, `requestHeaders`, `header_pairs`, `hdrs`). */
function headersKey(text: string, start: number, end: number): boolean {
  if (end - start < 4 || end - start > 64) return false;
  return HEADERS_NAME.test(text.slice(start, end));
}

const HEADERS_NAME = /header|hdrs$/i;

/** The list kind of a container opening in `parent` (the walk's current frame). */
export function listOf(parent: Frame, obj: boolean, text: string): number {
  if (parent.obj) {
    if (obj && parent.list !== PHONE_ENTRY) return 0;
    const [key, start, end] = parent.lazyKey ? [text, parent.keyStart, parent.keyEnd] : typeof parent.key === 'string' ? [parent.key, 0, parent.key.length] : ['', 0, 0];
    // in a phone list's entry, a phone's own object or list (`phoneNumbers[].phone.number`)
    if (parent.list === PHONE_ENTRY) return entryHolder(key, start, end) || phoneListKey(key, start, end) ? (obj ? PHONE_ENTRY : LIST_PHONES) : 0;
    // an array under a key: a few a document
    if (headersKey(key, start, end)) return end - start === RAW_HEADERS.length && key.startsWith(RAW_HEADERS, start) ? LIST_RAW : LIST_HEADERS;
    return phoneListKey(key, start, end) ? LIST_PHONES : 0;
  }
  // a list of lists of numbers (`{"phones":[["…","…"]]}`)
  if (parent.list === LIST_PHONES) return obj ? PHONE_ENTRY : LIST_PHONES;
  return !obj && parent.list === LIST_HEADERS ? LIST_PAIR : 0;
}

/** The key text[start, end) is an entry's member that holds its number: SCIM's `value`, `number`, `display`. */
function entryHolder(text: string, start: number, end: number): boolean {
  const n = end - start;
  return (n === 5 && text.startsWith('value', start)) || (n === 6 && text.startsWith('number', start)) || (n === 7 && text.startsWith('display', start));
}

/**
 * The key whose closing quote is at `quote` names phone numbers and holds a list, its value read from `after` on
 * (json-credentials.ts: such a body is walked though no detector found anything in it).
 */
export function phoneListAt(text: string, quote: number, after: number): boolean {
  let i = after;
  while (i - after < 64 && isWs(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === 91 && phoneListKey(text, text.lastIndexOf('"', quote - 1) + 1, quote);
}

/** The key text[start, end) names phone numbers, one or many (`phone`, `phones`, `phoneNumbers`, `mobile_numbers`). */
function phoneListKey(text: string, start: number, end: number): boolean {
  return mayNamePhone(text, start, (text.charCodeAt(end - 1) | 0x20) === 115 ? end - 1 : end);
}

/**
 * `text` may hold a header pair (`"headers":[["Accept","…"],["X-Api-Key","…"]]`): a key ending in `headers`, and an
 * array in an array whose first element names a header read other than as free text. Such a body is walked though no
 * detector found anything in it. Read from each `[` after a `[` or a `,` (an array's element: in an object a `,` is
 * followed by a key): a page holds few.
 */
export function headerPairIn(text: string): boolean {
  // under a key naming headers any name the header rules treat; elsewhere only one no prose has (`X-Api-Key`)
  const anyName = HEADERS_KEY.test(text);
  if (anyName && text.includes(`"${RAW_HEADERS}"`)) return true;
  for (let i = text.indexOf('['); i >= 0; i = text.indexOf('[', i + 1)) {
    let b = i - 1;
    while (b >= 0 && isWs(text.charCodeAt(b))) b--;
    if (b < 0 || (text.charCodeAt(b) !== 91 && text.charCodeAt(b) !== 44)) continue;
    let j = i + 1;
    while (isWs(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 34) continue;
    const q = text.indexOf('"', j + 1);
    if (q < 0) return false;
    if (q - j - 1 < 3 || q - j - 1 > 64) continue;
    const name = text.slice(j + 1, q);
    if (HEADER_NAME.test(name) && (anyName || name.includes('-')) && isTreatedHeader(name.toLowerCase())) return true;
  }
  return false;
}

const HEADERS_KEY = /eader|EADER|hdrs|HDRS/;

/** Header names a pair may carry: token characters (RFC 9110), 3 to 64 of them. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{3,64}$/;

/**
 * The current element of array `f` may name a header: a LIST_RAW's at an even index, the first of a LIST_PAIR or of
 * any array in an array (`parent`; there only a name with a `-` counts, see notePairName).
 */
export function mayNameHeader(f: Frame, parent: Frame | undefined): boolean {
  return f.list === LIST_RAW ? (f.key as number) % 2 === 0 : f.key === 0 && (f.list === LIST_PAIR || (f.list === 0 && parent !== undefined && !parent.obj));
}

/**
 * Notes the element of array `f` that may name a header (mayNameHeader), the string `value`: when it names one read
 * other than as free text, the next element is its value. Outside a list under a key naming headers only a name no
 * prose has counts (`X-Api-Key`, `Proxy-Authorization`; not a spreadsheet's `Cookie` or `Token` row).
 */
export function notePairName(f: Frame, value: string): void {
  const name = HEADER_NAME.test(value) ? value.toLowerCase() : undefined;
  const counts = name !== undefined && (f.list !== 0 || name.includes('-')) && isTreatedHeader(name);
  f.pairName = counts ? name : undefined;
  if (counts && f.list === 0) f.list = LIST_PAIR;
}

/**
 * The current element of array `f`, a string ending at text[end) (`closed` false: cut short by the capture limit), is
 * the value of a header named before it.
 */
export function isPairValue(f: Frame, text: string, end: number, closed: boolean): boolean {
  if (f.pairName === undefined) return false;
  return f.list === LIST_PAIR ? f.key === 1 && (!closed || lastElement(text, end)) : f.list === LIST_RAW && (f.key as number) % 2 === 1;
}

/** The value at `at`, in container `f` of list kind PHONE_ENTRY or LIST_PHONES, is a phone number to pseudonymise whole. */
export function holdsPhone(f: Frame, text: string, at: number): boolean {
  if (f.list === LIST_PHONES) return phoneValueAt(text, at);
  if (f.list !== PHONE_ENTRY) return false;
  const key = typeof f.key === 'string' ? f.key : '';
  // SCIM's `display` is the number as it is shown
  return (f.lazyKey ? entryHolder(text, f.keyStart, f.keyEnd) : entryHolder(key, 0, key.length)) && phoneValueAt(text, at);
}

/** The array element ending at text[end) is the array's last (a `]` follows, whitespace aside; or the text ends). */
function lastElement(text: string, end: number): boolean {
  let i = end;
  while (i < text.length && isWs(text.charCodeAt(i))) i++;
  return i === text.length || text.charCodeAt(i) === 93;
}
