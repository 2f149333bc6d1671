import type { CapturedBody, CaptureRecord, HeaderPair } from '../record/schema.js';
import { Anonymising, type AnonymiserContext } from './anonymising.js';
import { scrubBody } from './body.js';
import { CleanCache } from './clean-cache.js';
import { ALL_KINDS, findPii } from './detect/index.js';
import { newRecordId } from '../record/convert.js';
import { RecordSecrets, sweepBytes, sweepText } from './echoes.js';
import { scrubHeaders, UNTOUCHED } from './headers.js';
import { Pseudonymiser, REDACTED } from './pseudonym/index.js';
import { anonymiseRulesSchema, compileRules, loadAnonymiseRules } from './rules.js';
import { BudgetExceeded, ScanBudget } from './scrub.js';

export { anonymiseRulesSchema, loadAnonymiseRules, type AnonymiseRules } from './rules.js';

/** What a record id looks like (newRecordId, and ids other tools write: letters, digits, `-_.:`). */
const RECORD_ID = /^[0-9A-Za-z][0-9A-Za-z._:-]{0,63}$/;
const HTTP_VERSION = /^[0-9](?:\.[0-9])?$/;

/**
 * The anonymiser hook: runs on every record inside the proxy (on its capture
 * thread) before it is queued for Redis, and on imported records, so raw
 * personal data never leaves the process. See docs/anonymisation.md for the
 * guarantees, defaults and limits.
 *
 * Order: URL, request headers, client address, response headers and
 * trailers, then the bodies. A body that exceeds the record's scan budget or
 * does not decode is dropped and flagged (`omitted`), never stored
 * unscanned; an unexpected failure anywhere redacts every header value and
 * URL segment and drops both bodies.
 */
export type RecordAnonymiser = (record: CaptureRecord) => CaptureRecord;

export interface AnonymiserOptions {
  /** HMAC key for pseudonyms (PARITY_ANON_KEY); without it a random per-process key. */
  key?: string;
  /** The `anonymise` section of the rules file, unparsed (validated here). */
  rules?: unknown;
}

export function createRecordAnonymiser(opts: AnonymiserOptions = {}): RecordAnonymiser {
  // an empty `anonymise:` in YAML is null: the defaults
  const rules = opts.rules === undefined || opts.rules === null ? anonymiseRulesSchema.parse(undefined) : loadAnonymiseRules({ anonymise: opts.rules });
  const ctx: RecordContext = { rules: compileRules(rules), names: new Pseudonymiser(opts.key), clean: new CleanCache() };
  return (record) => anonymiseRecord(record, ctx);
}

interface RecordContext extends AnonymiserContext {
  /** URLs and header lines seen clean before, not read again. */
  readonly clean: CleanCache;
}

function anonymiseRecord(record: CaptureRecord, ctx: RecordContext): CaptureRecord {
  // an imported record's own list is kept, but never an entry that itself holds a value a detector finds
  const changes = new Set<string>(record.anonymised.length === 0 ? undefined : record.anonymised.filter((loc) => findPii(loc, ALL_KINDS).length === 0));
  const budget = new ScanBudget(ctx.rules.scanBytes);
  const secrets = new RecordSecrets((text) => findPii(text, ctx.rules.kinds).length === 0);
  const own: AnonymiserContext = { rules: ctx.rules, names: ctx.names, secrets };
  const req = new Anonymising(own, 'req', changes, budget);
  const res = new Anonymising(own, 'res', changes, budget);
  let out: CaptureRecord;
  try {
    out = { ...record, url: ctx.clean.url(record.url, req, changes), req: { ...record.req, headers: ctx.clean.headers(record.req.headers, req, 'req.headers', changes) } };
    if (record.clientIp !== undefined) {
      out.clientIp = req.text(record.clientIp, 'clientIp');
    }
    // fields an imported record may carry anything in: an id (it also names Redis keys), the
    // protocol version, the upgrade protocol
    if (!RECORD_ID.test(record.id) || findPii(record.id, ALL_KINDS).length > 0) {
      out.id = newRecordId(record.ts);
      changes.add('id');
    }
    if (!HTTP_VERSION.test(record.httpVersion)) {
      out.httpVersion = '1.1';
      changes.add('httpVersion');
    }
    if (record.upgrade !== undefined) out.upgrade = req.text(record.upgrade, 'upgrade');
    if (record.res) {
      out.res = { ...record.res, headers: ctx.clean.headers(record.res.headers, res, 'res.headers', changes) };
      if (record.res.trailers) out.res.trailers = scrubHeaders(record.res.trailers, res, 'res.trailers');
    }
  } catch {
    return lockedDown(record);
  }
  out.req = { ...out.req, ...bodyAndLength(noHash(out.req.body), out.req.headers, req, 'req.body', ctx, changes) };
  if (out.res) out.res = { ...out.res, ...bodyAndLength(noHash(out.res.body), out.res.headers, res, 'res.body', ctx, changes) };
  if (secrets.size > 0) {
    try {
      const spellings = secrets.spellings((raw) => ctx.names.generic(raw));
      sweepEchoes(out, spellings, changes, (chars) => budget.charge(chars));
      // a location named by a secret's echo (a JSON key, a part's name) is listed as it is now stored
      for (const loc of [...changes]) {
        const swept = sweepText(loc, spellings);
        if (swept !== loc) {
          changes.delete(loc);
          changes.add(swept);
        }
      }
    } catch {
      // over the budget, or anything unforeseen: fail closed
      return lockedDown(record);
    }
  }
  out.anonymised = [...changes];
  return out;
}

