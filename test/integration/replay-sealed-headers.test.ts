import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { evenSpecs, startArrivalTarget, startWorker, stopWorkers, writeSession, type ArrivalTarget } from './replay-fixtures.js';

const SECRET = 'staging-7c1d9e2b4a';

/** Every string Redis holds, whatever the key's type. */
async function everything(redis: Redis): Promise<string> {
  const out: string[] = [];
  for (const k of await redis.keys('*')) {
    const type = await redis.type(k);
    if (type === 'string') out.push((await redis.getBuffer(k))?.toString('latin1') ?? '');
    else if (type === 'hash') out.push(...Object.values(await redis.hgetallBuffer(k)).map((b) => b.toString('latin1')));
    else if (type === 'list') out.push(...(await redis.lrange(k, 0, -1)));
    else if (type === 'zset') out.push(...(await redis.zrange(k, '0', '-1')));
    else if (type === 'set') out.push(...(await redis.smembers(k)));
    else if (type === 'stream') out.push(...(await redis.xrangeBuffer(k, '-', '+')).flatMap(([, f]) => f.map((b) => b.toString('latin1'))));
  }
  return out.join('\n');
}

describe('replay --set-header with PARITY_SHADOW_KEY', () => {
  const key = randomBytes(32).toString('hex');
  let t: TestRedis;
  let worker: ChildProcess;
  let target: ArrivalTarget | undefined;
  const replay = (env: Record<string, string>) =>
    runCli(['replay', '--session', 's1', '--target', target!.url, '--wait', '--json', '--max-p99-regression', '1000', '--set-header', `authorization=Bearer ${SECRET}`], {
      env: { PARITY_REDIS_URL: t.url, PARITY_REPLAY_START_DELAY_MS: '700', PARITY_REPLAY_WINDOW_MS: '500', ...env },
    });

  beforeAll(async () => {
    t = await testRedis();
    worker = await startWorker(t.url, { PARITY_SHADOW_KEY: key });
    await writeSession(t.redis, 's1', evenSpecs(3, 10));
  });
  afterAll(async () => {
    await stopWorkers([worker]);
    await t.cleanup();
  });
  afterEach(async () => {
    await target?.close();
    target = undefined;
  });

  it('sends the header while Redis never holds its value', async () => {
    target = await startArrivalTarget();
    const r = await replay({ PARITY_SHADOW_KEY: key });
    expect(r.code, r.stderr).toBe(0);
    expect(target.arrivals.map((a) => a.headers.authorization)).toEqual([`Bearer ${SECRET}`, `Bearer ${SECRET}`, `Bearer ${SECRET}`]);
    expect(r.stderr).not.toMatch(/stored in Redis as given/);
    expect(await everything(t.redis)).not.toContain(SECRET);
  });

  it('fails the run, naming the key and never the value, when the workers hold another key', async () => {
    target = await startArrivalTarget();
    const r = await replay({ PARITY_SHADOW_KEY: randomBytes(32).toString('hex') });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/PARITY_ERR_RUN_FAILED: run \S+ failed: .*PARITY_SHADOW_KEY is not the key the run was created with/);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(target.arrivals).toHaveLength(0);
  });

  it('says that the value is stored as given when the key is not set', async () => {
    target = await startArrivalTarget();
    const r = await replay({});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/--set-header values are stored in Redis as given until the run expires; set PARITY_SHADOW_KEY/);
    expect(r.stderr).not.toContain(SECRET);
    // and it is: the look at Redis above would have seen it
    expect(await everything(t.redis)).toContain(SECRET);
  });
});
