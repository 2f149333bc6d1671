import type { Redis } from 'ioredis';
import type { RecordAnonymiser } from '../../shared/anonymise/index.js';
import { anonymiseAnswer } from './answers.js';
import { compareExchange, type Answer, type DiffMode, type DiffRules, type ExchangeInput } from '../../shared/diff/index.js';
import { isParityError } from '../../shared/errors.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { keys } from '../../shared/redis/keys.js';
import { outgoingRequest } from '../../shared/replay/transform.js';
import { decodeMirroredRequests, inlineJobRecords, unpackJobRecords, type MirroredRequest, type ShadowJobData } from '../../shared/shadow/job.js';
import { open } from '../../shared/shadow/seal.js';
import type { ShadowStatsRecorder } from '../../shared/shadow/stats.js';
import { exchange } from './exchange.js';
import type { TargetPools } from './pools.js';

/**
 * One shadow job, a batch of exchanges: send each mirrored request to the
 * shadow target (and twice to the baseline when there is one), anonymise
 * the answers the way capture anonymised production's, diff, and count the
 * result in the rolling statistics. A failing or garbage-answering shadow is
 * a counted error, never an exception: shadow jobs are never retried.
 */

export interface ShadowJobDeps {
  pools: TargetPools;
  /** Connections per shadow origin. */
  connections: number;
  /** Bounds the exchanges in flight across jobs (PARITY_SHADOW_CONCURRENCY), so none times out waiting for a connection. */
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Aborted when the worker stops. */
  signal: AbortSignal;
  /** Connection for taking jobs' records and sealed raw requests (GETDEL). */
  redis: Redis;
  anonymise: RecordAnonymiser;
  recorder: ShadowStatsRecorder;
  rules: DiffRules;
  /** PARITY_DIFF_MODE; default shape against production's answer, exact with a baseline. */
  mode?: DiffMode;
  /** PARITY_SHADOW_KEY, decoded; without it sealed requests cannot be opened. */
  shadowKey?: Buffer;
  timeoutMs: number;
  maxBodyBytes: number;
}

/** Production's answer as the record holds it (already anonymised by the proxy). */
function productionAnswer(r: CaptureRecord): Answer {
  if (!r.res) return { status: 0, headers: [], body: Buffer.alloc(0), latencyUs: r.timing.totalUs, error: 'other' };
  const a: Answer = { status: r.res.status, headers: r.res.headers, body: r.res.body.bytes, latencyUs: r.timing.totalUs };
  if (r.res.body.truncated || r.res.body.omitted) a.truncated = true;
  return a;
}

/**
 * The job's records: taken and deleted at once (GETDEL) from their key, or,
 * in jobs of earlier proxies, read from the job itself. 'job-invalid' when
 * they cannot be read; a Redis error propagates (the job fails, as any job
 * does while Redis is gone).
 */
async function takeRecords(data: ShadowJobData, deps: ShadowJobDeps): Promise<CaptureRecord[] | 'records-expired' | 'job-invalid'> {
  if (data.v !== 1) return 'job-invalid';
  const bytes = typeof data.payload === 'string' ? await deps.redis.getdelBuffer(keys.shadowRecords(data.payload)) : undefined;
  if (bytes === null) return 'records-expired';
  try {
    return bytes ? unpackJobRecords(bytes) : inlineJobRecords(data);
  } catch {
    return 'job-invalid';
  }
}

/**
 * The job's raw requests when it has them: taken and deleted at once (GETDEL),
 * whatever happens next. Undefined when the job carries anonymised requests only.
 */
async function rawRequests(data: ShadowJobData, deps: ShadowJobDeps): Promise<(MirroredRequest | null)[] | undefined | 'raw-expired' | 'raw-unreadable'> {
  if (!data.raw) return undefined;
  const key = keys.shadowRaw(data.raw);
  const box = await deps.redis.getdelBuffer(key);
  if (!box) return 'raw-expired';
  if (!deps.shadowKey) return 'raw-unreadable';
  try {
    return decodeMirroredRequests(open(deps.shadowKey, box, key));
  } catch (err) {
    if (isParityError(err)) return 'raw-unreadable';
    throw err;
  }
}

/** The record with the raw request in place of the anonymised one. */
function withRaw(record: CaptureRecord, raw: MirroredRequest): CaptureRecord {
  return { ...record, method: raw.method, url: raw.url, req: { headers: raw.headers, body: { bytes: raw.body, size: raw.body.length, truncated: false } } };
}

/** Sends the request to one shadow deployment with the marker header; never rejects. */
async function ask(url: string, request: CaptureRecord, data: ShadowJobData, deps: ShadowJobDeps): Promise<Answer> {
  const target = new URL(url);
  const req = outgoingRequest(request, target, { setHeaders: [data.marker], removeHeaders: [], rewritePaths: [] });
  const { pool, release } = deps.pools.acquire(target.origin, deps.connections);
  try {
    return (await exchange(pool, target.origin, req, { timeoutMs: deps.timeoutMs, maxBodyBytes: deps.maxBodyBytes, signal: deps.signal })).answer;
  } finally {
    release();
  }
}

/** Mirrors one exchange (to the target, and twice to the baseline), diffs and counts it. */
async function mirror(record: CaptureRecord, request: CaptureRecord, data: ShadowJobData, deps: ShadowJobDeps): Promise<void> {
  const [target, ...baselines] = await Promise.all([ask(data.target, request, data, deps), ...(data.baseline ? [ask(data.baseline, request, data, deps), ask(data.baseline, request, data, deps)] : [])]);
  const clean = (a: Answer) => anonymiseAnswer(a, deps.anonymise);
  const input: ExchangeInput = {
    method: record.method,
    url: record.url,
    reference: baselines.length > 0 ? clean(baselines[0]!) : productionAnswer(record),
    target: clean(target),
    mode: deps.mode ?? (baselines.length > 0 ? 'exact' : 'shape'),
    rules: deps.rules,
    recordId: record.id,
  };
  if (baselines.length > 1) input.baselines = baselines.slice(1).map(clean);
  deps.recorder.add(input, compareExchange(input), baselines.length > 0 ? 'baseline' : 'production');
}

/** Runs a job's exchanges, at most `deps.limit` at once across the whole process. */
export async function processShadowJob(data: ShadowJobData, deps: ShadowJobDeps): Promise<void> {
  const records = await takeRecords(data, deps);
  if (typeof records === 'string') {
    // raw requests, if any, are no use without their records
    if (data.raw) await deps.redis.del(keys.shadowRaw(data.raw));
    return deps.recorder.drop(records, typeof data.n === 'number' && data.n > 0 ? data.n : 1);
  }
  const raws = await rawRequests(data, deps);
  if (typeof raws === 'string') return deps.recorder.drop(raws, records.length);
  await Promise.all(
    records.map((record, i) => {
      const raw = raws?.[i];
      return deps.limit(() => mirror(record, raw ? withRaw(record, raw) : record, data, deps));
    }),
  );
}

/** At most `n` calls of `fn` run at once; the others wait in order. */
export function concurrencyLimit(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
