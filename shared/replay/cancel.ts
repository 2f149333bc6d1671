import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { chunkJobId, type ChunkJobData, type RunState } from './run.js';
import { cancelRun, loadRunDef } from './store.js';

/**
 * Cancels a run everywhere: sets its cancel flag (running chunks see it
 * within a poll interval and abort their in-flight requests) and removes
 * its chunks still waiting in the queue. Returns the run's state.
 */
export async function cancelRunEverywhere(redis: Redis, queue: Queue<ChunkJobData>, id: string): Promise<RunState | undefined> {
  const def = await loadRunDef(redis, id);
  const state = await cancelRun(redis, id);
  for (let i = 0; i < def.chunks; i += 200) {
    const batch = Array.from({ length: Math.min(200, def.chunks - i) }, (_, k) => chunkJobId(id, i + k));
    // a chunk that is running is locked and stays: it stops on the flag
    await Promise.all(batch.map((jobId) => queue.remove(jobId).catch(() => 0)));
  }
  return state;
}
