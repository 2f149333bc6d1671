import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DIFF_RULES } from '../../shared/diff/rules.js';
import { createLogger } from '../../shared/log.js';
import { openQueue } from '../../shared/queue/queues.js';
import { nowUs } from '../../shared/record/convert.js';
import { queues } from '../../shared/redis/keys.js';
import { DEFAULT_GATE } from '../../shared/report/gate.js';
import { createRun } from '../../shared/replay/create.js';
import { cancelRun, deleteRun } from '../../shared/replay/store.js';
import type { ChunkJobData } from '../../shared/replay/run.js';
import { DiffThread } from '../../services/worker/diff-thread.js';
import { warmUp } from '../../services/worker/warm-up.js';
import { RecordSource } from '../../services/worker/record-source.js';
import { RunCache } from '../../services/worker/replay-chunk.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import type { Answer, ExchangeInput } from '../../shared/diff/types.js';
import { startArrivalTarget, writeSession, type ArrivalTarget } from './replay-fixtures.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

/** A run of `session` at `target`, due a minute from now (its chunks wait in BullMQ, untaken). */
const newRun = (t: TestRedis, target: ArrivalTarget, queue: Queue<ChunkJobData>, session: string, setHeaders: [string, string][] = []) =>
  createRun(t.redis, queue, {
    session, target: target.url, profile: { kind: 'as-recorded', speed: 1 }, selection: {}, transform: { setHeaders, removeHeaders: [], rewritePaths: [] },
    mode: 'shape', rules: DEFAULT_DIFF_RULES, gate: DEFAULT_GATE, timeoutMs: 5000, connections: 8, lateAfterMs: 10, maxBodyBytes: 1_048_576,
    resultBodyBytes: 4096, resultsMaxLen: 10_000, lanes: 1, windowMs: 2000, retentionSeconds: 3600, startDelayMs: 60_000,
  });

describe("a fresh worker's warm-up", () => {
  let t: TestRedis;
  let target: ArrivalTarget;
  let diffs: DiffThread;
  beforeEach(async () => {
    t = await testRedis();
    target = await startArrivalTarget();
    diffs = new DiffThread();
  });
  afterEach(async () => {
    await diffs.close();
    await target.close();
    await t.cleanup();
  });

  it("replays the chunk's records at a loopback server of its own: nothing reaches the target, nothing reaches Redis", async () => {
    const records = await writeSession(t.redis, 'warm', [
      { atMs: 0, url: '/items/1' },
      { atMs: 1, url: '/items/2', method: 'POST', reqBody: '{"qty":1}' },
      { atMs: 2, url: '/items/3', status: 404, body: { error: 'gone' } },
      // an answer large enough for the diff thread
      { atMs: 3, url: '/items/4', body: { pad: 'x'.repeat(40_000) } },
    ]);
    const queue = openQueue<ChunkJobData>(queues.replay, t.url);
    try {
      const def = await newRun(t, target, queue, 'warm', [['authorization', 'Bearer staging-token']]);
      const keysBefore = (await t.redis.keys('*')).sort();
      const streamLengths = async () => Promise.all(keysBefore.map(async (k) => ((await t.redis.type(k)) === 'stream' ? t.redis.xlen(k) : -1)));
      const lengthsBefore = await streamLengths();

      const r = await warmUp({ redis: t.redis, log: createLogger({ level: 'silent' }), diffs, anonymise: createRecordAnonymiser({ key: 'warm-test-key-0123456789' }) }, def, records, nowUs() + 20_000_000);

      expect(r).toEqual({ sent: 1500, errors: 0 });
      expect(target.arrivals).toHaveLength(0);
      expect((await t.redis.keys('*')).sort()).toEqual(keysBefore);
      expect(await streamLengths()).toEqual(lengthsBefore);
    } finally {
      await queue.close();
    }
  });

  it('stops at its deadline', async () => {
    const records = await writeSession(t.redis, 'warm', [{ atMs: 0, url: '/items/1' }]);
    const queue = openQueue<ChunkJobData>(queues.replay, t.url);
    try {
      const def = await newRun(t, target, queue, 'warm');
      // a deadline already past: each of the 16 users checks it before sending
      const r = await warmUp({ redis: t.redis, log: createLogger({ level: 'silent' }), diffs, anonymise: createRecordAnonymiser({ key: 'warm-test-key-0123456789' }) }, def, records, nowUs() - 1);
      expect(r.sent).toBe(0);
    } finally {
      await queue.close();
    }
  });
});

