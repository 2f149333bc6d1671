import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { Exchange } from '../../shared/capture/exchange.js';
import { loadConfig } from '../../shared/config/load.js';
import { silentLogger } from '../../shared/log.js';
import { keys, queues } from '../../shared/redis/keys.js';
import { readRecords } from '../../shared/session/store.js';
import { shadowPolicy } from '../../shared/shadow/rules.js';
import { CaptureWriter } from '../../shared/capture/writer.js';
import { ShadowGate } from '../../shared/shadow/gate.js';
import { inlineShadowJobData, shadowJobData, type ShadowDestination, type ShadowJobData } from '../../shared/shadow/job.js';
import { openQueue } from '../../shared/queue/queues.js';
import { shadowStatus } from '../../shared/shadow/status.js';
import { parseWindow } from '../../shared/shadow/window.js';
import { startShadowWorker, type ShadowWorkerHandle } from '../../services/worker/shadow.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const tapped = (b: Buffer) => ({ chunks: b.length ? [b] : [], kept: b.length, size: b.length, truncated: false });

/** An exchange as the proxy's request path builds it. */
function exchange(method: string, url: string, resBody: unknown, extra: Partial<Exchange> = {}): Exchange {
  const body = json(resBody);
  return {
    session: 'shop', ts: Date.now() * 1000, method, url, httpVersion: '1.1', scheme: 'http',
    reqHeaders: ['Host', 'shop.example', 'Authorization', 'Bearer real-token-123', 'Accept', 'application/json'],
    reqBody: tapped(Buffer.alloc(0)),
    status: 200, resHeaders: ['Content-Type', 'application/json', 'Content-Length', String(body.length)], resBody: tapped(body),
    ttfbUs: 800, totalUs: 1000,
    ...extra,
  };
}


/**
 * Shadow mode as the proxy runs it: a capture writer carrying a shadow gate.
 * Capture is paused unless asked for, so only shadow work flows.
 */
function shadowWriter(redisUrl: string, destination: ShadowDestination, opts: { raw?: { key: Buffer; ttlSeconds: number }; maxQueue?: number; capture?: boolean; flushDelayMs?: number } = {}) {
  const stage = { destination, retentionSeconds: 3600, ...(opts.raw ? { raw: opts.raw } : {}), ...(opts.flushDelayMs ? { flushDelayMs: opts.flushDelayMs } : {}) };
  const gate = new ShadowGate({ stage, policy: shadowPolicy(), maxQueue: opts.maxQueue ?? 1000 });
  const writer = new CaptureWriter({ redisUrl, maxBodyBytes: 1 << 20, streamMaxLen: 10_000, retentionSeconds: 3600, bufferMaxRecords: 10_000, bufferMaxBytes: 64 << 20, shadowGate: gate });
  writer.paused = !opts.capture;
  return { writer, offer: (e: Exchange) => writer.offer(e), counters: () => gate.counters(), pause: () => (gate.paused = true), close: (ms: number) => writer.close(ms) };
}
type ShadowWriter = ReturnType<typeof shadowWriter>;

