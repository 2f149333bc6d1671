import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readRunResults } from '../../shared/replay/result-stream.js';
import type { ReplayResult } from '../../shared/replay/result.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/redis-server.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { evenSpecs, startArrivalTarget, startWorker, stopWorkers, writeSession, type ArrivalTarget } from './replay-fixtures.js';

describe('replay against troublesome targets', () => {
  let t: TestRedis;
  let worker: ChildProcess;
  let target: ArrivalTarget | undefined;
  const env = () => ({ PARITY_REDIS_URL: t.url, PARITY_REPLAY_START_DELAY_MS: '700', PARITY_REPLAY_WINDOW_MS: '500' });
  const replay = (url: string, ...args: string[]) => runCli(['replay', '--session', 's1', '--target', url, '--wait', '--json', '--max-p99-regression', '1000', ...args], { env: env() });

  beforeAll(async () => {
    t = await testRedis();
    worker = await startWorker(t.url);
  });
  afterAll(async () => {
    await stopWorkers([worker]);
    await t.cleanup();
  });
  beforeEach(async () => {
    await t.redis.del('parity:session:{s1}:stream', 'parity:session:{s1}:meta');
  });
  afterEach(async () => {
    await target?.close();
    target = undefined;
  });

  it('refuses a target that is down with exit 3, before queueing anything', async () => {
    await writeSession(t.redis, 's1', evenSpecs(3, 10));
    const r = await replay(`http://127.0.0.1:${await freePort()}`);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/PARITY_ERR_TARGET_UNREACHABLE: cannot connect to the target http:\/\/127\.0\.0\.1:\d+\/?: ECONNREFUSED/);
    expect(await t.redis.zcard('parity:runs')).toBe(0);
  });

  it('refuses a run too long to plan with exit 2, before queueing anything', async () => {
    target = await startArrivalTarget();
    await writeSession(t.redis, 's1', evenSpecs(3, 10));
    // a typo for 10000s: 18 million windows; and a rate or speed so small the last request would come
    // in centuries (the three CLIs at once: each is refused before it queues anything)
    const url = target.url;
    const [r, ...slow] = await Promise.all([
      replay(url, '--concurrency', '2', '--duration', '10000h'),
      ...[['--speed', '1e-12'], ['--rate', '1e-9']].map((flags) => replay(url, ...flags)),
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_USAGE: the run would be cut into more than 500000 chunks/);
    for (const s of slow) {
      expect(s.code, s.stderr).toBe(2);
      expect(s.stderr).toMatch(/PARITY_ERR_USAGE: the (as-recorded|constant-rate) profile plans a run that lasts \d+ days, past the limit of 366 days/);
    }
    expect(await t.redis.zcard('parity:runs')).toBe(0);
  });

  it('refuses the upstream the session was captured from unless told otherwise', async () => {
    target = await startArrivalTarget();
    await writeSession(t.redis, 's1', evenSpecs(3, 10), target.url.replace('127.0.0.1', 'localhost'));
    const refused = await replay(target.url);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/PARITY_ERR_PRODUCTION_TARGET: the target http:\/\/127\.0\.0\.1:\d+\/? is http:\/\/localhost:\d+\/?, the upstream session "s1" was captured from/);
    expect(refused.stderr).toMatch(/--allow-production-target/);
    const allowed = await replay(target.url, '--allow-production-target');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(target.arrivals).toHaveLength(3);
  });

  it('names --concurrency, not the worker setting of that flag, when its value is wrong; and an inverted --from/--to', async () => {
    target = await startArrivalTarget();
    await writeSession(t.redis, 's1', evenSpecs(3, 10));
    // five CLIs at once: each is refused on its flags
    const bads = ['0', '2.5', 'abc', '100000'];
    const url = target.url;
    const [inverted, ...refused] = await Promise.all([
      replay(url, '--from', '2026-12-07T10:00:00Z', '--to', '2026-12-07T09:00:00Z'),
      ...bads.map((bad) => replay(url, '--concurrency', bad, '--duration', '1s')),
    ]);
    bads.forEach((bad, i) => {
      const r = refused[i]!;
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--concurrency expects a whole number >= 1 and <= 10000, got "${bad}"`));
      expect(r.stderr).not.toMatch(/workerConcurrency|PARITY_WORKER_CONCURRENCY/);
    });
    expect(inverted.code, inverted.stderr).toBe(2);
    expect(inverted.stderr).toMatch(/--from 2026-12-07T10:00:00Z is later than --to 2026-12-07T09:00:00Z/);
  });

  it('refuses a production baseline for requests that change state unless told, and allows it for reads', async () => {
    target = await startArrivalTarget();
    const production = await startArrivalTarget();
    try {
      const specs = [...evenSpecs(3, 10), { atMs: 40, method: 'POST', url: '/orders', reqBody: '{"sku":"A1"}' }, { atMs: 50, method: 'DELETE', url: '/orders/7' }];
      await writeSession(t.redis, 's1', specs, production.url);
      const refused = await replay(target.url, '--baseline', production.url);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/PARITY_ERR_PRODUCTION_TARGET: the baseline .* is .*, the upstream session "s1" was captured from, and the selection holds requests that change state \(POST ×1, DELETE ×1\)/);
      expect(refused.stderr).toMatch(/--methods GET,HEAD/);
      expect(production.arrivals).toHaveLength(0);
      const reads = await replay(target.url, '--baseline', production.url, '--methods', 'GET');
      expect(reads.code, reads.stderr).toBe(0);
      expect(production.arrivals.length).toBeGreaterThan(0);
      expect(new Set(production.arrivals.map((a) => a.method))).toEqual(new Set(['GET']));
    } finally {
      await production.close();
    }
  });

  it('counts timeouts and reset connections as errors and fails the gate on them', async () => {
    target = await startArrivalTarget((req) => {
      if (req.url === '/items/1') return { delayMs: 2000 };
      if (req.url === '/items/2') {
        req.socket.destroy();
        return 'handled';
      }
      return undefined;
    });
    await writeSession(t.redis, 's1', evenSpecs(6, 20));
    const r = await replay(target.url, '--timeout', '300');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/PARITY_ERR_GATE_FAILED/);
    const report = JSON.parse(r.stdout);
    expect(report.totals).toMatchObject({ requests: 6, errors: 2 });
    expect(report.routes[0]).toMatchObject({ route: 'GET /items/:id', errors: 2, errorKinds: { reset: 1, timeout: 1 } });
  });

  it('counts a request that timed out waiting for a connection as late, by how long it waited', async () => {
    // one connection and a target that answers nothing within the timeout: the first request holds the
    // connection until it times out, the next ones wait for it (and time out waiting, or on it)
    target = await startArrivalTarget(() => ({ delayMs: 2000 }));
    // due 1 ms apart: all three time out in the same sweep of the chunk's timeouts
    await writeSession(t.redis, 's1', evenSpecs(3, 1));
    // late past 150 ms: the two that wait ~300 ms for the connection
    const r = await replay(target.url, '--timeout', '300', '--connections', '1', '--late-after', '150');
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.totals).toMatchObject({ requests: 3, errors: 3 });
    const results: ReplayResult[] = [];
    for await (const x of readRunResults(t.redis, report.run)) results.push(x);
    // Which of the three gets the connection is the worker's business (all three fire in the same
    // turn); the two others wait for it until the holder's 300 ms timeout frees it, or their own
    // times out: late by at least that wait, never less (timeouts never fire early).
    const lateUs = results.map((x) => x.lateUs).sort((a, b) => b - a);
    expect(lateUs[1]).toBeGreaterThanOrEqual(290_000); // the two waits: the timeout, less the 1-2 ms between dues
    // the holder is late only if the box kept the worker from sending it on time (a timing, not the
    // behaviour under test); the report counts exactly those past --late-after
    expect(report.totals.late).toBe(lateUs.filter((us) => us > 150_000).length);
  });

  it('keeps firing when the target goes down mid-run and counts the refusals', async () => {
    target = await startArrivalTarget();
    const t0 = target;
    await writeSession(t.redis, 's1', evenSpecs(5, 10));
    const closing = (async () => {
      while (t0.arrivals.length < 10) await new Promise((res) => setTimeout(res, 20));
      await t0.close();
    })();
    const r = await replay(t0.url, '--rate', '20', '--duration', '2s');
    await closing;
    target = undefined;
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.totals.requests).toBe(40);
    expect(report.routes[0].errorKinds.refused).toBeGreaterThan(10);
  });

  it('replays only the selected methods and paths, with headers and paths transformed', async () => {
    target = await startArrivalTarget();
    await writeSession(t.redis, 's1', [
      { atMs: 0, url: '/items/1', headers: [['accept', 'application/json'], ['x-trace', 'abc']] },
      { atMs: 10, method: 'POST', url: '/items', reqBody: '{"name":"new"}', headers: [['content-type', 'application/json']] },
      { atMs: 20, url: '/admin/stats' },
      { atMs: 30, url: '/items/2?full=1' },
      { atMs: 40, url: '/items/3' },
    ]);
    const r = await replay(target.url, '--methods', 'GET', '--exclude', '/admin/**', '--limit', '2', '--set-header', 'authorization=Bearer staging-token', '--remove-header', 'x-trace', '--rewrite-path', '/items=/api/items');
    expect(r.code, r.stderr).toBe(0);
    expect(target.arrivals.map((a) => `${a.method} ${a.url}`)).toEqual(['GET /api/items/1', 'GET /api/items/2?full=1']);
    expect(target.arrivals[0]!.headers).toMatchObject({ authorization: 'Bearer staging-token', accept: 'application/json', host: new URL(target.url).host });
    expect(target.arrivals[0]!.headers['x-trace']).toBeUndefined();

    target.arrivals.length = 0;
    const post = await replay(target.url, '--filter', 'POST /items');
    expect(post.code, post.stderr).toBe(0);
    expect(target.arrivals.map((a) => [a.method, a.url, a.body])).toEqual([['POST', '/items', '{"name":"new"}']]);

    const none = await replay(target.url, '--filter', 'DELETE /**');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no record of session "s1" matches the selection \(5 records looked at\)/);
  });
});
