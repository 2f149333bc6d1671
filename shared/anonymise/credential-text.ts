import { actionPathSecrets } from './action-path.js';
import { namedFormParts } from './form-part-text.js';
import { codeParamAt, isBareKey, isCredentialName, isHexToken, MAYBE_CREDENTIAL_KEY, oauthCodeIn } from './credentials.js';
import { isPinName, isPinValue, mayBePostal } from './pin.js';
import { findPii } from './detect/index.js';
import { maybeJson } from './json-lex.js';
import { treatEscaped } from './escaped-value.js';
import type { Finding } from './detect/index.js';
import { scrubWith, type Loc, type Scrub } from './scrub.js';
import { elementText, VALUE, valueSpan, type Span } from './text-span.js';
import { isLabel, labelledValue, labelText } from './labelled.js';
import { callValues } from './script-calls.js';

/**
 * Credentials named in text that is read as free text — a body that is
 * neither JSON nor a form (XML and SOAP, HTML, text/plain, NDJSON,
 * server-sent events, JSONP, a GraphQL document) and multipart parts. A
 * password or an opaque token looks like nothing a detector recognises, so,
 * as in headers, forms and JSON keys, a value is pseudonymised whole when
 * its name says it is a credential (isCredentialName):
 *
 * - `name=value`, `name: value`, `"name": "value"`, `name='value'`,
 *   `"name" => "value"`, `--name=value` (key-value text, logs, JSON that is
 *   not one JSON value, GraphQL arguments, XML attributes, hashes as Ruby
 *   and PHP print them, command lines);
 * - an OAuth authorization code in a URL or form (`?code=…`, `&code=…`) when
 *   the text also has `state=`, `redirect_uri=`, `grant_type=` or
 *   `code_verifier=` (oauthCodeIn, as in a query or a Location header);
 * - `Authorization: …`, `Cookie: …` and `Set-Cookie: …` lines, to their end;
 * - `<name>value</name>`, `<ns:name …>value</ns:name>` and `<name><![CDATA[value]]></name>`
 *   (XML, SOAP);
 * - a tag whose `name`, `id` or `key` attribute names a credential, or of
 *   `type="password"`: its `value` or `content` attribute
 *   (`<input name="password" value="…">`, `<meta name="csrf-token" content="…">`,
 *   .NET's `<add key="ApiSecret" value="…"/>`).
 *
 * Every pattern is bounded (names of 64 characters, values of 4,096), so the
 * scan stays linear; a value longer than that is cut where the pattern
 * stops, and the rest is left to the detectors. Not read: a credential
 * column of CSV, and JSON string values holding such text (a GraphQL query
 * sent as JSON) — see docs/anonymisation.md.
 */

/**
 * A name and its separator. Only the name is consumed: a value is read (VALUE) after a credential
 * name alone, so a name inside another name's value (`data: password=…`, `url=…?token=…`) is
 * still seen.
 */
