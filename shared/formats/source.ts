import { createReadStream, fstatSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { errorText, isParityError, parityError } from '../errors.js';
import { MalformedInput } from './malformed.js';

/**
 * An imported file as a stream of byte chunks, gunzipped on the fly when it
 * starts with the gzip magic bytes (`.gor.gz`, `.har.gz`, `.ndjson.gz`),
 * with a running count of the file bytes read for progress. The file may be
 * `-` (standard input), a FIFO or `/dev/fd/N`: it is read once, front to
 * back, and the magic bytes are peeked from the stream itself.
 */
export interface ImportSource {
  chunks: AsyncIterable<Buffer>;
  /** Size of the file on disk; undefined for a pipe or terminal-less stream, whose size is not known ahead. */
  totalBytes: number | undefined;
  /** File bytes read so far (compressed bytes for a gzip file). */
  readonly bytesRead: number;
  compressed: boolean;
}

/** Whether `path` names standard input: `-`, or `/dev/stdin` (which cannot be opened when stdin is a socket). */
export function isStdin(path: string): boolean {
  return path === '-' || path === '/dev/stdin';
}

/** How messages name the source: `standard input` for `-`. */
export function sourceName(path: string): string {
  return isStdin(path) ? 'standard input' : path;
}

function cannotRead(path: string, err: unknown) {
  return parityError('PARITY_ERR_FILE', `cannot read ${sourceName(path)}: ${errorText(err)}`);
}

async function openInput(path: string, chunkBytes: number): Promise<{ input: Readable; size: number | undefined }> {
  if (isStdin(path)) {
    if (process.stdin.isTTY) {
      throw parityError('PARITY_ERR_FILE', 'standard input is a terminal, not a file', { hint: 'Pipe the file in (`parity sessions import - --format har < traffic.har`) or name it.' });
    }
    const st = fstatSync(0);
    return { input: process.stdin, size: st.isFile() ? st.size : undefined };
  }
  const st = await stat(path);
  // reading a directory fails only at its first read, with a less plain message
  if (st.isDirectory()) throw new Error('it is a directory');
  const input = createReadStream(path, { highWaterMark: chunkBytes });
  await new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  return { input, size: st.isFile() ? st.size : undefined };
}

export async function openImportSource(path: string, chunkBytes = 1024 * 1024): Promise<ImportSource> {
  let opened: Awaited<ReturnType<typeof openInput>>;
  try {
    opened = await openInput(path, chunkBytes);
  } catch (err) {
    throw isParityError(err) ? err : cannotRead(path, err);
  }
  const reader = (opened.input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const counter = { bytes: 0 };
  const next = async (): Promise<IteratorResult<Buffer>> => {
    try {
      const r = await reader.next();
      if (!r.done) counter.bytes += r.value.length;
      return r;
    } catch (err) {
      throw cannotRead(path, err);
    }
  };
  // the first two bytes tell a gzip stream; a pipe cannot be read twice, so they are kept
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < 2 && !ended) {
    const r = await next();
    if (r.done) ended = true;
    else {
      head.push(r.value);
      headBytes += r.value.length;
    }
  }
  const first = Buffer.concat(head);
  const compressed = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  async function* raw(): AsyncGenerator<Buffer> {
    try {
      yield* head;
      for (let r = ended ? undefined : await next(); r && !r.done; r = await next()) yield r.value;
    } finally {
      // an import stopped early (malformed input) closes the file
      await reader.return?.();
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
    totalBytes: opened.size,
    get bytesRead() {
      return counter.bytes;
    },
    compressed,
  };
}
