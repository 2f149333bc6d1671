import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_EXTENSIONS } from '../../services/proxy/admin/extensions.js';
import { shadowAdminExtension } from '../../shared/shadow/admin.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { freePort, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { settles, until } from '../helpers/wait.js';

/**
 * Far past any bound the admin plane keeps: a request still unanswered then
 * is one that waits on Redis for ever (the review's /queues/api/queues: 90 s+).
 */
const NEVER_MS = 20_000;

/** The admin plane and the proxy's shutdown while Redis is away or frozen: bounded, never hanging on Redis. */
describe('admin plane while Redis is down', () => {
  let upstream: TestServer;
  let proxy: TestProxy | undefined;
  let server: RedisServer | undefined;

  beforeEach(async () => {
    upstream = await startHttpServer((_req, res) => res.end('{"ok":true}'));
  });
  afterEach(async () => {
    server?.process.kill('SIGCONT');
    await proxy?.close({ graceMs: 100, flushMs: 200 });
    proxy = undefined;
    await server?.stop();
    server = undefined;
    await upstream.close();
  });

  async function get(url: string): Promise<{ status: number; json: unknown; text: string }> {
    const res = await request(url, { headersTimeout: NEVER_MS, bodyTimeout: NEVER_MS });
    const text = await res.body.text();
    return { status: res.statusCode, json: /json/.test(String(res.headers['content-type'])) ? JSON.parse(text) : undefined, text };
  }

  async function startWithRedis(): Promise<TestProxy> {
    server = await startRedisServer();
    const started = await startTestProxy(server.url, upstream.url, { session: 'adm' }, { adminExtensions: [...ADMIN_EXTENSIONS, shadowAdminExtension()] });
    // the board's own connections are up too before Redis goes
    expect((await get(`${started.adminUrl}/queues/api/queues`)).status).toBe(200);
    return started;
  }

  /** What every Redis-backed admin route must answer while Redis does not: a prompt 503 naming Redis, with a hint. */
  const redisError = { status: 503, json: { error: 'PARITY_ERR_REDIS_UNREACHABLE', message: expect.stringMatching(/Redis/), hint: expect.stringMatching(/PARITY_REDIS_URL|redis-server/) } };

  it.each([
    ['down (killed)', async (s: RedisServer) => s.stop()],
    ['frozen (SIGSTOP: connected, never answering)', (s: RedisServer) => Promise.resolve(void s.process.kill('SIGSTOP'))],
  ])('with Redis %s: the queue board and shadow statistics answer 503 naming Redis, /metrics serves, production is served', async (_name, lose) => {
    proxy = await startWithRedis();
    await lose(server!);
    const board = await get(`${proxy.adminUrl}/queues/api/queues`);
    expect(board).toMatchObject(redisError);
    const shadow = await get(`${proxy.adminUrl}/shadow.json`);
    expect(shadow).toMatchObject(redisError);
    expect(shadow.text).not.toMatch(/max retries|MaxRetriesPerRequest|Connection is closed/i);
    const metrics = await get(`${proxy.adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^parity_proxy_requests_total \d+$/m);
    const production = await request(`${proxy.url}/x`, { headersTimeout: NEVER_MS });
    expect(production.statusCode).toBe(200);
    expect(await production.body.text()).toBe('{"ok":true}');
  }, 90_000);

  it.each([
    ['up', 'up'],
    ['frozen (SIGSTOP) with a board read waiting', 'frozen'],
    ['killed with a board read waiting', 'killed'],
  ] as const)('with Redis %s, the admin plane closes without waiting on Redis', async (_name, redis) => {
    proxy = await startWithRedis();
    if (redis !== 'up') {
      // the board's read, sent on a connection Redis no longer answers, is still waiting when the plane closes
      server!.process.kill('SIGSTOP');
      expect(await get(`${proxy.adminUrl}/queues/api/queues`)).toMatchObject(redisError);
    }
    if (redis === 'killed') {
      await server!.stop();
      await until('the proxy to see Redis gone', async () => (await get(`${proxy!.adminUrl}/readyz`)).status === 503);
    }
    expect(await settles(proxy.admin.close(), NEVER_MS)).toBe('settled');
  }, 90_000);

  it('with Redis down since start-up, the admin plane closes without waiting on Redis', async () => {
    proxy = await startTestProxy(`redis://127.0.0.1:${await freePort()}`, upstream.url, { session: 'down', requireRedis: false });
    expect(await settles(proxy.admin.close(), NEVER_MS)).toBe('settled');
  }, 60_000);

  it('a proxy whose Redis never came up still stops when asked (--require-redis false)', async () => {
    const port = await freePort();
    proxy = await startTestProxy(`redis://127.0.0.1:${port}`, upstream.url, { session: 'down', requireRedis: false });
    const res = await request(`${proxy.url}/x`);
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    const stopped = proxy.close({ graceMs: 100, flushMs: 200 });
    proxy = undefined;
    expect(await stopped).toMatchObject({ written: 0 });
  }, 20_000);
});
