import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { CaptureRecord } from '../record/schema.js';
import { readRecords, sessionInfo } from '../session/store.js';
import { harChunks } from './har-write.js';
import { ndjsonHeaderLine, ndjsonLine, type SessionHeader } from './ndjson.js';

/** `parity sessions export`: a session's records, in capture order, as NDJSON or HAR. */

export const EXPORT_FORMATS = ['ndjson', 'har'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportSummary {
  session: string;
  format: ExportFormat;
  records: number;
  bytes: number;
}

async function* ndjsonChunks(records: AsyncIterable<CaptureRecord>, header: SessionHeader): AsyncGenerator<string> {
  if (header.upstream) yield ndjsonHeaderLine(header);
  for await (const r of records) yield ndjsonLine(r);
}

/** Writes the session to `out`, respecting back-pressure; throws PARITY_ERR_SESSION_NOT_FOUND for an unknown session. */
export async function exportSession(redis: Redis, session: string, format: ExportFormat, out: Writable): Promise<ExportSummary> {
  const info = await sessionInfo(redis, session);
  // the upstream replay refuses as a target travels with the records (ndjson.ts)
  const header: SessionHeader = info.upstream ? { session, upstream: info.upstream } : { session };
  let count = 0;
  async function* records(): AsyncGenerator<CaptureRecord> {
    for await (const { record } of readRecords(redis, session)) {
      count++;
      yield record;
    }
  }
  const chunks = format === 'har' ? harChunks(records(), `session ${session}`, header) : ndjsonChunks(records(), header);
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  return { session, format, records: count, bytes };
}
