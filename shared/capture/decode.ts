import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';

/**
 * Decodes gzip/br/deflate bodies for the record only — what client and
 * upstream exchange is never touched. Output is bounded by `limit` so a
 * decompression bomb yields a truncated prefix, never a huge buffer; input
 * cut short (a truncated capture) decodes as far as it goes.
 */

export type ContentCoding = 'gzip' | 'br' | 'deflate';

/**
 * The single content coding named in raw headers, or undefined (identity,
 * unknown, or codings stacked — on one line or on several, which the
 * anonymiser then drops rather than store compressed).
 */
export function contentCoding(rawHeaders: readonly string[] | undefined): ContentCoding | undefined {
  if (!rawHeaders) return undefined;
  let found: ContentCoding | undefined;
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length !== 16 || rawHeaders[i]!.toLowerCase() !== 'content-encoding') continue;
    for (const part of rawHeaders[i + 1]!.split(',')) {
      const v = part.trim().toLowerCase();
      if (v === '' || v === 'identity') continue;
      count++;
      found = v === 'gzip' || v === 'x-gzip' ? 'gzip' : v === 'br' ? 'br' : v === 'deflate' ? 'deflate' : undefined;
    }
  }
  return count === 1 ? found : undefined;
}

export interface Decoded {
  bytes: Buffer;
  /** True when the decoded body was longer than the limit. */
  truncated: boolean;
}

const zlibOpts = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
const brOpts = { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };

/** HTTP "deflate" is meant to be zlib-wrapped, but some servers send raw deflate. */
function isZlibWrapped(b: Buffer): boolean {
  return b.length >= 2 && (b[0]! & 0x0f) === 8 && ((b[0]! << 8) | b[1]!) % 31 === 0;
}

function decodeSync(bytes: Buffer, coding: ContentCoding, limit: number): Buffer {
  const opts = { maxOutputLength: limit };
  if (coding === 'gzip') return zlib.gunzipSync(bytes, { ...zlibOpts, ...opts });
  if (coding === 'br') return zlib.brotliDecompressSync(bytes, { ...brOpts, ...opts });
  return isZlibWrapped(bytes) ? zlib.inflateSync(bytes, { ...zlibOpts, ...opts }) : zlib.inflateRawSync(bytes, { ...zlibOpts, ...opts });
}

function decoder(bytes: Buffer, coding: ContentCoding): Transform {
  if (coding === 'gzip') return zlib.createGunzip(zlibOpts);
  if (coding === 'br') return zlib.createBrotliDecompress(brOpts);
  return isZlibWrapped(bytes) ? zlib.createInflate(zlibOpts) : zlib.createInflateRaw(zlibOpts);
}

/** The first `limit` bytes of a body too large to decode whole. */
function decodePrefix(bytes: Buffer, coding: ContentCoding, limit: number): Promise<Decoded> {
  return new Promise((resolve) => {
    const d = decoder(bytes, coding);
    const out: Buffer[] = [];
    let n = 0;
    let done = false;
    const finish = (truncated: boolean) => {
      if (done) return;
      done = true;
      d.destroy();
      resolve({ bytes: Buffer.concat(out, Math.min(n, limit)), truncated });
    };
    d.on('data', (c: Buffer) => {
      out.push(c);
      n += c.length;
      if (n > limit) finish(true);
    });
    d.on('end', () => finish(false));
    d.on('error', () => finish(n > limit));
    d.end(bytes);
  });
}

/** Decoded bytes (at most `limit`), or undefined when the body does not decode. */
export async function decodeBody(bytes: Buffer, coding: ContentCoding, limit: number): Promise<Decoded | undefined> {
  if (bytes.length === 0) return { bytes, truncated: false };
  try {
    return { bytes: decodeSync(bytes, coding, limit), truncated: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') return undefined;
  }
  return decodePrefix(bytes, coding, limit);
}
