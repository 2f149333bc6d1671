import picomatch from 'picomatch';
import { isReadableGlob } from '../glob.js';
import type { Redis } from 'ioredis';
import { parityError } from '../errors.js';
import { decodeRecord, RECORD_FIELD } from '../record/codec.js';
import type { CaptureRecord } from '../record/schema.js';
import { keys } from '../redis/keys.js';
import { parseDuration } from './profile.js';

/**
 * Which records of a session a run replays: a capture-time range, methods,
 * path filters (`[METHOD ]GLOB`, e.g. `GET /api/**`) and a limit. The
 * selection is resolved once when the run is created, into the list of
 * stream ids every worker indexes into.
 */
export interface SelectionSpec {
  /** Capture time (µs since the epoch), inclusive. */
  fromUs?: number;
  /** Capture time (µs since the epoch), exclusive. */
  toUs?: number;
  /** Upper-case methods kept; all when absent. */
  methods?: string[];
  /** A record must match one of these `[METHOD ]GLOB` filters (all when absent). */
  include?: string[];
  /** A record matching one of these is left out. */
  exclude?: string[];
  /** Most records kept (the first ones in capture order). */
  limit?: number;
}

/** The resolved selection: stream ids and capture times, sorted by capture time. */
export interface Selection {
  ids: string[];
  ts: number[];
  /** Records in the session that were looked at. */
  scanned: number;
  /** Selected records by method, for the methods that change state (POST, PUT, PATCH, DELETE…). */
  unsafe: Map<string, number>;
  /** Methods (upper-case) of every record looked at, selected or not. */
  methods: Set<string>;
}

type Filter = (method: string, path: string) => boolean;

/** Compiles `[METHOD ]GLOB`; the glob is matched against the path without its query. */
export function compileFilter(expr: string): Filter {
  const m = /^\s*(?:([A-Za-z]+)\s+)?(\S+)\s*$/.exec(expr);
  if (!m || !m[2]!.startsWith('/')) {
    throw parityError('PARITY_ERR_USAGE', `filter "${expr}" is not [METHOD ]GLOB, e.g. "GET /api/**" or "/users/*"`);
  }
  if (!isReadableGlob(m[2]!)) {
    throw parityError('PARITY_ERR_USAGE', `filter "${expr}": the glob cannot be read (an unclosed {…} or [...], or a range like [z-a]), so it would match nothing; e.g. "GET /api/{orders,carts}/**"`);
  }
  const method = m[1]?.toUpperCase();
  const isMatch = picomatch(m[2]!, { dot: true });
  return (recordMethod, path) => (method === undefined || method === recordMethod) && isMatch(path);
}

/** A predicate for one record; throws PARITY_ERR_USAGE on a malformed filter. */
export function selectionPredicate(spec: SelectionSpec): (r: Pick<CaptureRecord, 'ts' | 'method' | 'url'>) => boolean {
  const include = (spec.include ?? []).map(compileFilter);
  const exclude = (spec.exclude ?? []).map(compileFilter);
  const methods = spec.methods ? new Set(spec.methods.map((x) => x.toUpperCase())) : undefined;
  return (r) => {
    if (spec.fromUs !== undefined && r.ts < spec.fromUs) return false;
    if (spec.toUs !== undefined && r.ts >= spec.toUs) return false;
    const method = r.method.toUpperCase();
    if (methods && !methods.has(method)) return false;
    const q = r.url.indexOf('?');
    const path = q < 0 ? r.url : r.url.slice(0, q);
    if (include.length > 0 && !include.some((f) => f(method, path))) return false;
    return !exclude.some((f) => f(method, path));
  };
}

/**
 * A point in time for --from/--to: ISO 8601, epoch seconds (10–11 digits),
 * epoch milliseconds (12 or more), or a duration meaning "that long ago"
 * (`24h`, or a bare number of seconds under 10 digits). Returns µs since
 * the epoch. (Epoch seconds were read as that many seconds ago: 57 years,
 * so every record.)
 */
export function parseTimePoint(text: string, flag: string, nowMs = Date.now()): number {
  if (/^\d{12,}$/.test(text)) return Number(text) * 1000;
  if (/^\d{10,11}$/.test(text)) return Number(text) * 1_000_000;
  const ago = parseDuration(text);
  if (ago !== undefined) return Math.round((nowMs - ago) * 1000);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw parityError('PARITY_ERR_USAGE', `${flag} "${text}" is not a time: give ISO 8601 (2026-11-20T09:00:00Z), epoch seconds or milliseconds, or a duration ago (24h)`);
  }
  return ms * 1000;
}

/** Reads the session once and keeps the ids of the records the spec selects. */
export async function resolveSelection(redis: Redis, session: string, spec: SelectionSpec, pageSize = 500): Promise<Selection> {
  const keep = selectionPredicate(spec);
  const stream = keys.sessionStream(session);
  const found: { id: string; ts: number; method: string }[] = [];
  const methods = new Set<string>();
  let scanned = 0;
  let from = '-';
  for (;;) {
    const page = (await redis.xrangeBuffer(stream, from, '+', 'COUNT', pageSize)) as [Buffer, Buffer[]][];
    for (const [idBuf, fields] of page) {
      scanned++;
      const record = recordOf(fields);
      if (record) methods.add(record.method.toUpperCase());
      if (record && keep(record)) found.push({ id: idBuf.toString(), ts: record.ts, method: record.method });
    }
    if (page.length < pageSize) break;
    from = `(${page[page.length - 1]![0].toString()}`;
  }
  // Records from several proxies may reach the stream slightly out of
  // capture order; the schedule needs them sorted (a stable sort keeps ties).
  found.sort((a, b) => a.ts - b.ts);
  const kept = spec.limit === undefined ? found : found.slice(0, spec.limit);
  const unsafe = new Map<string, number>();
  for (const f of kept) if (!SAFE_METHODS.has(f.method.toUpperCase())) unsafe.set(f.method, (unsafe.get(f.method) ?? 0) + 1);
  return { ids: kept.map((f) => f.id), ts: kept.map((f) => f.ts), scanned, unsafe, methods };
}

/** Methods that change nothing on the server (RFC 9110 §9.2.1): what a production baseline may be sent again. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** `POST ×8, DELETE ×3`. */
export function describeMethods(counts: ReadonlyMap<string, number>): string {
  return [...counts].map(([m, n]) => `${m} ×${n}`).join(', ');
}

function recordOf(fields: Buffer[]): CaptureRecord | undefined {
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i]!.toString() === RECORD_FIELD) return decodeRecord(fields[i + 1]!);
  }
  return undefined;
}
