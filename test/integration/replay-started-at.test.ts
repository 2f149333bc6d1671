import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunStatus } from '../../shared/replay/run.js';
import { isFinal, loadRunDef, runStatus } from '../../shared/replay/store.js';
import { runCli } from '../helpers/cli.js';
import type { TestRedis } from '../helpers/redis.js';
import { closeReplayCluster, openReplayCluster, startWorker, type ArrivalTarget } from './replay-fixtures.js';

/**
 * A run's `startedAt` (`runs show`, the report) is when its shared clock
 * started — its first request was due — not when it was created or a worker
 * took its first chunk ahead of time to load records and warm up.
 */

/** The arrival clock of the target and the workers' clocks are read in different processes. */
const CLOCKS_MS = 50;

describe("a run's start", () => {
  let t: TestRedis;
  let target: ArrivalTarget;
  const workers: ChildProcess[] = [];
  const env = (startDelayMs: number) => ({ PARITY_REDIS_URL: t.url, PARITY_REPLAY_START_DELAY_MS: String(startDelayMs), PARITY_REPLAY_WINDOW_MS: '500' });

  beforeEach(async () => {
    ({ t, target } = await openReplayCluster());
  });
  afterEach(() => closeReplayCluster({ t, target, workers }));

  const replay = async (startDelayMs: number, ...args: string[]) => {
    const r = await runCli(['replay', '--session', 's1', '--target', target.url, '--json', '--rate', '20', '--duration', '1s', '--max-p99-regression', '1000', ...args], { env: env(startDelayMs) });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { run: string; startedAt?: number };
  };
  const show = async (run: string) => {
    const r = await runCli(['runs', 'show', run, '--json'], { env: env(0) });
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { run: RunStatus }).run;
  };
  const firstArrival = () => Math.min(...target.arrivals.map((a) => a.at));

  it('is the shared start time its first request was due at, not its creation', async () => {
    workers.push(await startWorker(t.url));
    // the worker takes the first chunks at once (they are available 3 s before they are due)
    const report = await replay(2000, '--wait');
    const s = await show(report.run);
    const def = await loadRunDef(t.redis, report.run);

    expect(s.state).toBe('done');
    expect(s.startedAt).toBe(Math.floor(def.startAtUs / 1000));
    expect(s.startedAt! - s.createdAt).toBeGreaterThanOrEqual(2000 - CLOCKS_MS);
    expect(firstArrival()).toBeGreaterThanOrEqual(s.startedAt! - CLOCKS_MS);
    expect(report.startedAt).toBe(s.startedAt);
  });

  it('is when a worker took its first chunk when none was there when it was due', async () => {
    const { run } = await replay(100);
    const def = await loadRunDef(t.redis, run);
    expect((await show(run)).state).toBe('queued');
    const beforeWorker = Date.now();
    expect(beforeWorker).toBeGreaterThan(def.startAtUs / 1000);
    workers.push(await startWorker(t.url));
    let s = await show(run);
    for (let polls = 0; polls < 100 && !isFinal(s.state); polls++) {
      await new Promise((r) => setTimeout(r, 300));
      s = await runStatus(t.redis, run);
    }

    expect(s.state).toBe('done');
    expect(s.startedAt).toBeGreaterThanOrEqual(beforeWorker - CLOCKS_MS);
    expect(firstArrival()).toBeGreaterThanOrEqual(s.startedAt! - CLOCKS_MS);
  });
});
