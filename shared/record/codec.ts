import { Packr } from 'msgpackr';
import type { CapturedBody, CaptureRecord } from './schema.js';

/**
 * Binary encoding of a CaptureRecord for Redis stream entries: MessagePack
 * with Buffers kept as binary (no base64, no JSON string escaping). Measured
 * in scripts/bench/record-codec.ts against JSON with base64 bodies; see
 * docs/decisions.md.
 *
 * Bodies larger than the inline limit are not in the entry: the writer keeps
 * them beside the stream and the entry carries `ext: true` with an empty
 * buffer, so one XRANGE page never carries megabytes.
 */

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/** Stream entry field holding the encoded record. */
export const RECORD_FIELD = 'r';

export function encodeRecord(r: CaptureRecord): Buffer {
  return packr.pack(r);
}

const encoded = new WeakMap<CaptureRecord, Buffer>();

/**
 * encodeRecord, once per record object: in shadow mode the capture thread
 * writes a record to its session stream and puts the same record in a
 * shadow job, and MessagePack was the largest cost shadow mode added there.
 * For records that are not changed after they are first encoded — finished,
 * anonymised records on their way out.
 */
export function encodeRecordOnce(r: CaptureRecord): Buffer {
  let b = encoded.get(r);
  if (!b) encoded.set(r, (b = packr.pack(r)));
  return b;
}

export function decodeRecord(buf: Buffer): CaptureRecord {
  const r = packr.unpack(buf) as CaptureRecord;
  // msgpackr returns Uint8Array-backed Buffers for bin; normalise body bytes.
  fixBody(r.req.body);
  if (r.res) fixBody(r.res.body);
  return r;
}

function fixBody(b: CapturedBody): void {
  if (!Buffer.isBuffer(b.bytes)) b.bytes = Buffer.from(b.bytes);
}
