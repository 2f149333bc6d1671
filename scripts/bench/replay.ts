/**
 * bench:replay — one `parity worker` process against a fast local target:
 *
 *  1. max throughput: a constant-concurrency run (closed model, C virtual
 *     users) against autocannon with C connections on the same target,
 *     alternated A/B after a warm-up; ratio worker/autocannon per pair and
 *     the median (target ≥ 0.8). A third side, the undici floor, is a bare
 *     undici Pool in a process of its own sending the same GET with the same
 *     connections and nothing else (no results, statistics or diffs): the
 *     most an undici-based worker could reach. Each side also reports the
 *     target's and redis-server's CPU per request, since all of them share
 *     the box's cores;
 *  2. constant-rate: achieved vs requested rate, from the recorded send times
 *     (target within 1 %);
 *  3. as-recorded at 2,000 req/s: lateness (actual send − scheduled) p50/p99/
 *     max over every request, three runs, the median p99 (target ≤ 5 ms).
 *
 * Everything on 127.0.0.1: a private redis-server, the target in its own
 * process, the worker in its own process (the real CLI), autocannon in this
 * one. Bounded: about two and a half minutes.
 *
 * To compare two versions of the worker on one box, alternate runs of
 *   BENCH_ONLY=as-recorded BENCH_AS_RECORDED_ROUNDS=4 BENCH_WORKER_ROOT=<checkout> npm run bench:replay
 * (run alone, the phase's first round is a fresh worker's first run, reported
 * apart as fresh_lateness_p99_ms; the median is over the later rounds).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { DEFAULT_DIFF_RULES } from '../../shared/diff/rules.js';
import { openQueue } from '../../shared/queue/queues.js';
import { newRecordId } from '../../shared/record/convert.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { keys, queues } from '../../shared/redis/keys.js';
import { DEFAULT_GATE } from '../../shared/report/gate.js';
import { createRun, type RunRequest } from '../../shared/replay/create.js';
import type { ReplayProfile } from '../../shared/replay/profile.js';
import type { ReplayResult } from '../../shared/replay/result.js';
import { readRunResults } from '../../shared/replay/result-stream.js';
import type { ChunkJobData } from '../../shared/replay/run.js';
import { isFinal, runStatus } from '../../shared/replay/store.js';
import { appendRecords, markSessionUpstream } from '../../shared/session/store.js';
import { watchMachine } from './machine.js';

const machine = watchMachine();

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONNECTIONS = 32;
const THROUGHPUT_S = 4;
const PAIRS = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForLine(child: ChildProcess, re: RegExp, ms = 20_000): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${seen.slice(-500)}`)), ms);
    const on = (d: Buffer) => {
      seen += d.toString();
      if (re.test(seen)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
  });
}

// The target: node:http answering 1 KiB of JSON, in its own process.
const TARGET = `
const http = require('node:http');
const body = Buffer.from(JSON.stringify({ id: 1, name: 'item', tags: ['a', 'b'], pad: 'x'.repeat(960) }));
http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body); }); })
  .listen(Number(process.argv[1]), '127.0.0.1', () => console.log('target ready'));`;

function record(i: number, ts: number): CaptureRecord {
  const body = Buffer.from(JSON.stringify({ id: 1, name: 'item', tags: ['a', 'b'], pad: 'x'.repeat(960) }));
  return {
    v: 1, id: newRecordId(ts), session: 'bench', ts, method: 'GET', url: `/items/${i % 50}`, httpVersion: '1.1', scheme: 'http',
    req: { headers: [['accept', 'application/json']], body: { bytes: Buffer.alloc(0), size: 0, truncated: false } },
    res: { status: 200, headers: [['content-type', 'application/json']], body: { bytes: body, size: body.length, truncated: false } },
    timing: { ttfbUs: 300, totalUs: 400 }, anonymised: [],
  };
}

const children: ChildProcess[] = [];
const stopAll = () => children.forEach((c) => c.kill('SIGKILL'));
process.on('exit', stopAll);
const deadline = setTimeout(() => {
  console.error('bench:replay exceeded 4 minutes; stopping');
  process.exit(1);
}, 240_000);
deadline.unref();

const redisPort = await freePort();
const redisChild = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: ['ignore', 'pipe', 'pipe'] });
children.push(redisChild);
await waitForLine(redisChild, /Ready to accept connections/);
const redisUrl = `redis://127.0.0.1:${redisPort}`;
const redis = new Redis(redisUrl);

const targetPort = await freePort();
const targetChild = spawn(process.execPath, ['-e', TARGET, String(targetPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
children.push(targetChild);
await waitForLine(targetChild, /target ready/);
const targetUrl = `http://127.0.0.1:${targetPort}`;

// BENCH_PROFILE=DIR writes CPU profiles of the worker and of each undici floor there (read them with Chrome DevTools);
// BENCH_WORKER_ARGS adds Node flags (e.g. --trace-gc, printed as the worker's stdout).
const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
const nodeArgs = [...profile, ...(process.env.BENCH_WORKER_ARGS?.split(' ').filter(Boolean) ?? [])];
// BENCH_WORKER_ROOT runs the worker of another checkout (a git worktree of an
// earlier commit, say) against the same target, to compare two versions.
const workerRoot = process.env.BENCH_WORKER_ROOT ? `${process.env.BENCH_WORKER_ROOT.replace(/\/$/, '')}/` : ROOT;
const worker = spawn(process.execPath, [...nodeArgs, `${workerRoot}bin/parity.mjs`, 'worker'], { env: { ...process.env, PARITY_FROM_SOURCE: '1', PARITY_REDIS_URL: redisUrl, PARITY_LOG_FORMAT: 'json', PARITY_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
children.push(worker);
worker.stderr.on('data', (d: Buffer) => {
  if (/"level":(40|50|60)/.test(d.toString())) process.stderr.write(d);
});
if (process.env.BENCH_WORKER_ARGS) worker.stdout.on('data', (d: Buffer) => process.stdout.write(d));
await sleep(4000); // the worker logs its ready line at info, which is off here

// 10,000 records 0.5 ms apart: as recorded, that is 2,000 req/s for 5 s.
const N = 10_000;
const t0 = 1_700_000_000_000_000;
await appendRecords(redis, Array.from({ length: N }, (_, i) => record(i, t0 + i * 500)), { maxLen: 1_000_000, bodyTtlSeconds: 3600 });
// as a capture would: the session names the production it came from, which replay refuses as a target
await markSessionUpstream(redis, 'bench', 'http://production.invalid');
const queue = openQueue<ChunkJobData>(queues.replay, redisUrl);

async function replay(profile: ReplayProfile, limit?: number): Promise<{ run: string; results: ReplayResult[]; requests: number }> {
  const req: RunRequest = {
    session: 'bench', target: targetUrl, profile, selection: limit ? { limit } : {}, transform: { setHeaders: [], removeHeaders: [], rewritePaths: [] },
    mode: 'shape', rules: DEFAULT_DIFF_RULES, gate: DEFAULT_GATE, timeoutMs: 10_000, connections: 256, lateAfterMs: 10, maxBodyBytes: 1_048_576,
    resultBodyBytes: 4096, resultsMaxLen: 1_000_000, lanes: 4, windowMs: 2000, retentionSeconds: 3600, startDelayMs: 2000,
  };
  const def = await createRun(redis, queue, req);
  for (;;) {
    const s = await runStatus(redis, def.id);
    if (isFinal(s.state)) {
      if (s.state !== 'done') throw new Error(`run ${def.id} ended ${s.state}: ${s.error ?? ''}`);
      break;
    }
    await sleep(200);
  }
  const results: ReplayResult[] = [];
  for await (const r of readRunResults(redis, def.id)) results.push(r);
  await redis.unlink(keys.runResults(def.id));
  return { run: def.id, results, requests: results.length };
}

/** CPU µs a process has used (Linux /proc; NaN elsewhere). */
function processCpuUs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * (1e6 / 100);
  } catch {
    return NaN;
  }
}

