import type { Redis } from 'ioredis';
import { decodeRecord, RECORD_FIELD } from '../record/codec.js';
import { keys } from '../redis/keys.js';

/** A one-line summary of a stored record, for `sessions show`. */
export interface RecordSummary {
  id: string;
  ts: number;
  method: string;
  url: string;
  status: number | null;
  error?: string;
  totalUs: number;
  anonymised: number;
}

/** The last `n` records of a session, oldest first. */
export async function recentRecords(redis: Redis, session: string, n: number): Promise<RecordSummary[]> {
  if (n === 0) return [];
  const page = (await redis.xrevrangeBuffer(keys.sessionStream(session), '+', '-', 'COUNT', n)) as [Buffer, Buffer[]][];
  return page.reverse().map(([, fields]) => {
    const i = fields.findIndex((f, idx) => idx % 2 === 0 && f.toString() === RECORD_FIELD);
    const r = decodeRecord(fields[i + 1]!);
    const s: RecordSummary = { id: r.id, ts: r.ts, method: r.method, url: r.url, status: r.res?.status ?? null, totalUs: r.timing.totalUs, anonymised: r.anonymised.length };
    if (r.error) s.error = r.error;
    return s;
  });
}
