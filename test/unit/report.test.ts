import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareExchange, diffRulesSchema, RunStats, type Answer, type ExchangeInput } from '../../shared/diff/index.js';
import { buildReport, DEFAULT_GATE, renderHtml, renderJson, renderJunit, renderText, writeReportDir, type Report } from '../../shared/report/index.js';
import { isParityError } from '../../shared/errors.js';
import { prepareReportDir } from '../../shared/report/write.js';

const rules = diffRulesSchema.parse({ expected: [{ path: '$.version', route: 'GET /version' }] });

function answer(body: unknown, over: Partial<Answer> = {}): Answer {
  return { status: 200, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(body)), latencyUs: 2_000, ...over };
}

/** A run with a clean route, a route with a removed field, a new 500 with an awkward url, an expected change and an error. */
function sampleReport(): Report {
  const stats = new RunStats();
  const add = (url: string, reference: Answer, target: Answer, method = 'GET') => {
    const input: ExchangeInput = { method, url, reference, target, mode: 'shape', rules, recordId: `rec-${url}` };
    stats.add(input, compareExchange(input));
  };
  for (let i = 0; i < 40; i++) add(`/health?i=${i}`, answer({ ok: true }, { latencyUs: 800 + i }), answer({ ok: true }, { latencyUs: 900 + i }));
  for (let i = 0; i < 20; i++) add(`/users/${i}`, answer({ id: i, email: `u${i}@x`, name: 'a' }), answer(i < 5 ? { id: i, name: 'a' } : { id: i, email: `u${i}@x`, name: 'b' }));
  add('/search/<script>&"ü"', answer({ hits: [] }), answer('<b>boom</b> & ]]>', { status: 500, headers: [['content-type', 'text/html']] }));
  add('/version', answer({ version: 1 }), answer({ version: '2' }));
  stats.addError('POST', '/orders', 'timeout');
  return buildReport({ run: 'run-1', session: 'sess', target: 'http://127.0.0.1:8081', reference: 'recorded', mode: 'shape', startedAt: 1_700_000_000_000, endedAt: 1_700_000_060_000 }, stats, DEFAULT_GATE);
}