/** Throughput and CPU per request, the steadier figure on a shared box. */
interface Side {
  rps: number;
  cpuUsPerRequest: number;
  /** The target's and redis-server's CPU per request meanwhile: all share the box's cores. */
  targetUsPerRequest: number;
  redisUsPerRequest: number;
}

/** CPU of the target and redis-server since `others()` was called, per request. */
function others(): (requests: number) => { targetUsPerRequest: number; redisUsPerRequest: number } {
  const t0 = processCpuUs(targetChild.pid!);
  const r0 = processCpuUs(redisChild.pid!);
  return (requests) => ({ targetUsPerRequest: (processCpuUs(targetChild.pid!) - t0) / requests, redisUsPerRequest: (processCpuUs(redisChild.pid!) - r0) / requests });
}

// The undici floor: a bare Pool, closed loop of CONNECTIONS users, the body
// read and dropped. It prints its request count and CPU when told to stop.
const FLOOR = `
const { Pool } = require(process.argv[1]);
const origin = process.argv[2];
const pool = new Pool(origin, { connections: ${CONNECTIONS}, pipelining: 1, keepAliveTimeout: 10000 });
let n = 0, stop = false;
class H { constructor(next) { this.next = next; } onRequestStart() {} onResponseStart() {} onResponseData() {} onResponseEnd() { n++; this.next(); } onResponseError() { this.next(); } }
const one = () => { if (!stop) pool.dispatch({ origin, method: 'GET', path: '/items/1', headers: { accept: 'application/json' } }, new H(one)); };
for (let i = 0; i < ${CONNECTIONS}; i++) one();
const u0 = process.cpuUsage();
setTimeout(() => { stop = true; const u = process.cpuUsage(u0); console.log(JSON.stringify({ n, cpuUs: u.user + u.system })); process.exit(0); }, Number(process.argv[3]));`;

