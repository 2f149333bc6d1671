import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { CapturedBody } from '../record/schema.js';

/**
 * Turning a body read from an imported file into a CapturedBody with the
 * same rules as capture: decoded from gzip/br/deflate for the record only
 * (bounded against decompression bombs), cut at the body limit, and, when
 * cut, the full size kept (no hash of the raw body: see capture/body-tap.ts).
 */

export type ContentCoding = 'gzip' | 'br' | 'deflate';

/** The coding named by a Content-Encoding value, when it is one Parity decodes. */
export function contentCoding(value: string | undefined): ContentCoding | undefined {
  const v = value?.trim().toLowerCase();
  if (v === 'gzip' || v === 'x-gzip') return 'gzip';
  if (v === 'br') return 'br';
  if (v === 'deflate') return 'deflate';
  return undefined;
}

function decode(bytes: Buffer, coding: ContentCoding, limit: number): { bytes: Buffer; cut: boolean } | undefined {
  // One byte over the limit tells "exactly the limit" from "cut at the limit".
  const opts = { maxOutputLength: limit + 1 };
  try {
    let out: Buffer;
    if (coding === 'gzip') out = gunzipSync(bytes, opts);
    else if (coding === 'br') out = brotliDecompressSync(bytes, opts);
    else {
      try {
        out = inflateSync(bytes, opts);
      } catch {
        // Some servers send raw deflate without the zlib wrapper.
        out = inflateRawSync(bytes, opts);
      }
    }
    return { bytes: out, cut: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { bytes: Buffer.alloc(0), cut: true };
    return undefined;
  }
}

export interface WireBody {
  /** The bytes read (after de-chunking), possibly fewer than were sent. */
  bytes: Buffer;
  /** Size of the full body as sent; defaults to bytes.length. */
  size?: number;
  /** True when `bytes` is only a prefix of what was sent. */
  cut?: boolean;
  /** Content-Encoding of the bytes. */
  coding?: ContentCoding | undefined;
}

/** A CapturedBody from wire bytes: decoded when possible, kept up to `limit` bytes. */
export function capturedBody(wire: WireBody, limit: number): CapturedBody {
  const size = Math.max(wire.size ?? wire.bytes.length, wire.bytes.length);
  let bytes = wire.bytes;
  let truncated = wire.cut === true || size > wire.bytes.length;
  const out: CapturedBody = { bytes, size, truncated };
  if (wire.coding && !truncated && bytes.length > 0) {
    const decoded = decode(bytes, wire.coding, limit);
    if (decoded?.cut) {
      // A bomb or simply large: keep nothing decoded rather than a misleading prefix.
      out.bytes = Buffer.alloc(0);
      out.truncated = true;
      out.decodedFrom = wire.coding;
      return out;
    }
    if (decoded) {
      bytes = decoded.bytes;
      out.decodedFrom = wire.coding;
    }
  }
  if (bytes.length > limit) {
    truncated = true;
    bytes = bytes.subarray(0, limit);
  }
  out.bytes = bytes;
  out.truncated = truncated;
  return out;
}

