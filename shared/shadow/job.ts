import { Packr } from 'msgpackr';
import { decodeRecord, encodeRecordOnce } from '../record/codec.js';
import type { CaptureRecord, HeaderPair } from '../record/schema.js';

/**
 * The shadow job: what a proxy hands the shadow queue for a batch of
 * mirrored exchanges, and what a worker needs to mirror them without any
 * configuration of its own (target, baseline and marker travel with the
 * job, so every proxy decides for its own traffic). Jobs carry batches, not
 * single exchanges: BullMQ's cost per job (a Lua script, several keys) would
 * otherwise be paid per mirrored request.
 *
 * A job's records are the records after the anonymiser — what capture
 * writes to the stream — packed as one MessagePack array and stored as
 * bytes under their own key (keys.shadowRecords), which the job names
 * (`payload`); the worker takes and deletes it (GETDEL). Carried inside the
 * job, the same bytes went through base64 and JSON and then through
 * BullMQ's Lua script, which cost the capture thread and Redis about 5 µs
 * more per mirrored exchange (docs/decisions.md). Jobs from earlier
 * proxies carry the records inline (`records`); workers still take those.
 * With raw opt-in the real requests are sealed together under one
 * short-lived key (`raw`); the job carries only its id.
 */
export interface ShadowJobData {
  v: 1;
  /** Id of the job's records (keys.shadowRecords). */
  payload?: string;
  /** How many exchanges the job holds (counted as dropped when the payload expired). */
  n?: number;
  /** Earlier proxies: the anonymised capture records inline, a MessagePack array, base64. */
  records?: string;
  /** Id of the sealed raw requests (keys.shadowRaw), in the order of the records, when raw mirroring is on. */
  raw?: string;
  /** Shadow deployment (the candidate). */
  target: string;
  /** Second shadow running the current release: asked twice, for noise. */
  baseline?: string;
  /** Header every shadow request carries, [name, value]. */
  marker: [string, string];
  /** When the proxy enqueued the job, ms since the epoch. */
  at: number;
}

/**
 * Seconds a job's records wait in Redis for a worker. The proxy stops
 * adding work once the queue holds PARITY_SHADOW_MAX_QUEUE exchanges, so
 * only a queue nobody works on for an hour loses records this way; the
 * worker that meets such a job counts its exchanges as `records-expired`.
 */
export const SHADOW_RECORDS_TTL_SECONDS = 3600;

/** The parts of a request mirrored to the shadow. */
export interface MirroredRequest {
  method: string;
  url: string;
  headers: HeaderPair[];
  body: Buffer;
}

export interface ShadowDestination {
  target: string;
  baseline?: string;
  marker: [string, string];
}

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/** A job's records as the bytes stored under its payload key, from each record's own MessagePack (encodeRecordOnce). */
export function packJobRecords(encoded: readonly Buffer[]): Buffer {
  return packr.pack(encoded);
}

export function unpackJobRecords(bytes: Buffer): CaptureRecord[] {
  const list = packr.unpack(bytes) as Uint8Array[];
  return list.map((b) => decodeRecord(Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
}

/** The job for `count` exchanges whose records are stored under `payload`. */
export function shadowJobData(payload: string, count: number, dest: ShadowDestination, rawId?: string): ShadowJobData {
  const data: ShadowJobData = { v: 1, payload, n: count, target: dest.target, marker: dest.marker, at: Date.now() };
  if (dest.baseline) data.baseline = dest.baseline;
  if (rawId) data.raw = rawId;
  return data;
}

/** A job as earlier proxies made it, the records inline (workers still read these). */
export function inlineShadowJobData(records: readonly CaptureRecord[], dest: ShadowDestination): ShadowJobData {
  const data: ShadowJobData = { v: 1, records: packJobRecords(records.map(encodeRecordOnce)).toString('base64'), target: dest.target, marker: dest.marker, at: Date.now() };
  if (dest.baseline) data.baseline = dest.baseline;
  return data;
}

/** The records of a job that carries them inline. */
export function inlineJobRecords(data: ShadowJobData): CaptureRecord[] {
  if (typeof data.records !== 'string') throw new Error('the job carries no inline records');
  return unpackJobRecords(Buffer.from(data.records, 'base64'));
}

/** MessagePack of a job's raw requests (null where an exchange has none): the plaintext that gets sealed. */
export function encodeMirroredRequests(reqs: readonly (MirroredRequest | null)[]): Buffer {
  return packr.pack(reqs);
}

export function decodeMirroredRequests(buf: Buffer): (MirroredRequest | null)[] {
  const list = packr.unpack(buf) as (MirroredRequest | null)[];
  for (const r of list) if (r && !Buffer.isBuffer(r.body)) r.body = Buffer.from(r.body);
  return list;
}
