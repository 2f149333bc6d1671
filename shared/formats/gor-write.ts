import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { CapturedBody, CaptureRecord, HeaderPair } from '../record/schema.js';
import { GOR_SEPARATOR } from './gor-split.js';
import { serialiseMessage } from './http1.js';

/**
 * Writes records as GoReplay messages (type 1 request, type 2 response,
 * GoReplay ≥ 1.0 header lines), so tools that read .gor files — and
 * Parity's own import — can use them. Bodies decoded for the record are
 * encoded again; Content-Length is set to the bytes written; chunked
 * bodies are written as one chunk.
 */

function wireBytes(b: CapturedBody): Buffer {
  if (b.decodedFrom === 'gzip') return gzipSync(b.bytes);
  if (b.decodedFrom === 'deflate') return deflateSync(b.bytes);
  if (b.decodedFrom === 'br') return brotliCompressSync(b.bytes);
  return b.bytes;
}

function framed(headers: HeaderPair[], body: Buffer, trailers: HeaderPair[] | undefined): { headers: HeaderPair[]; body: Buffer } {
  const chunked = headers.some(([k, v]) => k === 'transfer-encoding' && /\bchunked\b/i.test(v));
  if (chunked) {
    const tail = (trailers ?? []).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    const parts = body.length ? [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')] : [];
    return { headers, body: Buffer.concat([...parts, Buffer.from(`0\r\n${tail}\r\n`)]) };
  }
  const out = headers.map(([k, v]): HeaderPair => (k === 'content-length' ? [k, String(body.length)] : [k, v]));
  return { headers: out, body };
}

/** A GoReplay id for a record: 24 hex digits, as GoReplay makes them. */
export function gorId(recordId: string): string {
  return createHash('sha1').update(recordId).digest('hex').slice(0, 24);
}

/** The .gor bytes of one record: its request and, when it has one, its response. */
export function gorMessagesOf(r: CaptureRecord): Buffer {
  const id = gorId(r.id);
  const tsNs = BigInt(Math.floor(r.ts)) * 1000n;
  const req = framed(r.req.headers, wireBytes(r.req.body), undefined);
  const out = [Buffer.from(`1 ${id} ${tsNs}\n`), serialiseMessage(`${r.method} ${r.url} HTTP/${r.httpVersion}`, req.headers, req.body), GOR_SEPARATOR];
  if (r.res) {
    const res = framed(r.res.headers, wireBytes(r.res.body), r.res.trailers);
    const latencyNs = BigInt(Math.round(r.timing.totalUs * 1000));
    const reason = STATUS_CODES[r.res.status] ?? 'Unknown';
    out.push(Buffer.from(`2 ${id} ${tsNs} ${latencyNs}\n`), serialiseMessage(`HTTP/${r.httpVersion} ${r.res.status} ${reason}`, res.headers, res.body), GOR_SEPARATOR);
  }
  return Buffer.concat(out);
}
