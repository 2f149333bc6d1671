import { setMaxListeners } from 'node:events';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { RulesDocument } from '../../shared/config/rules.js';
import type { Config } from '../../shared/config/schema.js';
import { diffRulesFrom } from '../../shared/diff/index.js';
import { errorText } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { createRedis } from '../../shared/redis/connect.js';
import { openWorker } from '../../shared/queue/queues.js';
import { queues } from '../../shared/redis/keys.js';
import type { ShadowJobData } from '../../shared/shadow/job.js';
import { parseShadowKey } from '../../shared/shadow/seal.js';
import { ShadowStatsRecorder } from '../../shared/shadow/stats.js';
import { TargetPools } from './pools.js';
import { concurrencyLimit, processShadowJob } from './shadow-job.js';

/**
 * The shadow side of `parity worker`: a BullMQ worker on the shadow queue.
 * Needs no shadow URL of its own (each job names its target); it reads the
 * rules file's `diff` and `anonymise` sections, PARITY_DIFF_MODE, PARITY_ANON_KEY
 * (the same as the proxies', so pseudonyms match) and PARITY_SHADOW_KEY when
 * proxies mirror raw requests.
 */

export interface ShadowWorkerOptions {
  config: Config;
  rules: RulesDocument;
  rulesFile?: string;
  log: Logger;
}

export interface ShadowWorkerHandle {
  /** Stops taking jobs, finishes those running, writes the statistics. */
  close(): Promise<void>;
}

export async function startShadowWorker(opts: ShadowWorkerOptions): Promise<ShadowWorkerHandle> {
  const { config, log } = opts;
  const diffRules = diffRulesFrom(opts.rules, opts.rulesFile);
  const shadowKey = config.shadowKey ? parseShadowKey(config.shadowKey) : undefined;
  const redis = createRedis(config.redisUrl, { name: 'parity-shadow-stats', logger: log, options: { lazyConnect: false } });
  const recorder = new ShadowStatsRecorder(redis, { retentionSeconds: config.shadowRetentionSeconds });
  const pools = new TargetPools();
  const stopping = new AbortController();
  // every exchange in flight listens on it (twice the concurrency with a baseline): past Node's default of 10
  // listeners it printed a MaxListenersExceededWarning, a line that is no JSON, on a busy worker's stderr
  setMaxListeners(4 * config.shadowConcurrency + 16, stopping.signal);
  const deps = {
    pools,
    // the baseline gets two requests per exchange
    connections: 2 * config.shadowConcurrency,
    limit: concurrencyLimit(config.shadowConcurrency),
    signal: stopping.signal,
    redis,
    recorder,
    anonymise: createRecordAnonymiser({ key: config.anonKey, rules: opts.rules.anonymise }),
    rules: diffRules,
    timeoutMs: config.shadowTimeoutMs,
    maxBodyBytes: config.maxBodyBytes,
    ...(config.diffMode ? { mode: config.diffMode } : {}),
    ...(shadowKey ? { shadowKey } : {}),
  };
  // Jobs carry removeOnComplete/removeOnFail and a single attempt: a shadow job is a best-effort mirror.
  // As many jobs in hand as exchanges may run, so that one-exchange jobs (light traffic) still fill the limit.
  const worker = openWorker<ShadowJobData, void>(queues.shadow, config.redisUrl, (job) => processShadowJob(job.data, deps), { concurrency: config.shadowConcurrency });
  worker.on('error', (err) => log.warn({ err: errorText(err) }, 'shadow worker error'));
  worker.on('failed', (job, err) => log.warn({ job: job?.id, err: errorText(err) }, 'shadow job failed'));
  await worker.waitUntilReady();
  log.info({ concurrency: config.shadowConcurrency }, 'shadow worker ready');
  return {
    async close() {
      await worker.close();
      stopping.abort();
      await recorder.close();
      await pools.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
