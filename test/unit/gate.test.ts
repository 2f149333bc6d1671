import { describe, expect, it } from 'vitest';
import { compareExchange, diffRulesSchema, RunStats, type Answer, type DiffMode, type ExchangeInput } from '../../shared/diff/index.js';
import { diffRulesFrom } from '../../shared/diff/index.js';
import { buildReport, gateThresholdsFrom, gateThresholdsSchema, type GateThresholdsInput } from '../../shared/report/index.js';
import { isParityError } from '../../shared/errors.js';

const rules = diffRulesSchema.parse({});

function answer(body: unknown, over: Partial<Answer> = {}): Answer {
  return { status: 200, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(body)), latencyUs: 10_000, ...over };
}

function run(pairs: [Answer, Answer, string?][], gate: GateThresholdsInput = {}, mode: DiffMode = 'shape') {
  const stats = new RunStats();
  for (const [reference, target, url] of pairs) {
    const input: ExchangeInput = { method: 'GET', url: url ?? '/users/1', reference, target, mode, rules };
    stats.add(input, compareExchange(input));
  }
  return buildReport({ run: 'r1', target: 'http://127.0.0.1:9', reference: 'recorded', mode }, stats, gateThresholdsSchema.parse(gate));
}

const same = (n: number, url = '/users/1'): [Answer, Answer, string][] => Array.from({ length: n }, () => [answer({ id: 1 }), answer({ id: 1 }), url]);

