import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueue } from '../../shared/queue/queues.js';
import { queues } from '../../shared/redis/keys.js';
import { cancelRunEverywhere } from '../../shared/replay/cancel.js';
import type { ChunkJobData, RunStatus } from '../../shared/replay/run.js';
import { runStatus } from '../../shared/replay/store.js';
import { runCli } from '../helpers/cli.js';
import type { TestRedis } from '../helpers/redis.js';
import { closeReplayCluster, openReplayCluster, startWorker, type ArrivalTarget } from './replay-fixtures.js';
import { until } from '../helpers/wait.js';

/**
 * What `runs show` says of a cancelled run: every chunk counted once (done,
 * failed or cancelled, none pending), and nothing moving once the run reads
 * cancelled — with real workers, a real redis-server and a slow target.
 */



describe('a cancelled run', () => {
  let t: TestRedis;
  let target: ArrivalTarget;
  const workers: ChildProcess[] = [];
  const env = () => ({ PARITY_REDIS_URL: t.url, PARITY_REPLAY_START_DELAY_MS: '700', PARITY_REPLAY_WINDOW_MS: '500' });

  // slow answers: a cancel always finds requests in flight
  beforeEach(async () => {
    ({ t, target } = await openReplayCluster(() => ({ delayMs: 400 })));
  });
  afterEach(() => closeReplayCluster({ t, target, workers }));

  const start = async (...args: string[]) => {
    const r = await runCli(['replay', '--session', 's1', '--target', target.url, '--json', '--rate', '20', '--duration', '30s', ...args], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout).run as string;
  };
  const cancel = async (run: string) => {
    const r = await runCli(['runs', 'cancel', run, '--json'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { run: string; state: string };
  };
  const show = async (run: string) => {
    const r = await runCli(['runs', 'show', run, '--json'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { run: RunStatus }).run;
  };
  /** Resolves once BullMQ holds no chunk any more: whatever a worker was running has stopped. */
  const queueEmpty = async () => {
    const queue = openQueue(queues.replay, t.url);
    try {
      await until('the queue to empty', async () => Object.values(await queue.getJobCounts('active', 'wait', 'delayed', 'prioritized')).every((n) => n === 0) || undefined, 30_000);
    } finally {
      await queue.close();
    }
  };
  const expectAllCounted = (s: RunStatus) => {
    const c = s.chunks;
    expect(c.pending, JSON.stringify(c)).toBe(0);
    expect(c.done + c.failed + c.cancelled, JSON.stringify(c)).toBe(c.total);
  };
  /** Requests the report counts: what the run's progress said was sent or skipped. */
  const expectReportMatches = async (run: string, s: RunStatus) => {
    const r = await runCli(['report', run, '--format', 'json'], { env: env() });
    expect(r.code, r.stderr).toBe(1); // a cancelled run does not pass
    expect(JSON.parse(r.stdout).totals.requests).toBe(s.progress.sent + s.progress.skipped);
  };

  it('counts every chunk once, and nothing moves after `runs cancel` returns', async () => {
    workers.push(...(await Promise.all([startWorker(t.url), startWorker(t.url)])));
    const run = await start('--lanes', '2');
    await until('the first answers', async () => (await runStatus(t.redis, run)).progress.sent >= 6 || undefined);

    // the code `runs cancel` runs, read back at once (a CLI's start-up would give the chunks time to stop)
    const queue = openQueue<ChunkJobData>(queues.replay, t.url);
    try {
      expect(await cancelRunEverywhere(t.redis, queue, run)).toBe('cancelled');
    } finally {
      await queue.close();
    }
    const first = await runStatus(t.redis, run);
    expect(first.state).toBe('cancelled');
    expectAllCounted(first);
    expect(first.chunks.cancelled).toBeGreaterThan(0);
    expect(first.progress.sent).toBeGreaterThan(0);
    expect(first.startedAt).toBeLessThanOrEqual(first.finishedAt!);

    await queueEmpty();
    expect(await show(run)).toEqual(JSON.parse(JSON.stringify(first)));
    await expectReportMatches(run, first);
  });

  it('counts the chunks of a run no worker took as cancelled', async () => {
    const run = await start();
    expect(await cancel(run)).toEqual({ run, state: 'cancelled' });
    const s = await show(run);
    expectAllCounted(s);
    expect(s.chunks.cancelled).toBe(s.chunks.total);
    expect(s.progress).toMatchObject({ sent: 0, skipped: 0 });
    await queueEmpty();
  });

  it('counts the chunk of a worker that died as cancelled once the cancel stops waiting for it', async () => {
    const doomed = await startWorker(t.url);
    workers.push(doomed);
    const run = await start('--lanes', '1');
    await until('the first requests', () => target.arrivals.length >= 3 || undefined);
    doomed.kill('SIGKILL');

    // its chunk stays locked in BullMQ for PARITY_WORKER_LOCK_MS (30 s): the cancel does not wait that long
    expect(await cancel(run)).toEqual({ run, state: 'cancelled' });
    const s = await show(run);
    expectAllCounted(s);
    expect(s.chunks.failed).toBe(0);
    expect(s.chunks.cancelled).toBeGreaterThan(0);
    await expectReportMatches(run, s);
  });
});