describe('report', () => {
  const report = sampleReport();

  it('has the documented JSON shape', () => {
    const j = JSON.parse(renderJson(report));
    expect(Object.keys(j)).toEqual(['version', 'run', 'target', 'reference', 'mode', 'verdict', 'totals', 'gate', 'routes', 'fields', 'latency', 'lateness', 'session', 'startedAt', 'endedAt']);
    expect(j).toMatchObject({ version: 1, run: 'run-1', verdict: 'fail', totals: { requests: 63, compared: 62, errors: 1, diffs: 6, late: 0 } });
    expect(Object.keys(j.routes[0])).toEqual(['route', 'verdict', 'requests', 'compared', 'errors', 'errorRate', 'errorKinds', 'diffs', 'diffRate', 'late', 'status', 'latency', 'reasons', 'examples']);
    expect(Object.keys(j.routes[0].latency)).toEqual(['target', 'reference', 'p99Regression', 'regression', 'significance']);
    expect(Object.keys(j.fields[0])).toEqual(['route', 'path', 'kind', 'classification', 'count', 'rate', 'noiseCount', 'noiseRate', 'examples']);
    expect(j.latency.map((l: { route: string }) => l.route)).toEqual(j.routes.map((r: { route: string }) => r.route));
  });

  it('orders routes worst first and fields real first', () => {
    expect(report.routes.map((r) => `${r.verdict} ${r.route}`)).toEqual(['fail GET /search/<script>&"ü"', 'fail POST /orders', 'fail GET /users/:id', 'pass GET /health', 'pass GET /version']);
    expect(report.fields.map((f) => `${f.classification} ${f.route} ${f.path} ${f.kind} ${f.count}`)).toEqual([
      'real GET /users/:id $.email missing 5',
      'real GET /search/<script>&"ü" status new-5xx 1',
      'expected GET /version $.version type 1',
    ]);
    expect(report.fields[0]!.examples[0]).toMatchObject({ method: 'GET', recordId: expect.stringMatching(/^rec-\/users\//), differences: [{ path: '$.email', kind: 'missing' }] });
  });

  it('the terminal summary leads with the verdict, the reasons and the worst routes', () => {
    const text = renderText(report);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Parity run run-1: FAIL  (shape diff, target http://127.0.0.1:8081 vs recorded)');
    expect(text).toContain('✗ GET /search/<script>&"ü": new 5xx on 1 of 1 requests');
    expect(text).toContain('GET /users/:id  $.email  missing  ×5 (25.0%)');
    expect(text).toContain('Expected changes: GET /version $.version ×1');
    expect(text.indexOf('GET /search')).toBeLessThan(text.indexOf('✓ GET /health'));
    expect(lines.at(-2)).toMatch(/^Verdict: FAIL \(\d+ reasons\)$/);
  });

  it('JUnit has one test case per route plus overall; failing ones carry the diff; text is escaped', () => {
    const xml = renderJunit(report);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="parity" tests="6" failures="4"')).toBe(true);
    expect(xml.match(/<testcase /g)).toHaveLength(6);
    expect(xml.match(/<failure /g)).toHaveLength(4);
    expect(xml).toContain('name="GET /search/&lt;script&gt;&amp;&quot;ü&quot;"');
    expect(xml).toContain('$.email missing ×5');
    expect(xml).toContain('$.email missing: ');
    expect(xml).not.toMatch(/<script>|]]>/);
    const users = xml.slice(xml.indexOf('name="GET /users/:id"'));
    expect(users.slice(0, users.indexOf('</testcase>'))).toContain('<failure type="gate"');
    const health = xml.slice(xml.indexOf('name="GET /health"'));
    expect(health.slice(0, health.indexOf('</testcase>'))).not.toContain('<failure');
  });

  it('HTML is one self-contained file: no external references, the JSON embedded safely', () => {
    const html = renderHtml(report);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toContain('<script>&');
    const json = /<script type="application\/json" id="parity-report">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(json)).toEqual(JSON.parse(renderJson(report)));
  });

  it('writeReportDir writes every format', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'parity-report-')), 'out');
    const paths = writeReportDir(dir, report);
    expect(Object.keys(paths).sort()).toEqual(['html', 'json', 'junit', 'text']);
    expect(JSON.parse(readFileSync(paths.json, 'utf8')).run).toBe('run-1');
    expect(readFileSync(paths.junit, 'utf8')).toContain('<testsuites');
  });

  it('writeReportDir names the path it could not write', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'parity-report-')), 'a-file');
    writeFileSync(file, 'x');
    try {
      writeReportDir(join(file, 'sub'), report);
      expect.unreachable();
    } catch (err) {
      expect(isParityError(err) && err.code).toBe('PARITY_ERR_FILE');
      expect((err as Error).message).toContain(join(file, 'sub'));
    }
  });

  it('an empty run passes with zero rates', () => {
    const empty = buildReport({ run: 'e', target: 't', reference: 'r', mode: 'status' }, new RunStats(), DEFAULT_GATE);
    expect(empty).toMatchObject({ verdict: 'pass', totals: { requests: 0, diffRate: 0, errorRate: 0 }, routes: [], fields: [] });
    expect(renderText(empty)).toContain('Verdict: PASS');
    expect(renderJunit(empty)).toContain('tests="1" failures="0"');
    expect(renderHtml(empty)).toContain('No routes.');
  });
});

describe('report directory', () => {
  it('is checked before a run: a file in its place is PARITY_ERR_FILE, a missing directory is made', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-report-'));
    const file = join(dir, 'afile');
    writeFileSync(file, 'x');
    expect(() => prepareReportDir(file)).toThrow(/cannot write reports into .*afile/);
    expect(() => prepareReportDir(join(dir, 'new', 'reports'))).not.toThrow();
  });
});
