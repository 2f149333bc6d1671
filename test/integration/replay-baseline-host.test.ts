import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { evenSpecs, startArrivalTarget, startWorker, stopWorkers, writeSession, type ArrivalTarget } from './replay-fixtures.js';

/**
 * Staging and the current release behind one ingress, told apart by Host:
 * `--rewrite-host` names the candidate, `--baseline-host` the release. The
 * candidate's Host must not reach the baseline's copies, or the run compares
 * the candidate with itself and passes.
 */
describe('replay with a baseline behind the same address, told apart by Host', () => {
  let t: TestRedis;
  let worker: ChildProcess;
  let ingress: ArrivalTarget;

  beforeAll(async () => {
    t = await testRedis();
    worker = await startWorker(t.url);
    ingress = await startArrivalTarget((req) => {
      const id = Number(/\/items\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
      // the candidate renamed a field: a real difference from the release
      return req.headers.host === 'staging.shop.test' ? { body: { id, title: `item ${id}` } } : { body: { id, name: `item ${id}` } };
    });
  });
  afterAll(async () => {
    await ingress.close();
    await stopWorkers([worker]);
    await t.cleanup();
  });

  const replay = (...args: string[]) =>
    runCli(['replay', '--session', 'hosts', '--target', ingress.url, '--json', ...args], { env: { PARITY_REDIS_URL: t.url, PARITY_REPLAY_START_DELAY_MS: '300' } });

  it('sends the target its Host and the baseline its own, and sees the difference', async () => {
    await writeSession(t.redis, 'hosts', evenSpecs(6, 5));
    const r = await replay('--wait', '--rewrite-host', 'staging.shop.test', '--set-header', 'x-run=1', '--baseline', ingress.url, '--baseline-host', 'release.shop.test', '--max-p99-regression', '1000');
    expect(r.code, r.stderr).toBe(1);
    const hosts = ingress.arrivals.map((a) => a.headers.host);
    expect(hosts.filter((h) => h === 'staging.shop.test')).toHaveLength(6);
    expect(hosts.filter((h) => h === 'release.shop.test')).toHaveLength(12);
    expect(ingress.arrivals.every((a) => a.headers['x-run'] === '1')).toBe(true);
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe('fail');
    expect(report.totals.diffs).toBe(6);
  });

  it('gives the baseline connections of its own under the closed model, two a user', async () => {
    await ingress.close();
    ingress = await startArrivalTarget((req) => ({ delayMs: 20, body: req.headers.host === 'staging.shop.test' ? { v: 2 } : { v: 1 } }));
    await writeSession(t.redis, 'hosts-cc', evenSpecs(6, 5));
    const r = await runCli(
      ['replay', '--session', 'hosts-cc', '--target', ingress.url, '--json', '--wait', '--concurrency', '2', '--duration', '1s', '--lanes', '1', '--rewrite-host', 'staging.shop.test', '--baseline', ingress.url, '--baseline-host', 'release.shop.test', '--max-p99-regression', '1000'],
      { env: { PARITY_REDIS_URL: t.url, PARITY_REPLAY_START_DELAY_MS: '300' } },
    );
    expect(r.code, r.stderr).toBe(1);
    // each user's request and its two baseline copies are answered together: none waits for another's socket
    expect(ingress.maxInFlight).toBe(6);
    expect(ingress.maxConnections).toBeLessThanOrEqual(6);
  });

  it('refuses a --baseline-host without a baseline, and a host that is not one, with exit 2', async () => {
    const lone = await replay('--baseline-host', 'release.shop.test');
    expect(lone.code).toBe(2);
    expect(lone.stderr).toMatch(/--baseline-host needs a baseline/);
    const bad = await replay('--rewrite-host', 'staging shop/test');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--rewrite-host "staging shop\/test" is not a host name/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
