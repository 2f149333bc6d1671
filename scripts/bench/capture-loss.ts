/**
 * bench:capture-loss — at the highest rate the proxy sustains, do all
 * sampled requests reach the stream? `parity proxy` (capture 100 %, capture
 * thread, anonymisation on) in front of a node:http upstream answering
 * 1 KiB of JSON, driven closed-model by autocannon as fast as it answers
 * (BENCH_CONNECTIONS connections, BENCH_REQUESTS requests per round,
 * BENCH_ROUNDS rounds, each into a fresh session). After each round the
 * writer is given up to 30 s to settle; then records in the stream are
 * compared with requests sent. Target: lost = 0 with Redis up.
 * Loopback only; about a minute.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { keys } from '../../shared/redis/keys.js';
import { spawnRole, stop } from './proxy-load.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 30_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function startRedis(): Promise<{ child: ChildProcess; url: string; client: Redis }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return { child, url, client };
    } catch {
      client.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('redis-server did not start');
}

interface Stats {
  proxied: number;
  session: string;
  capture: { offered: number; written: number; dropped: Record<string, number>; bufferRecords: number };
}

async function stats(admin: string): Promise<Stats> {
  const res = await fetch(`${admin}/session/stats`);
  return (await res.json()) as Stats;
}

async function main(): Promise<void> {
  const started = Date.now();
  const redis = await startRedis();
  const up = await spawnRole(['upstream']);
  const proxy = await spawnRole(['parity', up.url, redis.url, 'http-proxy', '1', 'thread', 'loss-0']);
  const admin = `http://127.0.0.1:${proxy.adminPort}`;
  const rows: { sent: number; stored: number; rate: number; dropped: number }[] = [];

  // warm-up, into a session of its own
  await autocannon({ url: `${proxy.url}/warm`, connections: CONNECTIONS, amount: 2000 });

  for (let round = 1; round <= ROUNDS; round++) {
    const session = `loss-${round}`;
    await fetch(`${admin}/session/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session }) });
    const before = await stats(admin);
    const r = await autocannon({ url: `${proxy.url}/api/items?page=${round}`, connections: CONNECTIONS, amount: REQUESTS });
    const sent = r['2xx'] + r.non2xx;
    let after = await stats(admin);
    const deadline = Date.now() + 30_000;
    while (after.capture.bufferRecords > 0 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
      after = await stats(admin);
    }
    const stored = await redis.client.xlen(keys.sessionStream(session));
    const dropped = Object.values(after.capture.dropped).reduce((a, b) => a + b, 0) - Object.values(before.capture.dropped).reduce((a, b) => a + b, 0);
    const rate = r.requests.average; // autocannon samples req/s once a second
    rows.push({ sent, stored, rate, dropped });
    process.stdout.write(
      `round ${round}: sent ${sent} (errors ${r.errors}, timeouts ${r.timeouts}) at ${rate.toFixed(0)} req/s, proxied ${after.proxied - before.proxied}, stored ${stored}, lost ${sent - stored}, dropped ${dropped} ${JSON.stringify(after.capture.dropped)}\n`,
    );
  }

  await stop(proxy.child);
  await stop(up.child);
  redis.client.disconnect();
  await stop(redis.child);
  const sent = rows.reduce((n, r) => n + r.sent, 0);
  const stored = rows.reduce((n, r) => n + r.stored, 0);
  const rates = rows.map((r) => r.rate).sort((a, b) => a - b);
  process.stdout.write(
    `RESULT capture-loss sent=${sent} stored=${stored} lost=${sent - stored} dropped=${rows.reduce((n, r) => n + r.dropped, 0)} median_rate=${rates[rates.length >> 1]!.toFixed(0)} connections=${CONNECTIONS} seconds=${Math.round((Date.now() - started) / 1000)}\n`,
  );
}

await main();
