/**
 * bench:proxy — what `parity proxy` costs traffic (BENCHMARKS.md). 1 KiB
 * JSON answers from a node:http upstream, all in one run, each target in its
 * own process:
 *
 *   direct            the upstream itself
 *   hp-off / hp3-off  parity proxy, capture off (sample 0), http-proxy / http-proxy-3
 *   hp-cap / hp3-cap  parity proxy, capture 100 % with anonymisation, capture thread
 *   hp-inline-cap     capture 100 % with the capture pipeline on the request thread
 *   fastify           fastify + @fastify/http-proxy (undici)
 *   nginx             nginx with upstream keep-alive, when installed
 *
 * Closed model (wrk, 10 connections, BENCH_SECONDS each) for req/s, in
 * BENCH_ROUNDS rounds after a warm-up, the target order rotated every round;
 * proxy CPU µs per request from /proc (all threads). Then an open model at
 * BENCH_RATE req/s (default 500) from the intended send time, 3 rounds, for
 * added p50/p99 latency against direct in the same round.
 * Prints every round, the ratios per round and their medians, and one
 * RESULT line. Needs wrk; loopback only; about 3 minutes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { Redis } from 'ioredis';
import { nginxConfig } from './proxy-roles.js';
import { cpuUs, hasBinary, median, openLoop, runWrk, spawnRole, stop, type Role } from './proxy-load.js';
import { watchMachine } from './machine.js';

const machine = watchMachine();

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const OPEN_MS = 3000;
const LATENCY_ROUNDS = 3;

interface Target {
  name: string;
  url: string;
  /** Process whose CPU is the proxy's (absent for direct and nginx). */
  pid?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function startRedis(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const r = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    r.on('error', () => undefined);
    try {
      await r.connect();
      r.disconnect();
      return { child, url };
    } catch {
      r.disconnect();
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  throw new Error('redis-server did not start');
}

async function startNginx(upstreamPort: number): Promise<{ target: Target; child: ChildProcess } | undefined> {
  if (!hasBinary('nginx')) return undefined;
  const port = await freePort();
  const { prefix, conf } = nginxConfig(upstreamPort, port);
  const child = spawn('nginx', ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await accepts(port)); i++) await new Promise((r) => setTimeout(r, 50));
  return { target: { name: 'nginx', url: `http://127.0.0.1:${port}` }, child };
}

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');

