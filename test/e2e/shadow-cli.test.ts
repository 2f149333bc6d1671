import type { ChildProcess } from 'node:child_process';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { request } from 'undici';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShadowStatus } from '../../shared/shadow/status.js';
import { runCli, spawnCli, stopChild, waitForOutput } from '../helpers/cli.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The production app; the shadow runs the same code with one planted regression (price as a string). */
function shop(priceAsString: boolean) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    req.resume();
    req.on('end', () => {
      if (req.url!.startsWith('/api/products')) return send(200, { items: [{ id: 1, name: 'Lamp', price: priceAsString ? '349.00' : 349 }] });
      if (req.url!.startsWith('/api/users/')) return send(200, { id: Number(req.url!.split('/')[3]), name: 'Asha' });
      if (req.method === 'POST' && req.url === '/api/orders') return send(201, { order: 'o-1' });
      send(404, { error: 'not found' });
    });
  };
}


async function call(base: string, method: 'GET' | 'POST', path: string): Promise<{ status: number; body: string }> {
  const res = await request(`${base}${path}`, { method, ...(method === 'POST' ? { body: '{"sku":1}', headers: { 'content-type': 'application/json' } } : {}) });
  return { status: res.statusCode, body: await res.body.text() };
}

describe('shadow mode end to end (parity proxy --shadow, parity worker, parity shadow status)', { timeout: 45_000 }, () => {
  let t: TestRedis;
  let upstream: TestServer;
  let shadow: TestServer;
  let proxy: ChildProcess;
  let worker: ChildProcess;
  let proxyUrl: string;
  let adminUrl: string;
  const seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  let env: Record<string, string>;
  /** Set when a child stops before afterAll, with its last output: a failure then says why. */
  const exits: Record<string, string> = {};
  const alive = () => expect(Object.values(exits).join('\n')).toBe('');

  beforeAll(async () => {
    t = await testRedis();
    env = { PARITY_REDIS_URL: t.url, PARITY_LOG_LEVEL: 'info' };
    upstream = await startHttpServer(shop(false));
    const app = shop(true);
    shadow = await startHttpServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers });
      app(req, res);
    });
    proxy = spawnCli(['proxy', '--upstream', upstream.url, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--sample', '1', '--shadow', shadow.url], { env });
    worker = spawnCli(['worker'], { env });
    for (const [name, child] of [['proxy', proxy], ['worker', worker]] as const) {
      let out = '';
      child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-3000)));
      child.on('exit', (code, signal) => (exits[name] = `${name} exited (${code ?? signal}) early:\n${out}`));
    }
    // both watched from the start (a line printed before its watcher is attached is missed);
    // generous bounds: two CLIs compile their sources with tsx at start, slow on a busy machine
    const [line] = await Promise.all([waitForOutput(proxy, /\{[^\n]*"msg":"proxy listening"[^\n]*\}/, 40_000), waitForOutput(worker, /shadow worker ready/, 40_000)]);
    const { port, adminPort } = JSON.parse(line) as { port: number; adminPort: number };
    proxyUrl = `http://127.0.0.1:${port}`;
    adminUrl = `http://127.0.0.1:${adminPort}`;
  }, 90_000);

  afterAll(async () => {
    proxy?.removeAllListeners('exit');
    worker?.removeAllListeners('exit');
    await Promise.all([proxy && stopChild(proxy), worker && stopChild(worker)]);
    await upstream?.close();
    await shadow?.close();
    await t?.cleanup();
  });

  const status = async () => {
    const r = await runCli(['shadow', 'status', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as ShadowStatus;
  };

  it('mirrors GETs with the marker, not POST, and shows the planted difference under its route and field', async () => {
    for (let i = 0; i < 3; i++) expect((await call(proxyUrl, 'GET', `/api/products?page=${i}`)).status).toBe(200);
    expect((await call(proxyUrl, 'GET', '/api/users/7')).status).toBe(200);
    expect((await call(proxyUrl, 'POST', '/api/orders')).status).toBe(201);
    const s = await until('four mirrored requests in shadow status', async () => {
      const st = await status();
      // the proxy publishes its counters on its own beat: the shadow may have answered before `enqueued` shows
      return st.totals.requests >= 4 && st.proxy.offered >= 5 && st.proxy.enqueued >= 4 ? st : undefined;
    });
    expect(seen.map((r) => `${r.method} ${r.url}`).sort()).toEqual(['GET /api/products?page=0', 'GET /api/products?page=1', 'GET /api/products?page=2', 'GET /api/users/7']);
    expect(seen.every((r) => r.headers['x-parity-shadow'] === '1')).toBe(true);
    expect(s.proxy).toMatchObject({ offered: 5, enqueued: 4, skipped: { method: 1 } });
    expect(s.routes[0]).toMatchObject({ route: 'GET /api/products', requests: 3, diffs: 3, diffRate: 1 });
    expect(s.routes[0]!.fields[0]).toMatchObject({ path: '$.items[*].price', kind: 'type', classification: 'real', count: 3 });
    expect(s.routes.find((r) => r.route === 'GET /api/users/:id')).toMatchObject({ requests: 1, diffs: 0, errors: 0 });
    const text = await runCli(['shadow', 'status'], { env });
    expect(text.stdout).toMatch(/GET \/api\/products\s+3\s+100\.0%.*\$\.items\[\*\]\.price type ×3/);
    const metrics = await (await request(`${adminUrl}/metrics`)).body.text();
    expect(metrics).toContain('parity_shadow_requests_total{route="GET /api/products"} 3');
    expect(metrics).toContain('parity_shadow_differing_total{route="GET /api/products"} 3');
    expect(metrics).toContain('parity_shadow_diff_rate{route="GET /api/products"} 1');
    expect(metrics).toMatch(/parity_shadow_latency_seconds\{route="GET \/api\/products",side="shadow",quantile="0\.99"\} [\d.e-]+/);
    expect(metrics).toContain('parity_shadow_skipped_total{reason="method"} 1');
  });

  it('reports a shadow window in the replay report formats and fails the gate on the planted difference', async () => {
    const json = await runCli(['shadow', 'report', '--since', '10m', '--format', 'json'], { env });
    expect(json.code, json.stderr).toBe(1);
    const report = JSON.parse(json.stdout) as { verdict: string; routes: { route: string; diffs: number }[]; fields: { route: string; path: string; classification: string }[] };
    expect(report.verdict).toBe('fail');
    expect(report.routes[0]).toMatchObject({ route: 'GET /api/products', diffs: 3 });
    expect(report.fields[0]).toMatchObject({ route: 'GET /api/products', path: '$.items[*].price', classification: 'real' });
    const loose = await runCli(['shadow', 'report', '--since', '10m', '--format', 'junit', '--max-diff-rate', '1'], { env });
    expect(loose.code, loose.stderr).toBe(0);
    expect(loose.stdout).toContain('<testsuite');
    const bad = await runCli(['shadow', 'report', '--since', 'yesterday'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/PARITY_ERR_USAGE: --since "yesterday" is neither a duration/);
    // the same report from `parity report --shadow-window`, with the gate's reasons on stderr
    const viaReport = await runCli(['report', '--shadow-window', '10m', '--format', 'json'], { env });
    expect(viaReport.code, viaReport.stderr).toBe(1);
    const same = JSON.parse(viaReport.stdout) as typeof report;
    expect(same.verdict).toBe('fail');
    expect(same.routes[0]).toMatchObject({ route: 'GET /api/products', diffs: 3 });
    expect(viaReport.stderr).toMatch(/PARITY_ERR_GATE_FAILED/);
    const neither = await runCli(['report'], { env });
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/PARITY_ERR_USAGE: name a run \(parity report RUN\) or a shadow window/);
  });

  it('renders the same numbers on the /shadow page in headless Chromium as shadow status --json', async () => {
    alive();
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
      await page.goto(`${adminUrl}/shadow`);
      // one refresh cycle: the numbers must survive the live update too
      await page.locator('#live', { hasText: 'live · updated' }).waitFor({ timeout: 10_000 });
      const rows = await page.$$eval('tr.route', (trs) =>
        trs.map((tr) => ({
          route: tr.getAttribute('data-route'),
          cells: Object.fromEntries([...tr.querySelectorAll('td[data-k]')].map((td) => [td.getAttribute('data-k'), { v: Number(td.getAttribute('data-v')), text: td.textContent!.trim() }])),
        })),
      );
      const json = await status();
      expect(rows.map((r) => r.route)).toEqual(json.routes.map((r) => r.route));
      for (const [i, r] of json.routes.entries()) {
        const cells = rows[i]!.cells;
        expect(cells.requests).toEqual({ v: r.requests, text: String(r.requests) });
        expect(cells.diffs).toEqual({ v: r.diffs, text: String(r.diffs) });
        expect(cells.errors).toEqual({ v: r.errors, text: String(r.errors) });
        expect(cells.diffRate!.v).toBe(r.diffRate);
        expect(cells.diffRate!.text).toBe(`${(r.diffRate * 100).toFixed(1)}%`);
        expect(cells.referenceP99!.v).toBe(r.latency.reference.p99Us);
        expect(cells.shadowP99!.v).toBe(r.latency.shadow.p99Us);
      }
      const total = await page.$eval('#totals b[data-k="requests"]', (b) => Number(b.textContent));
      expect(total).toBe(json.totals.requests);
      expect(await page.locator('tr[data-path="$.items[*].price"]').count()).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('serves the same answers to production clients when the shadow target is killed', async () => {
    alive();
    const paths = ['/api/products?page=9', '/api/users/3', '/api/users/4'];
    const before = await Promise.all(paths.map((p) => call(proxyUrl, 'GET', p)));
    const direct = await Promise.all(paths.map((p) => call(upstream.url, 'GET', p)));
    await shadow.close();
    const after: { status: number; body: string }[] = [];
    for (let round = 0; round < 5; round++) for (const p of paths) after.push(await call(proxyUrl, 'GET', p));
    after.push(await call(proxyUrl, 'POST', '/api/orders'));
    expect(before).toEqual(direct);
    expect(after).toEqual([...Array.from({ length: 5 }, () => direct).flat(), { status: 201, body: '{"order":"o-1"}' }]);
    const s = await until('the refused shadow requests counted as errors', async () => {
      const st = await status();
      return st.totals.errors >= 15 ? st : undefined;
    });
    expect(s.routes.find((r) => r.route === 'GET /api/users/:id')!.errorKinds.refused).toBeGreaterThanOrEqual(10);
  });

  it('pauses and resumes mirroring from the admin plane, counting what it skipped while paused', async () => {
    alive();
    const metric = async (line: RegExp) => Number(line.exec((await call(adminUrl, 'GET', '/metrics')).body)?.[1] ?? NaN);
    const enqueued = () => metric(/^parity_shadow_enqueued_total (\d+)$/m);
    const pausedSkips = () => metric(/^parity_shadow_skipped_total\{reason="paused"\} (\d+)$/m);
    expect(await pausedSkips()).toBe(0);
    const pause = await call(adminUrl, 'POST', '/shadow/pause');
    expect(pause).toEqual({ status: 200, body: '{"mirroring":false}' });
    expect(await metric(/^parity_shadow_paused (\d+)$/m)).toBe(1);
    const before = await enqueued();
    for (const p of ['/api/users/21', '/api/users/22']) expect((await call(proxyUrl, 'GET', p)).status).toBe(200);
    await until('two skipped while paused', async () => ((await pausedSkips()) === 2 ? true : undefined));
    expect(await enqueued()).toBe(before);
    expect(await call(adminUrl, 'POST', '/shadow/resume')).toEqual({ status: 200, body: '{"mirroring":true}' });
    expect((await call(proxyUrl, 'GET', '/api/users/23')).status).toBe(200);
    await until('mirroring again', async () => ((await enqueued()) === before + 1 ? true : undefined));
    expect(await metric(/^parity_shadow_paused (\d+)$/m)).toBe(0);
  });
});
