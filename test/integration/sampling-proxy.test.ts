import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRecords } from '../../shared/session/store.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { startTestProxy, waitForRecords, type TestProxy } from '../helpers/proxy.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

async function send(url: string, method: 'GET' | 'POST', headers: Record<string, string> = {}): Promise<void> {
  const res = await request(url, { method, headers, body: method === 'POST' ? '{}' : undefined });
  await res.body.dump();
}

describe('sampling through the proxy', () => {
  let t: TestRedis;
  let upstream: TestServer;
  let proxy: TestProxy | undefined;

  beforeEach(async () => {
    t = await testRedis();
    upstream = await startHttpServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
  });
  afterEach(async () => {
    await proxy?.close({ graceMs: 100, flushMs: 2000 });
    proxy = undefined;
    await upstream.close();
    await t.cleanup();
  });

  async function capturedUrls(session: string, expected: number): Promise<string[]> {
    // wait until the writer has settled everything it was offered
    // a record reaches the writer after its answer: wait for the count, then for nothing more in flight
    await waitForRecords(t.redis, session, expected, 25_000);
    await until('the writer to settle what it was offered', () => proxy!.writer.stats().bufferRecords === 0, undefined, 20);
    const urls: string[] = [];
    for await (const { record } of readRecords(t.redis, session)) urls.push(`${record.method} ${record.url}`);
    expect(urls.length).toBe(expected);
    return urls;
  }

  it('applies route rules from the rules file and samples a sticky user all-or-nothing', async () => {
    const rules = {
      sampling: {
        sticky: { header: 'x-user' },
        routes: [
          { path: '/health', rate: 'never' },
          { method: 'POST', path: '/api/**', rate: 1 },
        ],
      },
    };
    proxy = await startTestProxy(t.url, upstream.url, { session: 'rules', sampleRate: 0.5 }, { rules });
    for (let i = 0; i < 10; i++) await send(`${proxy.url}/health`, 'GET');
    for (let i = 0; i < 5; i++) await send(`${proxy.url}/api/orders/${i}`, 'POST');
    // find one user in and one user out of the 50 % sample (sticky hashing is deterministic)
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    for (const u of users) for (let i = 0; i < 3; i++) await send(`${proxy.url}/shop/${i}`, 'GET', { 'x-user': u });

    const urls = await capturedUrls('rules', proxy.writer.stats().offered);
    expect(urls.filter((u) => u.includes('/health'))).toEqual([]);
    expect(urls.filter((u) => u.startsWith('POST /api/orders/'))).toHaveLength(5);
    const shop = urls.filter((u) => u.startsWith('GET /shop/')).length;
    expect(shop % 3).toBe(0); // each user: all three pages or none
    expect(shop).toBeGreaterThan(0);
    expect(shop).toBeLessThan(users.length * 3);
  });

  it('forwards a request carrying the shadow marker without capturing it (a mirrored request is no production traffic)', async () => {
    let upstreamSaw = 0;
    await upstream.close();
    upstream = await startHttpServer((req, res) => {
      upstreamSaw++;
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    proxy = await startTestProxy(t.url, upstream.url, { session: 'marked', shadowMarker: 'x-mirror: yes' });
    await send(`${proxy.url}/real`, 'GET');
    await send(`${proxy.url}/mirrored`, 'GET', { 'x-mirror': 'yes' });
    // another value is not the marker
    await send(`${proxy.url}/other`, 'GET', { 'x-mirror': 'no' });
    expect(upstreamSaw).toBe(3);
    expect(proxy.control.stats()).toMatchObject({ proxied: 3, sampled: 2 });
    expect(await capturedUrls('marked', 2)).toEqual(['GET /real', 'GET /other']);
  });

  it('caps captures per second', async () => {
    proxy = await startTestProxy(t.url, upstream.url, { session: 'cap', maxCapturesPerSecond: 3 });
    const start = Date.now();
    for (let i = 0; i < 20; i++) await send(`${proxy.url}/c/${i}`, 'GET');
    const seconds = Math.floor(Date.now() / 1000) - Math.floor(start / 1000) + 1;
    const stats = proxy.control.stats();
    expect(stats.proxied).toBe(20);
    expect(stats.sampled).toBeLessThanOrEqual(3 * seconds);
    expect(stats.sampled).toBeGreaterThanOrEqual(3);
    await capturedUrls('cap', stats.sampled);
  });
});