async function undiciFloorSide(seconds: number): Promise<Side> {
  const rest = others();
  // profiled beside the worker, the floor shows what the worker adds to undici
  const child = spawn(process.execPath, [...profile, '-e', FLOOR, `${ROOT}node_modules/undici`, targetUrl, String(seconds * 1000)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.once('exit', r));
  const { n, cpuUs } = JSON.parse(out) as { n: number; cpuUs: number };
  return { rps: n / seconds, cpuUsPerRequest: cpuUs / n, ...rest(n) };
}

async function workerSide(seconds: number): Promise<Side> {
  const c0 = processCpuUs(worker.pid!);
  const rest = others();
  const r = await replay({ kind: 'constant-concurrency', vus: CONNECTIONS, durationMs: seconds * 1000 });
  const cpu = processCpuUs(worker.pid!) - c0;
  const errors = r.results.filter((x) => x.error).length;
  if (errors > 0) console.log(`  worker: ${errors} errors`);
  return { rps: r.requests / seconds, cpuUsPerRequest: cpu / r.requests, ...rest(r.requests) };
}

async function autocannonSide(seconds: number): Promise<Side> {
  const u0 = process.cpuUsage();
  const rest = others();
  const result = await autocannon({ url: `${targetUrl}/items/1`, connections: CONNECTIONS, duration: seconds, headers: { accept: 'application/json' } });
  const u = process.cpuUsage(u0);
  return { rps: result.requests.total / seconds, cpuUsPerRequest: (u.user + u.system) / result.requests.total, ...rest(result.requests.total) };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

// BENCH_ONLY=throughput,constant-rate,as-recorded picks phases (all by default);
// BENCH_AS_RECORDED_ROUNDS repeats the as-recorded run, 3 by default: one run's p99
// rests on its 100 latest requests, and on a shared 2-core box it moved 4–60 ms
// between runs of the same code; the median of the rounds is reported.
const only = new Set((process.env.BENCH_ONLY ?? 'throughput,constant-rate,as-recorded').split(','));
const arRounds = Math.max(1, Number(process.env.BENCH_AS_RECORDED_ROUNDS) || 3);
const figures: string[] = [];

if (only.has('throughput')) {
  console.log(`bench:replay — target ${targetUrl} (1 KiB JSON), ${CONNECTIONS} connections / virtual users, ${THROUGHPUT_S} s per side, closed model`);
  await autocannonSide(1);
  await workerSide(2);
  await undiciFloorSide(1);
  const ratios: number[] = [];
  const floorRatios: number[] = [];
  const workerFigures: number[] = [];
  const cpuW: number[] = [];
  const cpuA: number[] = [];
  const cpuU: number[] = [];
  const cpuRest: number[] = [];
  for (let pair = 1; pair <= PAIRS; pair++) {
    const a = await autocannonSide(THROUGHPUT_S);
    const u = await undiciFloorSide(THROUGHPUT_S);
    const w = await workerSide(THROUGHPUT_S);
    ratios.push(w.rps / a.rps);
    floorRatios.push(u.rps / a.rps);
    workerFigures.push(w.rps);
    cpuW.push(w.cpuUsPerRequest);
    cpuA.push(a.cpuUsPerRequest);
    cpuU.push(u.cpuUsPerRequest);
    cpuRest.push(w.targetUsPerRequest + w.redisUsPerRequest);
    const cpu = (s: Side) => `${s.cpuUsPerRequest.toFixed(1)} CPU µs/req; target ${s.targetUsPerRequest.toFixed(1)}, redis ${s.redisUsPerRequest.toFixed(1)}`;
    console.log(`pair ${pair}: autocannon ${Math.round(a.rps)} req/s (${cpu(a)})`);
    console.log(`        undici floor ${Math.round(u.rps)} req/s (${cpu(u)}), ratio ${(u.rps / a.rps).toFixed(2)}`);
    console.log(`        parity worker ${Math.round(w.rps)} req/s (${cpu(w)}), ratio ${(w.rps / a.rps).toFixed(2)}`);
  }
  const ratio = median(ratios);
  console.log(
    `median ratio worker/autocannon ${ratio.toFixed(2)} (target ≥ 0.8), undici floor/autocannon ${median(floorRatios).toFixed(2)}; worker median ${Math.round(median(workerFigures))} req/s; CPU µs/req worker ${median(cpuW).toFixed(1)}, undici floor ${median(cpuU).toFixed(1)}, autocannon ${median(cpuA).toFixed(1)}`,
  );
  figures.push(
    `worker_over_autocannon=${ratio.toFixed(2)} undici_floor_over_autocannon=${median(floorRatios).toFixed(2)} worker_rps=${Math.round(median(workerFigures))} worker_cpu_us_per_req=${median(cpuW).toFixed(1)} undici_floor_cpu_us_per_req=${median(cpuU).toFixed(1)} autocannon_cpu_us_per_req=${median(cpuA).toFixed(1)} worker_side_target_redis_cpu_us_per_req=${median(cpuRest).toFixed(1)}`,
  );
}

if (only.has('constant-rate')) {
  // achieved vs requested, from the send times
  const RATE = 1000;
  const cr = await replay({ kind: 'constant-rate', rate: RATE, durationMs: 5000 });
  const sends = cr.results.map((r) => r.sentAtUs).sort((a, b) => a - b);
  const achieved = ((sends.length - 1) * 1e6) / (sends[sends.length - 1]! - sends[0]!);
  const rateError = Math.abs(achieved - RATE) / RATE;
  console.log(`constant-rate: requested ${RATE}/s for 5 s → ${cr.requests} requests (planned ${RATE * 5}), achieved ${achieved.toFixed(1)}/s, error ${(rateError * 100).toFixed(2)} %`);
  figures.push(`rate_error_pct=${(rateError * 100).toFixed(2)}`);
}

if (only.has('as-recorded')) {
  // 2,000 req/s: lateness over every request. When this phase runs first, its
  // first round is a fresh worker's first run (reported apart; the target is
  // warmed with autocannon first, as the throughput phase would have).
  const fresh = !only.has('throughput') && !only.has('constant-rate');
  if (fresh) await autocannonSide(1);
  const p99s: number[] = [];
  const maxes: number[] = [];
  const cpus: number[] = [];
  for (let round = 1; round <= arRounds; round++) {
    const arCpu0 = processCpuUs(worker.pid!);
    const ar = await replay({ kind: 'as-recorded', speed: 1 });
    const arCpuUs = (processCpuUs(worker.pid!) - arCpu0) / ar.requests;
    const late = ar.results.map((r) => r.lateUs).sort((a, b) => a - b);
    const [p50, p99, max] = [pct(late, 50), pct(late, 99), late[late.length - 1] ?? 0].map((us) => us / 1000);
    const label = fresh && round === 1 ? ' (fresh worker)' : '';
    console.log(`as-recorded 2,000 req/s${label}: ${ar.requests} requests, lateness p50 ${p50!.toFixed(2)} ms, p99 ${p99!.toFixed(2)} ms, max ${max!.toFixed(2)} ms; worker CPU ${arCpuUs.toFixed(1)} µs/req`);
    if (label) {
      figures.push(`fresh_lateness_p99_ms=${p99!.toFixed(2)} fresh_lateness_max_ms=${max!.toFixed(2)}`);
      if (arRounds > 1) continue;
    }
    p99s.push(p99!);
    maxes.push(max!);
    cpus.push(arCpuUs);
  }
  if (p99s.length > 1) console.log(`as-recorded over ${p99s.length} warm rounds: median p99 ${median(p99s).toFixed(2)} ms, median worker CPU ${median(cpus).toFixed(1)} µs/req`);
  figures.push(`lateness_p99_ms=${median(p99s).toFixed(2)} lateness_max_ms=${median(maxes).toFixed(2)} as_recorded_cpu_us_per_req=${median(cpus).toFixed(1)}`);
}

console.log(machine.report());
console.log(`RESULT replay ${figures.join(' ')}`);

await queue.close();
// A graceful stop lets --cpu-prof write its profile (SIGKILL would lose it).
const exited = new Promise((r) => worker.once('exit', r));
worker.kill('SIGTERM');
await Promise.race([exited, sleep(15_000)]);
redis.disconnect();
stopAll();
process.exit(0);