/** What is left in the record of a secret taken whole elsewhere in it, replaced the same way (echoes.ts). */
function sweepEchoes(out: CaptureRecord, spellings: readonly [string, string][], changes: Set<string>, charge: (chars: number) => void): void {
  const url = sweepText(out.url, spellings, charge);
  if (url !== out.url) {
    out.url = url;
    changes.add('req.url');
  }
  const headers = (list: HeaderPair[], where: string): HeaderPair[] => {
    let next: HeaderPair[] | undefined;
    for (let h = 0; h < list.length; h++) {
      const [name, value] = list[h]!;
      const swept = UNTOUCHED.has(name.toLowerCase()) ? value : sweepText(value, spellings, charge);
      if (swept === value) {
        next?.push(list[h]!);
        continue;
      }
      next ??= list.slice(0, h);
      next.push([name, swept]);
      changes.add(`${where}.${name}`);
    }
    return next ?? list;
  };
  const body = (b: CapturedBody, heads: HeaderPair[], where: string): { body: CapturedBody; headers: HeaderPair[] } => {
    if (b.omitted !== undefined || b.bytes.length === 0) return { body: b, headers: heads };
    const bytes = sweepBytes(b.bytes, spellings, charge);
    if (bytes === b.bytes) return { body: b, headers: heads };
    changes.add(where);
    if (b.truncated || b.decodedFrom) return { body: { ...b, bytes }, headers: heads };
    const length = String(bytes.length);
    return { body: { ...b, bytes, size: bytes.length }, headers: heads.map(([k, v]) => (k === 'content-length' && v !== length ? [k, length] : [k, v])) };
  };
  out.req = { ...out.req, ...body(out.req.body, headers(out.req.headers, 'req.headers'), 'req.body') };
  if (out.res) {
    out.res = { ...out.res, ...body(out.res.body, headers(out.res.headers, 'res.headers'), 'res.body') };
    if (out.res.trailers) out.res.trailers = headers(out.res.trailers, 'res.trailers');
  }
}

/**
 * A stored body carries no SHA-256. One an imported record brings (or an
 * older capture kept for a truncated body) is the hash of the raw body: a
 * short or templated body (`{"phone":"…"}`) is found again by trying values.
 */
function noHash(body: CapturedBody): CapturedBody {
  if (body.sha256 === undefined) return body;
  const { sha256: _raw, ...rest } = body;
  return rest;
}

/** The body scrubbed, dropped when it cannot be, and Content-Length kept equal to a rewritten identity body. */
function bodyAndLength(body: CapturedBody, headers: HeaderPair[], scrub: Anonymising, where: string, ctx: AnonymiserContext, changes: Set<string>): { body: CapturedBody; headers: HeaderPair[] } {
  let next: CapturedBody;
  try {
    next = scrubBody(body, headers, scrub, where, ctx.rules.decodedBytes);
  } catch (err) {
    changes.add(where);
    return { body: { ...body, bytes: Buffer.alloc(0), omitted: err instanceof BudgetExceeded ? 'anonymiser-budget' : 'anonymiser-error' }, headers };
  }
  if (next === body || next.truncated || next.decodedFrom) return { body: next, headers };
  const length = String(next.bytes.length);
  return { body: next, headers: headers.map(([k, v]) => (k === 'content-length' && v !== length ? [k, length] : [k, v])) };
}

/** Fail closed: nothing of the record's values is kept but its structure. */
function lockedDown(record: CaptureRecord): CaptureRecord {
  const redactAll = (headers: HeaderPair[]): HeaderPair[] => headers.map(([k]) => [k, REDACTED]);
  const path = record.url.split('?')[0]!.split('/').map((s, i) => (i === 0 || s === '' ? s : REDACTED));
  const out: CaptureRecord = {
    ...record,
    url: record.url === '*' ? '*' : path.join('/'),
    req: { headers: redactAll(record.req.headers), body: { ...noHash(record.req.body), bytes: Buffer.alloc(0), omitted: 'anonymiser-error' } },
    res: record.res && {
      ...record.res,
      headers: redactAll(record.res.headers),
      body: { ...noHash(record.res.body), bytes: Buffer.alloc(0), omitted: 'anonymiser-error' },
    },
    anonymised: [...new Set([...record.anonymised.filter((loc) => findPii(loc, ALL_KINDS).length === 0), 'req.url', 'req.headers', 'req.body', ...(record.res ? ['res.headers', 'res.body'] : [])])],
  };
  delete out.clientIp;
  if (!RECORD_ID.test(record.id) || findPii(record.id, ALL_KINDS).length > 0) out.id = newRecordId(record.ts);
  if (!HTTP_VERSION.test(record.httpVersion)) out.httpVersion = '1.1';
  if (out.upgrade !== undefined) out.upgrade = REDACTED;
  if (out.res?.trailers) out.res.trailers = redactAll(out.res.trailers);
  return out;
}
