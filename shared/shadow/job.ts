import { Packr } from 'msgpackr';
import { decodeRecord, encodeRecord } from '../record/codec.js';
import type { CaptureRecord, HeaderPair } from '../record/schema.js';

/**
 * The shadow job: what a proxy hands the shadow queue for one mirrored
 * exchange, and what a worker needs to mirror it without any configuration
 * of its own (target, baseline and marker travel with the job, so every
 * proxy decides for its own traffic).
 *
 * By default the job carries the record after the anonymiser — the same
 * bytes capture writes to the stream. With raw opt-in the real request is
 * sealed and kept under its own short-lived key (`raw`); the job carries only
 * that key's id.
 */
export interface ShadowJobData {
  v: 1;
  /** The anonymised capture record (request and production's answer), MessagePack, base64. */
  record: string;
  /** Id of the sealed raw request (keys.shadowRaw), when raw mirroring is on. */
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

export function shadowJobData(record: CaptureRecord, dest: ShadowDestination, rawId?: string): ShadowJobData {
  const data: ShadowJobData = { v: 1, record: encodeRecord(record).toString('base64'), target: dest.target, marker: dest.marker, at: Date.now() };
  if (dest.baseline) data.baseline = dest.baseline;
  if (rawId) data.raw = rawId;
  return data;
}

export function jobRecord(data: ShadowJobData): CaptureRecord {
  return decodeRecord(Buffer.from(data.record, 'base64'));
}

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/** MessagePack of a raw request, the plaintext that gets sealed. */
export function encodeMirroredRequest(req: MirroredRequest): Buffer {
  return packr.pack(req);
}

export function decodeMirroredRequest(buf: Buffer): MirroredRequest {
  const r = packr.unpack(buf) as MirroredRequest;
  if (!Buffer.isBuffer(r.body)) r.body = Buffer.from(r.body);
  return r;
}
