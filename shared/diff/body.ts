import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { Answer, DiffMode } from './types.js';
import { exactDiff, type DiffCollector } from './json-diff.js';
import { shapeDiff } from './shape-diff.js';
import { contentType, mediaType } from './headers.js';
import { textDiff } from './text-diff.js';

/**
 * Body comparison by content type. JSON (`application/json`, `+json`, or an
 * untyped body that parses) goes through the structural diff; text is
 * compared line by line (bounded) in `exact` mode; anything else by bytes in
 * `exact` mode. A changed media type is a `content-type` difference and
 * stops the body comparison.
 */

export type BodyClass = 'json' | 'text' | 'binary' | 'empty';

/** How a body is compared, from its media type (and its bytes when untyped). */
export function bodyClass(media: string, body: Buffer): BodyClass {
  if (body.length === 0) return 'empty';
  if (media === 'application/json' || media.endsWith('+json') || media.endsWith('/json')) return 'json';
  if (media.startsWith('text/') || media.endsWith('+xml') || /\/(xml|javascript|x-www-form-urlencoded|yaml|x-ndjson)$/.test(media)) return 'text';
  if (media === '') {
    const first = body[0];
    if ((first === 0x7b || first === 0x5b) && isUtf8(body)) return 'json';
    return isUtf8(body) ? 'text' : 'binary';
  }
  return 'binary';
}

const NOT_JSON = Symbol('not JSON');

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return NOT_JSON;
  }
}

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);

export function bodyDiff(reference: Answer, target: Answer, mode: DiffMode, c: DiffCollector): void {
  const ma = mediaType(reference.headers);
  const mb = mediaType(target.headers);
  if (ma !== mb) {
    c.field('content-type', 'content-type', ma || '(none)', mb || '(none)');
    return;
  }
  if (mode === 'exact') {
    const ca = contentType(reference.headers);
    const cb = contentType(target.headers);
    if (ca !== cb) c.field('headers.content-type', 'header-value', ca, cb);
  }
  if (reference.body.equals(target.body)) return;
  const ka = bodyClass(ma, reference.body);
  const kb = bodyClass(mb, target.body);
  if (ka === 'json' || kb === 'json') return jsonBodyDiff(reference.body, target.body, mode, c);
  if (mode !== 'exact') return;
  if (ka === 'binary' || kb === 'binary') {
    c.field('body', 'body', `${reference.body.length} bytes sha256:${digest(reference.body)}`, `${target.body.length} bytes sha256:${digest(target.body)}`);
    return;
  }
  const lines = textDiff(reference.body.toString('utf8'), target.body.toString('utf8'), c.rules.maxTextDiffLines);
  c.field('body', 'body', `${reference.body.length} bytes`, `${target.body.length} bytes`, lines);
}

function jsonBodyDiff(ra: Buffer, rb: Buffer, mode: DiffMode, c: DiffCollector): void {
  const a = ra.length === 0 ? NOT_JSON : parseJson(ra);
  const b = rb.length === 0 ? NOT_JSON : parseJson(rb);
  if (a === NOT_JSON && b === NOT_JSON) {
    if (mode === 'exact') c.field('body', 'body', `${ra.length} bytes`, `${rb.length} bytes`, textDiff(ra.toString('utf8'), rb.toString('utf8'), c.rules.maxTextDiffLines));
    return;
  }
  if (a === NOT_JSON || b === NOT_JSON) {
    const what = (v: unknown, raw: Buffer) => (v === NOT_JSON ? (raw.length === 0 ? 'empty body' : 'invalid JSON') : 'JSON');
    c.json([], 'type', what(a, ra), what(b, rb), true);
    return;
  }
  (mode === 'exact' ? exactDiff : shapeDiff)(a, b, [], c);
}
