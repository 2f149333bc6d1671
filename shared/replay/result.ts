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

export function encodeResults(batch: readonly ReplayResult[]): Buffer {
  return packr.pack(batch);
}

export function decodeResults(buf: Buffer): ReplayResult[] {
  const batch = packr.unpack(buf) as ReplayResult[];
  for (const r of batch) if (r.body && !Buffer.isBuffer(r.body.bytes)) r.body.bytes = Buffer.from(r.body.bytes);
  return batch;
}

/** The first `limit` bytes of an answer body, with size and SHA-256 when cut (as capture keeps bodies). */
export function boundedBody(body: Buffer, fullSize: number, limit: number, truncatedBefore = false): CapturedBody {
  const cut = body.length > limit;
  const out: CapturedBody = { bytes: cut ? Buffer.from(body.subarray(0, limit)) : body, size: fullSize, truncated: cut || truncatedBefore };
  if (cut && !truncatedBefore) out.sha256 = createHash('sha256').update(body).digest('hex');
  return out;
}
