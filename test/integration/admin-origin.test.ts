import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_EXTENSIONS } from '../../services/proxy/admin/extensions.js';
import { shadowAdminExtension } from '../../shared/shadow/admin.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

const TOKEN = 'admin-token-0123456789';
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/**
 * A browser on the proxy's machine must not drive the admin plane for
 * another site: DNS rebinding (a page of evil.example whose name now
 * resolves to 127.0.0.1, so its Host is evil.example) and cross-site POSTs.
 */
describe('admin plane refuses other sites', () => {
  let t: TestRedis;
  let upstream: TestServer;
  let proxy: TestProxy | undefined;

  beforeEach(async () => {
    t = await testRedis();
    upstream = await startHttpServer((_req, res) => res.end('{"ok":true}'));
  });
  afterEach(async () => {
    await proxy?.close({ graceMs: 100, flushMs: 500 });
    proxy = undefined;
    await upstream.close();
    await t.cleanup();
  });

  const start = (settings: Record<string, unknown> = {}) =>
    startTestProxy(t.url, upstream.url, { session: 'first', ...settings }, { adminExtensions: [...ADMIN_EXTENSIONS, shadowAdminExtension()] });

  /** A request to the admin plane with the Host and Origin a browser would send. */
  async function call(path: string, opts: { method?: 'GET' | 'POST'; host?: string; origin?: string; token?: string; body?: string; type?: string } = {}) {
    const headers: Record<string, string> = {};
    if (opts.host) headers.host = opts.host;
    if (opts.origin) headers.origin = opts.origin;
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
    const res = await request(`${proxy!.adminUrl}${path}`, { method: opts.method ?? 'GET', headers, ...(opts.body !== undefined ? { body: opts.body } : {}) });
    const json = /json/.test(String(res.headers['content-type'])) ? await res.body.json() : await res.body.dump();
    return { status: res.statusCode, json };
  }

  describe('without a token (loopback only)', () => {
    it('refuses a rebound Host: no capture switch, no stop, no shadow statistics', async () => {
      proxy = await start();
      const evil = `evil.example:${proxy.adminPort}`;
      const switched = await call('/session/start', { method: 'POST', host: evil, origin: `http://${evil}`, body: '{"session":"x"}' });
      expect(switched.status).toBe(403);
      expect(switched.json).toMatchObject({ error: 'PARITY_ERR_FOREIGN_ORIGIN', message: expect.stringContaining('evil.example'), hint: expect.any(String) });
      expect((await call('/session/stop', { method: 'POST', host: evil })).status).toBe(403);
      expect((await call('/shadow.json', { host: evil })).status).toBe(403);
      expect((await call('/session/stats', { host: `localhost:${proxy.adminPort + 1}` })).status).toBe(403);
      expect(proxy.control.stats()).toMatchObject({ session: 'first', capturing: true });
    });

    it('refuses a state change whose Origin is another site, even with a loopback Host', async () => {
      proxy = await start();
      const own = `127.0.0.1:${proxy.adminPort}`;
      for (const origin of ['http://evil.example', `http://localhost:${proxy.adminPort + 1}`, 'null']) {
        const r = await call('/session/start', { method: 'POST', host: own, origin, body: '{"session":"x"}' });
        expect(r.status, origin).toBe(403);
      }
      expect((await call('/shadow/pause', { method: 'POST', host: own, origin: 'http://evil.example' })).status).toBe(403);
      expect(proxy.control.stats()).toMatchObject({ session: 'first', capturing: true });
    });

    it('answers loopback names with its port, its own origin and clients that send no Origin (CLI, scripts)', async () => {
      proxy = await start();
      const p = proxy.adminPort;
      for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `LOCALHOST.:${p}`, `127.0.0.2:${p}`, `[::1]:${p}`]) {
        expect((await call('/session/stats', { host })).status, host).toBe(200);
      }
      const own = await call('/session/start', { method: 'POST', host: `localhost:${p}`, origin: `http://localhost:${p}`, body: '{"session":"second"}' });
      expect(own).toMatchObject({ status: 200, json: { session: 'second', capturing: true } });
      const res = await fetch(`${proxy.adminUrl}/session/stop`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(proxy.control.stats()).toMatchObject({ session: 'second', capturing: false });
      for (const path of ['/shadow', '/shadow.json', '/queues', '/queues/api/queues', '/metrics', '/healthz']) {
        expect((await call(path, { host: `localhost:${p}` })).status, path).toBe(200);
      }
    });
  });

  describe('with a token', () => {
    it('refuses a state change whose Origin is another site, token or not', async () => {
      proxy = await start({ adminToken: TOKEN });
      const host = `admin.internal:${proxy.adminPort}`;
      const r = await call('/session/start', { method: 'POST', host, origin: 'http://evil.example', token: TOKEN, body: '{"session":"x"}' });
      expect(r.status).toBe(403);
      expect(r.json).toMatchObject({ error: 'PARITY_ERR_FOREIGN_ORIGIN' });
      const login = await call('/login', { method: 'POST', host, origin: 'http://evil.example', body: `token=${TOKEN}&next=/shadow`, type: 'application/x-www-form-urlencoded' });
      expect(login.status).toBe(403);
      expect(proxy.control.stats()).toMatchObject({ session: 'first', capturing: true });
    });

    it('serves any Host (it may sit behind a name or a TLS ingress) and its own origin, with the token', async () => {
      proxy = await start({ adminToken: TOKEN });
      const host = `admin.internal:${proxy.adminPort}`;
      expect((await call('/session/stats', { host, token: TOKEN })).status).toBe(200);
      const own = await call('/session/start', { method: 'POST', host, origin: `http://${host}`, token: TOKEN, body: '{"session":"second"}' });
      expect(own).toMatchObject({ status: 200, json: { session: 'second' } });
      const tls = await call('/session/stop', { method: 'POST', host: 'admin.example', origin: 'https://admin.example', token: TOKEN });
      expect(tls.status).toBe(200);
      const login = await call('/login', { method: 'POST', host, origin: `http://${host}`, body: `token=${TOKEN}&next=/shadow`, type: 'application/x-www-form-urlencoded' });
      expect(login.status).toBe(303);
    });
  });

  it.skipIf(!CHROMIUM)('in a real browser: its own /queues and /shadow pages load and refresh; another site\'s page cannot stop capture', async () => {
    proxy = await start();
    const admin = proxy.adminUrl;
    // another site's page on this machine, posting to the admin plane as a CSRF would
    const evil = await startHttpServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<script>fetch(${JSON.stringify(`${admin}/session/stop`)},{method:'POST',mode:'no-cors',body:'{}'}).then(()=>document.title='sent',()=>document.title='sent')</script>`),
    );
    const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const answers: [string, number][] = [];
      page.on('response', (r) => answers.push([new URL(r.url()).pathname, r.status()]));
      await page.goto(`${admin}/queues`);
      await page.waitForResponse((r) => new URL(r.url()).pathname === '/queues/api/queues', { timeout: 20_000 });
      await page.goto(`${admin}/shadow`);
      await page.waitForResponse((r) => r.url().includes('/shadow?fragment=1'), { timeout: 20_000 });
      expect(answers.filter(([, status]) => status >= 400)).toEqual([]);
      expect(answers.map(([path]) => path)).toEqual(expect.arrayContaining(['/queues/api/queues', '/shadow']));

      await page.goto(evil.url);
      await page.waitForFunction('document.title === "sent"', undefined, { timeout: 20_000 });
      expect(proxy.control.stats()).toMatchObject({ session: 'first', capturing: true });
    } finally {
      await browser.close();
      await evil.close();
    }
  }, 60_000);
});
