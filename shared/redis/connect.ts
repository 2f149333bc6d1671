import { Redis, type RedisOptions } from 'ioredis';
import { errorText, parityError, redactUrl } from '../errors.js';
import type { Logger } from '../log.js';

export { Redis } from 'ioredis';

export interface ConnectOptions {
  /** Name shown in CLIENT LIST. */
  name?: string;
  /** ms to wait for the first connection before PARITY_ERR_REDIS_UNREACHABLE. */
  timeoutMs?: number;
  /** Extra ioredis options (BullMQ wants maxRetriesPerRequest: null). */
  options?: RedisOptions;
  logger?: Logger;
  /** Where the URL came from (`--redis`, `PARITY_REDIS_URL`, …), named in the hint of an authentication failure. */
  givenAs?: string;
}

/** Replies of a Redis that refuses the credentials: Redis 6+ (ACL) and older servers. */
const AUTH_REFUSED = /^(?:WRONGPASS|NOAUTH|ERR invalid (?:username-)?password)/;

/** PARITY_ERR_REDIS_AUTH for `err` when it is Redis refusing the credentials; undefined otherwise. */
export function authFailure(url: string, err: unknown, givenAs?: string) {
  const text = errorText(err);
  if (!AUTH_REFUSED.test(text)) return undefined;
  // NOAUTH's own text is about HELLO and AUTH, commands the user never typed
  const none = text.startsWith('NOAUTH');
  const message = none
    ? `Redis at ${redactUrl(url)} requires a password and none was given (NOAUTH)`
    : `Redis at ${redactUrl(url)} refused the password given (${text.replace(/\.$/, '')})`;
  const where = givenAs ?? 'PARITY_REDIS_URL (or --redis, or redisUrl in the config file)';
  return parityError('PARITY_ERR_REDIS_AUTH', message, {
    cause: err,
    hint: `${none ? 'Give the password' : 'Check the password'} in ${where}: redis://:PASSWORD@host:6379, or redis://USER:PASSWORD@host:6379 for an ACL user.`,
  });
}

/**
 * Connects and waits for the first PING; throws PARITY_ERR_REDIS_AUTH when
 * Redis refuses the credentials (at once: retrying cannot help), else
 * PARITY_ERR_REDIS_UNREACHABLE (password redacted) when Redis does not
 * answer in time.
 */
export async function connectRedis(url: string, opts: ConnectOptions = {}): Promise<Redis> {
  const redis = createRedis(url, opts);
  // ioredis rejects connect() with "Connection is closed"; the socket error
  // (ECONNREFUSED, ENOTFOUND, NOAUTH ...) says what actually went wrong.
  let firstError: Error | undefined;
  let refused: (err: Error) => void = () => undefined;
  const authRefused = new Promise<never>((_resolve, reject) => (refused = reject));
  authRefused.catch(() => undefined);
  const onError = (err: Error) => {
    firstError ??= err;
    if (AUTH_REFUSED.test(errorText(err))) refused(err);
  };
  redis.on('error', onError);
  try {
    await withTimeout(Promise.race([redis.connect().then(() => redis.ping()), authRefused]), opts.timeoutMs ?? 3000);
  } catch (err) {
    redis.disconnect();
    const cause = firstError ?? err;
    throw authFailure(url, cause, opts.givenAs) ?? authFailure(url, err, opts.givenAs) ?? parityError('PARITY_ERR_REDIS_UNREACHABLE', `cannot reach Redis at ${redactUrl(url)}: ${errorText(cause)}`, { cause: err });
  } finally {
    redis.off('error', onError);
  }
  return redis;
}

/** An ioredis client that connects lazily and never logs its URL. */
export function createRedis(url: string, opts: ConnectOptions = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: opts.name ?? 'parity',
    maxRetriesPerRequest: 2,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    ...opts.options,
  });
  // ioredis emits 'error' on every failed reconnect; without a listener that
  // would crash the process. Callers that care subscribe themselves.
  redis.on('error', (err: Error) => opts.logger?.debug({ err: errorText(err) }, 'redis connection error'));
  return redis;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * BullMQ needs `maxmemory-policy noeviction`: evicted job keys corrupt queues.
 * Returns the policy, logging a warning when it is anything else.
 */
export async function checkEvictionPolicy(redis: Redis, logger?: Logger): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy'));
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      logger?.warn({ policy }, `Redis maxmemory-policy is ${policy}; Parity (BullMQ) needs noeviction: run CONFIG SET maxmemory-policy noeviction`);
    }
    return policy;
  } catch {
    return undefined; // CONFIG may be disabled on managed Redis
  }
}
