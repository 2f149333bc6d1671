import type { HeaderPair } from '../record/schema.js';
import { REDACTED } from './pseudonym/index.js';
import { namedRule, type Treatment } from './rules.js';
import type { Loc, Scrub } from './scrub.js';
import { scrubActionPaths, scrubNamedCredentials } from './credential-text.js';
import { describesCredential, isBareKey, isCredentialName, isHexToken, oauthCodeIn } from './credentials.js';
import { isPhoneDigits } from './phone-name.js';
import { isEchoable } from './echoes.js';

/**
 * Headers: a rule by header name wins; otherwise Authorization keeps only its
 * scheme, Cookie and Set-Cookie keep cookie names and attributes with values
 * pseudonymised (or treated by cookie rules), headers named like credentials
 * (x-api-key, x-auth-token, ...) are pseudonymised whole, and every other
 * value is scanned as free text (X-Forwarded-For, Forwarded, X-Real-IP and
 * the like carry addresses the detectors find). Headers that frame the
 * message (Host, Content-Type with its multipart boundary, Content-Length)
 * are left alone.
 */

/** Headers that frame the message; never rewritten, never audited. */
export const UNTOUCHED = new Set(['host', 'content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'connection', 'date', 'last-modified', 'expires']);
/** Header names that carry credentials; their values are pseudonymised whole. */
const CREDENTIAL = /(?:^|-)(?:api-?key|apikey|token|secret|session|sessionid|signature|password|passwd|credentials?|csrf|xsrf)(?:$|-)/i;
export const PSEUDONYM: Treatment = { action: 'pseudonym', keep: 4 };
/**
 * A header named `…-key` holds a key (Datadog's `dd-application-key`, New Relic's `x-insert-key`, Azure's
 * `ocp-apim-subscription-key`, RapidAPI's `x-mashape-key`, `x-key`) unless the word before `-key` says what it is
 * about: Bitbucket's `x-event-key` (`repo:push`), Fastly's `surrogate-key`, cache, partition, dedupe, routing, sort,
 * idempotency and object keys, a WebSocket nonce. Honeycomb's key comes as `x-honeycomb-team`.
 */
const ABOUT_KEY = /(?:^|-)(?:event|surrogate|cache|partition|dedupe|dedup|deduplication|routing|sort|shard|idempotency|sec-websocket|object|correlation|trace|lock|group|order|primary|foreign|public)-key$/;

/** A header whose whole value is a credential: named like one (CREDENTIAL, isCredentialName), a `…-key` or Honeycomb's. */
export function isCredentialHeader(name: string): boolean {
  // not devise_token_auth's `token-type: Bearer`, `x-session-timeout: 1800`, `x-token-expires-in` (looked at only for the few names that pass)
  return (CREDENTIAL.test(name) || isCredentialName(name) || (name.endsWith('-key') && !ABOUT_KEY.test(name)) || name === 'x-honeycomb-team') && !describesCredential(name);
}

/**
 * A header a carrier adds with the subscriber's number (header enrichment: `x-msisdn`, `x-up-calling-line-id`,
 * `x-hts-clid`, `x-phone-number`). Not any name ending in `-mobile`, `-cell` or `-tel` (`sec-ch-ua-mobile`).
 */
/** A token after a Negotiate, NTLM or Kerberos scheme, wherever it sits among a header's challenges. */
const TOKEN_CHALLENGE = /\b(Negotiate|NTLM|Kerberos)[ \t]+([A-Za-z0-9+/=._-]{8,})/gi;
/**
 * What a token cut from a header's value is handed to the scrub as: the anonymiser notes the location changed, the
 * audit reports a token still there (a header kept as a JSON pair is read through here, not by the audit's own
 * header check).
 */
const DROPPED: Treatment = { action: 'drop', keep: 0 };

/** Challenges with their tokens dropped (`Negotiate <token>, Basic realm="x"` → `Negotiate, Basic realm="x"`), the rest scanned. */
function challenges(value: string, scrub: Scrub, loc: Loc): string {
  const out = value.replace(TOKEN_CHALLENGE, (_m, scheme: string, token: string) => {
    scrub.treat(token, DROPPED, loc, false, false);
    return scheme;
  });
  return scrub.text(scrubNamedCredentials(out, scrub, loc), loc);
}

export const PHONE_HEADER = /(?:^|-)(?:msisdn|phone|phone-number|mobile-number|calling-line-id|clid)$/;

export function scrubHeaders(headers: HeaderPair[], scrub: Scrub, where: string): HeaderPair[] {
  let out: HeaderPair[] | undefined;
  for (let h = 0; h < headers.length; h++) {
    const [name, value] = headers[h]!;
    // captured names are lower-case; imported ones may not be
    const next = scrubHeader(name.toLowerCase(), value, scrub, `${where}.${name}`);
    if (next === value) {
      out?.push(headers[h]!);
      continue;
    }
    out ??= headers.slice(0, h);
    if (next !== null) out.push([name, next]);
  }
  return out ?? headers;
}

/** One header's value (`name` lower-case) scrubbed; null drops it. The audit walks headers through it too. */
export function scrubHeader(name: string, value: string, scrub: Scrub, loc: string): string | null {
  const rule = namedRule(scrub.rules.headers, name, scrub.side);
  if (rule) return scrub.treat(value, rule, loc);
  if (UNTOUCHED.has(name)) return value;
  return headerValue(name, value, scrub, loc);
}

/**
 * `name` (lower case) is a header whose value headerValue reads other than as
 * free text: a name/value pair kept in a JSON body (Sentry's and Mailgun's
 * `[["Authorization","Bearer …"],["X-Api-Key","…"]]`) is read like that header.
 */
export function isTreatedHeader(name: string): boolean {
  return AUTHORIZATION.test(name) || name === 'www-authenticate' || name === 'proxy-authenticate' || name === 'cookie' || name === 'set-cookie' || isCredentialHeader(name) || URL_HEADER.test(name) || PHONE_HEADER.test(name);
}

const AUTHORIZATION = /(?:^|-)authori[sz]ation$|(?:^|-)authentication$/;

/** A header's value by its name (lower case) alone: no rule, framing headers included. */
export function headerValue(name: string, value: string, scrub: Scrub, loc: Loc): string | null {
  // Authorization, Proxy-Authorization, X-Forwarded-Authorization, Authentication...
  if (AUTHORIZATION.test(name)) return scheme(value, scrub, loc);
  // a challenge carries parameters (`Bearer realm="api"`); Negotiate's and NTLM's carry a token (Kerberos's
  // mutual-authentication answer, NTLM's challenge): only the scheme stays
  if (name === 'www-authenticate' || name === 'proxy-authenticate') return challenges(value, scrub, loc);
  if (name === 'cookie') return cookies(value, scrub, loc);
  if (name === 'set-cookie') return setCookie(value, scrub, loc);
  if (isCredentialHeader(name)) return scrub.treat(value, PSEUDONYM, loc);
  if (URL_HEADER.test(name)) return urlParams(value, scrub, loc);
  // a carrier's header enrichment (`x-msisdn: 447700900123`): a phone the detectors cannot tell from other digits
  if (PHONE_HEADER.test(name) && isPhoneDigits(value)) return scrub.treat(value, PSEUDONYM, loc);
  // a debug or trace header may name a credential in its text (`x-debug-info: user=app password=…`)
  return scrub.text(scrubNamedCredentials(value, scrub, loc), loc);
}

/** Headers whose value is a URL or holds some: Location, Content-Location, Referer, Link, Refresh, X-Original-URL, X-Forwarded-Uri... */
const URL_HEADER = /(?:^|-)(?:ur[il]|location|referr?er|link|refresh)$/;
/**
 * `name=` after `?`, `&`, `#` or `;` (query, fragment, matrix parameters). Only the name is
 * consumed: a value is read (PARAM_VALUE) after a credential name alone, so a parameter of a URL
 * nested unencoded in another's value (`?next=https://app/cb?token=…`) is still seen.
 */
const PARAM = /[?&#;]([^=&?#;\s<>"']+)=/g;
/** A parameter's value, up to where a URL in a header ends (sticky). */
const PARAM_VALUE = /[^&#;\s<>"']+/y;

function decodeParam(raw: string): string {
  const s = raw.replace(/\+/g, ' ');
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * A header holding URLs: a query, fragment or matrix parameter named like a
 * credential (`#access_token=…` in a redirect, `?token=…` in a Referer), or
 * an OAuth `code` (oauthCodeIn: `?code=…&state=…`), is pseudonymised
 * whole, as it is in the request URL; the rest is scanned as free text.
 */
function urlParams(header: string, scrub: Scrub, loc: Loc): string {
  // a link's path may carry a one-time secret (`Referer: …/reset-password/<token>`)
  const value = scrubActionPaths(header, scrub, loc);
  if (!value.includes('=')) return scrub.text(value, loc);
  let out = '';
  let at = 0;
  const oauth = oauthCodeIn(value);
  PARAM.lastIndex = 0;
  for (let m = PARAM.exec(value); m; m = PARAM.exec(value)) {
    const name = decodeParam(m[1]!);
    const bareKey = isBareKey(name);
    if (!isCredentialName(name) && !(oauth && name === 'code') && !bareKey) continue;
    PARAM_VALUE.lastIndex = PARAM.lastIndex;
    const v = PARAM_VALUE.exec(value);
    // a bare `key` is a credential when it holds hex, as in a query (Shopify's order status link)
    if (!v || (bareKey && !isHexToken(v[0]))) continue;
    const next = scrub.treat(decodeParam(v[0]), PSEUDONYM, loc) ?? REDACTED;
    out += scrub.text(value.slice(at, v.index), loc) + encodeURIComponent(next);
    at = PARAM.lastIndex = v.index + v[0].length;
  }
  if (at === 0) return scrub.text(value, loc);
  return out + scrub.text(value.slice(at), loc);
}

/** `Bearer abc.def` → `Bearer`: the credentials never stay. */
function scheme(value: string, scrub: Scrub, loc: Loc): string {
  const m = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+\S/.exec(value);
  const out = m ? m[1]! : REDACTED;
  const token = m ? value.slice(m[0].length - 1).trim() : value.trim();
  // a bare token (no scheme before it) is one too: a word with a digit, 8 characters or more (not `Bearer` alone)
  if (m || (isEchoable(token) && !/\s/.test(token))) scrub.treat(token, DROPPED, loc, false, false);
  else if (out !== value) scrub.changed(loc);
  // the token is dropped here; an echo of it elsewhere in the record is redrawn
  if (isEchoable(token)) scrub.secret(token);
  return out;
}

/** Cookie names of sessions and logins (`laravel_session`, `connect.sid`, `remember_user_token`, `JWT`). */
const SESSION_COOKIE = /sess|sid|token|auth|jwt|remember|login/i;

function cookieValue(name: string, value: string, scrub: Scrub, loc: Loc): string | null {
  if (value.length === 0) return value;
  const rule = namedRule(scrub.rules.cookies, name, scrub.side) ?? PSEUDONYM;
  const quoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"');
  const inner = quoted ? value.slice(1, -1) : value;
  const decoded = percentDecoded(inner);
  // a percent-encoded value (Express's `s%3A…`, a JSON cookie) is redrawn decoded and encoded again:
  // redrawing the escapes' hex digits made `%4W`, which the server's decodeURIComponent refuses
  // a session's cookie is a secret to search the record for; a region's, a time zone's or an analytics id's is not
  const session = isCredentialName(name) || SESSION_COOKIE.test(name);
  const out = decoded === undefined ? scrub.treat(inner, rule, loc, false, session) : encodedLike(scrub.treat(decoded, rule, loc, false, session), inner);
  return out === null ? null : quoted ? `"${out}"` : out;
}

const ESCAPE = /%[0-9A-Fa-f]{2}/;

/** `value` decoded when it holds a percent escape and decodes; else undefined. */
export function percentDecoded(value: string): string | undefined {
  if (!value.includes('%') || !ESCAPE.test(value)) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** A redrawn value encoded again; a redaction stays readable, and a `+` the value carried stays a `+` (PHP reads it as a space). */
export function encodedLike(value: string | null, raw: string): string | null {
  if (value === null || value === REDACTED) return value;
  const out = encodeURIComponent(value);
  return raw.includes('+') ? out.replace(/%2B/g, '+') : out;
}

/**
 * `a=1; b=2`: values pseudonymised (or as the cookie's rule says); names
 * kept unless the detectors find something in them, and a cookie without
 * '=' scanned whole.
 */
function cookies(value: string, scrub: Scrub, loc: Loc): string | null {
  const kept: string[] = [];
  for (const pair of value.split(';')) {
    const trimmed = pair.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq < 0) {
      kept.push(scrub.text(trimmed, loc));
      continue;
    }
    const name = trimmed.slice(0, eq);
    const v = cookieValue(name, trimmed.slice(eq + 1), scrub, loc);
    if (v !== null) kept.push(`${scrub.text(name, loc)}=${v}`);
  }
  const out = kept.join('; ');
  if (out === value) return value;
  scrub.changed(loc);
  return kept.length ? out : null;
}

/** `sid=abc; Path=/; HttpOnly`: the value pseudonymised, attributes kept. */
function setCookie(value: string, scrub: Scrub, loc: Loc): string | null {
  const semi = value.indexOf(';');
  const first = semi < 0 ? value : value.slice(0, semi);
  const attrs = semi < 0 ? '' : value.slice(semi);
  const eq = first.indexOf('=');
  if (eq < 0) return scrub.text(value, loc);
  const name = first.slice(0, eq).trim();
  const v = cookieValue(name, first.slice(eq + 1).trim(), scrub, loc);
  if (v === null) return null;
  const out = `${scrub.text(first.slice(0, eq), loc)}=${v}${attrs.length ? scrub.text(attrs, loc) : ''}`;
  if (out !== value) scrub.changed(loc);
  return out;
}