describe('the release gate', () => {
  it('passes a replay against an identical copy although Date, ETag, request id headers and a random id field differ', () => {
    const pairs: [Answer, Answer, string][] = Array.from({ length: 30 }, (_, i) => [
      answer({ id: i, requestId: `req-${i}-a`, name: 'n' }, { headers: [['content-type', 'application/json'], ['date', 'Mon, 01 Jan 2024'], ['etag', `"a${i}"`], ['x-request-id', `a${i}`]] }),
      answer({ id: i, requestId: `req-${i}-b`, name: 'n' }, { headers: [['content-type', 'application/json'], ['date', 'Tue, 02 Jan 2024'], ['etag', `"b${i}"`], ['x-request-id', `b${i}`]] }),
      `/users/${i}`,
    ]);
    const report = run(pairs);
    expect(report.verdict).toBe('pass');
    expect(report.fields).toEqual([]);
    expect(report.totals).toMatchObject({ requests: 30, compared: 30, diffs: 0, errors: 0 });
  });

  it('is strict by default: one shape difference in a thousand fails', () => {
    const report = run([...same(999), [answer({ id: 1 }), answer({ id: '1' })]]);
    expect(report.verdict).toBe('fail');
    expect(report.gate.reasons.map((r) => r.rule)).toEqual(['max-diff-rate', 'max-diff-rate']);
    expect(report.gate.reasons[0]!.message).toContain('$.id type ×1');
  });

  it('a status change and a removed header fail by default', () => {
    expect(run([[answer({}), answer({}, { status: 404 })]]).verdict).toBe('fail');
    const removed = run([[answer({}, { headers: [['content-type', 'application/json'], ['cache-control', 'no-store']] }), answer({})]]);
    expect(removed.verdict).toBe('fail');
    expect(removed.fields[0]).toMatchObject({ path: 'headers.cache-control', kind: 'header-removed', classification: 'real' });
  });

  it('max-diff-rate loosens it explicitly, overall and per route', () => {
    const pairs = [...same(99), [answer({ id: 1 }), answer({ id: '1' }), '/users/1'] as [Answer, Answer, string]];
    expect(run(pairs, { maxDiffRate: 0.05 }).verdict).toBe('pass');
    expect(run(pairs, { maxDiffRate: 0.05, routes: { 'GET /users/:id': { maxDiffRate: 0 } } }).verdict).toBe('fail');
  });

  it('a route limit loosens its route: the overall rate counts only routes without one', () => {
    const pairs = [...same(10, '/search'), [answer({ id: 1 }), answer({ id: '1' }), '/search'] as [Answer, Answer, string], ...same(10, '/users/1')];
    expect(run(pairs).verdict).toBe('fail');
    const loose = run(pairs, { routes: { 'GET /search': { maxDiffRate: 0.2 } } });
    expect(loose.verdict).toBe('pass');
    // a change on a route without its own limit still fails overall and on its route
    const strict = run([...pairs, [answer({ id: 1 }), answer({ id: '1' }), '/users/2']], { routes: { 'GET /search': { maxDiffRate: 0.2 } } });
    expect(strict.verdict).toBe('fail');
    expect(strict.gate.reasons.map((r) => r.message).join('\n')).toMatch(/overall \(routes without a limit of their own\): 1 of 11 requests differ/);
  });

  it('a new 5xx fails whatever the diff rate allows', () => {
    const report = run([...same(99), [answer({}), answer({}, { status: 503 })]], { maxDiffRate: 1 });
    expect(report.verdict).toBe('fail');
    expect(report.gate.reasons).toMatchObject([{ rule: 'new-5xx', route: 'GET /users/:id', value: 1 }]);
  });

  it('errors count against max-error-rate', () => {
    const report = run([...same(9), [answer({}), answer({}, { error: 'reset' })]], { maxErrorRate: 0.05 });
    expect(report.verdict).toBe('fail');
    expect(report.routes[0]!.errorKinds).toEqual({ reset: 1 });
    expect(run([...same(9), [answer({}), answer({}, { error: 'reset' })]], { maxErrorRate: 0.2 }).verdict).toBe('pass');
  });

  const timed = (n: number, refUs: (i: number) => number, tgtUs: (i: number) => number, url = '/slow'): [Answer, Answer, string][] =>
    Array.from({ length: n }, (_, i) => [answer({ a: 1 }, { latencyUs: refUs(i) }), answer({ a: 1 }, { latencyUs: tgtUs(i) }), url]);

  it('a route three times slower fails when there are enough samples', () => {
    const report = run(timed(200, (i) => 10_000 + (i % 20) * 500, (i) => 30_000 + (i % 20) * 1500));
    expect(report.verdict).toBe('fail');
    expect(report.gate.reasons.find((r) => r.route === 'GET /slow')).toMatchObject({ rule: 'max-p99-regression' });
    expect(report.routes[0]!.latency.significance.significant).toBe(true);
    expect(report.routes[0]!.latency.p99Regression).toBeGreaterThan(1.5);
  });

  it('a 3x slower median fails even when an outlier makes the reference p99 as slow (36 samples)', () => {
    const report = run(timed(36, (i) => (i === 5 ? 74_000 : 21_000 + (i % 6) * 100), (i) => 61_000 + (i % 6) * 300));
    expect(report.routes[0]!.latency.p99Regression).toBeLessThan(0.25);
    expect(report.routes[0]!.latency.regression).toMatchObject({ percentile: 50 });
    expect(report.gate.reasons.find((r) => r.route === 'GET /slow')!.message).toMatch(/^GET \/slow: p50 61\.\d ms vs 21\.\d ms/);
  });

  it('a slower tail fails through p99 once there are enough samples for it', () => {
    const report = run(timed(1000, (i) => 10_000 + (i % 100) * 10, (i) => (i % 100 >= 98 ? 80_000 : 10_000 + (i % 100) * 10)));
    expect(report.routes[0]!.latency.regression).toMatchObject({ percentile: 99 });
    expect(report.verdict).toBe('fail');
  });

  it('a route with five requests does not fail the build on latency noise', () => {
    const report = run(timed(5, () => 10_000, () => 30_000));
    expect(report.verdict).toBe('pass');
    expect(report.routes[0]!.latency.significance).toMatchObject({ significant: false, note: expect.stringContaining('fewer than 30 samples') });
  });

  it('same distributions do not fail, and neither do sub-millisecond slowdowns', () => {
    expect(run(timed(300, (i) => 5_000 + ((i * 37) % 100) * 50, (i) => 5_000 + ((i * 53) % 100) * 50)).verdict).toBe('pass');
    expect(run(timed(300, (i) => 100 + (i % 10), (i) => 400 + (i % 10))).verdict).toBe('pass');
  });

  it('max-p99-regression loosens latency per route', () => {
    const pairs = timed(200, (i) => 10_000 + (i % 20) * 500, (i) => 30_000 + (i % 20) * 1500);
    expect(run(pairs, { maxP99Regression: 10 }).verdict).toBe('pass');
    expect(run(pairs, { maxP99Regression: 10, routes: { 'GET /slow': { maxP99Regression: 0.5 } } }).verdict).toBe('fail');
  });

  it('thresholds come from the settings and the rules file gate section', () => {
    const g = gateThresholdsFrom({ maxDiffRate: 0.1, maxErrorRate: 0.2, maxP99Regression: 1 }, { gate: { minLatencySamples: 100, routes: { 'GET /x': { maxDiffRate: 0.5 } } } });
    expect(g).toMatchObject({ maxDiffRate: 0.1, maxErrorRate: 0.2, maxP99Regression: 1, minLatencySamples: 100, routes: { 'GET /x': { maxDiffRate: 0.5 } } });
    try {
      gateThresholdsFrom({ maxDiffRate: 0, maxErrorRate: 0, maxP99Regression: 0 }, { gate: { routes: { 'GET /x': { maxDiffRate: 2 } } } });
      expect.unreachable();
    } catch (err) {
      expect(isParityError(err) && err.code).toBe('PARITY_ERR_CONFIG_INVALID');
      expect(String((err as Error).message)).toContain('rules.gate.routes.GET /x.maxDiffRate');
    }
  });

  it("refuses a misspelt key of the rules file's gate and diff sections, with the nearest name, and an overall limit there", () => {
    const problem = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(isParityError(err) && err.code).toBe('PARITY_ERR_CONFIG_INVALID');
        return String((err as Error).message);
      }
      return expect.unreachable();
    };
    const settings = { maxDiffRate: 0, maxErrorRate: 0, maxP99Regression: 0.25 };
    // a typo used to leave the default (0.25) in force without a word: a laxer gate than the file asks for
    expect(problem(() => gateThresholdsFrom(settings, { gate: { routes: { 'GET /x': { maxP99Regresion: 0.05 } } } }, 'rules.yaml'))).toMatch(/rules\.gate\.routes\.GET \/x .*"maxP99Regresion"; did you mean "maxP99Regression".*\(in rules\.yaml\)/);
    expect(problem(() => gateThresholdsFrom(settings, { gate: { minLatencySample: 50 } }))).toContain('did you mean "minLatencySamples"');
    // the overall limits are settings: in the section they were overridden by the settings' defaults
    expect(problem(() => gateThresholdsFrom(settings, { gate: { maxDiffRate: 0.05 } }))).toMatch(/rules\.gate\.maxDiffRate .*--max-diff-rate, PARITY_MAX_DIFF_RATE/);
    expect(problem(() => diffRulesFrom({ diff: { ignorePath: ['$.updatedAt'] } }, 'rules.yaml'))).toContain('"ignorePath"; did you mean "ignorePaths"');
    expect(problem(() => diffRulesFrom({ diff: { tolerance: [{ path: '$.price', relativ: 0.01 }] } }))).toContain('did you mean "relative"');
    expect(diffRulesFrom({ diff: { ignorePaths: ['$.updatedAt', { path: '$.etag', route: 'GET /x' }] } }).ignorePaths).toHaveLength(2);
  });
});
