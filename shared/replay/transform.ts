import { parityError } from '../errors.js';
import type { CaptureRecord, HeaderPair } from '../record/schema.js';

/**
 * How a captured request is turned into the request sent to the target:
 * headers set (e.g. a staging token, since captured credentials were
 * anonymised) or removed, the Host header and a path prefix rewritten.
 */
export interface RequestTransform {
  /** Headers set on every request, replacing captured ones of the same name. */
  setHeaders: HeaderPair[];
  /** Headers set like `setHeaders`, their values sealed at rest (sealed-headers.ts); workers open them into `setHeaders`. */
  sealedHeaders?: [name: string, box: string][];
  /** Header names removed (lower-case). */
  removeHeaders: string[];
  /** Host header sent to the target; default: the target's host. */
  host?: string;
  /** Host header sent to the baseline; default: the baseline's host (never `host`: see outgoingRequest). */
  baselineHost?: string;
  /** Path prefix rewrites [from, to], the first matching one applies. */
  rewritePaths: [from: string, to: string][];
}

export const emptyTransform = (): RequestTransform => ({ setHeaders: [], removeHeaders: [], rewritePaths: [] });

/** A request ready for undici. */
export interface OutgoingRequest {
  method: string;
  path: string;
  /** Flat [name, value, ...] list, as undici takes it. */
  headers: string[];
  body: Buffer | null;
}

/** Headers that belong to one connection, or that undici sets itself. */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length', 'expect', 'http2-settings']);

/**
 * `K=V` (or `K: V`) → [k, V]; throws PARITY_ERR_USAGE naming the flag and its
 * `position` among the flags given (1-based), never its text: a malformed one
 * is often a token typed with a space for the `=` (`authorization Bearer …`).
 */
export function parseHeaderFlag(text: string, flag = '--set-header', position?: number): HeaderPair {
  const m = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*[=:]\s?(.*)$/.exec(text);
  if (!m) {
    const which = position === undefined ? `a ${flag}` : `the ${flag} number ${position}`;
    throw parityError('PARITY_ERR_USAGE', `${which} is not NAME=VALUE (its text is not shown: it may hold a credential); e.g. ${flag} "authorization=Bearer staging-token"`);
  }
  return [m[1]!.toLowerCase(), m[2]!];
}

/** A Host header value given on the command line: a name or address, with an optional port. */
export function parseHostFlag(text: string, flag: string): string {
  const host = text.trim();
  if (!/^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/.test(host)) {
    throw parityError('PARITY_ERR_USAGE', `${flag} "${text}" is not a host name with an optional port, e.g. ${flag} staging.shop.example:8443`);
  }
  return host;
}

/** `/v1=/api/v1` → ['/v1', '/api/v1']. */
export function parseRewriteFlag(text: string): [string, string] {
  const i = text.indexOf('=');
  const from = text.slice(0, i);
  const to = text.slice(i + 1);
  if (i < 0 || !from.startsWith('/') || !(to === '' || to.startsWith('/'))) {
    throw parityError('PARITY_ERR_USAGE', `--rewrite-path "${text}" is not /FROM=/TO (e.g. /v1=/api/v1)`);
  }
  return [from, to];
}

/** The path sent: prefix rewritten, then put under the target URL's own path. */
export function targetPath(url: string, target: URL, rewrites: RequestTransform['rewritePaths']): string {
  let path = url === '*' ? '/' : url;
  for (const [rawFrom, rawTo] of rewrites) {
    // a prefix is whole path segments: `/v1/` and `/v1` are the same prefix, `/` matches every path
    const from = rawFrom.replace(/\/+$/, '');
    const to = rawTo.replace(/\/+$/, '');
    if (from === '' || path === from || path.startsWith(`${from}/`) || path.startsWith(`${from}?`)) {
      const rest = path.slice(from.length);
      path = rest === '' || rest.startsWith('?') ? `${to || '/'}${rest}` : to + rest;
      if (!path.startsWith('/')) path = `/${path}`;
      break;
    }
  }
  const base = target.pathname.replace(/\/+$/, '');
  return base ? base + path : path;
}

/**
 * The request to send for a record. A body that was decoded from gzip/br at
 * capture is sent decoded, without its Content-Encoding.
 *
 * The Host given for the target (`--rewrite-host`, `--set-header host=…`) is
 * the target's only: the baseline gets its own (`--baseline-host`, else its
 * URL's). Behind a shared ingress, where the two differ only by Host, the
 * target's Host would send the baseline's copies to the candidate, and the
 * run would compare the candidate with itself and pass.
 */
export function outgoingRequest(record: CaptureRecord, target: URL, t: RequestTransform, side: 'target' | 'baseline' = 'target'): OutgoingRequest {
  const removed = new Set(t.removeHeaders.map((k) => k.toLowerCase()));
  for (const [k] of t.setHeaders) removed.add(k.toLowerCase());
  const decoded = record.req.body.decodedFrom !== undefined;
  const headers: string[] = [];
  const connectionTokens = new Set<string>();
  // captured names are lower-case; imported ones may not be
  for (const [k, v] of record.req.headers) if (k.toLowerCase() === 'connection') for (const tok of v.split(',')) connectionTokens.add(tok.trim().toLowerCase());
  for (const [name, v] of record.req.headers) {
    const k = name.toLowerCase();
    if (DROPPED.has(k) || removed.has(k) || connectionTokens.has(k)) continue;
    if (decoded && k === 'content-encoding') continue;
    headers.push(k, v);
  }
  // --set-header host=... is the target's Host (like --rewrite-host), not a second Host header
  let host = (side === 'target' ? t.host : t.baselineHost) ?? target.host;
  for (const [k, v] of t.setHeaders) {
    if (k.toLowerCase() !== 'host') headers.push(k.toLowerCase(), v);
    else if (side === 'target') host = v;
  }
  headers.push('host', host);
  const bytes = record.req.body.bytes;
  // an empty POST/PUT/PATCH still says Content-Length: 0, as clients do
  const body = bytes.length > 0 || BODY_METHODS.has(record.method) ? bytes : null;
  return { method: record.method, path: targetPath(record.url, target, t.rewritePaths), headers, body };
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
