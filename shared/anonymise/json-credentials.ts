import { headerPairIn, phoneListAt } from './json-lists.js';
import { labelNamesCredential } from './labelled.js';
import { callNamesCredential } from './script-calls.js';
import { codeParamAt, hexTokenAt, isBareKey, isCredentialName, keyEnding, keyEndingBefore, mayNameCredential, oauthContextInJson, PHONE_END, SIBLING_END } from './credentials.js';
import { CURL_WORD } from './credential-text.js';
import { hasActionPathSecret } from './action-path.js';
import { HOLDS_JWK, HOLDS_OTP } from './json-sibling-kinds.js';
import { mayHoldNamedSecret, mayHoldOAuthCode, namesSiblingAt } from './json-siblings.js';
import { isPhoneName, mayNamePhone, phoneValueAt } from './phone-name.js';
import { isPinName, pinValueAt } from './pin.js';

/**
 * Where a JSON text names a credential, found without walking it: the body
 * decides from this whether a text in which no detector found anything must
 * be walked at all, and whether its strings must be read for credentials
 * named inside them (a GraphQL query sent as JSON, a URL with
 * `?access_token=…`, a form or a cookie string kept in a string).
 *
 * - `key`: a key the walk pseudonymises by its name (mayNameCredential,
 *   then isCredentialName), or a member that names a secret its sibling
 *   holds (`{"name":"DB_PASSWORD","value":…}`, json-siblings.ts);
 * - `text`: a name that credential-text.ts reads inside a string — before
 *   `=` (`password=…`, `"password"=>…`, `type="password"`, an OAuth
 *   `?code=…` beside `state=` or `redirect_uri=`), before `:` when it is
 *   not a key (`password: \"…\"`, `Authorization: …`, `\"token\":`), or an
 *   element (`<Password>`);
 * - `none`: neither.
 *
 * Each ':', '=' and '<' is found with indexOf (memchr) and the few
 * characters around it are read: about 1.2-1.5 ns a character of a
 * catalogue page, against 3-4.5 for one case-insensitive regex of the
 * credential words (docs/decisions.md, 2026-12-07). Colons are the costly
 * part (one per key): `colons` false skips them, and then only `=` and `<`
 * are read, for a body whose walk is certain anyway.
 */
export type CredentialNames = 'none' | 'key' | 'text';

/**
 * `curl … -u` inside a JSON string, read in its escaped form: escapes walked (`-H \"Accept: …\"`, `\n` between
 * continued lines, a line that starts after `\n` or `\t`), any case, bounded (1,024 escaped characters: at least
 * the 512 decoded ones credential-text.ts reads).
 */
