/**
 * The sample app: a small shop API standing for "production", and builds of
 * it standing for "staging" (with planted regressions) and "identical" (the
 * same code as production). Used by `parity demo`, docker-compose and tests.
 *
 * Planted regressions, in `staging` only:
 *   1. Removed field: `GET /api/users/:id` answers without `email`.
 *   2. Type change number → string: `GET /api/products` returns `price` as a
 *      string with two decimals ("349.00" instead of 349).
 *   3. New 500: `GET /api/search?name=` answers 500 when the name contains any
 *      non-ASCII character (e.g. "Zoë", "श्रेया").
 *   4. Slower route: `GET /api/users/:id/orders` takes ~3× longer (60 ms
 *      instead of 20 ms of simulated database time).
 *
 * Noise that must not count as a difference: every answer carries a fresh
 * Date header, an ETag computed over the body, and a random `requestId`
 * field in the JSON body — in every variant, including `identical`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { dailyReportRows, ordersOf, products, users } from './data.js';

export type SampleVariant = 'production' | 'staging' | 'identical';

export interface SampleAppOptions {
  variant: SampleVariant;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
}

export interface SampleApp {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Simulated database time of `GET /api/users/:id/orders`, ms, per variant. */
export const ORDERS_DELAY_MS: Record<SampleVariant, number> = { production: 20, identical: 20, staging: 60 };
/** Simulated time of the daily report, ms (the same in every variant). */
export const REPORT_DELAY_MS = 40;
const MAX_BODY_BYTES = 1024 * 1024;

type Answer = { status: number; body: Record<string, unknown> };

function send(req: IncomingMessage, res: ServerResponse, a: Answer): void {
  const json = Buffer.from(JSON.stringify({ ...a.body, requestId: randomUUID() }));
  const etag = `W/"${createHash('sha1').update(json).digest('base64url').slice(0, 20)}"`;
  const gzip = json.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const payload = gzip ? gzipSync(json) : json;
  res.writeHead(a.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': payload.length,
    etag,
    'cache-control': 'no-store',
    vary: 'Accept-Encoding',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : payload);
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

function userAnswer(variant: SampleVariant, id: number): Answer {
  const u = users.find((x) => x.id === id);
  if (!u) return { status: 404, body: { error: 'user not found', id } };
  if (variant === 'staging') {
    const { email: _dropped, ...rest } = u;
    return { status: 200, body: { user: rest } };
  }
  return { status: 200, body: { user: u } };
}

function productsAnswer(variant: SampleVariant, q: string): Answer {
  const needle = q.toLowerCase();
  const hits = products.filter((p) => !needle || p.name.toLowerCase().includes(needle) || p.tags.includes(needle));
  const items = variant === 'staging' ? hits.map((p) => ({ ...p, price: p.price.toFixed(2) })) : hits;
  return { status: 200, body: { query: q, count: items.length, items } };
}

function searchAnswer(variant: SampleVariant, name: string): Answer {
  if (!name) return { status: 400, body: { error: 'query parameter "name" is required' } };
  if (variant === 'staging' && /[^\x00-\x7f]/.test(name)) {
    return { status: 500, body: { error: 'internal server error', detail: 'collation failure' } };
  }
  const needle = name.normalize('NFC').toLocaleLowerCase();
  const results = users
    .filter((u) => u.name.normalize('NFC').toLocaleLowerCase().includes(needle))
    .map((u) => ({ id: u.id, name: u.name, email: u.email, phone: u.phone }));
  return { status: 200, body: { query: name, count: results.length, results } };
}

function orderAnswer(raw: Buffer | null): Answer {
  if (raw === null) return { status: 413, body: { error: `body larger than ${MAX_BODY_BYTES} bytes` } };
  let order: unknown;
  try {
    order = JSON.parse(raw.toString('utf8'));
  } catch {
    return { status: 400, body: { error: 'body is not valid JSON' } };
  }
  if (typeof order !== 'object' || order === null || !Array.isArray((order as { items?: unknown }).items)) {
    return { status: 422, body: { error: 'an order needs an "items" array' } };
  }
  const items = (order as { items: { sku?: unknown; qty?: unknown }[] }).items;
  let total = 0;
  for (const it of items) {
    const p = products.find((x) => x.sku === it.sku);
    total += (p?.price ?? 0) * (typeof it.qty === 'number' ? it.qty : 1);
  }
  // Derived from the body so that every variant gives the same order id.
  const orderId = `ORD-${createHash('sha256').update(raw).digest('hex').slice(0, 10).toUpperCase()}`;
  return { status: 201, body: { orderId, status: 'created', total: Math.round(total * 100) / 100, order } };
}

async function route(variant: SampleVariant, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sample.local');
  const path = url.pathname;
  const get = req.method === 'GET' || req.method === 'HEAD';
  let m: RegExpMatchArray | null;
  if (path === '/healthz' && get) return send(req, res, { status: 200, body: { status: 'ok', variant } });
  if ((m = path.match(/^\/api\/users\/(\d+)$/)) && get) return send(req, res, userAnswer(variant, Number(m[1])));
  if ((m = path.match(/^\/api\/users\/(\d+)\/orders$/)) && get) {
    await sleep(ORDERS_DELAY_MS[variant]);
    const u = users.find((x) => x.id === Number(m![1]));
    if (!u) return send(req, res, { status: 404, body: { error: 'user not found' } });
    const orders = ordersOf(u);
    return send(req, res, { status: 200, body: { userId: u.id, count: orders.length, orders } });
  }
  if (path === '/api/products' && get) return send(req, res, productsAnswer(variant, url.searchParams.get('q') ?? ''));
  if (path === '/api/search' && get) return send(req, res, searchAnswer(variant, url.searchParams.get('name') ?? ''));
  if (path === '/api/orders' && req.method === 'POST') return send(req, res, orderAnswer(await readBody(req)));
  if (path === '/api/reports/daily' && get) {
    await sleep(REPORT_DELAY_MS);
    const rows = dailyReportRows();
    return send(req, res, { status: 200, body: { report: 'daily', rows: rows.length, data: rows } });
  }
  const known = ['/healthz', '/api/products', '/api/search', '/api/orders', '/api/reports/daily'].includes(path) || path.startsWith('/api/users/');
  send(req, res, known ? { status: 405, body: { error: `method ${req.method} not allowed on ${path}` } } : { status: 404, body: { error: `no route ${path}` } });
}

/** Starts the sample app; `close()` stops it and drops open connections. */
export async function startSampleApp(opts: SampleAppOptions): Promise<SampleApp> {
  const server = createServer((req, res) => {
    route(opts.variant, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"sample app failure"}');
    });
  });
  server.keepAliveTimeout = 30_000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
