import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareExchange, DEFAULT_DIFF_RULES, type Answer, type ExchangeInput, type RunStatsJson } from '../../shared/diff/index.js';
import { keys } from '../../shared/redis/keys.js';
import { MAX_SHADOW_ROUTES, OTHER_ROUTE } from '../../shared/shadow/route-cap.js';
import { readShadowTotals, readShadowWindow, ShadowStatsRecorder } from '../../shared/shadow/stats.js';
import { shadowStatus } from '../../shared/shadow/status.js';
import { bucketStart } from '../../shared/shadow/window.js';
import { runCli } from '../helpers/cli.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

const answer = (body: unknown, status = 200): Answer => ({ status, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(body)), latencyUs: 1500 });

/** Paths no route template collapses: each is a route of its own, as a scanner's or a crawler's are. */
const wordPath = (i: number) => `/p${i.toString(26).replace(/[0-9]/g, (d) => 'qrstuvwxyz'[Number(d)]!)}/x`;

function mirror(rec: ShadowStatsRecorder, path: string, now: number, price: unknown = 349): void {
  const input: ExchangeInput = { method: 'GET', url: path, reference: answer({ price: 349 }), target: answer({ price }), mode: 'shape', rules: DEFAULT_DIFF_RULES };
  rec.add(input, compareExchange(input), 'production', now);
}

