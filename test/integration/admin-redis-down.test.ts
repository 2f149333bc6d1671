import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { freePort } from '../helpers/redis-server.js';

/** The admin plane and the proxy's shutdown while Redis is away: bounded, never hanging on Redis. */
describe('admin plane while Redis is down', () => {
  let upstream: TestServer;
  let proxy: TestProxy | undefined;

  beforeEach(async () => {
    upstream = await startHttpServer((_req, res) => res.end('{"ok":true}'));
  });
  afterEach(async () => {
    await proxy?.close({ graceMs: 100, flushMs: 200 });
    proxy = undefined;
    await upstream.close();
  });

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
