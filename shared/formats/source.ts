import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { errorText, parityError } from '../errors.js';
import { MalformedInput } from './malformed.js';

/**
 * An imported file as a stream of byte chunks, gunzipped on the fly when it
 * starts with the gzip magic bytes (`.gor.gz`, `.har.gz`, `.ndjson.gz`),
 * with a running count of the file bytes read for progress.
 */
export interface ImportSource {
  chunks: AsyncIterable<Buffer>;
  /** Size of the file on disk. */
  totalBytes: number;
  /** File bytes read so far (compressed bytes for a gzip file). */
  readonly bytesRead: number;
  compressed: boolean;
}

export async function openImportSource(path: string, chunkBytes = 1024 * 1024): Promise<ImportSource> {
  let size: number;
  let magic: Buffer;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
    const fh = await open(path, 'r');
    try {
      magic = Buffer.alloc(2);
      await fh.read(magic, 0, 2, 0);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw parityError('PARITY_ERR_FILE', `cannot read ${path}: ${errorText(err)}`);
  }
  const compressed = size >= 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  const counter = { bytes: 0 };
  async function* raw(): AsyncGenerator<Buffer> {
    for await (const c of createReadStream(path, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>) {
      counter.bytes += c.length;
      yield c;
    }
  }
  async function* gunzipped(): AsyncGenerator<Buffer> {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    const input = Readable.from(raw());
    input.on('error', (err) => gunzip.destroy(err));
    input.pipe(gunzip);
    try {
      for await (const c of gunzip as AsyncIterable<Buffer>) yield c;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code.startsWith('Z_')) throw new MalformedInput({ offset: counter.bytes }, `the gzip data is damaged near compressed byte ${counter.bytes}: ${errorText(err)}`);
      throw err;
    } finally {
      input.destroy();
    }
  }
  return {
    chunks: compressed ? gunzipped() : raw(),
    totalBytes: size,
    get bytesRead() {
      return counter.bytes;
    },
    compressed,
  };
}
