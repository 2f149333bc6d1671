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
 * By default a job carries the records after the anonymiser — what capture
 * writes to the stream. With raw opt-in the real requests are sealed
 * together under one short-lived key (`raw`); the job carries only its id.
 */
export interface ShadowJobData {
  v: 1;
  /** The anonymised capture records (request and production's answer): a MessagePack array, base64. */
  records: string;
  /** Id of the sealed raw requests (keys.shadowRaw), in the order of `records`, when raw mirroring is on. */
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

export function shadowJobData(records: readonly CaptureRecord[], dest: ShadowDestination, rawId?: string): ShadowJobData {
  const data: ShadowJobData = { v: 1, records: packr.pack(records.map(encodeRecordOnce)).toString('base64'), target: dest.target, marker: dest.marker, at: Date.now() };
  if (dest.baseline) data.baseline = dest.baseline;
  if (rawId) data.raw = rawId;
  return data;
}

export function jobRecords(data: ShadowJobData): CaptureRecord[] {
  const list = packr.unpack(Buffer.from(data.records, 'base64')) as Uint8Array[];
  return list.map((b) => decodeRecord(Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
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
