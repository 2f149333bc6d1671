import { request as httpRequest, type ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineName } from '../../services/proxy/engine.js';
import { readRecords } from '../../shared/session/store.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { startTestProxy, waitForRecords, type TestProxy } from '../helpers/proxy.js';
import { freePort } from '../helpers/redis-server.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('proxy when the upstream fails', () => {
  let t: TestRedis;
  let proxy: TestProxy | undefined;
  let upstream: TestServer | undefined;

  beforeEach(async () => (t = await testRedis()));
  afterEach(async () => {
    await proxy?.close({ graceMs: 100, flushMs: 1000 });
    proxy = undefined;
    await upstream?.close();
    upstream = undefined;
    await t.cleanup();
  });

  it('answers 502 with a JSON body naming the upstream when it refuses connections', async () => {
    const port = await freePort();
    proxy = await startTestProxy(t.url, `http://127.0.0.1:${port}`, { session: 'down' });
    const res = await request(`${proxy.url}/x`);
    expect(res.statusCode).toBe(502);
    expect(res.headers['content-type']).toBe('application/json');
    const body = (await res.body.json()) as Record<string, string>;
    expect(body).toMatchObject({ error: 'upstream unreachable', upstream: `http://127.0.0.1:${port}`, code: 'ECONNREFUSED' });
    await waitForRecords(t.redis, 'down', 1);
    for await (const { record } of readRecords(t.redis, 'down')) expect(record).toMatchObject({ res: null, error: 'upstream-refused' });
    expect(proxy.control.stats().failures['upstream-refused']).toBe(1);
  });

  it('answers 504 when the upstream is slower than the timeout', async () => {
    const held: ServerResponse[] = [];
    upstream = await startHttpServer((_req, res) => held.push(res));
    proxy = await startTestProxy(t.url, upstream.url, { session: 'slow', upstreamTimeoutMs: 300 });
    const res = await request(`${proxy.url}/slow`);
    expect(res.statusCode).toBe(504);
    expect(await res.body.json()).toMatchObject({ error: 'upstream timeout', upstream: upstream.url });
    await waitForRecords(t.redis, 'slow', 1);
    for await (const { record } of readRecords(t.redis, 'slow')) expect(record).toMatchObject({ res: null, error: 'upstream-timeout' });
  });

  it('cuts the client response off when the upstream breaks mid-body, and keeps serving', async () => {
    upstream = await startHttpServer((req, res) => {
      if (req.url === '/ok') return res.end('fine');
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => res.destroy(), 20);
    });
    proxy = await startTestProxy(t.url, upstream.url);
    const res = await request(`${proxy.url}/broken`);
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
    const ok = await request(`${proxy.url}/ok`);
    expect(await ok.body.text()).toBe('fine');
  });

  it.each(['http-proxy', 'http-proxy-3'] as EngineName[])('destroys the upstream request when the client aborts: no socket leak over 200 aborted requests (%s)', async (engine) => {
    let open = 0;
    let seen = 0;
    upstream = await startHttpServer(() => seen++); // never answers
    upstream.server.on('connection', (s) => {
      open++;
      s.once('close', () => open--);
    });
    proxy = await startTestProxy(t.url, upstream.url, { session: 'abort', sampleRate: 0.5 }, { engine });
    const N = 200;
    const clients = Array.from({ length: N }, (_, i) => {
      const req = httpRequest(`${proxy!.url}/hang/${i}`, { method: i % 2 ? 'GET' : 'POST', agent: false });
      req.on('error', () => undefined);
      if (i % 2) req.end();
      else req.end('{"a":1}');
      return req;
    });
    expect(await until(() => seen === N, 10_000)).toBe(true);
    expect(open).toBeGreaterThan(0);
    for (const c of clients) c.destroy();
    expect(await until(() => open === 0, 5000)).toBe(true);
    expect(await until(() => proxy!.control.stats().active === 0)).toBe(true);
    expect(proxy.control.stats().failures['client-aborted']).toBe(N);
  });
});
