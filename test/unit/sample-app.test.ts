import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get as get_ } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { startSampleApp, type SampleApp } from '../../scripts/sample-app/app.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;

async function get(app: SampleApp, path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await fetch(app.url + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) };
}

function withoutNoise(body: Record<string, unknown>): Record<string, unknown> {
  const { requestId: _r, ...rest } = body;
  return rest;
}

describe('sample app', () => {
  let prod: SampleApp;
  let staging: SampleApp;
  let identical: SampleApp;
  beforeAll(async () => {
    [prod, staging, identical] = await Promise.all([
      startSampleApp({ variant: 'production' }),
      startSampleApp({ variant: 'staging' }),
      startSampleApp({ variant: 'identical' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([prod?.close(), staging?.close(), identical?.close()]);
  });

  const paths = ['/api/users/1', '/api/users/3/orders', '/api/products?q=tea', '/api/search?name=Zo%C3%AB', '/api/search?name=mehta', '/healthz'];

  it('identical answers like production except for the date, etag and request id', async () => {
    for (const p of paths) {
      const [a, b] = await Promise.all([get(prod, p), get(identical, p)]);
      expect(b.status, p).toBe(a.status);
      expect(b.body.requestId).not.toBe(a.body.requestId);
      expect(b.headers.get('etag')).not.toBe(a.headers.get('etag'));
      expect(a.headers.get('date')).toBeTruthy();
      const clean = (x: Json): unknown => (p === '/healthz' ? { ...withoutNoise(x), variant: '' } : withoutNoise(x));
      expect(clean(b.body), p).toEqual(clean(a.body));
    }
  });

  it('staging loses the email field of a user', async () => {
    expect((await get(prod, '/api/users/2')).body.user.email).toBe('rohan.mehta@example.com');
    expect((await get(staging, '/api/users/2')).body.user).not.toHaveProperty('email');
  });

  it('staging returns product prices as strings', async () => {
    expect(typeof (await get(prod, '/api/products')).body.items[0].price).toBe('number');
    expect((await get(staging, '/api/products')).body.items[0].price).toBe('349.00');
  });

  it('staging fails with 500 on a unicode name and not on an ASCII one', async () => {
    expect((await get(prod, '/api/search?name=' + encodeURIComponent('श्रेया'))).body.count).toBe(1);
    expect((await get(staging, '/api/search?name=' + encodeURIComponent('श्रेया'))).status).toBe(500);
    expect((await get(staging, '/api/search?name=jos')).status).toBe(200);
  });

  it('gzips the daily report for clients that accept gzip', async () => {
    const raw = await new Promise<{ encoding?: string; bytes: Buffer }>((resolve, reject) => {
      get_(prod.url + '/api/reports/daily', { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], bytes: Buffer.concat(parts) }));
      }).on('error', reject);
    });
    expect(raw.encoding).toBe('gzip');
    const body = JSON.parse(gunzipSync(raw.bytes).toString('utf8'));
    expect(body.rows).toBe(1500);
    expect(raw.bytes.length).toBeLessThan(gunzipSync(raw.bytes).length / 4);
  });

  it('echoes a posted order and derives its id from the body', async () => {
    const order = JSON.stringify({ customer: { name: 'Zoë', email: 'zoe.f@example.net' }, items: [{ sku: 'TEA-ASSAM-250', qty: 2 }] });
    const init = { method: 'POST', body: order, headers: { 'content-type': 'application/json' } };
    const [a, b] = await Promise.all([get(prod, '/api/orders', init), get(staging, '/api/orders', init)]);
    expect(a.status).toBe(201);
    expect(a.body.total).toBe(698);
    expect(a.body.order.customer.name).toBe('Zoë');
    expect(withoutNoise(b.body)).toEqual(withoutNoise(a.body));
    expect((await get(prod, '/api/orders', { method: 'POST', body: '{nope' })).status).toBe(400);
  });

  it('answers unknown routes with 404 and wrong methods with 405', async () => {
    expect((await get(prod, '/nope')).status).toBe(404);
    expect((await get(prod, '/api/products', { method: 'DELETE' })).status).toBe(405);
  });
});
