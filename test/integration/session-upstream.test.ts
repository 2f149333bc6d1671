import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keys } from '../../shared/redis/keys.js';
import { deleteSession } from '../../shared/session/store.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { startTestProxy, waitForRecords, type TestProxy } from '../helpers/proxy.js';
import { freePort, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

/**
 * Replay refuses the production app as a target by the upstream kept in a
 * session's meta hash. A proxy must name it again whenever it writes the
 * session after the hash was lost: Redis restarted, Redis not up yet when
 * the proxy started, or the session deleted while the proxy captures to it.
 */
describe('a capturing proxy keeps its session naming the upstream', () => {
  let upstream: TestServer;
  let proxy: TestProxy | undefined;
  let server: RedisServer | undefined;
  let client: Redis | undefined;

  beforeEach(async () => {
    upstream = await startHttpServer((_req, res) => res.end('{"ok":true}'));
  });
  afterEach(async () => {
    await proxy?.close({ graceMs: 100, flushMs: 500 });
    proxy = undefined;
    client?.disconnect();
    client = undefined;
    await server?.stop();
    server = undefined;
    await upstream.close();
  });

  const get = async (path: string) => {
    const res = await request(`${proxy!.url}${path}`);
    await res.body.dump();
    return res.statusCode;
  };
  const storedUpstream = (redis: Redis, session: string) => redis.hget(keys.sessionMeta(session), 'upstream');

  describe('on the shared test Redis', () => {
    let t: TestRedis;
    beforeEach(async () => (t = await testRedis()));
    afterEach(async () => t.cleanup());

    it('names the upstream again after `sessions delete` while it captures, with the next request', async () => {
      proxy = await startTestProxy(t.url, upstream.url, { session: 'live' });
      expect(await get('/a')).toBe(200);
      expect(await waitForRecords(t.redis, 'live', 1)).toBe(1);
      await deleteSession(t.redis, 'live');
      expect(await t.redis.exists(keys.sessionMeta('live'))).toBe(0);
      expect(await get('/b')).toBe(200);
      expect(await waitForRecords(t.redis, 'live', 1)).toBe(1);
      expect(await storedUpstream(t.redis, 'live')).toBe(`${upstream.url}/`);
    });

    it('keeps an upstream the session already names (an import of another app, say)', async () => {
      await t.redis.hset(keys.sessionMeta('named'), 'upstream', 'https://other.example');
      proxy = await startTestProxy(t.url, upstream.url, { session: 'other' });
      await proxy.control.start('named');
      await t.redis.hset(keys.sessionMeta('named'), 'upstream', 'https://other.example');
      expect(await get('/c')).toBe(200);
      expect(await waitForRecords(t.redis, 'named', 1)).toBe(1);
      expect(await storedUpstream(t.redis, 'named')).toBe('https://other.example');
    });
  });

  it('names the upstream again after Redis restarted empty under the running proxy', async () => {
    server = await startRedisServer();
    proxy = await startTestProxy(server.url, upstream.url, { session: 'restart' });
    expect(await get('/before')).toBe(200);
    client = new Redis(server.url, { maxRetriesPerRequest: null });
    expect(await waitForRecords(client, 'restart', 1)).toBe(1);
    client.disconnect();
    const port = server.port;
    await server.stop();
    server = await startRedisServer({ port });
    client = new Redis(server.url, { maxRetriesPerRequest: null });
    expect(await client.exists(keys.sessionMeta('restart'))).toBe(0);
    expect(await get('/after')).toBe(200);
    expect(await waitForRecords(client, 'restart', 1, 20_000)).toBe(1);
    expect(await storedUpstream(client, 'restart')).toBe(`${upstream.url}/`);
  });

  it('names the upstream when Redis came up only after the proxy started (--require-redis false)', async () => {
    const port = await freePort();
    proxy = await startTestProxy(`redis://127.0.0.1:${port}`, upstream.url, { session: 'late', requireRedis: false });
    server = await startRedisServer({ port });
    client = new Redis(server.url, { maxRetriesPerRequest: null });
    expect(await get('/late')).toBe(200);
    expect(await waitForRecords(client, 'late', 1, 20_000)).toBe(1);
    expect(await storedUpstream(client, 'late')).toBe(`${upstream.url}/`);
  });
});
