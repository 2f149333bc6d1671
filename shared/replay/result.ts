import { createHash } from 'node:crypto';
import { Packr } from 'msgpackr';
import type { Answer } from '../diff/types.js';
import type { CapturedBody, HeaderPair } from '../record/schema.js';

/**
 * One replayed request's outcome, as kept in the run's results stream
 * (`keys.runResults`). Each stream entry holds a batch of results (field
 * `rs`, a MessagePack array): one XADD per batch, not per request. Results
 * are written per chunk attempt; only those whose (chunk, attempt) matches
 * the attempt recorded in the run's chunks hash belong to the run's result
 * (see docs/decisions.md).
 */
export interface ReplayResult {
  chunk: number;
  /** Token of the chunk attempt that produced this entry. */
  attempt: string;
  /** Arrival index in the schedule (open model) or sequence number in the chunk (closed). */
  i: number;
  recordId: string;
  method: string;
  url: string;
  /** µs since the epoch the request was due to start. */
  scheduledUs: number;
  /** µs since the epoch it actually started on a socket. */
  sentAtUs: number;
  /** sentAtUs − scheduledUs (≥ 0). */
  lateUs: number;
  status?: number;
  headers?: HeaderPair[];
  /** The body bounded like capture: a prefix, its full size, and a SHA-256 when cut. */
  body?: CapturedBody;
  /** From the actual send: first byte and complete answer, µs. */
  ttfbUs: number;
  totalUs: number;
  /** From the scheduled time to the complete answer, µs (no coordinated omission). */
  fromScheduledUs: number;
  error?: NonNullable<Answer['error']> | 'skipped';
  errorText?: string;
  /** With --baseline: the first baseline answer's status and time. */
  baseline?: { status: number; totalUs: number; error?: string };
  /** Real differences found against the reference (before the noise rule). */
  differences: number;
}

/** Stream entry field holding a batch of results. */
export const RESULTS_FIELD = 'rs';

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/**
 * Batch layout (v2): `[2, chunk, attempt, ...rows]`, one positional row per
 * result (ROW below). Every result of a batch comes from one chunk attempt,
 * so those two are written once; rows carry no key names. Packing a row is
 * well under half the CPU of packing the same result as a map (bench:replay,
 * docs/decisions.md). `decodeResults` still reads v1 batches (an array of
 * result maps) that runs written before this layout left in Redis.
 */
const BATCH_V2 = 2;
const ROW = ['i', 'recordId', 'method', 'url', 'scheduledUs', 'sentAtUs', 'lateUs', 'ttfbUs', 'totalUs', 'fromScheduledUs', 'differences'] as const;

type Row = unknown[];

// Headers travel as one string, `name NUL value NUL ...` (HTTP allows no NUL
// in names or values): one string to pack instead of two per header.
function flatHeaders(headers: readonly HeaderPair[]): string {
  let s = '';
  for (const [k, v] of headers) s += `${k}\u0000${v}\u0000`;
  return s;
}

function headerPairs(flat: string): HeaderPair[] {
  const parts = flat.split('\u0000');
  const out: HeaderPair[] = [];
  for (let k = 0; k + 1 < parts.length; k += 2) out.push([parts[k]!, parts[k + 1]!]);
  return out;
}

function toRow(r: ReplayResult): Row {
  const b = r.body;
  const base = r.baseline;
  return [
    r.i, r.recordId, r.method, r.url, r.scheduledUs, r.sentAtUs, r.lateUs, r.ttfbUs, r.totalUs, r.fromScheduledUs, r.differences,
    r.status ?? null,
    r.headers ? flatHeaders(r.headers) : null,
    b ? b.bytes : null,
    b ? b.size : 0,
    b ? b.truncated : false,
    b?.sha256 ?? null,
    r.error ?? null,
    r.errorText ?? null,
    base ? base.status : null,
    base ? base.totalUs : null,
    base?.error ?? null,
  ];
}

function fromRow(chunk: number, attempt: string, row: Row): ReplayResult {
  const r = { chunk, attempt } as ReplayResult;
  const out = r as unknown as Record<string, unknown>;
  ROW.forEach((k, n) => (out[k] = row[n]));
  let n = ROW.length;
  const status = row[n++] as number | null;
  const headers = row[n++] as string | null;
  const bytes = row[n++] as Uint8Array | null;
  const size = row[n++] as number;
  const truncated = row[n++] as boolean;
  const sha256 = row[n++] as string | null;
  const error = row[n++] as ReplayResult['error'] | null;
  const errorText = row[n++] as string | null;
  const baseStatus = row[n++] as number | null;
  const baseTotal = row[n++] as number | null;
  const baseError = row[n++] as string | null;
  if (status !== null) r.status = status;
  if (headers !== null) r.headers = headerPairs(headers);
  if (bytes !== null) {
    r.body = { bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), size, truncated };
    if (sha256 !== null) r.body.sha256 = sha256;
  }
  if (error !== null) r.error = error;
  if (errorText !== null) r.errorText = errorText;
  if (baseStatus !== null && baseTotal !== null) {
    r.baseline = { status: baseStatus, totalUs: baseTotal };
    if (baseError !== null) r.baseline.error = baseError;
  }
  return r;
}

/** Packs a batch of results; rows when they share one chunk attempt (as a chunk's recorder writes them), maps otherwise. */
export function encodeResults(batch: readonly ReplayResult[]): Buffer {
  const first = batch[0];
  if (!first || batch.some((r) => r.chunk !== first.chunk || r.attempt !== first.attempt)) return packr.pack(batch);
  const out: unknown[] = [BATCH_V2, first.chunk, first.attempt];
  for (const r of batch) out.push(toRow(r));
  return packr.pack(out);
}

export function decodeResults(buf: Buffer): ReplayResult[] {
  const batch = packr.unpack(buf) as unknown[];
  if (batch[0] === BATCH_V2) {
    const chunk = batch[1] as number;
    const attempt = batch[2] as string;
    const out: ReplayResult[] = [];
    for (let k = 3; k < batch.length; k++) out.push(fromRow(chunk, attempt, batch[k] as Row));
    return out;
  }
  const v1 = batch as ReplayResult[];
  for (const r of v1) if (r.body && !Buffer.isBuffer(r.body.bytes)) r.body.bytes = Buffer.from(r.body.bytes);
  return v1;
}

/** The first `limit` bytes of an answer body, with size and SHA-256 when cut (as capture keeps bodies). */
export function boundedBody(body: Buffer, fullSize: number, limit: number, truncatedBefore = false): CapturedBody {
  const cut = body.length > limit;
  const out: CapturedBody = { bytes: cut ? Buffer.from(body.subarray(0, limit)) : body, size: fullSize, truncated: cut || truncatedBefore };
  if (cut && !truncatedBefore) out.sha256 = createHash('sha256').update(body).digest('hex');
  return out;
}
