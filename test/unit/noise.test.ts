import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareExchange, diffRulesSchema, RunStats, type Answer, type ExchangeInput } from '../../shared/diff/index.js';
import { buildReport, classifyField, DEFAULT_GATE } from '../../shared/report/index.js';

const rule = { minRelative: 0.2, minAbsolute: 0 };
const rules = diffRulesSchema.parse({});

const answer = (body: unknown, headers: [string, string][] = []): Answer => ({
  status: 200,
  headers: [['content-type', 'application/json'], ...headers],
  body: Buffer.from(JSON.stringify(body)),
  latencyUs: 1000,
});

describe('the noise rule', () => {
  it('a difference never seen between baselines is real', () => {
    expect(classifyField({ count: 1, expected: 0, noise: 0, compared: 1000, noiseSampled: 1000 }, rule)).toBe('real');
    expect(classifyField({ count: 1, expected: 0, noise: 0, compared: 10, noiseSampled: 0 }, rule)).toBe('real');
  });

  it('a difference as frequent between baselines as against the candidate is noise', () => {
    expect(classifyField({ count: 100, expected: 0, noise: 100, compared: 100, noiseSampled: 100 }, rule)).toBe('noise');
    expect(classifyField({ count: 50, expected: 0, noise: 45, compared: 100, noiseSampled: 100 }, rule)).toBe('noise');
  });

  it('a difference clearly above its noise is real (relative threshold)', () => {
    // 60 % against 40 %: the excess 20 % is a third of 60 %, above minRelative 0.2
    expect(classifyField({ count: 60, expected: 0, noise: 40, compared: 100, noiseSampled: 100 }, rule)).toBe('real');
    expect(classifyField({ count: 60, expected: 0, noise: 40, compared: 100, noiseSampled: 100 }, { minRelative: 0.5, minAbsolute: 0 })).toBe('noise');
  });

  it('the absolute threshold drops rare differences', () => {
    expect(classifyField({ count: 1, expected: 0, noise: 0, compared: 1000, noiseSampled: 0 }, { minRelative: 0.2, minAbsolute: 0.01 })).toBe('noise');
  });

  it('rates use their own denominators: noise over requests that had baselines', () => {
    // 10 % differ; noise measured on only 10 requests, 1 of which differed (10 %)
    expect(classifyField({ count: 100, expected: 0, noise: 1, compared: 1000, noiseSampled: 10 }, rule)).toBe('noise');
  });

  it('expected changes are classified expected', () => {
    expect(classifyField({ count: 5, expected: 5, noise: 0, compared: 10, noiseSampled: 0 }, rule)).toBe('expected');
  });

  it('never calls a path real when its noise rate is at least its diff rate', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.integer({ min: 1, max: 1000 }), (count, extra, compared) => {
        const c = Math.min(count, compared);
        const noise = Math.min(compared, c + extra);
        return classifyField({ count: c, expected: 0, noise, compared, noiseSampled: compared }, rule) !== 'real';
      }),
    );
  });

  it('always calls a path real when it differs and baselines never did', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), (count, more) => classifyField({ count, expected: 0, noise: 0, compared: count + more, noiseSampled: count + more }, rule) === 'real'));
  });
});

describe('noise cancellation end to end (compareExchange → RunStats → report)', () => {
  it('a random request id differs everywhere: listed as noise, not failing; a planted change fails', () => {
    const stats = new RunStats();
    for (let i = 0; i < 50; i++) {
      const rid = () => Math.random().toString(36).slice(2);
      const input: ExchangeInput = {
        method: 'GET',
        url: `/items/${i}`,
        reference: answer({ id: i, requestId: rid(), price: 10 }),
        target: answer({ id: i, requestId: rid(), price: i % 5 === 0 ? 11 : 10 }),
        baselines: [answer({ id: i, requestId: rid(), price: 10 })],
        mode: 'exact',
        rules,
      };
      stats.add(input, compareExchange(input));
    }
    const report = buildReport({ run: 'r', target: 't', reference: 'b', mode: 'exact' }, stats, DEFAULT_GATE);
    const byPath = Object.fromEntries(report.fields.map((f) => [f.path, f]));
    expect(byPath['$.requestId']).toMatchObject({ classification: 'noise', count: 50, noiseCount: 50 });
    expect(byPath['$.price']).toMatchObject({ classification: 'real', count: 10, noiseCount: 0 });
    expect(report.totals.diffs).toBe(10);
    expect(report.verdict).toBe('fail');
  });

  it('with only noise, the run passes and the noise is still listed', () => {
    const stats = new RunStats();
    for (let i = 0; i < 20; i++) {
      const input: ExchangeInput = {
        method: 'GET', url: '/now', mode: 'exact', rules,
        reference: answer({ now: i * 3 }), target: answer({ now: i * 3 + 1 }), baselines: [answer({ now: i * 3 + 2 })],
      };
      stats.add(input, compareExchange(input));
    }
    const report = buildReport({ run: 'r', target: 't', reference: 'b', mode: 'exact' }, stats, DEFAULT_GATE);
    expect(report.verdict).toBe('pass');
    expect(report.totals.diffs).toBe(0);
    expect(report.fields).toMatchObject([{ path: '$.now', classification: 'noise', count: 20, noiseCount: 20 }]);
  });

  it('noise in a value does not explain a type change at the same path', () => {
    const stats = new RunStats();
    for (let i = 0; i < 10; i++) {
      const input: ExchangeInput = {
        method: 'GET', url: '/n', mode: 'exact', rules,
        reference: answer({ n: i }), target: answer({ n: String(i) }), baselines: [answer({ n: i + 1 })],
      };
      stats.add(input, compareExchange(input));
    }
    const report = buildReport({ run: 'r', target: 't', reference: 'b', mode: 'exact' }, stats, DEFAULT_GATE);
    expect(report.fields.find((f) => f.kind === 'type')).toMatchObject({ classification: 'real', count: 10 });
    expect(report.fields.find((f) => f.kind === 'value')).toMatchObject({ classification: 'noise', count: 0, noiseCount: 10 });
  });
});
