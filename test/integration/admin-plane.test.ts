import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_EXTENSIONS, type AdminExtension } from '../../services/proxy/admin/extensions.js';
import { waitForCapture } from '../../scripts/demo/run.js';
import { shadowAdminExtension } from '../../shared/shadow/admin.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { startTestProxy, waitForRecords, type TestProxy } from '../helpers/proxy.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { settles, until } from '../helpers/wait.js';

const TOKEN = 'admin-token-0123456789';
const ANON_KEY = 'anon-key-must-never-show-0001';

async function call(url: string, opts: { method?: 'GET' | 'POST'; token?: string; body?: unknown } = {}): Promise<{ status: number; json: unknown; text: string }> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(url, { method: opts.method ?? 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json, text };
}

describe('admin plane', () => {
  let t: TestRedis;
  let upstream: TestServer;
  let proxy: TestProxy | undefined;

  beforeEach(async () => {
    t = await testRedis();
    upstream = await startHttpServer((_req, res) => res.end('{"ok":true}'));
  });
  afterEach(async () => {
    await proxy?.close({ graceMs: 100, flushMs: 1000 });
    proxy = undefined;
    await upstream.close();
    await t.cleanup();
  });

  it('answers /healthz and /readyz (Redis reachable)', async () => {
    proxy = await startTestProxy(t.url, upstream.url);
    expect(await call(`${proxy.adminUrl}/healthz`)).toMatchObject({ status: 200, json: { ok: true } });
    // the capture thread connects on its own: on a loaded box that took over 9 s once
    const deadline = Date.now() + 30_000;
    let ready = await call(`${proxy.adminUrl}/readyz`);
    while (ready.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      ready = await call(`${proxy.adminUrl}/readyz`);
    }
    expect(ready).toMatchObject({ status: 200, json: { ready: true, redis: 'up', captureRedis: 'up' } });
  });

  it('exposes Prometheus metrics: proxied, captured, dropped by reason, buffer depth, upstream latency — and no secrets', async () => {
    proxy = await startTestProxy(t.url, upstream.url, { session: 'm', anonKey: ANON_KEY });
    for (let i = 0; i < 3; i++) await (await request(`${proxy.url}/x?token=abc`)).body.dump();
    await waitForRecords(t.redis, 'm', 3);
    const m = await until('the capture count in /metrics', async () => {
      const page = await call(`${proxy!.adminUrl}/metrics`);
      return /^parity_capture_records_total 3$/m.test(page.text) && page;
    });
    expect(m.status).toBe(200);
    expect(m.text).toMatch(/^parity_proxy_requests_total 3$/m);
    expect(m.text).toMatch(/^parity_proxy_sampled_total 3$/m);
    expect(m.text).toMatch(/^parity_capture_records_total 3$/m);
    expect(m.text).toMatch(/^parity_capture_dropped_total\{reason="buffer-full"\} 0$/m);
    expect(m.text).toMatch(/^parity_capture_dropped_total\{reason="redis-down"\} 0$/m);
    expect(m.text).toMatch(/^parity_capture_buffer_records 0$/m);
    expect(m.text).toMatch(/^parity_proxy_upstream_latency_seconds_count 3$/m);
    expect(m.text).toMatch(/^parity_proxy_failures_total\{kind="upstream-refused"\} 0$/m);
    expect(m.text).not.toContain(ANON_KEY);
    expect(m.text).not.toContain(t.url);
    expect(m.text).not.toContain('token=abc');
  });

  it('stops and starts capture at run time and switches the session', async () => {
    proxy = await startTestProxy(t.url, upstream.url, { session: 'first' });
    await (await request(`${proxy.url}/a`)).body.dump();
    expect(await call(`${proxy.adminUrl}/session/stop`, { method: 'POST' })).toMatchObject({ status: 200, json: { session: 'first', capturing: false } });
    await (await request(`${proxy.url}/not-captured`)).body.dump();
    const started = await call(`${proxy.adminUrl}/session/start`, { method: 'POST', body: { session: 'second' } });
    expect(started).toMatchObject({ status: 200, json: { session: 'second', capturing: true, upstreamMarked: true } });
    await (await request(`${proxy.url}/b`)).body.dump();
    expect(await waitForRecords(t.redis, 'first', 1)).toBe(1);
    expect(await waitForRecords(t.redis, 'second', 1)).toBe(1);
    const stats = await call(`${proxy.adminUrl}/session/stats`);
    expect(stats.json).toMatchObject({ session: 'second', capturing: true, proxied: 3, sampled: 2 });
    expect(await t.redis.hget('parity:session:{second}:meta', 'upstream')).toBe(`${upstream.url}/`);

    const bad = await call(`${proxy.adminUrl}/session/start`, { method: 'POST', body: { session: 'no spaces allowed' } });
    expect(bad).toMatchObject({ status: 400, json: { error: 'PARITY_ERR_SESSION_NAME' } });
  });

  it('requires the bearer token on every route but the probes once a token is set, extensions included', async () => {
    const ext: AdminExtension = {
      name: 'test-extension',
      prefix: '/ext',
      plugin: async (app: FastifyInstance, opts) => {
        app.get('/hello', (_req, reply) => reply.send({ hello: opts.ctx.control.session }));
        await Promise.resolve();
      },
    };
    proxy = await startTestProxy(t.url, upstream.url, { session: 'auth', adminToken: TOKEN }, { adminExtensions: [ext] });
    expect((await call(`${proxy.adminUrl}/healthz`)).status).toBe(200);
    for (const path of ['/session/stats', '/metrics', '/ext/hello']) {
      expect((await call(`${proxy.adminUrl}${path}`)).status, path).toBe(401);
      expect((await call(`${proxy.adminUrl}${path}`, { token: 'wrong-token-0123456789' })).status, path).toBe(401);
      expect((await call(`${proxy.adminUrl}${path}`, { token: TOKEN })).status, path).toBe(200);
    }
    expect((await call(`${proxy.adminUrl}/ext/hello`, { token: TOKEN })).json).toEqual({ hello: 'auth' });
    const denied = await call(`${proxy.adminUrl}/session/stop`, { method: 'POST' });
    expect(denied.json).toMatchObject({ error: 'PARITY_ERR_UNAUTHORIZED' });
    expect(denied.text).not.toContain(TOKEN);
  });

  it('answers a pause of shadow mirroring on a proxy that does not mirror with a clear error, behind the token', async () => {
    proxy = await startTestProxy(t.url, upstream.url, { session: 'noshadow', adminToken: TOKEN }, { adminExtensions: [shadowAdminExtension()] });
    expect((await call(`${proxy.adminUrl}/shadow/pause`, { method: 'POST' })).status).toBe(401);
    for (const path of ['/shadow/pause', '/shadow/resume']) {
      const r = await call(`${proxy.adminUrl}${path}`, { method: 'POST', token: TOKEN });
      expect(r.status, path).toBe(409);
      expect(r.json).toMatchObject({ error: 'PARITY_ERR_SHADOW_OFF', hint: expect.stringContaining('--shadow') });
    }
    // a bad window is named as what the page was sent, not as the CLI's --since
    const bad = await call(`${proxy.adminUrl}/shadow.json?since=bogus`, { token: TOKEN });
    expect(bad.json).toMatchObject({ error: 'PARITY_ERR_USAGE', message: expect.stringMatching(/^the since parameter "bogus" is neither/) });
  });

  it('lets a browser sign in with the token on a form, then serves /shadow and /queues on a session cookie that is not the token', async () => {
    proxy = await startTestProxy(t.url, upstream.url, { session: 'browser', adminToken: TOKEN }, { adminExtensions: [...ADMIN_EXTENSIONS, shadowAdminExtension()] });
    const page = (path: string, cookie?: string) => request(`${proxy!.adminUrl}${path}`, { headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } });
    const form = (body: string) => request(`${proxy!.adminUrl}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

    const anonymous = await page('/shadow?window=5m');
    expect(anonymous.statusCode).toBe(401);
    const loginHtml = await anonymous.body.text();
    expect(loginHtml).toContain('<form method="post" action="/login">');
    expect(loginHtml).toContain('value="/shadow?window=5m"');

    const wrong = await form(new URLSearchParams({ token: 'wrong-token-0123456789', next: '/shadow' }).toString());
    expect(wrong.statusCode).toBe(401);
    expect(await wrong.body.text()).toContain('That token is not right.');

    const offsite = await form(new URLSearchParams({ token: TOKEN, next: '//evil.example/' }).toString());
    expect(offsite.headers.location).toBe('/shadow');
    await offsite.body.dump();

    const ok = await form(new URLSearchParams({ token: TOKEN, next: '/queues' }).toString());
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/queues');
    await ok.body.dump();
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/^parity_admin=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0]!;

    for (const path of ['/shadow', '/queues', '/metrics']) {
      const res = await page(path, cookie);
      expect(res.statusCode, path).toBe(200);
      await res.body.dump();
    }
    const forged = await page('/shadow', 'parity_admin=forged-value');
    expect(forged.statusCode).toBe(401);
    await forged.body.dump();
  });

  it('closes without waiting for an admin request a client never finishes', async () => {
    proxy = await startTestProxy(t.url, upstream.url);
    const socket = connect(proxy.adminPort, '127.0.0.1');
    socket.on('error', () => undefined);
    const answered = new Promise((resolve) => socket.once('data', resolve));
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await answered;
    // the next request on that connection stops half way through its headers (Node waits 60 s for the rest)
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    await new Promise((r) => setTimeout(r, 200));
    expect(await settles(proxy.admin.close())).toBe('settled');
    socket.destroy();
  }, 60_000);

  it('refuses to start an admin plane beyond loopback without a token', async () => {
    await expect(startTestProxy(t.url, upstream.url, { adminListen: '0.0.0.0:0' })).rejects.toMatchObject({ code: 'PARITY_ERR_ADMIN_TOKEN_REQUIRED' });
  });

  // `parity demo` polls /session/stats; its proxy inherits PARITY_ADMIN_TOKEN, which the wait used not
  // to send: it ran to its 60 s deadline, and an answer that was not JSON threw out of it
  it("lets the demo's wait for the capture send the token and return as soon as the writer has settled", async () => {
    proxy = await startTestProxy(t.url, upstream.url, { session: 'wait', adminToken: TOKEN });
    for (let i = 0; i < 5; i++) await (await request(`${proxy.url}/x/${i}`)).body.dump();
    expect(await waitForCapture(t.redis, 'wait', proxy.adminUrl, { token: TOKEN, timeoutMs: 20_000 })).toEqual({ records: 5, settled: true });
  });

  it("keeps the demo's wait polling to its deadline when the stats cannot be read: a wrong token, a 5xx, an answer that is not JSON", async () => {
    proxy = await startTestProxy(t.url, upstream.url, { session: 'denied', adminToken: TOKEN });
    let started = Date.now();
    expect(await waitForCapture(t.redis, 'denied', proxy.adminUrl, { token: 'wrong-token-0123456789', timeoutMs: 600 })).toEqual({ records: 0, settled: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);

    let calls = 0;
    const other = await startHttpServer((_req, res) => {
      calls++;
      if (calls % 2) res.writeHead(503, { 'content-type': 'application/json' }).end('{"active":0,"capture":{"bufferRecords":0}}');
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not the admin API</html>');
    });
    try {
      started = Date.now();
      expect(await waitForCapture(t.redis, 'none', other.url, { timeoutMs: 600 })).toEqual({ records: 0, settled: false });
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
      expect(calls).toBeGreaterThan(1);
    } finally {
      await other.close();
    }
  });
});