describe('shadow statistics keep a bounded number of routes', () => {
  let t: TestRedis;
  beforeEach(async () => (t = await testRedis()));
  afterEach(async () => t.cleanup());

  it('counts routes past the cap under (other), in the minute buckets and the totals, and lets the totals expire', async () => {
    const now = Date.now();
    const paths = Array.from({ length: 3 * MAX_SHADOW_ROUTES }, (_, i) => wordPath(i));
    expect(new Set(paths).size).toBe(paths.length);
    // two workers, so the window read merges more routes than either kept
    const a = new ShadowStatsRecorder(t.redis, { retentionSeconds: 900, workerId: 'a', flushMs: 60_000 });
    const b = new ShadowStatsRecorder(t.redis, { retentionSeconds: 900, workerId: 'b', flushMs: 60_000 });
    paths.forEach((p, i) => mirror(i < paths.length / 2 ? a : b, p, now, i % 3 === 0 ? '349.00' : 349));
    // a busy route that comes late still counts, under (other)
    for (let i = 0; i < 5; i++) mirror(a, '/late/busy', now);
    await a.close();
    await b.close();

    const bucket = await t.redis.hgetall(keys.shadowBucket(bucketStart(now)));
    for (const field of ['w:a', 'w:b']) {
      const routes = Object.keys((JSON.parse(bucket[field]!) as RunStatsJson).routes);
      expect(routes.length).toBeLessThanOrEqual(MAX_SHADOW_ROUTES);
      expect(routes).toContain(OTHER_ROUTE);
    }

    const totals = await readShadowTotals(t.redis);
    expect(totals.size).toBeLessThanOrEqual(MAX_SHADOW_ROUTES);
    // four fields a route (three counters and when it was last added to), and when to look for an idle one next
    expect(await t.redis.hlen(keys.shadowTotals)).toBeLessThanOrEqual(4 * MAX_SHADOW_ROUTES + 1);
    const sum = [...totals.values()].reduce((n, c) => n + c.requests, 0);
    expect(sum).toBe(paths.length + 5);
    expect(totals.get(OTHER_ROUTE)!.requests).toBeGreaterThan(0);
    expect([...totals.values()].reduce((n, c) => n + c.diffs, 0)).toBe(paths.length / 3);
    const ttl = await t.redis.ttl(keys.shadowTotals);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(900);

    const window = { since: now - 1000, until: now };
    const read = await readShadowWindow(t.redis, window);
    expect(read.stats.routes.size).toBeLessThanOrEqual(MAX_SHADOW_ROUTES);
    expect([...read.stats.routes.values()].reduce((n, r) => n + r.requests, 0)).toBe(paths.length + 5);

    const status = await shadowStatus(t.redis, window);
    expect(status.routes.length).toBeLessThanOrEqual(MAX_SHADOW_ROUTES);
    expect(status.totals.requests).toBe(paths.length + 5);
    expect(status.totals.diffs).toBe(paths.length / 3);
    expect(status.routes.find((r) => r.route === OTHER_ROUTE)!.requests).toBeGreaterThan(0);
  });

  it('keeps counting routes it already holds once the totals are full', async () => {
    const now = Date.now();
    const rec = new ShadowStatsRecorder(t.redis, { retentionSeconds: 600, workerId: 'w', flushMs: 60_000 });
    mirror(rec, '/first/route', now);
    for (let i = 0; i < MAX_SHADOW_ROUTES + 10; i++) mirror(rec, wordPath(i), now);
    await rec.flush(now);
    for (let i = 0; i < 4; i++) mirror(rec, '/first/route', now);
    mirror(rec, '/never/seen', now);
    await rec.close();
    const totals = await readShadowTotals(t.redis);
    expect(totals.get('GET /first/route')).toEqual({ requests: 5, diffs: 0, errors: 0 });
    expect(totals.has('GET /never/seen')).toBe(false);
    // the first MAX_SHADOW_ROUTES - 1 routes written keep their own counters: /first/route and 198 others
    expect(totals.get(OTHER_ROUTE)!.requests).toBe(MAX_SHADOW_ROUTES + 10 - (MAX_SHADOW_ROUTES - 2) + 1);
  });

  it('gives a route first seen after the totals filled its own counters once an older route has had none added for the retention', async () => {
    const retentionSeconds = 600;
    const now = Date.now();
    const rec = new ShadowStatsRecorder(t.redis, { retentionSeconds, workerId: 'w', flushMs: 60_000 });
    // the totals fill with routes last counted more than the retention ago, but for one that is still busy
    const long = now - (retentionSeconds + 60) * 1000;
    for (let i = 0; i < MAX_SHADOW_ROUTES - 2; i++) mirror(rec, wordPath(i), long);
    await rec.flush(long);
    mirror(rec, '/still/busy', now);
    await rec.flush(now);
    mirror(rec, '/new/route', now);
    mirror(rec, '/new/route', now);
    await rec.close();
    const totals = await readShadowTotals(t.redis);
    expect(totals.get('GET /new/route')).toEqual({ requests: 2, diffs: 0, errors: 0 });
    expect(totals.get('GET /still/busy')).toEqual({ requests: 1, diffs: 0, errors: 0 });
    expect(totals.has(OTHER_ROUTE)).toBe(false);
    // one idle route made room: its counters are gone, not added to (other)
    expect(totals.size).toBe(MAX_SHADOW_ROUTES - 1);
  });

  it('counts a route first seen after the totals filled under (other) until a route held has been idle for the retention', async () => {
    const retentionSeconds = 600;
    const start = Date.now() - 2 * (retentionSeconds + 60) * 1000;
    const rec = new ShadowStatsRecorder(t.redis, { retentionSeconds, workerId: 'w', flushMs: 60_000 });
    for (let i = 0; i < MAX_SHADOW_ROUTES - 1; i++) mirror(rec, wordPath(i), start);
    await rec.flush(start);
    mirror(rec, '/too/soon', start + 60_000);
    await rec.flush(start + 60_000);
    expect((await readShadowTotals(t.redis)).has('GET /too/soon')).toBe(false);
    const later = start + (retentionSeconds + 60) * 1000;
    mirror(rec, '/in/time', later);
    await rec.close();
    const totals = await readShadowTotals(t.redis);
    expect(totals.get('GET /in/time')).toEqual({ requests: 1, diffs: 0, errors: 0 });
    expect(totals.get(OTHER_ROUTE)).toEqual({ requests: 1, diffs: 0, errors: 0 });
  });

  it('reads capped statistics through `parity shadow status` and `parity report --shadow-window`', async () => {
    const now = Date.now();
    const rec = new ShadowStatsRecorder(t.redis, { retentionSeconds: 600, workerId: 'w', flushMs: 60_000 });
    for (let i = 0; i < MAX_SHADOW_ROUTES + 50; i++) mirror(rec, wordPath(i), now);
    await rec.close();
    const env = { PARITY_REDIS_URL: t.url };
    const status = await runCli(['shadow', 'status', '--json', '--since', '5m'], { env });
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as { totals: { requests: number }; routes: { route: string; requests: number }[] };
    expect(s.totals.requests).toBe(MAX_SHADOW_ROUTES + 50);
    expect(s.routes.length).toBeLessThanOrEqual(MAX_SHADOW_ROUTES);
    expect(s.routes.find((r) => r.route === OTHER_ROUTE)?.requests).toBe(51);
    const report = await runCli(['report', '--shadow-window', '5m', '--format', 'json'], { env });
    expect(report.code).toBe(0);
    const r = JSON.parse(report.stdout) as { totals: { requests: number }; routes: { route: string }[] };
    expect(r.totals.requests).toBe(MAX_SHADOW_ROUTES + 50);
    expect(r.routes.some((x) => x.route === OTHER_ROUTE)).toBe(true);
  });
});
