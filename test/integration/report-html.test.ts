import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { compareExchange, diffRulesSchema, RunStats, type Answer, type ExchangeInput } from '../../shared/diff/index.js';
import { buildReport, DEFAULT_GATE, writeReportDir, type Report } from '../../shared/report/index.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function answer(body: unknown, over: Partial<Answer> = {}): Answer {
  return { status: 200, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(body)), latencyUs: 2_000, ...over };
}

/** A run with passing and failing routes, noise, a slow route, an error, and hostile text in urls and bodies. */
function scenario(): Report {
  const rules = diffRulesSchema.parse({});
  const stats = new RunStats();
  const add = (url: string, reference: Answer, target: Answer, baselines?: Answer[]) => {
    const input: ExchangeInput = { method: 'GET', url, reference, target, mode: 'exact', rules };
    if (baselines) input.baselines = baselines;
    stats.add(input, compareExchange(input), { lateUs: url.includes('late') ? 12_000 : 0 });
  };
  for (let i = 0; i < 60; i++) add(`/users/${i}`, answer({ id: i, rid: `a${i}`, name: 'n' }, { latencyUs: 3000 + i * 10 }), answer({ id: i, rid: `b${i}`, name: i % 6 ? 'n' : 'm' }, { latencyUs: 3100 + i * 10 }), [answer({ id: i, rid: `c${i}`, name: 'n' })]);
  for (let i = 0; i < 40; i++) add(`/slow/${i}`, answer({ ok: 1 }, { latencyUs: 5_000 + i * 100 }), answer({ ok: 1 }, { latencyUs: 15_000 + i * 300 }), [answer({ ok: 1 })]);
  add('/late/</script><img src=x onerror=alert(1)>', answer({ a: '</script>' }), answer('<html>broken</html>', { status: 500, headers: [['content-type', 'text/html']] }), [answer({ a: '</script>' })]);
  stats.addError('POST', '/orders', 'refused');
  return buildReport({ run: 'run-html', session: 's', target: 'http://127.0.0.1:8081', reference: 'http://127.0.0.1:8080', mode: 'exact', startedAt: 1_700_000_000_000, endedAt: 1_700_000_030_000 }, stats, DEFAULT_GATE);
}

describe('HTML report in headless Chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'parity-html-'));
  const report = scenario();
  const paths = writeReportDir(dir, report);

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does it)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders offline with no console errors, and its numbers match the JSON report', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(paths.html).href, { waitUntil: 'load' });

    const json = JSON.parse(readFileSync(paths.json, 'utf8')) as Report;
    expect(await page.title()).toBe('Parity report run-html: fail');
    expect(await page.getAttribute('#verdict', 'data-verdict')).toBe(json.verdict);

    const totals = await page.$$eval('[data-total]', (els) => els.map((e) => [e.getAttribute('data-total'), Number(e.getAttribute('data-value')), e.textContent]));
    const expected: Record<string, number> = { requests: json.totals.requests, compared: json.totals.compared, diffs: json.totals.diffs, diffRate: json.totals.diffRate, errors: json.totals.errors, errorRate: json.totals.errorRate, late: json.totals.late, p99Us: json.totals.latency.target.p99Us };
    expect(Object.fromEntries(totals.map(([k, v]) => [k, v]))).toEqual(expected);
    expect(totals.find(([k]) => k === 'requests')![2]).toBe(String(json.totals.requests));

    const rows = await page.$$eval('#routes tr[data-route]', (trs) =>
      trs.map((tr) => ({ route: tr.getAttribute('data-route'), cells: Object.fromEntries([...tr.querySelectorAll('td[data-key]')].map((td) => [td.getAttribute('data-key'), Number(td.getAttribute('data-value'))])) })),
    );
    expect(rows.map((r) => r.route)).toEqual(json.routes.map((r) => r.route));
    for (const [i, r] of json.routes.entries()) {
      expect(rows[i]!.cells).toEqual({
        requests: r.requests, diffs: r.diffs, diffRate: r.diffRate, errors: r.errors, errorRate: r.errorRate,
        'latency.target.p50Us': r.latency.target.p50Us, 'latency.target.p95Us': r.latency.target.p95Us, 'latency.target.p99Us': r.latency.target.p99Us,
        'latency.reference.p50Us': r.latency.reference.p50Us, 'latency.reference.p95Us': r.latency.reference.p95Us, 'latency.reference.p99Us': r.latency.reference.p99Us,
      });
    }
    const bars = await page.$$eval('svg g[data-route]', (gs) => gs.map((g) => [g.getAttribute('data-route'), Number(g.getAttribute('data-diff-rate'))]));
    expect(bars).toEqual(json.routes.map((r) => [r.route, r.diffRate]));
    expect(await page.locator('svg polyline.line-target').count()).toBeGreaterThan(json.routes.length - 1);

    const fieldRows = await page.$$eval('#fields tr[data-path]', (trs) => trs.map((tr) => [tr.getAttribute('data-route'), tr.getAttribute('data-path'), tr.getAttribute('data-kind'), Number(tr.querySelector('td[data-key="count"]')!.getAttribute('data-value'))]));
    expect(fieldRows).toEqual(json.fields.filter((f) => f.classification !== 'noise').map((f) => [f.route, f.path, f.kind, f.count]));
    const noiseRows = await page.$$eval('#noise tr[data-path]', (trs) => trs.map((tr) => tr.getAttribute('data-path')));
    expect(noiseRows).toEqual(json.fields.filter((f) => f.classification === 'noise').map((f) => f.path));
    expect(noiseRows).toContain('$.rid');

    const embedded = await page.$eval('#parity-report', (s) => s.textContent ?? '');
    expect(JSON.parse(embedded)).toEqual(json);
    const reasons = await page.$$eval('#reasons li', (lis) => lis.map((li) => li.textContent));
    expect(reasons).toEqual(json.gate.reasons.map((r) => r.message));

    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(paths.html).href]);
    await page.close();
  });

  it('examples expand, and hostile text stays text', async () => {
    const page = await browser.newPage();
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await page.goto(pathToFileURL(paths.html).href);
    const example = page.locator('#fields details.example').first();
    expect(await example.getAttribute('open')).toBeNull();
    await example.locator('summary').click();
    expect(await example.getAttribute('open')).toBe('');
    expect(await example.locator('pre').first().isVisible()).toBe(true);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('body').innerText()).toContain('<img src=x onerror=alert(1)>');
    expect(dialogs).toBe(0);
    await page.close();
  });

  it('the JUnit file is well-formed XML with one test case per route', async () => {
    const page = await browser.newPage();
    const xml = readFileSync(paths.junit, 'utf8');
    // Runs in the page (this project compiles without the DOM library, hence a string).
    const result = await page.evaluate<{ error: string | null; cases: [string, boolean][] }>(`(() => {
      const doc = new DOMParser().parseFromString(${JSON.stringify(xml)}, 'application/xml');
      return { error: doc.querySelector('parsererror')?.textContent ?? null, cases: [...doc.querySelectorAll('testcase')].map((t) => [t.getAttribute('name'), t.querySelector('failure') !== null]) };
    })()`);
    expect(result.error).toBeNull();
    expect(result.cases).toEqual([['overall', true], ...report.routes.map((r) => [r.route, r.verdict === 'fail'])]);
    await page.close();
  });
});
