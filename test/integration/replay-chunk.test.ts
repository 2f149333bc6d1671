import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { Job, Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DIFF_RULES } from '../../shared/diff/rules.js';
import { createLogger } from '../../shared/log.js';
import { openQueue } from '../../shared/queue/queues.js';
import { keys, queues } from '../../shared/redis/keys.js';
import { DEFAULT_GATE } from '../../shared/report/gate.js';
import { createRun, type RunRequest } from '../../shared/replay/create.js';
import type { ChunkSpec } from '../../shared/replay/chunk.js';
import { readRunResults } from '../../shared/replay/result-stream.js';
import { runReport } from '../../shared/replay/report.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { chunkJobId, type ChunkJobData, type ReplayRunDef } from '../../shared/replay/run.js';
import { cancelRun, finishChunk, listRuns, markRunning, mergedStats, runStatus } from '../../shared/replay/store.js';
import { RunStats } from '../../shared/diff/stats.js';
import { DiffThread } from '../../services/worker/diff-thread.js';
import { TargetPools } from '../../services/worker/pools.js';
import { runReplayChunk, RunCache, type ReplayWorkerContext } from '../../services/worker/replay-chunk.js';
import { MISSING_RECORDS_ROUTE } from '../../services/worker/replay-send.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { startArrivalTarget, writeSession, type ArrivalTarget, type RecordSpec } from './replay-fixtures.js';

/**
 * Chunks run by hand, the way a worker runs a BullMQ job, against a real
 * Redis and a real target: the run's chunk jobs wait in BullMQ, untaken.
 */

/** JSON nested `depth` levels deep around `leaf`. */
const nested = (depth: number, leaf: string) => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;

