import { inject } from 'vitest';
import { Redis } from 'ioredis';

/**
 * A namespace of its own for one test: a Redis database number taken from a
 * counter on the shared test server (database 0 holds only the counter).
 */
export interface TestRedis {
  url: string;
  db: number;
  redis: Redis;
  /** Flushes the namespace and closes the client. */
  cleanup(): Promise<void>;
}

export async function testRedis(): Promise<TestRedis> {
  const port = inject('redisPort');
  const base = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  await base.connect();
  const db = (await base.incr('parity-test:next-db')) % 4095 || 4095;
  base.disconnect();
  const url = `redis://127.0.0.1:${port}/${db}`;
  const redis = new Redis(url);
  await redis.flushdb();
  return {
    url,
    db,
    redis,
    async cleanup() {
      await redis.flushdb().catch(() => undefined);
      redis.disconnect();
    },
  };
}