async function main(): Promise<void> {
  if (!hasBinary('wrk')) {
    process.stderr.write('bench:proxy needs wrk (apt-get install wrk)\n');
    process.exit(2);
  }
  const started = Date.now();
  const children: ChildProcess[] = [];
  const redis = await startRedis();
  children.push(redis.child);
  const up = await spawnRole(['upstream']);
  children.push(up.child);
  const parity = async (name: string, engine: string, sample: string, mode: string): Promise<Target> => {
    const r: Role = await spawnRole(['parity', up.url, redis.url, engine, sample, mode, `bench-${name}`]);
    children.push(r.child);
    return { name, url: r.url, pid: r.child.pid! };
  };
  const targets: Target[] = [{ name: 'direct', url: up.url }];
  targets.push(await parity('hp-off', 'http-proxy', '0', 'thread'));
  targets.push(await parity('hp-cap', 'http-proxy', '1', 'thread'));
  targets.push(await parity('hp3-off', 'http-proxy-3', '0', 'thread'));
  targets.push(await parity('hp3-cap', 'http-proxy-3', '1', 'thread'));
  targets.push(await parity('hp-inline-cap', 'http-proxy', '1', 'inline'));
  const fastify = await spawnRole(['fastify', up.url]);
  children.push(fastify.child);
  targets.push({ name: 'fastify', url: fastify.url, pid: fastify.child.pid! });
  const nginx = await startNginx(up.port);
  if (nginx) {
    children.push(nginx.child);
    targets.push(nginx.target);
  }

  const url = (t: Target) => `${t.url}/api/items?page=2`;
  for (const t of targets) runWrk(url(t), 2); // warm-up: JIT, keep-alive pools, capture threads

  const rps: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  const ratio = (k: string, v: number) => (ratios[k] ??= []).push(v);
  for (let round = 0; round < ROUNDS; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    const r: Record<string, number> = {};
    const line: string[] = [];
    for (const t of order) {
      const c0 = t.pid ? cpuUs(t.pid) : 0;
      const w = runWrk(url(t), SECONDS);
      const perReq = t.pid && w.requests > 0 ? (cpuUs(t.pid) - c0) / w.requests : NaN;
      if (w.errors > 0) process.stdout.write(`  ${t.name}: ${w.errors} errors\n`);
      r[t.name] = w.rps;
      (rps[t.name] ??= []).push(w.rps);
      if (t.pid) (cpu[t.name] ??= []).push(perReq);
      line.push(`${t.name} ${fmt(w.rps)}${t.pid ? ` (${fmt(perReq)} µs cpu/req)` : ''}`);
    }
    process.stdout.write(`round ${round + 1}: ${line.join(' | ')}\n`);
    ratio('hp cap/off', r['hp-cap']! / r['hp-off']!);
    ratio('hp3 cap/off', r['hp3-cap']! / r['hp3-off']!);
    ratio('hp inline-cap/off', r['hp-inline-cap']! / r['hp-off']!);
    ratio('hp3-off/hp-off', r['hp3-off']! / r['hp-off']!);
    ratio('hp-off/fastify', r['hp-off']! / r.fastify!);
    ratio('hp3-off/fastify', r['hp3-off']! / r.fastify!);
    ratio('hp-off/direct', r['hp-off']! / r.direct!);
    process.stdout.write(`  ratios: ${Object.entries(ratios).map(([k, v]) => `${k} ${fmt(v[v.length - 1]!, 3)}`).join(', ')}\n`);
  }

  // Open model: latency from the intended send time at a rate every target sustains;
  // added latency is taken against direct within the same round, then the median.
  const lat: Record<string, { p50: number[]; p99: number[]; add50: number[]; add99: number[] }> = {};
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    const got: Record<string, { p50: number; p99: number }> = {};
    for (const t of targets.map((_, i) => targets[(i + round) % targets.length]!)) {
      const o = await openLoop(t.url, RATE, OPEN_MS);
      got[t.name] = { p50: o.p50Us, p99: o.p99Us };
    }
    for (const t of targets) {
      const l = (lat[t.name] ??= { p50: [], p99: [], add50: [], add99: [] });
      l.p50.push(got[t.name]!.p50);
      l.p99.push(got[t.name]!.p99);
      l.add50.push(got[t.name]!.p50 - got.direct!.p50);
      l.add99.push(got[t.name]!.p99 - got.direct!.p99);
    }
  }

  process.stdout.write(`\nmedians over ${ROUNDS} rounds (closed model, wrk -t1 -c10, ${SECONDS} s each; open model ${RATE} req/s, ${OPEN_MS / 1000} s x ${LATENCY_ROUNDS}):\n`);
  process.stdout.write(`${'target'.padEnd(14)} ${'req/s'.padStart(8)} ${'cpu µs/req'.padStart(11)} ${'p50 µs'.padStart(8)} ${'p99 µs'.padStart(8)} ${'+p50 µs'.padStart(8)} ${'+p99 µs'.padStart(8)}\n`);
  const summary: Record<string, { rps: number; cpu: number; p50: number; p99: number; add50: number; add99: number }> = {};
  for (const t of targets) {
    const l = lat[t.name]!;
    const s = { rps: median(rps[t.name]!), cpu: cpu[t.name] ? median(cpu[t.name]!) : NaN, p50: median(l.p50), p99: median(l.p99), add50: median(l.add50), add99: median(l.add99) };
    summary[t.name] = s;
    process.stdout.write(`${t.name.padEnd(14)} ${fmt(s.rps).padStart(8)} ${fmt(s.cpu).padStart(11)} ${fmt(s.p50).padStart(8)} ${fmt(s.p99).padStart(8)} ${fmt(s.add50).padStart(8)} ${fmt(s.add99).padStart(8)}\n`);
  }
  const m = Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, median(v)]));
  process.stdout.write(`median ratios: ${Object.entries(m).map(([k, v]) => `${k} ${fmt(v, 3)}`).join(', ')}\n`);
  process.stdout.write(`targets: capture 100 % >= 0.85 of pass-through (hp ${fmt(m['hp cap/off']!, 3)}, hp3 ${fmt(m['hp3 cap/off']!, 3)}); pass-through >= fastify (hp ${fmt(m['hp-off/fastify']!, 3)}, hp3 ${fmt(m['hp3-off/fastify']!, 3)})\n`);

  for (const c of children.reverse()) await stop(c);
  const s = summary;
  process.stdout.write(`${machine.report()}\n`);
  process.stdout.write(
    `RESULT proxy capture_ratio_hp=${fmt(m['hp cap/off']!, 3)} capture_ratio_hp3=${fmt(m['hp3 cap/off']!, 3)} inline_capture_ratio_hp=${fmt(m['hp inline-cap/off']!, 3)} ` +
      `passthrough_over_fastify_hp=${fmt(m['hp-off/fastify']!, 3)} passthrough_over_fastify_hp3=${fmt(m['hp3-off/fastify']!, 3)} ` +
      `rps_direct=${fmt(s.direct!.rps)} rps_hp_off=${fmt(s['hp-off']!.rps)} rps_hp_cap=${fmt(s['hp-cap']!.rps)} rps_hp3_off=${fmt(s['hp3-off']!.rps)} rps_hp3_cap=${fmt(s['hp3-cap']!.rps)} rps_fastify=${fmt(s.fastify!.rps)}` +
      `${s.nginx ? ` rps_nginx=${fmt(s.nginx.rps)}` : ''} ` +
      `cpu_us_hp_off=${fmt(s['hp-off']!.cpu)} cpu_us_hp_cap=${fmt(s['hp-cap']!.cpu)} cpu_us_hp3_off=${fmt(s['hp3-off']!.cpu)} cpu_us_hp3_cap=${fmt(s['hp3-cap']!.cpu)} cpu_us_hp_inline_cap=${fmt(s['hp-inline-cap']!.cpu)} cpu_us_fastify=${fmt(s.fastify!.cpu)} ` +
      `added_p50_us_hp_off=${fmt(s['hp-off']!.add50)} added_p99_us_hp_off=${fmt(s['hp-off']!.add99)} added_p50_us_hp_cap=${fmt(s['hp-cap']!.add50)} added_p99_us_hp_cap=${fmt(s['hp-cap']!.add99)} ` +
      `seconds=${Math.round((Date.now() - started) / 1000)}\n`,
  );
}

await main();
