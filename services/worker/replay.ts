import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { loadRulesFile } from '../../shared/config/rules.js';
import type { Config } from '../../shared/config/schema.js';
import { errorText } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { openWorker } from '../../shared/queue/queues.js';
import { connectRedis } from '../../shared/redis/connect.js';
import { queues } from '../../shared/redis/keys.js';
import type { ChunkJobData, ChunkOutcome } from '../../shared/replay/run.js';
import { finishChunk, loadRunDef } from '../../shared/replay/store.js';
import { TargetPools } from './pools.js';
import { DiffThread } from './diff-thread.js';
import { runReplayChunk, RunCache, type ReplayWorkerContext } from './replay-chunk.js';

/**
 * The replay side of `parity worker`: a BullMQ worker on the replay queue
 * that executes chunks of runs. A chunk whose worker dies is taken over
 * once its lock expires (PARITY_WORKER_LOCK_MS); a chunk that fails all its
 * attempts is recorded as failed, which fails the run.
 */
export interface ReplayWorkerHandle {
  id: string;
  /** Stops taking chunks and waits for those running to finish. */
  close(): Promise<void>;
}

export async function startReplayWorker(config: Config, log: Logger): Promise<ReplayWorkerHandle> {
  const id = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const redis = await connectRedis(config.redisUrl, { name: 'parity-replay-worker', logger: log });
  const pools = new TargetPools();
  const runs = new RunCache();
  runs.startSweeping(redis);
  // the target's answers are anonymised as capture anonymised production's (same key and rules),
  // here and on the diff thread
  const anonRules = loadRulesFile(config.rulesFile).anonymise;
  // without PARITY_ANON_KEY, one random key for both threads (pseudonyms then match nothing outside this process)
  const anonKey = config.anonKey ?? randomBytes(32).toString('hex');
  const anonymise = createRecordAnonymiser({ key: anonKey, rules: anonRules });
  const diffs = new DiffThread({ key: anonKey, rules: anonRules });
  const ctx: ReplayWorkerContext = { redis, pools, log, workerId: id, runs, diffs, anonymise, cancelPollMs: 200 };
  const worker = openWorker<ChunkJobData, ChunkOutcome['state']>(
    queues.replay,
    config.redisUrl,
    (job: Job<ChunkJobData>) => runReplayChunk(ctx, job),
    { concurrency: config.workerConcurrency, lockDurationMs: config.workerLockMs, stalledIntervalMs: config.workerStalledIntervalMs },
    id,
  );
  worker.on('error', (err) => log.warn({ err: errorText(err) }, 'replay worker error'));
  worker.on('failed', (job, err) => {
    if (!job) return;
    log.warn({ run: job.data.run, chunk: job.data.spec.index, attempt: job.attemptsMade, err: errorText(err) }, 'replay chunk failed');
    void recordFinalFailure(ctx, job, err).catch((e: unknown) => log.warn({ err: errorText(e) }, 'recording a failed chunk failed'));
  });
  await worker.waitUntilReady();
  log.info({ worker: id, concurrency: config.workerConcurrency }, 'replay worker ready');
  return {
    id,
    async close() {
      await worker.close();
      runs.stopSweeping();
      await pools.close();
      await diffs.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** When BullMQ gives up on a chunk (attempts exhausted, or stalled too often), the run learns it. */
async function recordFinalFailure(ctx: ReplayWorkerContext, job: Job<ChunkJobData>, err: Error): Promise<void> {
  const state = await job.getState();
  if (state !== 'failed') return; // it will be retried
  const def = await loadRunDef(ctx.redis, job.data.run);
  await finishChunk(ctx.redis, def, job.data.spec.index, { state: 'failed', attempt: 'none', worker: ctx.workerId, at: Date.now(), error: `chunk ${job.data.spec.index}: ${errorText(err)}` });
}
