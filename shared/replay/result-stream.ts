import type { Redis } from 'ioredis';
import { keys } from '../redis/keys.js';
import { decodeResults, RESULTS_FIELD, type ReplayResult } from './result.js';
import type { ChunkOutcome } from './run.js';
import { chunkOutcomes } from './store.js';

/**
 * Reads a run's results stream in order. By default only results of each
 * chunk's finished attempt are yielded: a chunk retried after its worker died
 * wrote its first attempt's results too, and those do not count. A chunk
 * outcome that cannot be read is PARITY_ERR_RUN_UNREADABLE (store.ts).
 */
export async function* readRunResults(redis: Redis, run: string, opts: { allAttempts?: boolean; pageSize?: number } = {}): AsyncGenerator<ReplayResult> {
  // checked as every reader of the chunks hash checks it: a damaged outcome is PARITY_ERR_RUN_UNREADABLE
  const counted = opts.allAttempts ? new Map<number, ChunkOutcome>() : await chunkOutcomes(redis, run);
  const pageSize = opts.pageSize ?? 100;
  let from = '-';
  for (;;) {
    const page = (await redis.xrangeBuffer(keys.runResults(run), from, '+', 'COUNT', pageSize)) as [Buffer, Buffer[]][];
    for (const [, fields] of page) {
      for (let i = 0; i < fields.length; i += 2) {
        if (fields[i]!.toString() !== RESULTS_FIELD) continue;
        for (const r of decodeResults(fields[i + 1]!)) if (opts.allAttempts || counted.get(r.chunk)?.attempt === r.attempt) yield r;
      }
    }
    if (page.length < pageSize) return;
    from = `(${page[page.length - 1]![0].toString()}`;
  }
}
