import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineName } from '../../services/proxy/engine.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

/** What an ingress in front of the proxy sent: TLS ended there, the client is 203.0.113.9. */
const INGRESS = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-port': '443', 'x-forwarded-host': 'shop.example' };

const forwarded = (h: IncomingHttpHeaders) => Object.fromEntries(Object.entries(h).filter(([k]) => k.startsWith('x-forwarded-')));

/** GET through the proxy; the upstream answers with the headers it received. */
function echo(url: string, headers: Record<string, string>): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host: 'shop.example', ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as IncomingHttpHeaders));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket handshake through the proxy; resolves with the headers the upstream's 101 echoed. */
function upgrade(url: string, headers: Record<string, string>): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host: 'shop.example', connection: 'Upgrade', upgrade: 'websocket', ...headers }, agent: false });
    req.on('upgrade', (res: IncomingMessage, socket: Duplex) => {
      socket.destroy();
      resolve(JSON.parse(Buffer.from(res.headers['x-seen'] as string, 'base64').toString()) as IncomingHttpHeaders);
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each<EngineName>(['http-proxy', 'http-proxy-3'])('X-Forwarded-* headers through the proxy (%s)', (engine) => {
  let t: TestRedis;
  let upstream: TestServer;
  let proxy: TestProxy | undefined;

  beforeEach(async () => {
    t = await testRedis();
    upstream = await startHttpServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers)));
    upstream.server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      const seen = Buffer.from(JSON.stringify(req.headers)).toString('base64');
      socket.end(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nx-seen: ${seen}\r\n\r\n`);
    });
  });
  afterEach(async () => {
    await proxy?.close({ graceMs: 100, flushMs: 500 });
    proxy = undefined;
    await upstream.close();
    await t.cleanup();
  });

  it('passes an ingress\'s X-Forwarded-For/-Proto/-Port/-Host to the app unchanged, and adds none', async () => {
    proxy = await startTestProxy(t.url, upstream.url, { session: 'fwd' }, { engine });
    expect(forwarded(await echo(`${proxy.url}/a`, INGRESS))).toEqual(INGRESS);
    expect(forwarded(await echo(`${proxy.url}/b`, {}))).toEqual({});
  });

  it('passes them unchanged on a WebSocket handshake too', async () => {
    proxy = await startTestProxy(t.url, upstream.url, { session: 'fwd-ws' }, { engine });
    expect(forwarded(await upgrade(`${proxy.url}/ws`, INGRESS))).toEqual(INGRESS);
  });

  it('appends the client hop when asked to (--add-forwarded-headers true), for a proxy that is the first hop', async () => {
    proxy = await startTestProxy(t.url, upstream.url, { session: 'fwd-add', addForwardedHeaders: true }, { engine });
    const seen = forwarded(await echo(`${proxy.url}/c`, INGRESS));
    // http-proxy's xfwd: the port is the Host's (80 for `shop.example`), the host kept when the client gave one
    expect(seen).toMatchObject({ 'x-forwarded-proto': 'https,http', 'x-forwarded-port': '443,80', 'x-forwarded-host': 'shop.example' });
    expect(seen['x-forwarded-for']).toMatch(/^203\.0\.113\.9,(::ffff:)?127\.0\.0\.1$/);
  });
});
