import { REDACTED } from './pseudonym/index.js';
import { namedRule, pathRuleTreatments } from './rules.js';
import type { Scrub } from './scrub.js';
import { plusAsSpace } from './form.js';
import { isCredentialName } from './credentials.js';
import { PSEUDONYM } from './headers.js';

/**
 * The request URL: each path segment and each query value is decoded,
 * treated by a path or query rule or scanned as free text (so a GraphQL
 * `variables=` parameter holding JSON is rewritten as JSON), and encoded
 * back only when it changed. Locations: `req.url.path[2]`,
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

const LITERAL_OK = "@:,;$!*'()";

/** Encodes `value` the way `raw` was written: characters `raw` carried literally stay literal. */
function encodeLike(raw: string, value: string, plus: boolean): string {
  let out = encodeURIComponent(value);
  for (const ch of LITERAL_OK) {
    if (raw.includes(ch)) out = out.split(encodeURIComponent(ch)).join(ch);
  }
  return plus && raw.includes('+') ? out.replace(/%20/g, '+') : out;
}

function scrubPath(path: string, scrub: Scrub): string {
  const raw = path.split('/');
  const decoded = raw.map((s) => decode(s, false));
  const ruled = pathRuleTreatments(scrub.rules.paths, decoded.slice(1));
  let changed = false;
  const out = raw.map((segment, i) => {
    if (segment === '') return segment;
    // a URL not starting with '/' (absolute or malformed): its first segment is read too
    const loc = i === 0 ? 'req.url' : `req.url.path[${i - 1}]`;
    const rule = i === 0 ? undefined : ruled.get(i - 1);
    const value = decoded[i]!;
    const next = rule ? (scrub.treat(value, rule, loc) ?? REDACTED) : scrub.text(value, loc);
    if (next === value) return segment;
    changed = true;
    return encodeLike(segment, next, false);
  });
  return changed ? out.join('/') : path;
}

/** Query parameters: names and bare keys are scanned as well as values (see scrubUrlencoded). */
function scrubQuery(query: string, scrub: Scrub): string {
  let changed = false;
  const out: string[] = [];
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) {
      const bare = decode(pair, true);
      const next = scrub.text(bare, 'req.url.query');
      if (next === bare) out.push(pair);
      else {
        changed = true;
        out.push(encodeLike(pair, next, true));
      }
      continue;
    }
    const rawName = pair.slice(0, eq);
    const rawValue = pair.slice(eq + 1);
    const name = decode(rawName, true);
    const scannedName = scrub.text(name, 'req.url.query');
    const nameOut = scannedName === name ? rawName : encodeLike(rawName, scannedName, true);
    const value = decode(rawValue, true);
    const loc = `req.url.query.${scannedName}`;
    const rule = namedRule(scrub.rules.query, name, 'req') ?? (isCredentialName(name) ? PSEUDONYM : undefined);
    const next = rule ? scrub.treat(value, rule, loc) : scrub.text(value, loc);
    const valueOut = next === null ? null : next === value ? rawValue : encodeLike(rawValue, next, true);
    if (valueOut === rawValue && nameOut === rawName) out.push(pair);
    else {
      changed = true;
      if (valueOut !== null) out.push(`${nameOut}=${valueOut}`);
    }
  }
  return changed ? out.join('&') : query;
}

/** The URL (path and query) with personal data replaced; the same string when nothing changed. */
export function scrubUrl(url: string, scrub: Scrub): string {
  if (url === '*') return url;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const p = scrubPath(path, scrub);
  const qs = q < 0 ? undefined : scrubQuery(query, scrub);
  if (p === path && qs === query) return url;
  if (p === path && qs === undefined) return url;
  return qs === undefined ? p : `${p}?${qs}`;
}
