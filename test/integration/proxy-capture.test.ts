import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { readRecords, sessionInfo } from '../../shared/session/store.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { startTestProxy, waitForRecords, type TestProxy } from '../helpers/proxy.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

async function records(t: TestRedis, session: string): Promise<CaptureRecord[]> {
  const out: CaptureRecord[] = [];
  for await (const r of readRecords(t.redis, session)) out.push(r.record);
  return out;
}

describe('proxy capture', () => {
  let t: TestRedis;
  let upstream: TestServer;
  let proxy: TestProxy | undefined;
  let bodies: Record<string, { headers: Record<string, string>; body: Buffer }>;

  beforeEach(async () => {
    t = await testRedis();
    bodies = {};
    upstream = await startHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url!.split('?')[0]!;
        const canned = bodies[path];
        if (canned) {
          res.writeHead(200, canned.headers);
          res.end(canned.body);
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.setHeader('set-cookie', ['sid=s3cr3t; Path=/', 'theme=dark']);
        res.end(JSON.stringify({ echo: Buffer.concat(chunks).toString(), url: req.url }));
      });
    });
  });

  afterEach(async () => {
    await proxy?.close({ graceMs: 100, flushMs: 1000 });
    proxy = undefined;
    await upstream.close();
    await t.cleanup();
  });

  it('records a sampled exchange in the session stream: request, response, timings, anonymised credentials', async () => {
    proxy = await startTestProxy(t.url, upstream.url, { session: 'shop' });
    const res = await request(`${proxy.url}/orders/7?expand=items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer tok-123', cookie: 'sid=abc' },
      body: '{"qty":2}',
    });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ echo: '{"qty":2}', url: '/orders/7?expand=items' });
    expect(await waitForRecords(t.redis, 'shop', 1)).toBe(1);

    const [r] = await records(t, 'shop');
    expect(r).toMatchObject({ v: 1, session: 'shop', method: 'POST', url: '/orders/7?expand=items', httpVersion: '1.1', scheme: 'http', host: `127.0.0.1:${proxy.port}` });
    expect(r!.req.body.bytes.toString()).toBe('{"qty":2}');
    expect(r!.res!.status).toBe(200);
    expect(JSON.parse(r!.res!.body.bytes.toString())).toEqual({ echo: '{"qty":2}', url: '/orders/7?expand=items' });
    expect(r!.timing.totalUs).toBeGreaterThanOrEqual(r!.timing.ttfbUs);
    expect(r!.timing.ttfbUs).toBeGreaterThan(0);
    const flat = JSON.stringify(r!.req.headers) + JSON.stringify(r!.res!.headers);
    expect(flat).not.toContain('tok-123');
    expect(flat).not.toContain('s3cr3t');
    expect(r!.anonymised).toEqual(expect.arrayContaining(['req.headers.authorization', 'req.headers.cookie', 'res.headers.set-cookie']));
    expect((await sessionInfo(t.redis, 'shop')).upstream).toBe(`${upstream.url}/`);
  });

  it('keeps a body past PARITY_MAX_BODY_BYTES as a prefix with the full size and the SHA-256 of all of it', async () => {
    const big = Buffer.alloc(20_000, 'x');
    bodies['/big'] = { headers: { 'content-type': 'text/plain' }, body: big };
    proxy = await startTestProxy(t.url, upstream.url, { session: 'big', maxBodyBytes: 1024 });
    const upload = Buffer.alloc(10_000, 'u');
    const res = await request(`${proxy.url}/big`, { method: 'PUT', body: upload });
    expect(Buffer.from(await res.body.arrayBuffer()).equals(big)).toBe(true);
    await waitForRecords(t.redis, 'big', 1);
    const [r] = await records(t, 'big');
    // no hash of a raw body is kept: a short or templated one is found again by trying values
    expect(r!.req.body).toMatchObject({ size: 10_000, truncated: true });
    expect(r!.req.body.sha256).toBeUndefined();
    expect(r!.req.body.bytes.length).toBe(1024);
    expect(r!.res!.body).toMatchObject({ size: 20_000, truncated: true });
    expect(r!.res!.body.sha256).toBeUndefined();
    expect(r!.res!.body.bytes.equals(big.subarray(0, 1024))).toBe(true);
  });

  it.each([
    ['gzip', gzipSync],
    ['br', brotliCompressSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
  ] as const)('decodes a %s response for the record only: the client gets the encoded bytes', async (coding, encode) => {
    const plain = Buffer.from(JSON.stringify({ items: Array.from({ length: 50 }, (_, i) => ({ i, name: `item ${i}` })) }));
    const encoded = encode(plain);
    bodies['/enc'] = { headers: { 'content-type': 'application/json', 'content-encoding': coding }, body: encoded };
    proxy = await startTestProxy(t.url, upstream.url, { session: 'enc' });
    const res = await request(`${proxy.url}/enc`);
    expect(res.headers['content-encoding']).toBe(coding);
    expect(Buffer.from(await res.body.arrayBuffer()).equals(encoded)).toBe(true);
    await waitForRecords(t.redis, 'enc', 1);
    const [r] = await records(t, 'enc');
    expect(r!.res!.body).toMatchObject({ decodedFrom: coding, size: encoded.length, truncated: false });
    expect(r!.res!.body.bytes.equals(plain)).toBe(true);
  });

  it('bounds decoding against a decompression bomb: the record keeps a truncated prefix', async () => {
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024));
    bodies['/bomb'] = { headers: { 'content-encoding': 'gzip' }, body: bomb };
    proxy = await startTestProxy(t.url, upstream.url, { session: 'bomb', maxBodyBytes: 64 * 1024 });
    const res = await request(`${proxy.url}/bomb`);
    expect(Buffer.from(await res.body.arrayBuffer()).length).toBe(bomb.length);
    await waitForRecords(t.redis, 'bomb', 1);
    const [r] = await records(t, 'bomb');
    expect(r!.res!.body).toMatchObject({ decodedFrom: 'gzip', truncated: true, size: bomb.length });
    expect(r!.res!.body.bytes.length).toBe(64 * 1024);
  });

  it('captures nothing at sample rate 0 and still proxies', async () => {
    proxy = await startTestProxy(t.url, upstream.url, { session: 'none', sampleRate: 0 });
    for (let i = 0; i < 5; i++) {
      const res = await request(`${proxy.url}/x`);
      await res.body.dump();
      expect(res.statusCode).toBe(200);
    }
    expect(proxy.control.stats()).toMatchObject({ proxied: 5, sampled: 0 });
    expect(await t.redis.xlen('parity:session:{none}:stream')).toBe(0);
  });
});
