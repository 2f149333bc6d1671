import { isCredentialName } from './credentials.js';
import { withoutScheme } from './labelled.js';
import { VALUE, valueSpan, type Span } from './text-span.js';

/**
 * A quoted value a page's script stores or sends under a credential's name
 * (credential-text.ts reads the rest of free text):
 * `localStorage.setItem("authToken", "…")`, `` setItem("token", `…`) ``,
 * `xhr.setRequestHeader('Authorization', 'Bearer …')` (the scheme stays, as
 * in the header), `define('AUTH_KEY', '…')`.
 */

/**
 * A call storing or sending a value by name, its quoted first argument and the comma after it (the value is read
 * next): `setItem("authToken", `, `setRequestHeader(\"X-Api-Key\",`, PHP's JSON_HEX_APOS and JSON_HEX_QUOT
 * quotes kept in text (`setItem(\u0027authToken\u0027, `), Go's `Header.Set`, Java's `addHeader` and
 * `setProperty`, Android's `putString`, PHP's `setcookie`, OkHttp's `.header(`. Only these callees, as written:
 * `setTimeout`, `addClass`, `setState`, `setFieldError`, `i18n.add`, a translation (`t("password", "Password")`), an
 * event (`emit("token", "expired")`) or a log line name no stored value. A value with a space is no token (a
 * message), but after an Authorization scheme.
 */
const CALL =
  /(?<![\w$])(?:setItem|setItemAsync|setRequestHeader|setHeader|addHeader|Set|Add|set|putString|putExtra|setProperty|setcookie|set_cookie|setenv|Setenv|setdefault|header|append|define|cookie)[ \t]{0,8}\([ \t\r\n]{0,64}(\\?["']|\\u00(?:22|27))([A-Za-z_][\w.-]{0,63})\1[ \t\r\n]{0,64},[ \t\r\n]{0,64}/g;

/** How far a value is read, as VALUE reads one. */
const VALUE_CHARS = 4096;
const BACKTICK = 96;

/**
 * The value a call passes at `at`: quoted (VALUE: `"…"`, `'…'`, `\"…\"`), quoted with `\u0027` or `\u0022`, or a
 * template literal without `${` (`` `…` ``); none for a variable (`token`) or a template that interpolates. Like
 * VALUE's, a quote needs no closing one (a body cut by the capture limit), and at most 4,096 characters are read.
 */
function passedValue(text: string, at: number): Span | undefined {
  if (text.charCodeAt(at) === BACKTICK) return template(text, at + 1);
  if (text.startsWith('\\u0027', at) || text.startsWith('\\u0022', at)) {
    const start = at + 6;
    const close = text.slice(start, start + VALUE_CHARS).indexOf(text.slice(at, start));
    return { start, end: close < 0 ? Math.min(text.length, start + VALUE_CHARS) : start + close };
  }
  VALUE.lastIndex = at;
  const v = VALUE.exec(text);
  return v && v[4] === undefined ? valueSpan(v) : undefined;
}

/** A template literal's text from `start` (after its backtick) to its closing one, unless it interpolates. */
function template(text: string, start: number): Span | undefined {
  const stop = Math.min(text.length, start + VALUE_CHARS);
  let i = start;
  for (; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKTICK) break;
    if (c === 36 && text.charCodeAt(i + 1) === 123) return undefined;
  }
  return { start, end: i };
}

/** The values calls store or send under a credential's name (not a variable: `setItem("token", token)`). */
export function callValues(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(CALL)) {
    const name = m[2]!;
    if (!isCredentialName(name)) continue;
    const span = passedValue(text, m.index + m[0].length);
    if (span === undefined) continue;
    withoutScheme(text, span, name);
    if (span.end > span.start && !/\s/.test(text.slice(span.start, span.end))) spans.push(span);
  }
  return spans;
}

/** A JSON body's strings hold such a call (json-credentials.ts: they are then read as text). */
export function callNamesCredential(text: string): boolean {
  // one pass over the rare `(`: a call's argument starts with a quote, an escape or a space after it
  let open = text.indexOf('(');
  while (open >= 0) {
    const c = text.charCodeAt(open + 1);
    if (c === 92 || c === 39 || c === 32) break;
    open = text.indexOf('(', open + 1);
  }
  if (open < 0) return false;
  for (const m of text.matchAll(CALL)) if (isCredentialName(m[2]!)) return true;
  return false;
}
