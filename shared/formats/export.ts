import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { CaptureRecord } from '../record/schema.js';
import { readRecords, sessionInfo } from '../session/store.js';
import { harChunks } from './har-write.js';
import { ndjsonLine } from './ndjson.js';

/** `parity sessions export`: a session's records, in capture order, as NDJSON or HAR. */

export const EXPORT_FORMATS = ['ndjson', 'har'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportSummary {
  session: string;
  format: ExportFormat;
  records: number;
  bytes: number;
}

async function* ndjsonChunks(records: AsyncIterable<CaptureRecord>): AsyncGenerator<string> {
  for await (const r of records) yield ndjsonLine(r);
}

/** Writes the session to `out`, respecting back-pressure; throws PARITY_ERR_SESSION_NOT_FOUND for an unknown session. */
export async function exportSession(redis: Redis, session: string, format: ExportFormat, out: Writable): Promise<ExportSummary> {
  await sessionInfo(redis, session);
  let count = 0;
  async function* records(): AsyncGenerator<CaptureRecord> {
    for await (const { record } of readRecords(redis, session)) {
      count++;
      yield record;
    }
  }
  const chunks = format === 'har' ? harChunks(records(), `session ${session}`) : ndjsonChunks(records());
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  return { session, format, records: count, bytes };
}
