import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareExchange, DEFAULT_DIFF_RULES, RunStats, type Answer, type ExchangeInput } from '../../shared/diff/index.js';
import { keys } from '../../shared/redis/keys.js';
import { readShadowTotals, readShadowWindow, ShadowStatsRecorder } from '../../shared/shadow/stats.js';
import { shadowStatus } from '../../shared/shadow/status.js';
import { BUCKET_MS, bucketStart } from '../../shared/shadow/window.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

const answer = (body: unknown, latencyUs: number, status = 200): Answer => ({ status, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(body)), latencyUs });

function input(url: string, price: unknown, latencyUs = 1000): ExchangeInput {
  return { method: 'GET', url, reference: answer({ price: 349 }, 2000), target: answer({ price }, latencyUs), mode: 'shape', rules: DEFAULT_DIFF_RULES };
}

describe('shadow statistics in Redis', () => {
  let t: TestRedis;
  beforeEach(async () => (t = await testRedis()));
  afterEach(async () => t.cleanup());

  it('merges what several workers wrote into the same minute exactly', async () => {
    const now = Date.now();
    const a = new ShadowStatsRecorder(t.redis, { retentionSeconds: 600, workerId: 'a', flushMs: 60_000 });
    const b = new ShadowStatsRecorder(t.redis, { retentionSeconds: 600, workerId: 'b', flushMs: 60_000 });
    const expected = new RunStats();
    const inputs = [input('/p/1', 349), input('/p/2', '349.00'), input('/p/3', 349, 5000), input('/p/4', '1.00')];
    inputs.forEach((x, i) => {
      const r = compareExchange(x);
      (i % 2 ? b : a).add(x, r, 'production', now);
      expected.add(x, r);
    });
    await a.close();
    await b.close();
    const read = await readShadowWindow(t.redis, { since: now - 1000, until: now });
    expect(read.stats.toJSON()).toEqual(expected.toJSON());
    expect([...read.modes]).toEqual(['shape']);
    expect(await t.redis.ttl(keys.shadowBucket(bucketStart(now)))).toBeGreaterThan(500);
    expect((await readShadowTotals(t.redis)).get('GET /p/:id')).toEqual({ requests: 4, diffs: 2, errors: 0 });
  });

  it('keeps each minute apart so a window covers only its buckets', async () => {
    const now = Date.now();
    const rec = new ShadowStatsRecorder(t.redis, { retentionSeconds: 3600, workerId: 'w', flushMs: 60_000 });
    rec.add(input('/p/1', '349.00'), compareExchange(input('/p/1', '349.00')), 'production', now - 10 * BUCKET_MS);
    rec.add(input('/p/2', 349), compareExchange(input('/p/2', 349)), 'production', now);
    await rec.close();
    const recent = await shadowStatus(t.redis, { since: bucketStart(now - 2 * BUCKET_MS), until: now });
    expect(recent.totals).toMatchObject({ requests: 1, diffs: 0 });
    const all = await shadowStatus(t.redis, { since: now - 20 * BUCKET_MS, until: now });
    expect(all.totals).toMatchObject({ requests: 2, diffs: 1 });
    expect(all.routes[0]!.latency).toEqual({ reference: { count: 2, p50Us: expect.any(Number), p99Us: expect.any(Number) }, shadow: { count: 2, p50Us: expect.any(Number), p99Us: expect.any(Number) } });
  });
});
