import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errorText, isParityError, parityError } from '../errors.js';
import type { RecordAnonymiser } from '../anonymise/index.js';
import type { CaptureRecord } from '../record/schema.js';
import { keys } from '../redis/keys.js';
import { appendRecords, assertSessionName } from '../session/store.js';
import { readGor, type GorStats } from './gor-read.js';
import { readHar } from './har-read.js';
import { ImportIds } from './import-ids.js';
import { ImportUpstream } from './import-upstream.js';
import { importMalformedError, MalformedInput } from './malformed.js';
import { readNdjson } from './ndjson.js';
import { openImportSource, sourceName } from './source.js';

/**
 * `parity sessions import`: streams a file through its format's parser,
 * the anonymiser and batched appends into a session. Memory holds one
 * batch (and the record ids the file carries: import-ids.ts); a malformed
 * input stops the import with its position and the number of records
 * already imported (everything before it).
 */

export const IMPORT_FORMATS = ['ndjson', 'har', 'gor'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportProgress {
  bytesRead: number;
  /** Undefined when reading a pipe or standard input. */
  totalBytes: number | undefined;
  records: number;
}

export interface ImportOptions {
  /** A path, or `-` for standard input. */
  file: string;
  format: ImportFormat;
  session: string;
  redis: Redis;
  /** Applied to every record before it is stored; null only for Parity's own NDJSON exports (--no-anonymise). */
  anonymise: RecordAnonymiser | null;
  maxBodyBytes: number;
  streamMaxLen: number;
  bodyTtlSeconds: number;
  /** Records per append batch; default 500. */
  batchRecords?: number;
  /** Body bytes per append batch; default 8 MiB. */
  batchBytes?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Called with each warning as it arises (they are in the summary too, which a failed import never returns). */
  onWarning?: (warning: string) => void;
}

export interface ImportSummary {
  session: string;
  file: string;
  format: ImportFormat;
  records: number;
  /** Records the session held before this import. */
  previousRecords: number;
  bytesRead: number;
  compressed: boolean;
  anonymised: boolean;
  durationMs: number;
  /** GoReplay files only. */
  gor?: GorStats;
  warnings: string[];
}

/** Ids for imported records: time-ordered like captured ones, unique within the import. */
export function importIds(): (tsUs: number) => string {
  const nonce = randomBytes(3).toString('hex');
  let n = 0;
  return (ts) => `${Math.floor(ts).toString(36).padStart(11, '0')}-i${nonce}${(n++).toString(36)}`;
}

function bodyBytes(r: CaptureRecord): number {
  return r.req.body.bytes.length + (r.res?.body.bytes.length ?? 0);
}

export async function importFile(opts: ImportOptions): Promise<ImportSummary> {
  assertSessionName(opts.session);
  const started = Date.now();
  const source = await openImportSource(opts.file);
  const gor: GorStats = { messages: 0, requestOnly: 0, orphanResponses: 0, replayedResponses: 0 };
  const warnings: string[] = [];
  const warn = (w: string) => {
    warnings.push(w);
    opts.onWarning?.(w);
  };
  const upstream = new ImportUpstream(opts.redis, opts.session, warn);
  const onHeader = upstream.header.bind(upstream);
  const previousRecords = await opts.redis.xlen(keys.sessionStream(opts.session));
  const ids = new ImportIds(opts.redis, opts.session, importIds(), previousRecords > 0);
  const newId = ids.fresh;
  const parsers: Record<ImportFormat, () => AsyncIterable<CaptureRecord>> = {
    ndjson: () => readNdjson(source.chunks, onHeader),
    har: () => readHar(source.chunks, { maxBodyBytes: opts.maxBodyBytes, newId, onHeader }),
    gor: () => readGor(source.chunks, { maxBodyBytes: opts.maxBodyBytes, newId }, gor),
  };
  const append = { maxLen: opts.streamMaxLen, bodyTtlSeconds: opts.bodyTtlSeconds };
  const maxRecords = opts.batchRecords ?? 500;
  const maxBytes = opts.batchBytes ?? 8 * 1024 * 1024;
  let batch: CaptureRecord[] = [];
  let batchBytes = 0;
  let imported = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    await upstream.beforeAppend();
    await ids.claim(batch);
    imported += await appendRecords(opts.redis, batch, append);
    batch = [];
    batchBytes = 0;
    opts.onProgress?.({ bytesRead: source.bytesRead, totalBytes: source.totalBytes, records: imported });
  };

  try {
    for await (const parsed of parsers[opts.format]()) {
      parsed.session = opts.session;
      // an NDJSON record's Host is the proxy's: its export names the upstream in its header
      if (opts.format !== 'ndjson') upstream.record(parsed);
      const record = opts.anonymise ? opts.anonymise(parsed) : parsed;
      batch.push(record);
      batchBytes += bodyBytes(record);
      if (batch.length >= maxRecords || batchBytes >= maxBytes) await flush();
    }
    await flush();
  } catch (err) {
    if (err instanceof MalformedInput) {
      // Everything parsed before the problem is kept, and the error says so.
      await flush();
      throw importMalformedError(sourceName(opts.file), err, imported, opts.session);
    }
    // Any other failure (Redis, the anonymiser) still says how far the import got.
    const done = `${imported} record${imported === 1 ? ' was' : 's were'} imported into session "${opts.session}" before it`;
    if (isParityError(err)) throw parityError(err.code, `${err.message}; ${done}`, { hint: err.hint, cause: err });
    throw parityError('PARITY_ERR_INTERNAL', `importing ${sourceName(opts.file)} failed: ${errorText(err)}; ${done}`, { cause: err });
  } finally {
    if (ids.renamed > 0) {
      warn(`${ids.renamed} record${ids.renamed === 1 ? ' had an id' : 's had ids'} another record of this file or of session "${opts.session}" already had: given new ids, so that no body replaces another's`);
    }
  }

  if (previousRecords + imported > opts.streamMaxLen) {
    warn(`the session now holds more than PARITY_STREAM_MAXLEN (${opts.streamMaxLen}) records: the oldest are trimmed`);
  }
  if (gor.orphanResponses > 0) warn(`${gor.orphanResponses} responses had no request in the file and were skipped`);
  const summary: ImportSummary = {
    session: opts.session,
    file: opts.file,
    format: opts.format,
    records: imported,
    previousRecords,
    bytesRead: source.bytesRead,
    compressed: source.compressed,
    anonymised: opts.anonymise !== null,
    durationMs: Date.now() - started,
    warnings,
  };
  if (opts.format === 'gor') summary.gor = gor;
  return summary;
}
