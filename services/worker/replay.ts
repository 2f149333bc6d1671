import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { loadRulesFile } from '../../shared/config/rules.js';
import type { Config } from '../../shared/config/schema.js';
import { errorText } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { openQueue, openWorker } from '../../shared/queue/queues.js';
import { connectRedis } from '../../shared/redis/connect.js';
import { keys, queues } from '../../shared/redis/keys.js';
import type { ChunkJobData, ChunkOutcome } from '../../shared/replay/run.js';
import { chunkOutcome, finishChunk, loadRunDef } from '../../shared/replay/store.js';
import { parseShadowKey } from '../../shared/shadow/seal.js';
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
  const runs = new RunCache(config.shadowKey ? parseShadowKey(config.shadowKey) : undefined);
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
  const queue = openQueue<ChunkJobData>(queues.replay, config.redisUrl);
  const heal = () => void healFailedChunks(ctx, queue).catch((e: unknown) => log.warn({ err: errorText(e) }, 'looking for failed chunks no run has heard of failed'));
  heal();
  const healing = setInterval(heal, HEAL_EVERY_MS);
  healing.unref();
  log.info({ worker: id, concurrency: config.workerConcurrency }, 'replay worker ready');
  return {
    id,
    async close() {
      clearInterval(healing);
      await worker.close();
      await queue.close();
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
  await recordFailed(ctx, job, errorText(err));
}

async function recordFailed(ctx: ReplayWorkerContext, job: Job<ChunkJobData>, why: string): Promise<void> {
  const def = await loadRunDef(ctx.redis, job.data.run);
  await finishChunk(ctx.redis, def, job.data.spec.index, { state: 'failed', attempt: 'none', worker: ctx.workerId, at: Date.now(), error: `chunk ${job.data.spec.index}: ${why}` });
}

const HEAL_EVERY_MS = 30_000;
/** Newest failed chunk jobs looked at per sweep. */
const HEAL_JOBS = 200;

/**
 * A worker that dies between BullMQ failing a chunk for good and its
 * 'failed' handler recording it leaves the run 'running' for ever: no chunk
 * is left to end it. Every worker, at its start and every 30 s, records the
 * newest failed chunk jobs their runs have not heard of (recording twice is
 * harmless: a chunk's first outcome is the counted one).
 */
async function healFailedChunks(ctx: ReplayWorkerContext, queue: Queue<ChunkJobData>): Promise<void> {
  for (const job of await queue.getFailed(0, HEAL_JOBS - 1)) {
    if (!job?.data?.run || job.data.spec === undefined) continue;
    if (await chunkOutcome(ctx.redis, job.data.run, job.data.spec.index)) continue;
    // a run that expired has nothing left to end
    if ((await ctx.redis.exists(keys.runMeta(job.data.run))) === 0) continue;
    await recordFailed(ctx, job, job.failedReason || 'failed');
    ctx.log.warn({ run: job.data.run, chunk: job.data.spec.index }, 'recorded a chunk whose worker died before telling its run that it failed');
  }
}
