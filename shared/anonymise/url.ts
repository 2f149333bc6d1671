import { REDACTED } from './pseudonym/index.js';
import { namedRule, pathRuleTreatments, type Treatment } from './rules.js';
import type { Scrub } from './scrub.js';
import { namedInside, plusAsSpace, scrubPairs, type PairList } from './form.js';
import { isCredentialName } from './credentials.js';
import { PSEUDONYM } from './headers.js';
import { isAction, isSecretToken } from './action-path.js';
import { scrubNamedCredentials } from './credential-text.js';

/**
 * The request URL: each path segment and each query value is decoded,
 * treated by a path or query rule or scanned as free text (so a GraphQL
 * `variables=` parameter holding JSON is rewritten as JSON), and encoded
 * back only when it changed. A token after an action segment
 * (`/reset-password/<token>`) is pseudonymised whole. Locations: `req.url.path[2]`,
 * `req.url.query.email`.
 */

function decode(raw: string, plus: boolean): string {
  const s = plus ? plusAsSpace(raw) : raw;
  // without a '%' there is nothing to decode (most segments and values)
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Characters a query or segment may carry unencoded (RFC 3986 pchar and query), kept so when the original had them. */
const LITERAL_OK = "@:,;=$!*'()/?";

/** Encodes `value` the way `raw` was written: characters `raw` carried literally stay literal. */
function encodeLike(raw: string, value: string, plus: boolean): string {
  let out = encodeURIComponent(value);
  for (const ch of LITERAL_OK) {
    if (raw.includes(ch)) out = out.split(encodeURIComponent(ch)).join(ch);
  }
  return plus && raw.includes('+') ? out.replace(/%20/g, '+') : out;
}

/**
 * Path rules are matched against the path's segments as a server routes
 * them: empty segments (a doubled or trailing slash), the scheme and
 * authority of an absolute-form URL and matrix parameters (`;v=2`) do not
 * count, so `/users/:name` still selects `/users/Priya%20Sharma/` and
 * `//users/Priya%20Sharma;v=2`. Returns, by raw segment index, the
 * treatment a rule gives it.
 */
function ruledSegments(path: string, raw: readonly string[], decoded: readonly string[], scrub: Scrub): Map<number, Treatment> {
  const out = new Map<number, Treatment>();
  if (scrub.rules.paths.length === 0) return out;
  const first = /^[a-z][a-z0-9+.-]*:\/\//i.test(path) ? 3 : 1;
  const at: number[] = [];
  for (let i = first; i < raw.length; i++) if (raw[i] !== '') at.push(i);
  const ruled = pathRuleTreatments(scrub.rules.paths, at.map((i) => decoded[i]!.split(';', 1)[0]!));
  for (const [k, t] of ruled) out.set(at[k]!, t);
  return out;
}

/**
 * A segment's matrix parameters (`cart;jsessionid=1A2B…`): a parameter
 * named like a credential is pseudonymised whole, the others scanned.
 */
function scrubMatrix(value: string, scrub: Scrub, loc: string): string {
  const [main, ...params] = value.split(';');
  const out = [scrub.text(main!, loc)];
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) out.push(scrub.text(p, loc));
    else out.push(`${p.slice(0, eq + 1)}${isCredentialName(p.slice(0, eq)) ? (scrub.treat(p.slice(eq + 1), PSEUDONYM, loc) ?? REDACTED) : scrub.text(p.slice(eq + 1), loc)}`);
  }
  return out.join(';');
}

/** Segment `i` follows an action segment and looks like a random token (action-path.ts): it is pseudonymised whole, keeping its shape. */
function secretAfterAction(decoded: readonly string[], i: number): boolean {
  if (!isSecretToken(decoded[i]!)) return false;
  let before = i - 1;
  while (before > 0 && decoded[before] === '') before--;
  return before > 0 && isAction(decoded[before]!);
}

function scrubPath(path: string, scrub: Scrub): string {
  const raw = path.split('/');
  const decoded: string[] = [];
  for (const segment of raw) decoded.push(decode(segment, false));
  const ruled = ruledSegments(path, raw, decoded, scrub);
  let out: string[] | undefined;
  for (let i = 0; i < raw.length; i++) {
    const segment = raw[i]!;
    if (segment === '') continue;
    // a URL not starting with '/' (absolute or malformed): its first segment is read too
    const loc = i === 0 ? 'req.url' : `req.url.path[${i - 1}]`;
    const rule = ruled.get(i);
    const value = decoded[i]!;
    const treatment = rule ?? (secretAfterAction(decoded, i) ? PSEUDONYM : undefined);
    const next = treatment ? (scrub.treat(value, treatment, loc) ?? REDACTED) : value.includes(';') ? scrubMatrix(value, scrub, loc) : scrub.text(value.includes('=') ? namedInside(value, scrub, loc) : value, loc);
    if (next === value) continue;
    out ??= raw.slice();
    out[i] = encodeLike(segment, next, false);
  }
  return out ? out.join('/') : path;
}

const QUERY: PairList = {
  decode: (raw) => decode(raw, true),
  encode: (raw, value) => encodeLike(raw, value, true),
  rule: (name, scrub) => namedRule(scrub.rules.query, name, 'req'),
};

/** A fragment read as text: named credentials, an OAuth code, an action link's secret, what the detectors find; nothing re-encoded. */
function scrubFragment(fragment: string, scrub: Scrub): string {
  return scrub.text(scrubNamedCredentials(fragment, scrub, 'req.url.fragment'), 'req.url.fragment');
}

/** The URL (path and query) with personal data replaced; the same string when nothing changed. */
export function scrubUrl(url: string, scrub: Scrub): string {
  if (url === '*') return url;
  // a fragment, which browsers keep to themselves but other clients send (`/cb#access_token=…&state=…`,
  // a hash route `#/reset-password/<token>` or `#/callback?code=…&state=…`), is read as text
  const h = url.indexOf('#');
  const fragment = h < 0 ? undefined : url.slice(h + 1);
  const beforeFragment = h < 0 ? url : url.slice(0, h);
  const q = beforeFragment.indexOf('?');
  const path = q < 0 ? beforeFragment : beforeFragment.slice(0, q);
  const query = q < 0 ? '' : beforeFragment.slice(q + 1);
  const p = scrubPath(path, scrub);
  // query parameters are read like a urlencoded body: `req.url.query.<name>`
  const qs = q < 0 ? undefined : scrubPairs(query, scrub, QUERY, 'req.url.query');
  const fs = fragment === undefined ? undefined : scrubFragment(fragment, scrub);
  if (p === path && (qs === undefined || qs === query) && fs === fragment) return url;
  return `${p}${qs === undefined ? '' : `?${qs}`}${fs === undefined ? '' : `#${fs}`}`;
}
