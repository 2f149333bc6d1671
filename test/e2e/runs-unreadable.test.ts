import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareExchange, DEFAULT_DIFF_RULES, RunStats, type Answer, type ExchangeInput } from '../../shared/diff/index.js';
import { openQueue } from '../../shared/queue/queues.js';
import { keys, queues } from '../../shared/redis/keys.js';
import { DEFAULT_GATE } from '../../shared/report/gate.js';
import { createRun } from '../../shared/replay/create.js';
import type { ChunkJobData, ReplayRunDef } from '../../shared/replay/run.js';
import { finishChunk } from '../../shared/replay/store.js';
import { runCli } from '../helpers/cli.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { evenSpecs, writeSession } from '../integration/replay-fixtures.js';

/**
 * Runs whose keys were damaged in Redis (by hand, by another program, by a
 * half-restored backup): `runs list` goes on without them, and reading one
 * fails with PARITY_ERR_RUN_UNREADABLE naming the run and the key.
 */

const answer = (body: unknown): Answer => ({ status: 200, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(body)), latencyUs: 1200 });

/** How each copy of the good run is damaged, as the black-box review's mkbadrun.sh did it. */
const DAMAGE: Record<string, { key: (id: string) => string; damage: (t: TestRedis, id: string) => Promise<unknown> }> = {
  'r-otherid-000003': { key: keys.runMeta, damage: async (t, id) => t.redis.hset(keys.runMeta(id), 'def', JSON.stringify({ ...(JSON.parse((await t.redis.hget(keys.runMeta(id), 'def'))!) as object), id: 'r-mabc123-1f2e3d' })) },
  'r-badstat-000001': { key: keys.runStats, damage: (t, id) => t.redis.hset(keys.runStats(id), '0', '{not json') },
  'r-baddef-000002': { key: keys.runMeta, damage: (t, id) => t.redis.hset(keys.runMeta(id), 'def', '{"v":1}') },
  'r-wrongtyp-000004': { key: keys.runStats, damage: async (t, id) => t.redis.multi().del(keys.runStats(id)).set(keys.runStats(id), 'x').exec() },
  'r-statshap-000005': { key: keys.runStats, damage: (t, id) => t.redis.hset(keys.runStats(id), '0', '{"routes":5}') },
  'r-badstate-000007': { key: keys.runMeta, damage: (t, id) => t.redis.hset(keys.runMeta(id), 'state', 'weird') },
  'r-badchnk-000008': { key: keys.runChunks, damage: (t, id) => t.redis.hset(keys.runChunks(id), '0', '{"state":"exploded"}') },
  'r-badprog-000009': { key: keys.runProgress, damage: (t, id) => t.redis.hset(keys.runProgress(id), '0', 'lots of requests') },
};

/** The runs damaged where `runs list` reads (definition, state, chunk outcomes, progress). */
const UNLISTABLE = ['r-otherid-000003', 'r-baddef-000002', 'r-badstate-000007', 'r-badchnk-000008', 'r-badprog-000009'];

/** Does stderr name the run and the key, with a code and no raw internal message? */
function expectNamed(stderr: string, id: string, key: string): void {
  expect(stderr).toContain('PARITY_ERR_RUN_UNREADABLE');
  expect(stderr).toContain(id);
  expect(stderr).toContain(key);
  expect(stderr).toMatch(new RegExp(`^error PARITY_ERR_RUN_UNREADABLE: run ${id} cannot be read: .*${key.replace(/[{}]/g, '\\$&')}`));
  expect(stderr).not.toMatch(/PARITY_ERR_INTERNAL|Cannot read properties|WRONGTYPE Operation/);
}

