import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, stopChild, waitForOutput } from '../helpers/cli.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { freePort, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

interface RunningCli {
  child: ChildProcess;
  url: string;
  admin: string;
}

/** Starts `parity proxy` on ephemeral ports and reads them from the "proxy listening" line. */
async function startProxyCli(args: string[], env: Record<string, string>): Promise<RunningCli> {
  const child = spawnCli(['proxy', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', ...args], { env });
  const line = await waitForOutput(child, /\{[^\n]*"msg":"proxy listening"[^\n]*\}/);
  const { port, adminPort } = JSON.parse(line) as { port: number; adminPort: number };
  return { child, url: `http://127.0.0.1:${port}`, admin: `http://127.0.0.1:${adminPort}` };
}

async function get(url: string): Promise<number> {
  const res = await request(url);
  await res.body.dump();
  return res.statusCode;
}

interface Stats {
  proxied: number;
  capture: { written: number; dropped: Record<string, number>; redisUp: boolean; bufferRecords: number };
}
async function stats(admin: string): Promise<Stats> {
  const res = await request(`${admin}/session/stats`);
  return (await res.body.json()) as Stats;
}

async function until(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe('parity proxy (CLI)', () => {
  let upstream: TestServer | undefined;
  let proxy: RunningCli | undefined;
  let t: TestRedis | undefined;
  let redis: RedisServer | undefined;

  afterEach(async () => {
    if (proxy) await stopChild(proxy.child);
    proxy = undefined;
    await upstream?.close();
    await t?.cleanup();
    await redis?.stop();
    upstream = undefined;
    t = undefined;
    redis = undefined;
  });

  const app = () => startHttpServer((req, res) => res.end(JSON.stringify({ path: req.url })));

  it('captures traffic that `parity sessions show --json` lists, honours --rules, and flushes and exits 0 on SIGTERM', async () => {
    t = await testRedis();
    upstream = await app();
    const dir = mkdtempSync(join(tmpdir(), 'parity-rules-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, 'sampling:\n  routes:\n    - { path: /health, rate: never }\n');
    proxy = await startProxyCli(['--upstream', upstream.url, '--session', 'e2e', '--sample', '1', '--rules', rules], { PARITY_REDIS_URL: t.url });
    for (let i = 0; i < 20; i++) {
      expect(await get(`${proxy.url}/items/${i}?q=${i}`)).toBe(200);
      expect(await get(`${proxy.url}/health`)).toBe(200);
    }
    expect(await stopChild(proxy.child)).toBe(0);
    proxy = undefined;

    const shown = await runCli(['sessions', 'show', 'e2e', '--json', '--last', '20'], { env: { PARITY_REDIS_URL: t.url } });
    expect(shown.code).toBe(0);
    const doc = JSON.parse(shown.stdout) as { session: { records: number; upstream: string }; recent: { method: string; url: string; status: number }[] };
    expect(doc.session).toMatchObject({ records: 20, upstream: `${upstream.url}/` });
    expect(doc.recent.map((r) => r.url)).toEqual(Array.from({ length: 20 }, (_, i) => `/items/${i}?q=${i}`));
    expect(doc.recent.every((r) => r.method === 'GET' && r.status === 200)).toBe(true);
  });

  it('keeps serving when Redis goes down, counts the drops, and captures again once it is back', async () => {
    redis = await startRedisServer();
    upstream = await app();
    proxy = await startProxyCli(['--upstream', upstream.url, '--session', 'outage', '--sample', '1'], { PARITY_REDIS_URL: redis.url, PARITY_BUFFER_MAX_RECORDS: '5' });
    expect(await get(`${proxy.url}/before`)).toBe(200);
    const admin = proxy.admin;
    expect(await until(async () => (await stats(admin)).capture.written === 1)).toBe(true);

    const port = redis.port;
    await redis.stop();
    expect(await until(async () => !(await stats(admin)).capture.redisUp)).toBe(true);
    for (let i = 0; i < 30; i++) expect(await get(`${proxy.url}/during/${i}`)).toBe(200);
    const during = await stats(admin);
    expect(during.proxied).toBe(31);
    expect(during.capture.dropped['redis-down']).toBe(25); // 5 stay buffered
    expect(during.capture.bufferRecords).toBe(5);
    const ready = await request(`${admin}/readyz`);
    expect(ready.statusCode).toBe(503);
    await ready.body.dump();

    redis = await startRedisServer({ port });
    expect(await until(async () => (await stats(admin)).capture.written === 6)).toBe(true);
    expect(await get(`${proxy.url}/after`)).toBe(200);
    expect(await until(async () => (await stats(admin)).capture.written === 7)).toBe(true);
    const shown = await runCli(['sessions', 'show', 'outage', '--json', '--last', '10'], { env: { PARITY_REDIS_URL: redis.url } });
    const doc = JSON.parse(shown.stdout) as { recent: { url: string }[] };
    expect(doc.recent.map((r) => r.url)).toEqual(['/during/0', '/during/1', '/during/2', '/during/3', '/during/4', '/after']);
  });

  it('in shadow mode keeps serving when Redis goes down, counts the shadow work it dropped, and mirrors again once Redis is back', async () => {
    redis = await startRedisServer();
    upstream = await app();
    const shadowTarget = await app();
    try {
      proxy = await startProxyCli(['--upstream', upstream.url, '--session', 'shadow-outage', '--sample', '1', '--shadow', shadowTarget.url], { PARITY_REDIS_URL: redis.url });
      const admin = proxy.admin;
      const shadow = async () => {
        const text = await (await request(`${admin}/metrics`)).body.text();
        const n = (re: RegExp) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
        return { enqueued: n(/^parity_shadow_enqueued_total (\d+)$/gm), dropped: n(/^parity_shadow_dropped_total\{reason="[a-z-]+"\} (\d+)$/gm) };
      };
      expect(await get(`${proxy.url}/before`)).toBe(200);
      expect(await until(async () => (await shadow()).enqueued === 1)).toBe(true);

      const port = redis.port;
      await redis.stop();
      for (let i = 0; i < 10; i++) expect(await get(`${proxy.url}/during/${i}`)).toBe(200);
      // every exchange offered during the outage is dropped and counted, none is lost silently; both
      // counters from one scrape (while Redis is down a scrape waits ~6 s on the Redis-backed metrics)
      let during = { enqueued: 0, dropped: 0 };
      expect(await until(async () => (during = await shadow()).dropped === 10, 20_000)).toBe(true);
      expect(during.enqueued).toBe(1);

      redis = await startRedisServer({ port });
      // the proxy reconnects on its own; each request after that is mirrored again
      expect(await until(async () => (await get(`${proxy!.url}/after`)) === 200 && (await shadow()).enqueued > 1, 20_000)).toBe(true);
    } finally {
      await shadowTarget.close();
    }
  });

  it('refuses to start when Redis is unreachable (exit 3), and serves anyway with --require-redis false', async () => {
    upstream = await app();
    const dead = `redis://127.0.0.1:${await freePort()}`;
    const refused = await runCli(['proxy', '--upstream', upstream.url, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0'], { env: { PARITY_REDIS_URL: dead } });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/PARITY_ERR_REDIS_UNREACHABLE: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    proxy = await startProxyCli(['--upstream', upstream.url, '--require-redis', 'false', '--sample', '1'], { PARITY_REDIS_URL: dead });
    for (let i = 0; i < 3; i++) expect(await get(`${proxy.url}/x`)).toBe(200);
    const s = await stats(proxy.admin);
    expect(s.proxied).toBe(3);
    expect(s.capture.redisUp).toBe(false);
    // its 3 records cannot be flushed: SIGTERM would wait out the proxy's 5 s flush, not under test here
    proxy.child.kill('SIGKILL');
  });

  it('refuses an admin API beyond loopback without a token (exit 2), and rejects invalid settings all at once', async () => {
    const open = await runCli(['proxy', '--upstream', 'http://127.0.0.1:9', '--admin', '0.0.0.0:0', '--listen', '127.0.0.1:0']);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/PARITY_ERR_ADMIN_TOKEN_REQUIRED/);

    const bad = await runCli(['proxy', '--upstream', 'ftp://x', '--sample', '3', '--listen', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/PARITY_ERR_CONFIG_INVALID: 3 configuration problems/);
    expect(bad.stderr).toMatch(/upstream \(from flag/);
    expect(bad.stderr).toMatch(/sampleRate \(from flag/);
    expect(bad.stderr).toMatch(/listen \(from flag/);
  });
});