const CURL_IN_STRING = /(?:\b|\\[nrt])curl(?:\.exe)?(?:[ \t]|\\t)(?:[^"\\\n]|\\.){0,1024}?(?:-[A-Za-z]{0,8}[uU]|--(?:proxy-)?user[ \t=])/i;

const isDigit = (c: number) => c >= 48 && c <= 57;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
/** Name characters, brackets too (Rails' `user[password]`). */
const isNameChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46 || c === 91 || c === 93;
const isQuote = (c: number) => c === 34 || c === 39;
/** Names are at most this long, as in credential-text.ts. */
const NAME_CHARS = 64;

export function credentialNamesIn(text: string, colons: boolean): CredentialNames {
  // a GraphQL error that echoes a refused variable (`Variable \"$password\" got invalid value \"…\"`): read as text
  // (searched from the rare '$' or '\': a search for a word costs ~15 µs a 64 KiB page, for '$' ~0.6)
  if ((text.includes('$') || text.includes('\\u0024')) && text.includes('\\" got invalid value ')) return 'text';
  // a curl command kept in a string (`{"cmd":"curl -u admin:…"}`): its password is read in text (one regex from each
  // `curl`, ~12 µs a 64 KiB page: what the twelfth review's fixes cost, against the leaks a cheaper look let through)
  // CURL_WORD first: CURL_IN_STRING's leading alternative would be tried at every position
  if (CURL_WORD.test(text) && CURL_IN_STRING.test(text)) return 'text';
  // a link with a one-time secret in its path (`{"action_url":"https://…/invite/accept/<token>"}`): read as text
  // (~10-20 µs a 64 KiB catalogue page of CDN links: action-path.ts looks at the letter after each slash first)
  if (hasActionPathSecret(text)) return 'text';
  let found: CredentialNames = colons && mayHoldOAuthCode(text) ? 'key' : 'none';
  if (colons) {
    // a member that names a secret its sibling holds (json-siblings.ts) needs a holder (`value`, `data`, …): looked for once a namer is seen
    let holders: boolean | undefined;
    // a phone's or an address's sibling `code` (json-siblings.ts): the body has one, looked for once
    let code: boolean | undefined;
    // a JWK's private members beside its `kty`: the body has a `"d"` or a `"k"`, looked for once (a JWKS holds many `kty`)
    let jwk: boolean | undefined;
    for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) {
      const before = text.charCodeAt(i - 1);
      const last = text.charCodeAt(i - 2);
      // most colons close a key, or sit in a time of day or a URL's scheme: one look settles them
      if (before === 34 && last !== 92) {
        const says = found === 'none' ? keySays(text, i - 1, i + 1) : 0;
        if (says === NAMES || (says === NAMES_SIBLINGS && (holders ??= mayHoldNamedSecret(text))) || (says === NAMES_CODE_SIBLING && (code ??= text.includes('"code"'))) || (says === NAMES_JWK && (jwk ??= privateJwk(text)))) found = 'key';
        continue;
      }
      if ((isDigit(before) && isDigit(last)) || text.charCodeAt(i + 1) === 47) continue;
      let end = i;
      while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--;
      if (text.charCodeAt(end - 1) === 34 && text.charCodeAt(end - 2) !== 92) {
        // a key with spaces before its colon
        const says = found === 'none' ? keySays(text, end - 1, i + 1) : 0;
        if (says === NAMES || (says === NAMES_SIBLINGS && (holders ??= mayHoldNamedSecret(text))) || (says === NAMES_CODE_SIBLING && (code ??= text.includes('"code"'))) || (says === NAMES_JWK && (jwk ??= privateJwk(text)))) found = 'key';
      } else if (namedBefore(text, end)) return 'text';
    }
    if (found === 'none' && headerPairIn(text)) found = 'key';
  }
  // whether a string holds OAuth's other parameters: looked for once, at the first `code=` (a promotions page holds thousands)
  let oauth: boolean | undefined;
  for (let i = text.indexOf('='); i >= 0; i = text.indexOf('=', i + 1)) {
    let end = i;
    while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--;
    if (namedBefore(text, end) || attributeNames(text, end, i + 1) || (end === i && bareHexKey(text, end))) return 'text';
    // an OAuth callback or token request kept in a string (`"next":"/cb?code=…&state=…"`): credential-text.ts reads its code
    if (end === i && end >= 4 && codeParamAt(text, end - 4) && (oauth ??= oauthContextInJson(text))) return 'text';
  }
  if (tagNamesCredential(text)) return 'text';
  // Go's encoding/json writes `<` and `>` as `\u003c` and `\u003e`
  if (text.includes('\\u003') && tagNamesCredential(text.replace(/\\u003[cC]/g, '<').replace(/\\u003[eE]/g, '>'))) return 'text';
  // a page's script kept in a string (`"html":"<script>localStorage.setItem(\"authToken\", …`): script-calls.ts
  if (callNamesCredential(text)) return 'text';
  return found;
}

/** An element named like a credential, or a label naming one (labelled.ts), opens somewhere in `text`. */
function tagNamesCredential(text: string): boolean {
  for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i + 1)) {
    if (elementNamed(text, i + 1) || labelNamesCredential(text, i + 1)) return true;
  }
  return false;
}

/** The key whose closing quote is at `quote` is one the walk pseudonymises by its name (or a bare `pin` by its value, from `after` on: pin.ts). */
function credentialKey(text: string, quote: number, after: number): boolean {
  // from the text's start: a key ending in `…code` or `…ier` is read back further than its last three letters (endsWithWord)
  if (!mayNameCredential(text, 0, quote)) {
    if ((keyEnding(text, 0, quote) & PHONE_END) === 0) return false;
    // `phones`, `cellphones` end like `phone` but name a list (json-lists.ts)
    return (mayNamePhone(text, text.lastIndexOf('"', quote - 1) + 1, quote) && phoneValueAt(text, after)) || phoneListAt(text, quote, after);
  }
  const name = text.slice(text.lastIndexOf('"', quote - 1) + 1, quote);
  return isCredentialName(name) || (isPinName(name) && pinValueAt(text, after)) || (isBareKey(name) && hexTokenAt(text, after)) || (isPhoneName(name) && phoneValueAt(text, after));
}

const NAMES = 1;
const NAMES_SIBLINGS = 2;
const NAMES_CODE_SIBLING = 3;
const NAMES_JWK = 4;

/** A JWK's private half: every private key has a `d` (RSA, EC, OKP) or a `k` (a symmetric key). */
const privateJwk = (text: string) => text.includes('"d"') || text.includes('"k"');