describe('runs whose data in Redis is damaged', { timeout: 60_000 }, () => {
  let t: TestRedis;
  let target: TestServer;
  let queue: Queue<ChunkJobData>;
  let good: ReplayRunDef;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await testRedis();
    env = { PARITY_REDIS_URL: t.url };
    target = await startHttpServer((req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    queue = openQueue<ChunkJobData>(queues.replay, t.url);
    await writeSession(t.redis, 's', evenSpecs(4, 10));
    good = await createRun(t.redis, queue, {
      session: 's', target: target.url, profile: { kind: 'as-recorded', speed: 1 }, selection: {}, transform: { setHeaders: [], removeHeaders: [], rewritePaths: [] },
      mode: 'shape', rules: DEFAULT_DIFF_RULES, gate: DEFAULT_GATE, timeoutMs: 5000, connections: 4, lateAfterMs: 50, maxBodyBytes: 1_048_576,
      resultBodyBytes: 256, resultsMaxLen: 10_000, lanes: 1, windowMs: 2000, retentionSeconds: 3600, startDelayMs: 200,
    });
    // no worker: the run's chunks are finished by hand, each with what it compared
    await queue.obliterate({ force: true });
    for (let k = 0; k < good.chunks; k++) {
      const stats = new RunStats();
      const input: ExchangeInput = { method: 'GET', url: `/items/${k}`, reference: answer({ id: k }), target: answer({ id: k }), mode: 'shape', rules: DEFAULT_DIFF_RULES };
      stats.add(input, compareExchange(input));
      await finishChunk(t.redis, good, k, { state: 'done', attempt: 'a', worker: 'w', at: Date.now() }, stats, { sent: 1, errors: 0, late: 0, skipped: 0 });
    }
    for (const [id, { damage }] of Object.entries(DAMAGE)) {
      for (const key of [keys.runMeta, keys.runStats, keys.runChunks, keys.runProgress, keys.runSelection]) await t.redis.copy(key(good.id), key(id), 'REPLACE');
      await t.redis.hset(keys.runMeta(id), 'def', JSON.stringify({ ...good, id }));
      await t.redis.zadd(keys.runs, Date.now(), id);
      await damage(t, id);
    }
  }, 60_000);
  afterAll(async () => {
    await queue?.close();
    await target?.close();
    await t?.cleanup();
  });

  it('`runs list` lists the readable runs and names each unreadable one on stderr', async () => {
    const r = await runCli(['runs', 'list'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(good.id);
    // the list reads no statistics: runs damaged only there are listed
    for (const id of ['r-badstat-000001', 'r-wrongtyp-000004', 'r-statshap-000005']) expect(r.stdout).toContain(id);
    for (const id of UNLISTABLE) {
      expect(r.stdout).not.toContain(id);
      expect(r.stderr).toContain(id);
    }
    expect(r.stderr).not.toMatch(/PARITY_ERR_INTERNAL|Cannot read properties/);
  });

  it('`runs list --json` flags the unreadable runs beside the readable ones', async () => {
    const r = await runCli(['runs', 'list', '--json'], { env });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { runs: { id: string }[]; unreadable: { run: string; code: string; message: string }[] };
    expect(out.runs.map((x) => x.id)).toContain(good.id);
    expect(out.unreadable.map((u) => u.run).sort()).toEqual([...UNLISTABLE].sort());
    for (const u of out.unreadable) expect(u.code).toBe('PARITY_ERR_RUN_UNREADABLE');
  });

  it.each(Object.entries(DAMAGE))('`report %s` fails with an error naming the run and the key', async (id, { key }) => {
    const r = await runCli(['report', id, '--format', 'json'], { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expectNamed(r.stderr, id, key(id));
  });

  it('`runs show` of a run with an unreadable definition names the run and the key', async () => {
    const r = await runCli(['runs', 'show', 'r-baddef-000002', '--json'], { env });
    expect(r.code).toBe(3);
    expectNamed(r.stderr, 'r-baddef-000002', keys.runMeta('r-baddef-000002'));
  });

  it('the undamaged run still reports', async () => {
    const r = await runCli(['report', good.id, '--format', 'json'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { totals: { requests: number } }).totals.requests).toBe(good.chunks);
  });
});
