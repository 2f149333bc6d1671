import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { chunkJobId, type ChunkJobData, type ReplayRunDef, type RunState } from './run.js';
import { cancelRun, isFinal, loadRunDef, runState } from './store.js';

/**
 * How long a cancel waits for the chunks that were running to stop and
 * record what they sent (they see the flag within a poll interval). A
 * chunk whose worker died never does: past this it is counted cancelled.
 */
export const CANCEL_WAIT_MS = 5000;

/**
 * Cancels a run everywhere: sets its cancel flag, counts the chunks no
 * worker is running as cancelled and takes them off the queue, then waits
 * for the running ones to stop. Returns the run's state: cancelled (with
 * every chunk counted, for good) unless it had ended before.
 */
export async function cancelRunEverywhere(redis: Redis, queue: Queue<ChunkJobData>, id: string, waitMs = CANCEL_WAIT_MS): Promise<RunState | undefined> {
  const def = await loadRunDef(redis, id);
  let state = await cancelRun(redis, id, () => runningChunks(queue, id));
  // counted first: a chunk a worker takes meanwhile finds its outcome and does not fire
  await removeChunkJobs(queue, def);
  const deadline = Date.now() + waitMs;
  while (state !== undefined && !isFinal(state) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    state = await runState(redis, id);
  }
  // still running: a worker died holding a chunk, and would never record it
  if (state !== undefined && !isFinal(state)) state = await cancelRun(redis, id);
  return state;
}

/** Chunks of the run that workers hold right now. */
async function runningChunks(queue: Queue<ChunkJobData>, id: string): Promise<number[]> {
  const active = await queue.getActive();
  return active.filter((job) => job?.data?.run === id).map((job) => job.data.spec.index);
}

async function removeChunkJobs(queue: Queue<ChunkJobData>, def: ReplayRunDef): Promise<void> {
  for (let i = 0; i < def.chunks; i += 200) {
    const batch = Array.from({ length: Math.min(200, def.chunks - i) }, (_, k) => chunkJobId(def.id, i + k));
    // a chunk that is running is locked and stays: it stops on the flag
    await Promise.all(batch.map((jobId) => queue.remove(jobId).catch(() => 0)));
  }
}