// generous bounds: a capture thread compiles its modules with tsx on start, slow on a busy machine
describe('shadow pipeline (sink → queue → worker → statistics)', { timeout: 45_000 }, () => {
  let t: TestRedis;
  let shadow: TestServer;
  let seen: { method: string; url: string; headers: IncomingHttpHeaders }[];
  let sink: ShadowWriter | undefined;
  let worker: ShadowWorkerHandle | undefined;

  beforeEach(async () => {
    t = await testRedis();
    seen = [];
    shadow = await startHttpServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers });
      // the planted regression: price turned from a number into a string
      const body = req.url!.startsWith('/api/products') ? { items: [{ id: 1, price: '349.00' }] } : { id: 7, name: 'Asha' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });

  afterEach(async () => {
    await sink?.close(2000);
    await worker?.close();
    await shadow.close();
    await t.cleanup();
  });

  function start(env: Record<string, string> = {}, raw?: { key: Buffer; ttlSeconds: number }) {
    const { config } = loadConfig({ env: { PARITY_REDIS_URL: t.url, ...env }, cwd: '/' });
    sink = shadowWriter(t.url, { target: shadow.url, marker: ['x-parity-shadow', '1'] }, raw ? { raw } : {});
    return { config };
  }

  /** Waits for the one shadow key of `kind` (records, raw); checks it has a TTL and holds no raw credential. */
  async function oneSecretFreeKey(kind: 'records' | 'raw'): Promise<string> {
    const [key] = await until(`a shadow ${kind} key`, async () => {
      const found = await t.redis.keys(`${keys.shadowPrefix}${kind}:*`);
      return found.length === 1 ? found : undefined;
    });
    const bytes = (await t.redis.getBuffer(key!))!;
    expect(bytes.includes(Buffer.from('real-token-123'))).toBe(false);
    expect(await t.redis.ttl(key!)).toBeGreaterThan(0);
    return key!;
  }

  it('mirrors GETs with the marker and the anonymised request, skips POST, and counts a planted difference under its route and field', async () => {
    const { config } = start();
    worker = await startShadowWorker({ config, rules: {}, log: silentLogger });
    for (let i = 0; i < 3; i++) sink!.offer(exchange('GET', `/api/products?page=${i}`, { items: [{ id: 1, price: 349 }] }));
    sink!.offer(exchange('GET', '/api/users/7', { id: 7, name: 'Asha' }));
    sink!.offer(exchange('POST', '/api/orders', { ok: true }));
    await until('4 mirrored requests', () => (seen.length >= 4 ? true : undefined));
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET', 'GET', 'GET']);
    for (const s of seen) {
      expect(s.headers['x-parity-shadow']).toBe('1');
      expect(s.headers.authorization).not.toContain('real-token-123');
    }
    const status = await until('statistics of 4 requests', async () => {
      const st = await shadowStatus(t.redis, parseWindow('5m'));
      return st.totals.requests === 4 ? st : undefined;
    });
    expect(status.routes[0]).toMatchObject({ route: 'GET /api/products', requests: 3, diffs: 3, diffRate: 1 });
    expect(status.routes[0]!.fields[0]).toMatchObject({ path: '$.items[*].price', kind: 'type', classification: 'real', count: 3 });
    expect(status.routes.find((r) => r.route === 'GET /api/users/:id')).toMatchObject({ requests: 1, diffs: 0 });
    expect(status.references).toEqual(['production']);
    const counters = await until('proxy counters in Redis', async () => {
      const st = await shadowStatus(t.redis, parseWindow('5m'));
      return st.proxy.offered === 5 ? st.proxy : undefined;
    });
    expect(counters).toMatchObject({ offered: 5, enqueued: 4, skipped: { method: 1 } });
  });

  it('runs many exchanges at once without Node warning of listeners piling up on its stop signal', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      await shadow.close();
      let open = 0;
      let most = 0;
      shadow = await startHttpServer((req, res) => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers });
        most = Math.max(most, ++open);
        setTimeout(() => {
          open--;
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":7}');
        }, 300);
      });
      const { config } = start();
      worker = await startShadowWorker({ config, rules: {}, log: silentLogger });
      for (let i = 0; i < 24; i++) sink!.offer(exchange('GET', `/api/users/${i}`, { id: 7 }));
      await until('24 mirrored requests', () => (seen.length >= 24 ? true : undefined));
      expect(most).toBeGreaterThan(10);
      await new Promise((r) => setTimeout(r, 400));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('with capture on, stores and mirrors the same anonymised record: built and anonymised once for both', async () => {
    const { config } = loadConfig({ env: { PARITY_REDIS_URL: t.url }, cwd: '/' });
    sink = shadowWriter(t.url, { target: shadow.url, marker: ['x-parity-shadow', '1'] }, { capture: true });
    worker = await startShadowWorker({ config, rules: {}, log: silentLogger });
    sink.offer(exchange('GET', '/api/users/7', { id: 7, name: 'Asha' }));
    sink.offer(exchange('POST', '/api/orders', { ok: true })); // captured, not mirrored
    await until('the mirrored request', () => (seen.length === 1 ? true : undefined));
    const stored = await until('2 stored records', async () => {
      const out = [];
      for await (const r of readRecords(t.redis, 'shop')) out.push(r.record);
      return out.length === 2 ? out : undefined;
    });
    expect(stored.map((r) => r.method)).toEqual(['GET', 'POST']);
    const storedAuth = stored[0]!.req.headers.find(([k]) => k === 'authorization')![1];
    expect(storedAuth).not.toContain('real-token-123');
    expect(seen[0]!.headers.authorization).toBe(storedAuth);
    expect(sink.writer.stats()).toMatchObject({ offered: 2, written: 2 });
    expect(sink.counters()).toMatchObject({ offered: 2, enqueued: 1, skipped: { method: 1 } });
  });

  it("keeps a job's records under their own key, anonymised and with a TTL, until a worker takes and deletes them", async () => {
    const { config } = start();
    sink!.offer(exchange('GET', '/api/users/7', { id: 7, name: 'Asha' }));
    const recordKey = await oneSecretFreeKey('records');
    worker = await startShadowWorker({ config, rules: {}, log: silentLogger });
    await until('the mirrored request', () => (seen.length === 1 ? true : undefined));
    await until('the records key deleted', async () => ((await t.redis.exists(recordKey)) === 0 ? true : undefined));
  });

  it('takes jobs of earlier proxies (records inline) and counts the exchanges of a job whose records expired', async () => {
    const { config } = start();
    const queue = openQueue<ShadowJobData>(queues.shadow, t.url);
    try {
      const dest: ShadowDestination = { target: shadow.url, marker: ['x-parity-shadow', '1'] };
      const record = {
        v: 1, id: 'r1', session: 'shop', ts: Date.now() * 1000, method: 'GET', url: '/api/users/9', httpVersion: '1.1', scheme: 'http',
        req: { headers: [['accept', 'application/json']], body: { bytes: Buffer.alloc(0), size: 0, truncated: false } },
        res: { status: 200, headers: [['content-type', 'application/json']], body: { bytes: json({ id: 7, name: 'Asha' }), size: 25, truncated: false } },
        timing: { ttfbUs: 800, totalUs: 1000 }, anonymised: [],
      } as const;
      await queue.add('shadow', inlineShadowJobData([record as never], dest), { removeOnComplete: true, removeOnFail: true });
      await queue.add('shadow', shadowJobData('gone-for-good', 3, dest), { removeOnComplete: true, removeOnFail: true });
      worker = await startShadowWorker({ config, rules: {}, log: silentLogger });
      await until('the inline job mirrored', () => (seen.some((s) => s.url === '/api/users/9') ? true : undefined));
      const status = await until('the expired job counted', async () => {
        const st = await shadowStatus(t.redis, parseWindow('5m'));
        return st.worker['records-expired'] === 3 ? st : undefined;
      });
      expect(status.totals.requests).toBe(1);
    } finally {
      await queue.close();
    }
  });

  it('with raw opt-in sends the real credentials, sealed in Redis until a worker takes and deletes them', async () => {
    const key = randomBytes(32);
    start({}, { key, ttlSeconds: 30 });
    sink!.offer(exchange('GET', '/api/users/7', { id: 7, name: 'Asha' }));
    const rawKey = await oneSecretFreeKey('raw');
    const { config } = loadConfig({ env: { PARITY_REDIS_URL: t.url, PARITY_SHADOW_KEY: key.toString('hex') }, cwd: '/' });
    worker = await startShadowWorker({ config, rules: {}, log: silentLogger });
    await until('the mirrored request', () => (seen.length === 1 ? true : undefined));
    expect(seen[0]!.headers.authorization).toBe('Bearer real-token-123');
    expect(await t.redis.exists(rawKey)).toBe(0);
  });

  it('with a shadow baseline asked twice, fields that differ between its answers are noise, not differences', async () => {
    const answerWith = (price: unknown) => (req: { url?: string }, res: import('node:http').ServerResponse) => {
      const body = req.url!.startsWith('/api/products') ? { price, requestId: randomBytes(4).toString('hex') } : { id: 7, requestId: randomBytes(4).toString('hex') };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const candidate = await startHttpServer(answerWith('349.00'));
    const baseline = await startHttpServer(answerWith(349));
    try {
      const { config } = loadConfig({ env: { PARITY_REDIS_URL: t.url }, cwd: '/' });
      sink = shadowWriter(t.url, { target: candidate.url, baseline: baseline.url, marker: ['x-parity-shadow', '1'] });
      worker = await startShadowWorker({ config, rules: {}, log: silentLogger });
      for (let i = 0; i < 4; i++) sink.offer(exchange('GET', `/api/products?page=${i}`, { price: 349 }));
      for (let i = 0; i < 4; i++) sink.offer(exchange('GET', '/api/users/7', { id: 7 }));
      const status = await until('statistics of 8 requests', async () => {
        const st = await shadowStatus(t.redis, parseWindow('5m'));
        return st.totals.requests === 8 ? st : undefined;
      });
      expect(status).toMatchObject({ references: ['baseline'], modes: ['exact'] });
      const products = status.routes.find((r) => r.route === 'GET /api/products')!;
      expect(products).toMatchObject({ compared: 4, diffs: 4 });
      expect(products.fields.find((f) => f.path === '$.price')).toMatchObject({ kind: 'type', classification: 'real', count: 4 });
      expect(products.fields.find((f) => f.path === '$.requestId')).toMatchObject({ classification: 'noise', count: 4, noiseCount: 4 });
      expect(status.routes.find((r) => r.route === 'GET /api/users/:id')).toMatchObject({ compared: 4, diffs: 0 });
    } finally {
      await candidate.close();
      await baseline.close();
    }
  });

  it('counts a shadow that answers garbage or never answers as errors', async () => {
    const garbage = createNetServer((socket) => socket.end('this is not HTTP\r\n\r\n'));
    const silent = createNetServer(() => undefined);
    const listen = (srv: NetServer) => new Promise<number>((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port)));
    const [gPort, sPort] = [await listen(garbage), await listen(silent)];
    try {
      const { config } = loadConfig({ env: { PARITY_REDIS_URL: t.url, PARITY_SHADOW_TIMEOUT_MS: '300' }, cwd: '/' });
      worker = await startShadowWorker({ config, rules: {}, log: silentLogger });
      const sinkTo = (port: number) => shadowWriter(t.url, { target: `http://127.0.0.1:${port}`, marker: ['x-parity-shadow', '1'] });
      const g = sinkTo(gPort);
      const s2 = sinkTo(sPort);
      g.offer(exchange('GET', '/api/users/1', { id: 1 }));
      s2.offer(exchange('GET', '/api/products', { items: [] }));
      const status = await until('two errors', async () => {
        const st = await shadowStatus(t.redis, parseWindow('5m'));
        return st.totals.errors === 2 ? st : undefined;
      });
      await Promise.all([g.close(2000), s2.close(2000)]);
      expect(status.routes.find((r) => r.route === 'GET /api/users/:id')!.errorKinds).toEqual({ other: 1 });
      expect(status.routes.find((r) => r.route === 'GET /api/products')!.errorKinds).toEqual({ timeout: 1 });
    } finally {
      garbage.close();
      silent.close();
    }
  });

  it('drops and counts shadow work past the queue bound', async () => {
    sink = shadowWriter(t.url, { target: shadow.url, marker: ['x-parity-shadow', '1'] }, { maxQueue: 5 });
    for (let i = 0; i < 20; i++) sink.offer(exchange('GET', `/api/users/${i}`, { id: i }));
    const c = sink.counters();
    expect(c.dropped['queue-full']).toBe(15);
    await until('5 jobs enqueued', () => (sink!.counters().enqueued === 5 ? true : undefined));
  });

  // an hour-long wait: only what the test is about can send these exchanges within the test's time
  const NEVER = 3_600_000;

  it('enqueues what was admitted before a pause at once, not at the end of the enqueuer\'s wait', async () => {
    sink = shadowWriter(t.url, { target: shadow.url, marker: ['x-parity-shadow', '1'] }, { flushDelayMs: NEVER });
    sink.offer(exchange('GET', '/api/users/1', { id: 1 }));
    sink.offer(exchange('GET', '/api/users/2', { id: 2 }));
    sink.pause();
    sink.offer(exchange('GET', '/api/users/3', { id: 3 }));
    await until('2 exchanges enqueued', () => (sink!.counters().enqueued === 2 ? true : undefined));
    expect(sink.counters().skipped.paused).toBe(1);
  });

  it('enqueues at once when 4 MiB wait for a flush, whatever the wait', async () => {
    sink = shadowWriter(t.url, { target: shadow.url, marker: ['x-parity-shadow', '1'] }, { flushDelayMs: NEVER });
    const page = { items: 'x'.repeat(900_000) };
    for (let i = 0; i < 5; i++) sink.offer(exchange('GET', `/api/pages/${i}`, page));
    await until('5 large exchanges enqueued', () => (sink!.counters().enqueued === 5 ? true : undefined));
  });
});