const NAME = /(?<![\w.-])-{0,2}([A-Za-z_][\w.[\]-]{0,63})(?:\\?["']?|&quot;|&#34;)[ \t]{0,32}(?:=>?|:)[ \t]{0,32}/g;
/**
 * An element's text or CDATA section. No closing tag is needed: a body cut by the capture limit
 * has none, and a value longer than 4,096 characters has its first 4,096 replaced.
 */
const ELEMENT = /<(?:[\w.-]{1,32}:)?([A-Za-z_][\w.-]{0,63})(?:[ \t\r\n][^<>]{0,1024})?(?<!\/)>(?:<!\[CDATA\[((?:[^\]]|\](?!\]>)){1,4096})|([^<]{1,4096}))/g;
/**
 * An Authorization or Cookie header line in text (a raw HTTP message, a log line): its value runs
 * to the end of the line (`Basic dXNlcjpwYXNz`, `theme=dark; prefs=…`), as a header's would.
 */
const HEADER_LINE = /(?<![\w-])((?:[A-Za-z][\w-]{0,31}-)?(?:authori[sz]ation|authentication)|(?:set-)?cookie)[ \t]{0,4}:[ \t]{0,4}([^\r\n]{1,4096})/gi;
const TAG = /<[A-Za-z][\w:-]{0,32}[ \t\r\n][^<>]{0,2048}>/g;
const PASSWORD_TYPE = /[ \t\r\n]type[ \t\r\n]*=[ \t\r\n]*["']?password\b/i;
const NAME_ATTR = /[ \t\r\n](?:name|id|key)[ \t\r\n]*=[ \t\r\n]*["']?([\w.:[\]-]{1,64})/i;
const VALUE_ATTR = /[ \t\r\n](?:value|content)[ \t\r\n]*=[ \t\r\n]*(?:"([^"]{1,4096})"|'([^']{1,4096})'|([^\s"'>]{1,4096}))/i;

/**
 * An element whose text is the value its `key` or `name` attribute names: Java's properties XML
 * (`<entry key="db.password">…</entry>`), .NET's `<add key="ApiSecret">…</add>`, `<property name="password">…`,
 * `<param name="token">…`, a form's `<textarea name="client_secret">…`. Not any element with such an `id` or `name` (`<a id="password-reset">Forgot password?</a>`).
 */
const KEYED_ELEMENT = /^<(?:[\w.-]{1,32}:)?(?:entry|add|property|param|parameter|setting|constructor-arg|textarea)[ \t\r\n]|^<(?!label[ \t\r\n])[^<>]*[ \t\r\n]key[ \t\r\n]*=/i;
/** After `</name>` in an XML-RPC member: its `<value>`, maybe typed (`<string>`), and its text (sticky). */
const RPC_VALUE = /<\/name>[ \t\r\n]{0,64}<value>[ \t\r\n]{0,64}(?:<(?:string|i4|int|base64)>)?/y;
/** A keyed element's own `<value>` (Spring's `<property name="password"><value>…</value></property>`), sticky. */
const INNER_VALUE = /[ \t\r\n]{0,64}<value(?:[ \t\r\n][^<>]{0,256})?>/y;
/** The text of the element whose start tag ends at `at`, or of the `<value>` right inside it; where the read stopped. */
function keyedText(text: string, at: number, spans: Span[]): number {
  INNER_VALUE.lastIndex = at;
  return elementText(text, INNER_VALUE.test(text) ? INNER_VALUE.lastIndex : at, spans);
}

/**
 * curl's credentials on a command line (a CI log, a runbook, an error that echoes the call): the password after the
 * user's ':', in a command that runs curl — its lines continued with `\`, `` ` `` or `^`, up to a `|`, `;` or `&`
 * after a space (not `; charset=` nor a query's `&`), also in a bundle of short options (`-sSu`)
 * (`docker run -u 1000:1000`, `rsync -u deploy@web1:/var/www` are no credentials). Lazy and bounded: from each
 * `curl`, at most 512 characters are tried.
 */
const CURL_USER = /\bcurl(?:\.exe)?[ \t](?:[^\r\n|;&]|(?<! )[|;&]|[\\`^]\r?\n){0,512}?(?<![\w-])(?:-[A-Za-z]{0,8}[uU][ \t]{0,8}|--(?:proxy-)?user(?:[ \t]{1,8}|=))(["']?)([^\s"':]{0,256}):([^\s"']{1,4096})/gi;
/** Where a text may hold a curl command: a literal V8 scans for fast (json-credentials.ts starts its own search so too). */
export const CURL_WORD = /curl/i;
const CURL_WORDS = /curl/gi;
const FORM_DATA_WORD = /form-data/i;
/** A URL's scheme, and its host when it has a dot (`http://hunter2` is a password that parses as a URL), up to its path. */
const ABSOLUTE_URL = /^https?:\/\/[\w-]+(?:\.[\w-]+)+(?::[0-9]{1,5})?\//i;
/** How far CURL_USER reads after a `curl` for its user option. */
const CURL_READ = 512;
const INVALID_VALUE = '" got invalid value ';
/** graphql-js's message for a variable it refused, quotes escaped when it sits in a JSON string. */
const GRAPHQL_VARIABLE = /Variable \\?"\$([A-Za-z_]\w{0,63})\\?" got invalid value /g;

const isHexChar = (c: number) => (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);

/** The run of characters at `at` (after an opening quote, if any) that `ok` accepts, as long as `min` to `max`, then no letter or digit. */
function runAt(text: string, at: number, min: number, max: number, ok: (c: number) => boolean): boolean {
  let i = at;
  if (text.charCodeAt(i) === 34 || text.charCodeAt(i) === 39) i++;
  const start = i;
  while (i < text.length && i - start <= max && ok(text.charCodeAt(i))) i++;
  const n = i - start;
  const after = text.charCodeAt(i);
  return n >= min && n <= max && !((after >= 48 && after <= 57) || ((after | 0x20) >= 97 && (after | 0x20) <= 122));
}
const digitsAt = (text: string, at: number, min: number, max: number) => runAt(text, at, min, max, (c) => c >= 48 && c <= 57);
const hexAt = (text: string, at: number) => runAt(text, at, 32, 128, isHexChar);

/**
 * Names that are a credential's only by what they hold or stand beside, looked for when nothing else names one: a
 * bare `key=` (hex: isHexToken) and an HTML field named `code` (an OpenID Connect `form_post`: FORM_POST_STATE).
 */
const RARE_NAMES = /(?<![\w.-])key["']?[ \t]{0,32}[=:]|[ \t\r\n]name[ \t\r\n]*=[ \t\r\n]*["']?code\b/i;
/** An OpenID Connect `form_post` answer: its hidden `state` or `id_token` field beside the `code`. */
const FORM_POST_STATE = /[ \t\r\n]name[ \t\r\n]*=[ \t\r\n]*["']?(?:state|id_token)\b/i;

/** A word naming an address's part (pin.ts's names, as words of a text: `<city>`, `district:`). */
const ADDRESS_WORD = /\b(?:address\w*|line[ _-]?[0-9]|street|city|town|village|district|taluk|tehsil|state|country|locality|landmark|pin[ _-]?code|postal[ _-]?code|zip)\b/i;

/** `text` with the values of credential-named assignments, elements and form fields pseudonymised; the same string when there are none. */
export function scrubNamedCredentials(text: string, scrub: Scrub, loc: Loc): string {
  // an OAuth code in a URL (`/cb?code=…&state=…`) is named `code` only beside OAuth's other parameters
  const oauth = oauthCodeIn(text);
  // a one-time secret in a link's path (`/reset-password/<token>`: a Referer, a page, an email's HTML)
  const spans: Span[] = actionPathSecrets(text);
  if (spans.length === 0 && !oauth && !MAYBE_CREDENTIAL_KEY.test(text) && !RARE_NAMES.test(text)) return text;
  // a multipart part read as text (LF-only line ends, a boundary other than the declared one)
  if (FORM_DATA_WORD.test(text)) spans.push(...namedFormParts(text, scrub));
  NAME.lastIndex = 0;
  // a bare `pin` (pin.ts): a postal code when it may be one and the text names an address's part
  let address: boolean | undefined;
  const pin = (name: string, value: string) => isPinName(name) && isPinValue(value) && !(mayBePostal(name, value) && (address ??= ADDRESS_WORD.test(text)));
  for (let m = NAME.exec(text); m; m = NAME.exec(text)) {
    const named = isCredentialName(m[1]!) || (oauth && codeParamAt(text, m.index));
    // a bare `pin` or `key` is one by what it holds: a few characters looked at before a value is read
    // (`key=` repeated made each read up to 4,096 characters)
    if (!named && !((isPinName(m[1]!) && digitsAt(text, NAME.lastIndex, 4, 8)) || (isBareKey(m[1]!) && hexAt(text, NAME.lastIndex)))) continue;
    // a GraphQL variable's definition (`($password: String!)`): the value is a type
    if (text.charCodeAt(m.index - 1) === 36 && m[0].includes(':')) continue;
    VALUE.lastIndex = NAME.lastIndex;
    const v = VALUE.exec(text);
    if (!v) continue;
    const value = v[1] ?? v[2] ?? v[3] ?? v[4] ?? v[5]!;
    // a bare `key` holding 32 to 128 hex digits, as in a query (Shopify's order status link `…/authenticate?key=…`)
    if (!named && !pin(m[1]!, value) && !(isBareKey(m[1]!) && isHexToken(value))) continue;
    // a GraphQL variable the operation declares (`login(password: $pw)` after `($pw: String!)`): its value is in `variables`
    if (v[4] !== undefined && value.charCodeAt(0) === 36 && text.includes(`${value}:`)) continue;
    const span = valueSpan(v);
    // a link after the name (`Reset your password: https://…`, `secret_url=https://hooks.slack.com/…`): its
    // scheme and host stay (redrawn, the link was no link), what follows them is the secret
    if (value.startsWith('http')) {
      const origin = ABSOLUTE_URL.exec(value);
      if (origin && origin[0].length < value.length) span.start += origin[0].length;
    }
    spans.push(span);
    // the value is replaced whole: no name inside it needs reading
    NAME.lastIndex = v.index + v[0].length;
  }
  // `curl -u user:password`, `--user=…`, `-uuser:password` (not docker's or sudo's `-u 1000:1000`): the password
  if (CURL_WORD.test(text)) {
    // CURL_USER reads up to 512 characters after each `curl`: charged to the budget, so a body of nothing
    // but `curl -u ` (~1.2 s a MiB) fails closed instead of holding the capture thread
    scrub.charge(CURL_READ * (text.match(CURL_WORDS)?.length ?? 0));
    for (const m of text.matchAll(CURL_USER)) {
      const end = m.index + m[0].length;
      spans.push({ start: end - m[3]!.length, end });
    }
  }
  // graphql-js's `Variable "$password" got invalid value "…"`, echoed to the client in `errors`
  if (text.includes('got invalid value') && text.includes(INVALID_VALUE)) {
    for (const m of text.matchAll(GRAPHQL_VARIABLE)) {
      if (!isCredentialName(m[1]!)) continue;
      VALUE.lastIndex = m.index + m[0].length;
      const v = VALUE.exec(text);
      if (v) spans.push(valueSpan(v));
    }
  }
  // a page's script storing or sending one (`localStorage.setItem("authToken", "…")`)
  if (text.includes('(')) spans.push(...callValues(text));
  for (const m of text.matchAll(HEADER_LINE)) {
    const value = m[2]!.trimEnd();
    if (value === '') continue;
    const start = m.index + m[0].length - m[2]!.length;
    spans.push({ start, end: start + value.length });
  }
  if (text.includes('<')) {
    let formPost: boolean | undefined;
    let read = 0;
    for (const m of text.matchAll(ELEMENT)) {
      const value = m[2] ?? m[3]!;
      // XML-RPC's struct member (`<name>password</name><value><string>…</string></value>`), a plist's `<key>`, a
      // table's or a definition list's label (a debug page's `<td>DB_PASSWORD</td><td><pre>…</pre></td>`)
      if (m[1] === 'name' && m.index >= read && isCredentialName(value.trim())) {
        RPC_VALUE.lastIndex = m.index + m[0].length;
        if (RPC_VALUE.test(text)) read = elementText(text, RPC_VALUE.lastIndex, spans);
        continue;
      }
      const label = m.index >= read && isLabel(m[1]!) ? labelText(value) : '';
      if (label !== '' && isCredentialName(label)) {
        const next = labelledValue(text, m.index + m[0].length, m[1]!, label, spans);
        if (next >= 0) {
          read = next;
          continue;
        }
      }
      if (value.trim() === '' || !(isCredentialName(m[1]!) || pin(m[1]!, value.trim()))) continue;
      const end = m.index + m[0].length;
      spans.push({ start: end - value.length, end });
    }
    read = 0;
    for (const m of text.matchAll(TAG)) {
      if (m.index < read) continue;
      const name = NAME_ATTR.exec(m[0]);
      // an OpenID Connect `form_post` page: the `code` field beside `state` or `id_token`
      const code = name?.[1] === 'code' && (formPost ??= FORM_POST_STATE.test(text));
      if (!(name && (isCredentialName(name[1]!) || code)) && !PASSWORD_TYPE.test(m[0])) continue;
      const v = VALUE_ATTR.exec(m[0]);
      if (!v) {
        if (name && KEYED_ELEMENT.test(m[0])) read = keyedText(text, m.index + m[0].length, spans);
        continue;
      }
      const value = v[1] ?? v[2] ?? v[3]!;
      const end = m.index + v.index + v[0].length - (v[3] === undefined ? 1 : 0);
      spans.push({ start: end - value.length, end });
    }
  }
  return replaceSpans(text, spans, scrub, loc);
}

/** The links in `text` with their secrets after an action segment pseudonymised (action-path.ts); the same string when there are none. */
export function scrubActionPaths(text: string, scrub: Scrub, loc: Loc): string {
  return replaceSpans(text, actionPathSecrets(text), scrub, loc);
}

/** `text` with each span's value pseudonymised, but where the detectors find it whole. */
function replaceSpans(text: string, spans: Span[], scrub: Scrub, loc: Loc): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue; // inside a span already replaced
    const value = text.slice(s.start, s.end);
    // a value the detectors find whole (an API key, an email) is left to them: the text is
    // scanned next, and it then gets the pseudonym it gets anywhere else
    if (detectedWhole(value, scrub)) continue;
    out += text.slice(at, s.start) + treatEscaped(value, scrub, loc);
    at = s.end;
  }
  return at === 0 ? text : out + text.slice(at);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}


function detectedWhole(value: string, scrub: Scrub): boolean {
  const found = findPii(value, scrub.rules.kinds);
  return found.length === 1 && found[0]!.start === 0 && found[0]!.end === value.length && found[0]!.decoded === undefined;
}

/**
 * `scrub`, reading each text it is handed for credentials named inside it
 * first: the JSON walk of a text whose strings name credentials
 * (json-credentials.ts) is given this one, so the walk itself stays the
 * code every other body runs.
 */
export function namedCredentialsFirst(scrub: Scrub): Scrub {
  return scrubWith(scrub, {
    text(value: string, loc: Loc, found?: readonly Finding[]): string {
      // JSON kept in a string is walked as JSON, names and all: read here first too, its secrets were
      // pseudonyms of pseudonyms (`{"echo":"{\"password\":…}"}` unlike the same password elsewhere)
      if (value.length >= 2 && maybeJson(value.charCodeAt(0), value.charCodeAt(value.length - 1)) && isJson(value)) return scrub.text(value, loc, found);
      const named = scrubNamedCredentials(value, scrub, loc);
      return scrub.text(named, loc, named === value ? found : undefined);
    },
  });
}
