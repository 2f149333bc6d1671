import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { waitForRun } from '../../services/cli/commands/runs.js';

describe('replay --wait when Redis goes away', () => {
  it('reads again for a grace period, then says Redis is lost and that the run goes on', async () => {
    // nothing listens on port 1: every command fails as it does after Redis died mid-run
    const redis = new Redis({ host: '127.0.0.1', port: 1, maxRetriesPerRequest: 0, retryStrategy: () => 100, lazyConnect: true });
    redis.on('error', () => undefined);
    try {
      const started = Date.now();
      const err = (await waitForRun(redis, 'r-mabc123-1f2e3d', { progress: false, redisGraceMs: 600 }).catch((e: unknown) => e)) as { code?: string; message: string; hint?: string };
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
      expect(err.code).toBe('PARITY_ERR_REDIS_UNREACHABLE');
      expect(err.message).toMatch(/^lost Redis while waiting for run r-mabc123-1f2e3d: /);
      expect(err.hint).toMatch(/goes on in the workers.*parity runs show r-mabc123-1f2e3d/);
    } finally {
      redis.disconnect();
    }
  });
});