describe('a replay chunk', () => {
  let t: TestRedis;
  let target: ArrivalTarget;
  let queue: Queue<ChunkJobData>;
  let diffs: DiffThread;
  let pools: TargetPools;
  /** What the target answers instead of its usual JSON, by path. */
  let answers: Map<string, string>;
  /** How long the target takes to answer. */
  let delayMs: number;

  beforeEach(async () => {
    t = await testRedis();
    answers = new Map();
    delayMs = 0;
    target = await startArrivalTarget((req, res) => {
      const body = answers.get(req.url ?? '');
      if (body === undefined) return delayMs > 0 ? { delayMs } : undefined;
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return 'handled';
    });
    queue = openQueue<ChunkJobData>(queues.replay, t.url);
    diffs = new DiffThread({ key: 'chunk-test-key-0123456789', rules: undefined });
    pools = new TargetPools();
  });
  afterEach(async () => {
    await pools.close();
    await diffs.close();
    await queue.close();
    await target.close();
    await t.cleanup();
  });

  const worker = (): ReplayWorkerContext => ({ redis: t.redis, pools, log: createLogger({ level: 'silent' }), workerId: 'w-test', runs: new RunCache(), diffs, anonymise: createRecordAnonymiser({ key: 'chunk-test-key-0123456789' }), cancelPollMs: 100 });

  /** A run of a session of `specs`, due shortly; one window, one lane unless `over` says otherwise. */
  async function newRun(specs: RecordSpec[], over: Partial<RunRequest> = {}): Promise<{ def: ReplayRunDef; chunks: ChunkSpec[] }> {
    await writeSession(t.redis, 's', specs);
    const def = await createRun(t.redis, queue, {
      session: 's', target: target.url, profile: { kind: 'as-recorded', speed: 1 }, selection: {}, transform: { setHeaders: [], removeHeaders: [], rewritePaths: [] },
      mode: 'shape', rules: DEFAULT_DIFF_RULES, gate: DEFAULT_GATE, timeoutMs: 5000, connections: 4, lateAfterMs: 50, maxBodyBytes: 1_048_576,
      resultBodyBytes: 256, resultsMaxLen: 10_000, lanes: 1, windowMs: 2000, retentionSeconds: 3600, startDelayMs: 200, ...over,
    });
    const chunks: ChunkSpec[] = [];
    for (let k = 0; k < def.chunks; k++) chunks.push((await queue.getJob(chunkJobId(def.id, k)))!.data.spec);
    return { def, chunks };
  }

  /** Runs one chunk as a worker runs its job's `attemptsStarted`th attempt. */
  const runChunk = (def: ReplayRunDef, spec: ChunkSpec, attemptsStarted = 1, ctx = worker()) =>
    runReplayChunk(ctx, { data: { run: def.id, spec }, attemptsStarted } as unknown as Job<ChunkJobData>);

  const counted = async (run: string) => {
    const out = [];
    for await (const r of readRunResults(t.redis, run)) out.push(r);
    return out;
  };

  it('counts a request whose comparison cannot finish, on the firing thread and on the diff thread', async () => {
    // 8,000 levels in 16 KB is compared on the firing thread, 100,000 levels in 200 KB on the diff thread
    const small = 8000;
    const large = 100_000;
    const { def, chunks } = await newRun([
      { atMs: 0, url: '/items/1', rawBody: nested(small, '1') },
      { atMs: 1, url: '/items/2', rawBody: nested(large, '1') },
    ]);
    answers.set('/items/1', nested(small, '"x"'));
    answers.set('/items/2', nested(large, '"x"'));
    expect(chunks).toHaveLength(1);

    expect(await runChunk(def, chunks[0]!)).toBe('done');

    expect(target.arrivals).toHaveLength(2);
    const route = (await mergedStats(t.redis, def.id)).routes.get('GET /items/:id');
    expect(route).toMatchObject({ requests: 2, compared: 2, skipped: { 'compare-failed': 2 } });
    expect((await counted(def.id)).map((r) => [r.url, r.status]).sort()).toEqual([['/items/1', 200], ['/items/2', 200]]);
  });

  it("anonymises the target's answers before they are compared, counted or stored", async () => {
    // staging seeded from production: its answers hold the real values the recorded answers had
    const email = 'priya.sharma@acmecorp.in';
    const { def, chunks } = await newRun([
      { atMs: 0, url: '/items/1', body: { contact: 'someone@example.org' } },
      { atMs: 1, url: '/items/2', body: { pad: 'p'.repeat(40_000) } },
    ], { mode: 'exact' });
    answers.set('/items/1', JSON.stringify({ contact: email, phone: '9876543210' }));
    answers.set('/items/2', JSON.stringify({ contact: email, pad: 'p'.repeat(40_000) }));
    expect(await runChunk(def, chunks[0]!)).toBe('done');
    const stored = [JSON.stringify((await mergedStats(t.redis, def.id)).toJSON()), ...(await counted(def.id)).map((r) => `${JSON.stringify(r.headers)} ${r.body?.bytes.toString() ?? ''}`)].join('\n');
    expect(stored).toContain('acmecorp'.length > 0 ? '@' : '');
    expect(stored).not.toContain(email);
    expect(stored).not.toContain('9876543210');
  });

  it('stores no part of a value that the kept prefix of a large answer cuts through', async () => {
    // a large answer goes to the diff thread; the results stream keeps its first resultBodyBytes (256
    // here). An address straddling byte 256, cut before it is anonymised, is too short to be found
    // (`…@acmecorp.i`) and would stay raw.
    const email = 'priya.sharma@acmecorp.in';
    const head = `{"pad":"${'p'.repeat(256 - 23 - '{"pad":"'.length - '","contact":"'.length)}","contact":"`;
    const body = `${head}${email}","more":"${'m'.repeat(40_000)}"}`;
    expect(body.slice(0, 256).endsWith('priya.sharma@acmecorp.i')).toBe(true);
    const { def, chunks } = await newRun([{ atMs: 0, url: '/items/1', body: { pad: 'q'.repeat(40_000) } }]);
    answers.set('/items/1', body);
    expect(await runChunk(def, chunks[0]!)).toBe('done');
    const [result] = await counted(def.id);
    expect(result!.body!.bytes.length).toBeGreaterThan(0);
    expect(result!.body!.bytes.toString()).not.toContain('priya.sharma');
  });

  it("anonymises a large answer before it is counted when the diff thread fails", async () => {
    // the thread anonymises what it compares; when it fails the loop counts the exchange by status,
    // and a status that differs keeps an example with the first KiB of both answers' bodies
    const email = 'priya.sharma@acmecorp.in';
    class FailingDiffs extends DiffThread {
      override diff(): Promise<never> {
        return Promise.reject(new Error('thread gone'));
      }
    }
    const failing = new FailingDiffs({ key: 'chunk-test-key-0123456789', rules: undefined });
    try {
      const { def, chunks } = await newRun([{ atMs: 0, url: '/items/1', status: 201, body: { pad: 'q'.repeat(40_000) } }]);
      answers.set('/items/1', JSON.stringify({ contact: email, phone: '9876543210', pad: 'p'.repeat(40_000) }));
      expect(await runChunk(def, chunks[0]!, 1, { ...worker(), diffs: failing })).toBe('done');
      const stats = JSON.stringify((await mergedStats(t.redis, def.id)).toJSON());
      expect(stats).toContain('"status":200');
      const stored = [stats, ...(await counted(def.id)).map((r) => `${JSON.stringify(r.headers)} ${r.body?.bytes.toString() ?? ''}`)].join('\n');
      expect(stored).not.toContain(email);
      expect(stored).not.toContain('9876543210');
    } finally {
      await failing.close();
    }
  });

  it('stops every virtual user of a failed closed-model attempt before the failure is reported', async () => {
    delayMs = 30;
    const { def, chunks } = await newRun([{ atMs: 0, url: '/items/0' }, { atMs: 1, url: '/items/1' }, { atMs: 2, url: '/items/2' }], {
      profile: { kind: 'constant-concurrency', vus: 3, durationMs: 1500 },
    });
    // The second record fails the first user that takes it, as a bug would
    // (the users' requests, the target and Redis are all real).
    const ctx = worker();
    const { records } = await ctx.runs.get(t.redis, def.id);
    const load = records.get.bind(records);
    records.get = async (...args) => {
      const got = await load(...args);
      const r = got.get(1);
      if (r) got.set(1, failingOnce(r));
      return got;
    };

    await expect(runChunk(def, chunks[0]!, 1, ctx)).rejects.toThrow('a bug');

    const sent = target.arrivals.length;
    expect(target.inFlight).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(target.arrivals.length).toBe(sent);
  });

  it('gives up a closed-model window whose session was trimmed away, counting each lost record once', async () => {
    const { def, chunks } = await newRun([{ atMs: 0, url: '/items/0' }, { atMs: 1, url: '/items/1' }, { atMs: 2, url: '/items/2' }, { atMs: 3, url: '/items/3' }], {
      profile: { kind: 'constant-concurrency', vus: 2, durationMs: 1000 },
    });
    await t.redis.xtrim(keys.sessionStream('s'), 'MAXLEN', 0);

    expect(await runChunk(def, chunks[0]!)).toBe('done');

    expect(target.arrivals).toHaveLength(0);
    const stats = await mergedStats(t.redis, def.id);
    expect(totals(stats)).toEqual({ requests: 4, skipped: { 'record-missing': 4 } });
    // their method and URL went with them: not reported as the site's root
    expect([...stats.routes.keys()]).toEqual([MISSING_RECORDS_ROUTE]);
    expect((await counted(def.id)).map((r) => r.error)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
  });

  it('fails the gate of a run that sent no request because every record was skipped', async () => {
    const { def, chunks } = await newRun([{ atMs: 0, url: '/items/0' }, { atMs: 1, url: '/items/1' }]);
    await t.redis.xtrim(keys.sessionStream('s'), 'MAXLEN', 0);
    for (const spec of chunks) expect(await runChunk(def, spec)).toBe('done');

    expect(target.arrivals).toHaveLength(0);
    const { report } = await runReport(t.redis, def.id);
    expect(report.totals).toMatchObject({ requests: 2, compared: 0, errors: 0 });
    expect(report.verdict).toBe('fail');
    expect(report.gate.reasons).toEqual([expect.objectContaining({ rule: 'nothing-sent', value: 0 })]);
    expect(report.gate.reasons[0]!.message).toMatch(/no request reached the target: all 2 were skipped \(record-missing ×2\)/);
    // the live progress says so too, rather than "2/2 sent"
    expect((await runStatus(t.redis, def.id)).progress).toMatchObject({ planned: 2, sent: 0, skipped: 2, errors: 0 });
  });

  it('counts nothing of a request whose baseline answers the cancel cut off, though the target answered', async () => {
    const baseline = await startArrivalTarget(() => ({ delayMs: 5000 }));
    try {
      const { def, chunks } = await newRun([{ atMs: 0, url: '/items/0' }], { baseline: baseline.url, mode: 'exact' });
      const done = runChunk(def, chunks[0]!);
      const deadline = Date.now() + 10_000;
      while ((target.arrivals.length < 1 || baseline.arrivals.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100)); // the target has answered; the baseline holds its two
      await cancelRun(t.redis, def.id);

      expect(await done).toBe('cancelled');
      expect(totals(await mergedStats(t.redis, def.id)).requests).toBe(0);
      expect(await counted(def.id)).toHaveLength(0);
    } finally {
      await baseline.close();
    }
  });

  it('keeps every key of a run as long as the run itself', async () => {
    const days = 24 * 3600;
    const { def, chunks } = await newRun([{ atMs: 0, url: '/items/0' }], { profile: { kind: 'constant-concurrency', vus: 1, durationMs: 300 }, retentionSeconds: 30 * days });
    expect(await runChunk(def, chunks[0]!)).toBe('done');
    await cancelRun(t.redis, def.id); // too late to stop anything, but it writes the cancel flag

    const runKeys = (await t.redis.keys('parity:run:*')).filter((k) => k.includes(def.id));
    expect(runKeys.map((k) => k.slice(k.lastIndexOf(':') + 1)).sort()).toEqual(['cancel', 'chunks', 'cursor', 'meta', 'progress', 'results', 'selection', 'stats']);
    const metaExpiry = await t.redis.expiretime(keys.runMeta(def.id));
    expect(metaExpiry - Date.now() / 1000).toBeGreaterThan(29 * days);
    for (const k of runKeys) expect([k, await t.redis.expiretime(k)]).toEqual([k, metaExpiry]);
  });

  it('keeps a run longer than its retention until the retention has passed after its planned end', async () => {
    const { def } = await newRun([{ atMs: 0, url: '/items/0' }], { profile: { kind: 'constant-rate', rate: 1, durationMs: 600_000 }, retentionSeconds: 60 });
    const left = (await t.redis.expiretime(keys.runMeta(def.id))) - Date.now() / 1000;
    // ten minutes of schedule, then the minute of retention
    expect(left).toBeGreaterThan(600 + 55);
    expect(left).toBeLessThan(600 + 60 + 30);
  });

  it('is not brought back by a chunk that runs after its run expired, and `runs list` still lists the others', async () => {
    const { def: gone, chunks } = await newRun([{ atMs: 0, url: '/items/0' }]);
    const { def: kept } = await newRun([{ atMs: 0, url: '/items/1' }]);
    const ctx = worker();
    await ctx.runs.get(t.redis, gone.id); // the worker holds the definition from an earlier chunk
    await t.redis.del(keys.runMeta(gone.id), keys.runSelection(gone.id)); // then the run expires

    await runChunk(gone, chunks[0]!, 1, ctx);

    expect(await t.redis.exists(keys.runMeta(gone.id))).toBe(0);
    expect((await listRuns(t.redis)).map((r) => r.id)).toEqual([kept.id]);
  });

  it('is not fired again once an attempt finished, and a later attempt never replaces the counted one', async () => {
    const { def, chunks } = await newRun([{ atMs: 0, url: '/items/0' }, { atMs: 1, url: '/items/1' }]);
    const spec = chunks[0]!;
    expect(await runChunk(def, spec)).toBe('done');
    const recorded = async () => ({ outcome: await t.redis.hget(keys.runChunks(def.id), '0'), stats: await t.redis.hget(keys.runStats(def.id), '0') });
    const first = await recorded();
    expect(target.arrivals).toHaveLength(2);

    // delivered again (its job was not completed in time): nothing is sent, nothing changes
    expect(await runChunk(def, spec, 2)).toBe('done');
    expect(target.arrivals).toHaveLength(2);
    expect(await recorded()).toEqual(first);

    // another attempt that ran meanwhile finishes second: it is not counted
    const late = { state: 'done' as const, attempt: 'w-late.1.abcdef', worker: 'w-late', at: Date.now() };
    const finished = await finishChunk(t.redis, def, 0, late, new RunStats());
    expect(finished.counted).toEqual(JSON.parse(first.outcome!));
    expect(await recorded()).toEqual(first);
    const stats = totals(await mergedStats(t.redis, def.id));
    expect(stats.requests).toBe(2);
    expect(await counted(def.id)).toHaveLength(stats.requests);
  });

  it('ends the run when redelivered after its last chunk was recorded but the run not ended', async () => {
    const { def, chunks } = await newRun([{ atMs: 0, url: '/items/0' }]);
    expect(chunks).toHaveLength(1);
    // the attempt died right after the chunk's outcome was recorded, before the run was ended
    await markRunning(t.redis, def.id);
    const outcome = { state: 'done' as const, attempt: 'w-dead.1.abcdef', worker: 'w-dead', at: Date.now() };
    await t.redis.hset(keys.runChunks(def.id), '0', JSON.stringify(outcome));
    expect((await runStatus(t.redis, def.id)).state).toBe('running');
    expect(await runChunk(def, chunks[0]!, 2)).toBe('done');
    expect((await runStatus(t.redis, def.id)).state).toBe('done');
    expect(target.arrivals).toHaveLength(0);
  });

  it("reports a damaged chunk outcome when its results are read, naming the run, key and field, rather than crashing or counting none", async () => {
    const { def, chunks } = await newRun([{ atMs: 0, url: '/items/1' }, { atMs: 1, url: '/items/2' }]);
    expect(await runChunk(def, chunks[0]!)).toBe('done');
    expect(await counted(def.id)).toHaveLength(2);
    const good = (await t.redis.hget(keys.runChunks(def.id), '0'))!;
    for (const [field, damaged, problem] of [
      ['0', '{not json', /is not JSON/],
      ['0', JSON.stringify({ ...(JSON.parse(good) as object), attempt: 7 }), /is not a chunk outcome \(attempt: /],
      ['0', JSON.stringify({ state: 'done', worker: 'w', at: 1 }), /is not a chunk outcome \(attempt: /],
      ['zero', good, /is not a chunk number/],
    ] as const) {
      await t.redis.del(keys.runChunks(def.id));
      await t.redis.hset(keys.runChunks(def.id), field, damaged);
      const read = counted(def.id);
      await expect(read, damaged).rejects.toMatchObject({ code: 'PARITY_ERR_RUN_UNREADABLE' });
      await expect(read).rejects.toThrow(new RegExp(`^run ${def.id} cannot be read: field "${field}" of ${keys.runChunks(def.id).replace(/[{}]/g, '\\$&')} `));
      await expect(read).rejects.toThrow(problem);
    }
  });
});

/** Requests and skips over every route. */
function totals(stats: RunStats): { requests: number; skipped: Record<string, number> } {
  const out = { requests: 0, skipped: {} as Record<string, number> };
  for (const r of stats.routes.values()) {
    out.requests += r.requests;
    for (const [k, v] of Object.entries(r.skipped)) out.skipped[k] = (out.skipped[k] ?? 0) + v;
  }
  return out;
}

/** A copy of `r` whose method cannot be read the first time. */
function failingOnce(r: CaptureRecord): CaptureRecord {
  let failed = false;
  return Object.defineProperty({ ...r }, 'method', {
    get: () => {
      if (failed) return r.method;
      failed = true;
      throw new Error('a bug');
    },
  });
}
