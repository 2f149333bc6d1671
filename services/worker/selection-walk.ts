import type { Redis } from 'ioredis';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { keys } from '../../shared/redis/keys.js';
import type { ReplayRunDef } from '../../shared/replay/run.js';
import { runExpiresAt } from '../../shared/replay/store.js';
import type { RecordSource } from './record-source.js';
import { sendable } from './replay-send.js';

/**
 * The records a closed-model chunk's users send. Selection indices come from
 * one counter shared by the whole run, in blocks, so consecutive requests
 * walk the session in order; each position of the counter is taken once in
 * the run. A record that cannot be sent (trimmed from the session after the
 * run was created, or its request body not captured whole) is counted as
 * skipped here, once per pass over the selection, and never handed to a
 * user: a skip takes no time, and users handed missing records raced through
 * the counter (107,494 skips in a second from two users, nothing sent). A
 * whole pass without a sendable record leaves nothing to send: the chunk's
 * users stop. A position past the selection's length is a record's second
 * pass or later (`repeat`): its recorded answer was counted already.
 */
/** A record a closed-model user sends, and whether the run sent it before. */
export interface Claimed {
  record: CaptureRecord;
  repeat: boolean;
}

export function selectionWalk(redis: Redis, def: ReplayRunDef, records: RecordSource, skipped: (record: CaptureRecord | undefined) => void): () => Claimed | undefined | Promise<Claimed | undefined> {
  const n = def.selection.count;
  const block = 128;
  let queue: { record: CaptureRecord | undefined; repeat: boolean }[] = [];
  let refill: Promise<void> | undefined;
  /** Positions taken in a row without a sendable record. */
  let dry = 0;
  /** The next sendable record in the queue, counting those skipped on the way; undefined when the queue ran out or the walk went dry. */
  const takeQueued = (): Claimed | undefined => {
    while (dry < n && queue.length > 0) {
      const item = queue.shift()!;
      if (sendable(item.record)) {
        dry = 0;
        return item as Claimed;
      }
      dry++;
      skipped(item.record);
    }
    return undefined;
  };
  const walk = async (): Promise<Claimed | undefined> => {
    while (dry < n) {
      const claimed = takeQueued();
      if (claimed) return claimed;
      if (dry >= n) break;
      refill ??= (async () => {
        const cursor = keys.runCursor(def.id);
        // the cursor expires with the run; both commands go out in one write (a syscall per command
        // showed in the worker's CPU profile: on loopback the write also pays Redis's receive) and one round trip
        const replies = (await redis.pipeline().incrby(cursor, block).expireat(cursor, runExpiresAt(def)).exec()) ?? [];
        const failed = replies.find(([err]) => err)?.[0];
        if (failed || replies.length < 2) throw failed ?? new Error('the run cursor did not advance');
        const end = replies[0]![1] as number;
        const indices = Array.from({ length: block }, (_, k) => (end - block + k) % n);
        const got = await records.get(indices);
        queue = queue.concat(indices.map((index, k) => ({ record: got.get(index), repeat: end - block + k >= n })));
      })().finally(() => (refill = undefined));
      await refill;
    }
    return undefined;
  };
  // as long as the queue holds records, answered without a promise
  const fromQueue = (): Claimed | undefined | Promise<Claimed | undefined> => takeQueued() ?? (dry < n ? walk() : undefined);
  return fromQueue;
}
