import { Agent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineName } from '../../services/proxy/engine.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { readRecords } from '../../shared/session/store.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  trailers: NodeJS.Dict<string>;
}

function send(url: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer[]; agent?: Agent; expectContinue?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent ?? false }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks), trailers: res.trailers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const write = () => {
      for (const c of opts.body ?? []) req.write(c);
      req.end();
    };
    if (opts.expectContinue) req.on('continue', write);
    else write();
  });
}

/** Sends raw bytes and returns what came back before the server closed or `ms` passed. */
function raw(port: number, text: string, ms = 1000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('error', () => undefined);
    const t = setTimeout(() => s.destroy(), ms);
    s.on('close', () => {
      clearTimeout(t);
      resolve(got);
    });
    s.write(text);
  });
}

describe.each(['http-proxy', 'http-proxy-3'] as EngineName[])('proxy transparency (%s)', (engine) => {
  let t: TestRedis;
  let upstream: TestServer;
  let proxy: TestProxy;
  const session = `tr-${engine}`;
  let seen: { url: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];

  async function recordFor(url: string): Promise<CaptureRecord> {
    return until(`a record for ${url}`, async () => {
      for await (const { record } of readRecords(t.redis, session)) if (record.url === url) return record;
      return undefined;
    }, undefined, 25);
  }

  beforeAll(async () => {
    t = await testRedis();
    upstream = await startHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ url: req.url!, headers: req.headers, body });
        const path = req.url!.split('?')[0];
        if (path === '/teapot') {
          res.writeHead(418, 'I Am A Teapot', { 'x-custom': 'yes', 'set-cookie': ['a=1', 'b=2'], trailer: 'x-checksum', 'content-type': 'text/plain' });
          res.write('short ');
          res.write('and stout');
          res.addTrailers({ 'x-checksum': 'c0ffee' });
          return res.end();
        }
        if (path === '/echo') {
          res.setHeader('content-type', 'application/octet-stream');
          for (let i = 0; i < body.length; i += 1000) res.write(body.subarray(i, i + 1000)); // chunked back
          return res.end();
        }
        if (path === '/head') {
          res.writeHead(200, { 'content-length': '1234', 'content-type': 'text/plain' });
          return res.end(req.method === 'HEAD' ? undefined : Buffer.alloc(1234, 'h'));
        }
        if (path === '/nocontent') return res.writeHead(204).end();
        if (path === '/notmodified') return res.writeHead(304, { etag: '"v1"' }).end();
        res.end(JSON.stringify({ url: req.url }));
      });
    });
    upstream.server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: ${req.headers.upgrade}\r\nconnection: Upgrade\r\nx-upstream: ws\r\n\r\n`);
      socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), d])));
      socket.on('end', () => socket.end());
      socket.on('error', () => undefined);
    });
    proxy = await startTestProxy(t.url, upstream.url, { session }, { engine });
  });

  afterAll(async () => {
    await proxy.close({ graceMs: 100, flushMs: 1000 });
    await upstream.close();
    await t.cleanup();
  });

  it('passes status, reason, headers, repeated Set-Cookie, body and trailers as the upstream sent them', async () => {
    const r = await send(`${proxy.url}/teapot`);
    expect(r.status).toBe(418);
    expect(r.headers['x-custom']).toBe('yes');
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(r.body.toString()).toBe('short and stout');
    expect(r.trailers).toMatchObject({ 'x-checksum': 'c0ffee' });
    const rec = await recordFor('/teapot');
    expect(rec.res).toMatchObject({ status: 418, trailers: [['x-checksum', 'c0ffee']] });
  });

  it('adds no X-Forwarded-* header, keeps the original Host upstream and in the record, and drops hop-by-hop headers', async () => {
    seen = [];
    await send(`${proxy.url}/fwd?x=1`, { headers: { host: 'shop.example', connection: 'keep-alive, x-hop', 'x-hop': 'secret', 'keep-alive': 'timeout=9', 'x-end': 'kept' } });
    const up = seen.find((s) => s.url === '/fwd?x=1')!;
    expect(up.headers).toMatchObject({ host: 'shop.example', 'x-end': 'kept' });
    expect(Object.keys(up.headers).filter((k) => k.startsWith('x-forwarded-'))).toEqual([]);
    expect(up.headers['x-hop']).toBeUndefined();
    expect(up.headers['keep-alive']).toBeUndefined();
    const rec = await recordFor('/fwd?x=1');
    expect(rec.host).toBe('shop.example');
    expect(rec.req.headers).toContainEqual(['x-hop', 'secret']); // the record keeps what the client sent
  });

  it('forwards the request target exactly as the client sent it', async () => {
    seen = [];
    const reply = await raw(proxy.port, 'GET /a//b/../c?x=1&x=1&y=%2F HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(seen.map((s) => s.url)).toContain('/a//b/../c?x=1&x=1&y=%2F');
  });

  it('streams chunked uploads and downloads byte for byte', async () => {
    const parts = Array.from({ length: 50 }, (_, i) => Buffer.alloc(777, i));
    const r = await send(`${proxy.url}/echo`, { method: 'POST', body: parts, headers: { 'transfer-encoding': 'chunked' } });
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.body.equals(Buffer.concat(parts))).toBe(true);
    const rec = await recordFor('/echo');
    expect(rec.req.body.bytes.equals(Buffer.concat(parts))).toBe(true);
    expect(rec.res!.body.size).toBe(50 * 777);
  });

  it('answers HEAD with headers only and keeps the connection usable; 204 and 304 carry no body', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const head = await send(`${proxy.url}/head`, { method: 'HEAD', agent });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('1234');
    expect(head.body.length).toBe(0);
    const after = await send(`${proxy.url}/head`, { agent });
    expect(after.body.length).toBe(1234);
    const nc = await send(`${proxy.url}/nocontent`, { agent });
    expect([nc.status, nc.body.length]).toEqual([204, 0]);
    const nm = await send(`${proxy.url}/notmodified`, { agent });
    expect([nm.status, nm.body.length, nm.headers.etag]).toEqual([304, 0, '"v1"']);
    agent.destroy();
  });

  it('relays Expect: 100-continue: the upstream says continue, then the body flows', async () => {
    seen = [];
    const body = Buffer.from('{"after":"continue"}');
    const r = await send(`${proxy.url}/echo?expect`, { method: 'PUT', body: [body], headers: { expect: '100-continue', 'content-length': String(body.length) }, expectContinue: true });
    expect(r.status).toBe(200);
    expect(r.body.equals(body)).toBe(true);
    expect(seen.find((s) => s.url === '/echo?expect')!.headers.expect).toBe('100-continue');
  });

  it('proxies a WebSocket upgrade and records the handshake as metadata only', async () => {
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${proxy.url}/ws`, { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' } });
      req.on('upgrade', (res: IncomingMessage, socket: Duplex) => {
        expect(res.statusCode).toBe(101);
        expect(res.headers['x-upstream']).toBe('ws');
        socket.once('data', (d: Buffer) => {
          resolve(d.toString());
          socket.destroy();
        });
        socket.write('frame-bytes');
      });
      req.on('error', reject);
      req.end();
    });
    expect(echoed).toBe('echo:frame-bytes');
    const rec = await recordFor('/ws');
    expect(rec).toMatchObject({ upgrade: 'websocket', res: { status: 101 } });
    expect(rec.req.body).toMatchObject({ omitted: 'upgrade', size: 0 });
    expect(rec.res!.body.bytes.length).toBe(0);
  });

  it('answers malformed requests the way Node does and keeps serving', async () => {
    expect(await raw(proxy.port, 'THIS IS NOT HTTP\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(proxy.port, `GET / HTTP/1.1\r\nHost: h\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);
    expect(await raw(proxy.port, 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!')).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(proxy.port, 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    const ok = await send(`${proxy.url}/still-alive`);
    expect(ok.status).toBe(200);
  });
});