describe('a run’s records in a worker', () => {
  let t: TestRedis;
  let target: ArrivalTarget;
  beforeEach(async () => {
    t = await testRedis();
    target = await startArrivalTarget();
  });
  afterEach(async () => {
    await target.close();
    await t.cleanup();
  });

  it('loaded paced, are the records an unpaced load gives, bodies kept beside the stream included', async () => {
    const specs = Array.from({ length: 240 }, (_, i) => ({ atMs: i, url: `/items/${i}`, body: i % 40 === 0 ? { pad: 'y'.repeat(9000), i } : { i } }));
    await writeSession(t.redis, 'paced', specs);
    const queue = openQueue<ChunkJobData>(queues.replay, t.url);
    try {
      const def = await newRun(t, target, queue, 'paced');
      // a lane's stripe (every third index) and a consecutive block
      const indices = [...Array.from({ length: 80 }, (_, k) => k * 3), ...Array.from({ length: 90 }, (_, k) => 100 + k)];
      const flat = await new RecordSource(t.redis, def.id, 'paced').get(indices);
      const paced = await new RecordSource(t.redis, def.id, 'paced').get(indices, nowUs() + 300_000);
      expect(paced.size).toBe(new Set(indices).size);
      const view = (m: Map<number, CaptureRecord>) => [...m].sort((a, b) => a[0] - b[0]).map(([i, r]) => [i, r.url, r.res?.body.bytes.toString('base64')]);
      expect(view(paced)).toEqual(view(flat));
      expect(paced.get(120)?.res?.body.bytes.length).toBeGreaterThan(9000);
    } finally {
      await queue.close();
    }
  });

  it('keeps a run’s definition and records between its chunks, and forgets them once the run is dropped', async () => {
    await writeSession(t.redis, 'cached', [{ atMs: 0, url: '/items/1' }]);
    const queue = openQueue<ChunkJobData>(queues.replay, t.url);
    try {
      const def = await newRun(t, target, queue, 'cached');
      const runs = new RunCache();
      const first = await runs.get(t.redis, def.id);
      expect(await runs.get(t.redis, def.id)).toBe(first);
      runs.drop(def.id);
      const again = await runs.get(t.redis, def.id);
      expect(again).not.toBe(first);
      expect(again.def).toEqual(first.def);
    } finally {
      await queue.close();
    }
  });

  it('gives the chunks of a run that start together one definition and one record cache', async () => {
    await writeSession(t.redis, 'together', [{ atMs: 0, url: '/items/1' }]);
    const queue = openQueue<ChunkJobData>(queues.replay, t.url);
    try {
      const def = await newRun(t, target, queue, 'together');
      const runs = new RunCache();
      // one chunk per lane, as a worker takes them at the start of a window
      const [first, ...others] = await Promise.all(Array.from({ length: 4 }, () => runs.get(t.redis, def.id)));
      for (const other of others) expect(other).toBe(first);
      expect(runs.size).toBe(1);
    } finally {
      await queue.close();
    }
  });

  it('are forgotten by a sweep once the run ended elsewhere or expired, but not while a chunk here holds them', async () => {
    await writeSession(t.redis, 'swept', [{ atMs: 0, url: '/items/1' }]);
    const queue = openQueue<ChunkJobData>(queues.replay, t.url);
    try {
      const [ended, held, gone, live] = [await newRun(t, target, queue, 'swept'), await newRun(t, target, queue, 'swept'), await newRun(t, target, queue, 'swept'), await newRun(t, target, queue, 'swept')];
      const runs = new RunCache();
      for (const def of [ended, held, gone, live]) await runs.get(t.redis, def.id);
      const release = runs.hold(held.id);
      // ended by another worker (a cancel is the quickest way to a final state), deleted, or still queued
      await cancelRun(t.redis, ended.id);
      await cancelRun(t.redis, held.id);
      await deleteRun(t.redis, gone.id);
      await runs.sweep(t.redis);
      expect(runs.size).toBe(2); // held and live
      release();
      await runs.sweep(t.redis);
      expect(runs.size).toBe(1); // live
      const again = await runs.get(t.redis, live.id);
      expect(again.def.id).toBe(live.id);
    } finally {
      await queue.close();
    }
  });
});

describe('the diff thread', () => {
  it("learns a chunk's rules with its first large answer, and a chunk that handed none over collects empty stats", async () => {
    const diffs = new DiffThread();
    try {
      const big = (price: number): Answer => ({ status: 200, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify({ price, pad: 'z'.repeat(40_000) })), latencyUs: 900 });
      const input: ExchangeInput = { method: 'GET', url: '/items/7', route: 'GET /items/:id', recordId: 'r-1', reference: big(1), target: big(2), baselines: [], mode: 'shape', rules: DEFAULT_DIFF_RULES };
      diffs.open('a', 'shape', DEFAULT_DIFF_RULES);
      diffs.open('b', 'shape', DEFAULT_DIFF_RULES);
      // a number that changed value keeps its shape: no real difference in shape mode
      expect((await diffs.diff('a', input)).differences).toBe(0);
      expect((await diffs.diff('a', { ...input, target: { ...big(2), body: Buffer.from(JSON.stringify({ price: '2', pad: 'z'.repeat(40_000) })) } })).differences).toBe(1);
      const a = await diffs.collect('a');
      expect(a.routes.get('GET /items/:id')?.requests).toBe(2);
      expect((await diffs.collect('b')).routes.size).toBe(0);
    } finally {
      await diffs.close();
    }
  });
});
