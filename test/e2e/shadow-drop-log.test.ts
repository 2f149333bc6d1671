import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, stopChild, waitForOutput } from '../helpers/cli.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const PASSWORD = 'Pw-Shadow-7731-Qx';

/** The JSON log lines of a child's stderr with the given message start. */
function lines(stderr: string, msg: RegExp): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => msg.test(String(l.msg)));
}

describe('captured records and shadow work dropped because Redis errored are logged (parity proxy --shadow)', { timeout: 60_000 }, () => {
  let server: RedisServer;
  let admin: Redis;
  let upstream: TestServer;
  let shadow: TestServer;
  let proxy: ChildProcess;
  let proxyUrl: string;
  let stderr = '';

  beforeAll(async () => {
    // a server of its own: it gets a password, then runs out of memory for writes
    server = await startRedisServer();
    admin = new Redis(server.url);
    await admin.config('SET', 'requirepass', PASSWORD);
    upstream = await startHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    shadow = await startHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    const url = `redis://:${PASSWORD}@127.0.0.1:${server.port}`;
    proxy = spawnCli(['proxy', '--upstream', upstream.url, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--sample', '1', '--shadow', shadow.url], { env: { PARITY_REDIS_URL: url, PARITY_LOG_LEVEL: 'info' } });
    proxy.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const line = await waitForOutput(proxy, /\{[^\n]*"msg":"proxy listening"[^\n]*\}/, 40_000);
    proxyUrl = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
  }, 60_000);

  afterAll(async () => {
    if (proxy) await stopChild(proxy);
    admin?.disconnect();
    await upstream?.close();
    await shadow?.close();
    await server?.stop();
  });

  it('logs the drops as a warning with the count since the last line, the lines summing to the final counter, naming no password', async () => {
    await admin.config('SET', 'maxmemory', '1');
    for (let i = 0; i < 5; i++) {
      const res = await request(`${proxyUrl}/api/items/${i}`);
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('{"ok":true}');
    }
    const first = JSON.parse(await waitForOutput(proxy, /\{[^\n]*"msg":"shadow work dropped[^\n]*\}/, 30_000)) as { level: number; reason: string; count: number; total: number };
    expect(first).toMatchObject({ level: 40, reason: 'redis-error' });
    expect(first.count).toBeGreaterThanOrEqual(1);
    expect(first.total).toBe(first.count);

    await stopChild(proxy);
    const drops = lines(stderr, /^shadow work dropped/);
    const [stopped] = lines(stderr, /^shadow mode stopped/);
    const final = (stopped as { dropped: Record<string, number> }).dropped['redis-error']!;
    expect(final).toBeGreaterThanOrEqual(5);
    expect(drops.reduce((sum, l) => sum + Number(l.count), 0)).toBe(final);
    expect(drops.at(-1)!.total).toBe(final);
    // the captured records Redis refused too, on a line of their own
    const captureDrops = lines(stderr, /^capture dropped records: Redis refused/);
    const [proxyStopped] = lines(stderr, /^proxy stopped/);
    const captureFinal = (proxyStopped as { dropped: Record<string, number> }).dropped['redis-error']!;
    expect(captureFinal).toBeGreaterThanOrEqual(5);
    expect(captureDrops.reduce((sum, l) => sum + Number(l.count), 0)).toBe(captureFinal);
    expect(captureDrops.every((l) => l.level === 40 && l.reason === 'redis-error')).toBe(true);
    expect(stderr).not.toContain(PASSWORD);
  });
});
