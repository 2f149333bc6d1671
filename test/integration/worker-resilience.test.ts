import type { ChildProcess } from 'node:child_process';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueue } from '../../shared/queue/queues.js';
import { keys, queues } from '../../shared/redis/keys.js';
import { readRunResults } from '../../shared/replay/result-stream.js';
import type { ChunkOutcome } from '../../shared/replay/run.js';
import { runStatus } from '../../shared/replay/store.js';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import type { TestRedis } from '../helpers/redis.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { closeReplayCluster, evenSpecs, openReplayCluster, startWorker, writeSession, type ArrivalTarget } from './replay-fixtures.js';
import { until } from '../helpers/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


describe('replay workers', () => {
  let t: TestRedis;
  let target: ArrivalTarget;
  const workers: ChildProcess[] = [];
  const env = () => ({ PARITY_REDIS_URL: t.url, PARITY_REPLAY_START_DELAY_MS: '700', PARITY_REPLAY_WINDOW_MS: '500' });

  beforeEach(async () => {
    ({ t, target } = await openReplayCluster());
  });
  afterEach(() => closeReplayCluster({ t, target, workers }));

  const start = async (...args: string[]) => {
    const r = await runCli(['replay', '--session', 's1', '--target', target.url, '--json', ...args], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout).run as string;
  };
  const status = (run: string) => runStatus(t.redis, run);
  /** Resolves once no chunk is running or queued any more: every request a worker fired has settled. */
  const workersStopped = async () => {
    const queue = openQueue(queues.replay, t.url);
    try {
      await until('the workers to stop their chunks', async () => Object.values(await queue.getJobCounts('active', 'wait', 'delayed', 'prioritized')).every((n) => n === 0) || undefined);
    } finally {
      await queue.close();
    }
  };
  const outcomes = async (run: string) => Object.values(await t.redis.hgetall(keys.runChunks(run))).map((x) => JSON.parse(x) as ChunkOutcome);

  it('two workers split one run and its statistics merge exactly', async () => {
    workers.push(...(await Promise.all([startWorker(t.url, { PARITY_WORKER_CONCURRENCY: '4' }), startWorker(t.url, { PARITY_WORKER_CONCURRENCY: '4' })])));
    const r = await runCli(['replay', '--session', 's1', '--target', target.url, '--json', '--wait', '--rate', '60', '--duration', '2s', '--lanes', '4', '--max-p99-regression', '1000'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.totals).toMatchObject({ requests: 120, errors: 0, diffs: 0 });
    expect(target.arrivals).toHaveLength(120);
    const byWorker = new Set((await outcomes(report.run)).map((o) => o.worker));
    expect(byWorker.size).toBe(2);
  });

  it('a worker killed mid-run has its chunks taken over: no result lost, none counted twice', async () => {
    const fast = { PARITY_WORKER_LOCK_MS: '1500', PARITY_WORKER_STALLED_INTERVAL_MS: '700' };
    const doomed = await startWorker(t.url, fast);
    workers.push(doomed);
    const run = await start('--rate', '20', '--duration', '3s', '--lanes', '2', '--max-p99-regression', '1000');
    await until('the first requests', () => target.arrivals.length >= 8 || undefined);
    doomed.kill('SIGKILL');
    workers.push(await startWorker(t.url, fast));
    const s = await until('the run to end', async () => {
      const st = await status(run);
      return st.state === 'done' ? st : undefined;
    }, 40_000);
    expect(s.chunks).toMatchObject({ total: 12, done: 12, failed: 0 });
    const rep = await runCli(['report', run, '--format', 'json'], { env: env() });
    expect(rep.code, rep.stderr).toBe(0);
    const report = JSON.parse(rep.stdout);
    expect(report.totals.requests).toBe(60); // every planned request, once
    expect(target.arrivals.length).toBeGreaterThanOrEqual(60); // at least once at the target
    expect(Number(await t.redis.hget(keys.runMeta(run), 'retriedChunks'))).toBeGreaterThan(0);
    // a taken-over chunk keeps its spacing from the takeover on, but its requests did not start on time
    expect(report.totals.late).toBeGreaterThan(0);
    // the results stream holds both attempts of a taken-over chunk; only the finished one counts
    const counted: number[] = [];
    for await (const x of readRunResults(t.redis, run)) counted.push(x.i);
    expect(counted.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    let all = 0;
    for await (const _ of readRunResults(t.redis, run, { allAttempts: true })) all++;
    expect(all).toBeGreaterThanOrEqual(60);
  });

  it('a chunk failed for good by a worker that died before telling its run is recorded by the next worker', async () => {
    const run = await start('--rate', '20', '--duration', '200ms');
    // a worker that fails every attempt and dies before its 'failed' handler runs: a bare BullMQ
    // worker on the queue, with no handler at all
    const connection = new Redis(t.url, { maxRetriesPerRequest: null });
    const crashing = new Worker(queues.replay, () => Promise.reject(new Error('out of memory')), { connection, prefix: keys.bullPrefix });
    const queue = openQueue(queues.replay, t.url);
    try {
      await until('the chunk failed for good', async () => (await queue.getFailedCount()) > 0 || undefined);
    } finally {
      await crashing.close();
      await queue.close();
      connection.disconnect();
    }
    expect((await status(run)).state).not.toBe('failed');

    workers.push(await startWorker(t.url));
    const ended = await until('the run failed', async () => ((await status(run)).state === 'failed' ? await status(run) : undefined), 10_000);
    expect(ended.error).toMatch(/chunk 0: out of memory/);
  });

  it('`runs cancel` stops every worker’s chunk promptly', async () => {
    workers.push(...(await Promise.all([startWorker(t.url), startWorker(t.url)])));
    const run = await start('--rate', '20', '--duration', '60s', '--max-p99-regression', '1000');
    await until('the first requests', () => target.arrivals.length >= 5 || undefined);
    // a report of a run still running does not pass: CI reporting without --wait got PASS on part of a run
    const running = await runCli(['report', run, '--format', 'json'], { env: env() });
    expect(running.code, running.stderr).toBe(1);
    expect(JSON.parse(running.stdout)).toMatchObject({ state: 'running', verdict: 'fail' });
    expect(running.stderr).toMatch(/still running/);
    const c = await runCli(['runs', 'cancel', run, '--json'], { env: env() });
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toEqual({ run, state: 'cancelled' });
    // counted from when the cancel returned (a CLI start can take seconds on a loaded machine):
    // workers see the flag within a poll interval, so at most a second of 20 req/s follows
    const atCancel = target.arrivals.length;
    await workersStopped();
    const after = target.arrivals.length;
    // nothing more arrives for at least a second, while the three read-only commands below run
    const quiet = sleep(1000);
    const [show, listed, report] = await Promise.all([
      runCli(['runs', 'show', run, '--json'], { env: env() }),
      runCli(['runs', 'list', '--json'], { env: env() }),
      runCli(['report', run, '--format', 'json'], { env: env() }),
    ]);
    await quiet;
    expect(target.arrivals.length).toBe(after);
    expect(after - atCancel).toBeLessThan(40);
    expect(JSON.parse(show.stdout).run).toMatchObject({ id: run, state: 'cancelled', session: 's1' });
    const list = JSON.parse(listed.stdout);
    expect(list.runs.map((x: { id: string; state: string }) => [x.id, x.state])).toEqual([[run, 'cancelled']]);
    expect(report.code, report.stderr).toBe(1);
    expect(JSON.parse(report.stdout)).toMatchObject({ state: 'cancelled', verdict: 'fail' });
    expect(JSON.parse(report.stdout).gate.reasons).toContainEqual(expect.objectContaining({ rule: 'run-not-done' }));
  });

  it('Ctrl-C on `replay --wait` takes every chunk of the run off the queue before it exits', async () => {
    // no worker: the run stays queued, 1,800 windows × 4 lanes of chunks waiting in BullMQ
    const child = spawnCli(['replay', '--session', 's1', '--target', target.url, '--wait', '--rate', '20', '--duration', '1h'], { env: { PARITY_REDIS_URL: t.url } });
    await waitForOutput(child, /run r-[0-9a-z]+-[0-9a-f]{6}/);
    const queue = openQueue(queues.replay, t.url);
    try {
      await until('the chunks to be queued', async () => ((await queue.getJobCounts('delayed')).delayed ?? 0) >= 7000 || undefined);
      const code = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await code).toBe(3);
      expect(await queue.getJobCounts('delayed', 'wait')).toEqual({ delayed: 0, wait: 0 });
    } finally {
      await queue.close();
    }
  });

  it('Ctrl-C while the run is still being queued cancels it once it exists, and exits 3', async () => {
    // a server of its own, whose writes are paused: the CLI is held inside run creation
    const server = await startRedisServer();
    const redis = new Redis(server.url);
    let queue: ReturnType<typeof openQueue> | undefined;
    try {
      await writeSession(redis, 's1', evenSpecs(10, 20));
      await redis.call('CLIENT', 'PAUSE', '60000', 'WRITE');
      const child = spawnCli(['replay', '--session', 's1', '--target', target.url, '--wait', '--rate', '20', '--duration', '1h'], { env: { PARITY_REDIS_URL: server.url } });
      const code = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await until('the CLI to wait on its first write', async () => Number(/blocked_clients:(\d+)/.exec(await redis.info('clients'))?.[1]) > 0 || undefined, 30_000);
      child.kill('SIGINT');
      await waitForOutput(child, /cancelled as soon as it is queued/);
      await redis.call('CLIENT', 'UNPAUSE');
      expect(await code).toBe(3);
      // opened only now: a client opened during the pause would wait on its own first write, and be counted above
      queue = openQueue(queues.replay, server.url);
      expect(await queue.getJobCounts('delayed', 'wait', 'active')).toEqual({ delayed: 0, wait: 0, active: 0 });
      const list = JSON.parse((await runCli(['runs', 'list', '--json'], { env: { PARITY_REDIS_URL: server.url } })).stdout);
      expect(list.runs.map((x: { state: string }) => x.state)).toEqual(['cancelled']);
    } finally {
      await redis.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      await queue?.close();
      redis.disconnect();
      await server.stop();
    }
  });

  it('Ctrl-C on `replay --wait` cancels the run and exits 3', async () => {
    workers.push(await startWorker(t.url));
    const child = spawnCli(['replay', '--session', 's1', '--target', target.url, '--wait', '--rate', '20', '--duration', '60s'], { env: env() });
    const line = await waitForOutput(child, /run r-[0-9a-z]+-[0-9a-f]{6}/);
    const run = line.slice(4);
    await until('the first requests', () => target.arrivals.length >= 5 || undefined);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await code).toBe(3);
    expect(stderr).toMatch(/PARITY_ERR_RUN_CANCELLED/);
    expect((await status(run)).state).toBe('cancelled');
    // the CLI gives running chunks only a while to report: on a loaded box the worker may still be stopping
    await workersStopped();
    const n = target.arrivals.length;
    await sleep(1000);
    expect(target.arrivals.length).toBe(n);
  });
});
