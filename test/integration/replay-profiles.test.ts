import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { evenSpecs, relative, startArrivalTarget, startWorker, stopWorkers, writeSession, type ArrivalTarget } from './replay-fixtures.js';

/**
 * Each profile's schedule against the arrivals a real target records, with
 * one real worker process. Tolerances are loose on purpose (a loaded 2-core
 * box); exact schedules are unit-tested in test/unit/schedule.test.ts and
 * timing precision is measured by `npm run bench:replay`.
 */
describe('replay profiles against a target that records arrivals', () => {
  let t: TestRedis;
  let worker: ChildProcess;
  let target: ArrivalTarget;

  beforeAll(async () => {
    t = await testRedis();
    worker = await startWorker(t.url);
  });
  afterAll(async () => {
    await stopWorkers([worker]);
    await t.cleanup();
  });
  beforeEach(async () => {
    target = await startArrivalTarget();
  });
  afterEach(async () => {
    await target.close();
  });

  const replay = (session: string, ...args: string[]) =>
    runCli(['replay', '--session', session, '--target', target.url, '--wait', '--json', '--max-p99-regression', '1000', ...args], { env: { PARITY_REDIS_URL: t.url, PARITY_REPLAY_WINDOW_MS: '500', PARITY_REPLAY_START_DELAY_MS: '700' } });

  it('as-recorded keeps the recorded gaps at 1x and divides them at 4x', async () => {
    const gaps = [0, 100, 400, 450, 1000, 1200];
    await writeSession(t.redis, 'rec', gaps.map((atMs, i) => ({ atMs, url: `/items/${i}`, body: { id: i, name: 'n' } })));
    const one = await replay('rec');
    expect(one.code, one.stderr).toBe(0);
    const seen1 = relative(target.arrivals);
    // spans run from the first arrival, so a starved worker's lateness moves them: the report must say how late
    const late1 = JSON.parse(one.stdout).lateness.maxUs / 1000;
    // every record arrives once; two due closer together than the worst lateness may swap on their two connections
    const order = target.arrivals.map((a) => a.url);
    expect([...order].sort()).toEqual(gaps.map((_, i) => `/items/${i}`).sort());
    for (let i = 0; i < gaps.length; i++) {
      for (let j = i + 1; j < gaps.length; j++) if (gaps[j]! - gaps[i]! > late1 + 20) expect(order.indexOf(`/items/${i}`)).toBeLessThan(order.indexOf(`/items/${j}`));
    }
    expect(seen1[5]! + late1).toBeGreaterThan(1200 * 0.8);
    expect(seen1[5]).toBeLessThan(1200 + 400 + late1);
    expect(seen1[4]! - seen1[3]!).toBeGreaterThan(550 * 0.6); // the long gap stays long

    target.arrivals.length = 0;
    const four = await replay('rec', '--speed', '4');
    expect(four.code, four.stderr).toBe(0);
    const seen4 = relative(target.arrivals);
    const report = JSON.parse(four.stdout);
    const late4 = report.lateness.maxUs / 1000;
    expect(seen4[5]! + late4).toBeGreaterThan(300 * 0.6);
    expect(seen4[5]).toBeLessThan(300 + 300 + late4);
    expect(report).toMatchObject({ verdict: 'pass', totals: { requests: 6, errors: 0, diffs: 0 } });
  });

  it('constant-rate fires rate × duration requests, cycling the session', async () => {
    await writeSession(t.redis, 'cr', evenSpecs(7, 10));
    const r = await replay('cr', '--rate', '40', '--duration', '2s');
    expect(r.code, r.stderr).toBe(0);
    expect(target.arrivals).toHaveLength(80);
    const seen = relative(target.arrivals);
    const report = JSON.parse(r.stdout);
    // the span runs from the first arrival: a worker starved of CPU (the suite beside two busy loops) sends the
    // first late and shortens it, or the last late and stretches it — either way the report must say how late
    const lateMs = report.lateness.maxUs / 1000;
    expect(seen[79]! + lateMs).toBeGreaterThan(1975 * 0.8);
    expect(seen[79]).toBeLessThan(1975 + 600 + lateMs);
    expect(target.arrivals.filter((a) => a.url === '/items/0')).toHaveLength(12); // 80 arrivals over 7 records
    expect(report.totals.requests).toBe(80);
    // production's latency is 7 samples, one per record, however often the run sent each: not 80 copies
    const referenceCount = report.latency.reduce((n: number, l: { reference: { count: number } }) => n + l.reference.count, 0);
    expect(referenceCount).toBe(7);
    expect(report.latency.reduce((n: number, l: { target: { count: number } }) => n + l.target.count, 0)).toBe(80);
  });

  it('ramping-rate and spike put more arrivals where the rate is higher', async () => {
    await writeSession(t.redis, 'ramp', evenSpecs(5, 10));
    const ramp = await replay('ramp', '--stages', '1s:60,1s:60');
    expect(ramp.code, ramp.stderr).toBe(0);
    expect(target.arrivals).toHaveLength(90); // 30 while ramping 0→60, 60 at 60/s
    const r = relative(target.arrivals);
    expect(r.filter((x) => x < 1000).length).toBeLessThan(r.filter((x) => x >= 1000).length);

    target.arrivals.length = 0;
    const spike = await replay('ramp', '--rate', '10', '--spike-rate', '100', '--spike-at', '1s', '--spike-for', '500ms', '--duration', '2s');
    expect(spike.code, spike.stderr).toBe(0);
    expect(target.arrivals).toHaveLength(10 + 50 + 5);
    const s = relative(target.arrivals);
    // the 50 spike arrivals land close together, well inside a second
    const gaps = s.slice(1).map((x, i) => x - s[i]!);
    expect(gaps.filter((g) => g < 40).length).toBeGreaterThanOrEqual(40);
  });

  it('constant-concurrency keeps exactly N requests in flight, back to back', async () => {
    await target.close();
    target = await startArrivalTarget(() => ({ delayMs: 50 }));
    await writeSession(t.redis, 'cc', evenSpecs(10, 10));
    const r = await replay('cc', '--concurrency', '3', '--duration', '1500ms', '--lanes', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(target.maxInFlight).toBe(3);
    // 3 users × 1.5 s / 50 ms ≈ 90 at best, never more; how many fewer is the box's business (a
    // full suite beside two benchmark runs got 6), so the floor is only that users went on after an answer
    expect(target.arrivals.length).toBeGreaterThan(3);
    expect(target.arrivals.length).toBeLessThanOrEqual(3 * Math.ceil(1500 / 50) + 3);
    // the closed loop walks the 10 records over and over: production's latency is counted at most once per
    // record (a record whose first-pass position a chunk claimed but did not send before its window ended is
    // sent again later as a repeat, uncounted)
    const cc = JSON.parse(r.stdout) as { latency: { reference: { count: number } }[] };
    const counted = cc.latency.reduce((n, l) => n + l.reference.count, 0);
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBeLessThanOrEqual(10);
    expect(JSON.parse(r.stdout).totals.requests).toBe(target.arrivals.length);
  });

  it('constant-concurrency opens one connection per virtual user, however fast the answers come', async () => {
    await writeSession(t.redis, 'cc-fast', evenSpecs(10, 10));
    const r = await replay('cc-fast', '--concurrency', '4', '--duration', '1s', '--lanes', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(target.arrivals.length).toBeGreaterThan(4);
    expect(target.maxConnections).toBeLessThanOrEqual(4);
  });
});