/**
 * What the key whose closing quote is at `quote` says, its value read from
 * `after` on: NAMES when the walk pseudonymises its value by its name,
 * NAMES_SIBLINGS when it names a secret a sibling may hold
 * (`{"label":"Password","data":…}`, json-siblings.ts), else 0. Most keys
 * stop at the look at their last three letters.
 */
function keySays(text: string, quote: number, after: number): number {
  const ending = keyEndingBefore(text, quote);
  // `phones`, SCIM's `phoneNumbers`: a list (json-lists.ts)
  if (ending === 0) return phoneListAt(text, quote, after) ? NAMES : 0;
  if (credentialKey(text, quote, after)) return NAMES;
  if ((ending & SIBLING_END) === 0) return 0;
  const kind = namesSiblingAt(text, quote, after);
  return kind === HOLDS_OTP ? NAMES_CODE_SIBLING : kind === HOLDS_JWK ? NAMES_JWK : kind !== 0 ? NAMES_SIBLINGS : 0;
}

/** The start of the name that ends at `end` (name characters, at most NAME_CHARS). */
function nameStart(text: string, end: number): number {
  let start = end;
  while (start > 0 && end - start < NAME_CHARS && isNameChar(text.charCodeAt(start - 1))) start--;
  // `--password=` (a command line) is the name `password`
  while (start < end && text.charCodeAt(start) === 45) start++;
  return start;
}

/** A name that names a credential ends at `end`, maybe quoted (`password`, `"password"`, `\"password\"`). */
function namedBefore(text: string, end: number): boolean {
  if (isQuote(text.charCodeAt(end - 1))) end -= text.charCodeAt(end - 2) === 92 ? 2 : 1;
  const start = nameStart(text, end);
  const first = text.charCodeAt(start);
  // a name starts with a letter or '_' (not `10:30`, not `==`)
  if (end - start < 2 || !((first >= 65 && first <= 90) || (first >= 97 && first <= 122) || first === 95)) return false;
  return isCredentialName(text.slice(start, end));
}

/** `key=` and 32 to 128 hex digits (Shopify's order status link `…/authenticate?key=…`, Trello's `?key=…`), the `=` at `end`. */
function bareHexKey(text: string, end: number): boolean {
  if (end < 3 || isNameChar(text.charCodeAt(end - 4)) || !isBareKey(text.slice(end - 3, end))) return false;
  let i = end + 1;
  while (i < text.length && i - end <= 129 && isHex(text.charCodeAt(i))) i++;
  return i - end - 1 >= 32 && i - end - 1 <= 128 && !isNameChar(text.charCodeAt(i));
}

const isHex = (c: number) => (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);

/** `name="password"`, `id='csrf_token'`, `key="ApiSecret"`, `type=password`: a field named like a credential. */
function attributeNames(text: string, nameEnd: number, valueAt: number): boolean {
  const start = nameStart(text, nameEnd);
  const attr = nameEnd - start >= 2 && nameEnd - start <= 4 ? text.slice(start, nameEnd).toLowerCase() : '';
  if (attr !== 'id' && attr !== 'name' && attr !== 'key' && attr !== 'type') return false;
  let i = valueAt;
  while (i < text.length && (isSpace(text.charCodeAt(i)) || isQuote(text.charCodeAt(i)) || text.charCodeAt(i) === 92)) i++;
  let end = i;
  while (end < text.length && end - i < NAME_CHARS && (isNameChar(text.charCodeAt(end)) || text.charCodeAt(end) === 58)) end++;
  return end > i && isCredentialName(text.slice(i, end));
}

/** `<Password>`, `<wsse:Password …>`: an element named like a credential starts at `at`. */
function elementNamed(text: string, at: number): boolean {
  let end = at;
  while (end < text.length && end - at < NAME_CHARS && isNameChar(text.charCodeAt(end))) end++;
  if (text.charCodeAt(end) === 58) {
    at = end + 1;
    end = at;
    while (end < text.length && end - at < NAME_CHARS && isNameChar(text.charCodeAt(end))) end++;
  }
  return end > at && isCredentialName(text.slice(at, end));
}

/**
 * JSON texts joined (NDJSON, `}{`): not one JSON value, so the body is read
 * as text, where credential-text.ts reads names a key check does not
 * (`"password_hash":` in a log line). A body in which nothing was found is
 * walked when it may be such text: the walk stops at the second value.
 */
export function mayBeJoinedJson(text: string): boolean {
  return text.includes('}\n{') || text.includes('}{') || text.includes('}\r\n{') || text.includes(']\n[');
}
