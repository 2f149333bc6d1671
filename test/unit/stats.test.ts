import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareExchange, diffRulesSchema, LatencyHistogram, RunStats, type Answer, type ExchangeInput } from '../../shared/diff/index.js';
import { latencySignificance, mannWhitneyGreater, normalQuantileUpper, normalUpperTail } from '../../shared/diff/significance.js';

const rules = diffRulesSchema.parse({});

function answer(body: unknown, status: number, latencyUs: number, error?: Answer['error']): Answer {
  const a: Answer = { status, headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(body)), latencyUs };
  if (error) a.error = error;
  return a;
}

interface Spec {
  method: string;
  url: string;
  ref: { a: number; b: string };
  tgt: { a: number | string; b: string } | { a: number };
  refStatus: number;
  tgtStatus: number;
  refUs: number;
  tgtUs: number;
  error?: 'timeout' | 'refused';
  noAnswer?: boolean;
  lateUs?: number;
  baseline?: { a: number; b: string };
}

const spec: fc.Arbitrary<Spec> = fc.record(
  {
    method: fc.constantFrom('GET', 'POST'),
    url: fc.oneof(fc.nat(30).map((n) => `/users/${n}`), fc.nat(5).map((n) => `/orders/${n}?q=${n}`), fc.constant('/health')),
    ref: fc.record({ a: fc.nat(3), b: fc.constantFrom('x', 'y') }),
    tgt: fc.oneof(fc.record({ a: fc.oneof(fc.nat(3), fc.constant('1')), b: fc.constantFrom('x', 'y') }), fc.record({ a: fc.nat(3) })),
    refStatus: fc.constantFrom(200, 200, 404),
    tgtStatus: fc.constantFrom(200, 200, 200, 404, 500),
    refUs: fc.integer({ min: 1, max: 2_000_000 }),
    tgtUs: fc.integer({ min: 1, max: 2_000_000 }),
    error: fc.constantFrom('timeout' as const, 'refused' as const),
    noAnswer: fc.boolean(),
    lateUs: fc.integer({ min: 0, max: 50_000 }),
    baseline: fc.record({ a: fc.nat(3), b: fc.constantFrom('x', 'y') }),
  },
  { requiredKeys: ['method', 'url', 'ref', 'tgt', 'refStatus', 'tgtStatus', 'refUs', 'tgtUs'] },
);

function addTo(stats: RunStats, s: Spec): void {
  const extra = s.lateUs === undefined ? undefined : { lateUs: s.lateUs };
  if (s.noAnswer && s.error) {
    stats.addError(s.method, s.url, s.error, extra);
    return;
  }
  const input: ExchangeInput = {
    method: s.method,
    url: s.url,
    reference: answer(s.ref, s.refStatus, s.refUs),
    target: answer(s.tgt, s.tgtStatus, s.tgtUs, s.noAnswer ? undefined : s.error === 'timeout' && s.tgtUs % 7 === 0 ? 'timeout' : undefined),
    mode: s.tgtUs % 2 === 0 ? 'exact' : 'shape',
    rules,
  };
  if (s.baseline) input.baselines = [answer(s.baseline, s.refStatus, s.refUs)];
  stats.add(input, compareExchange(input), extra);
}

function statsOf(specs: Spec[]): RunStats {
  const s = new RunStats();
  for (const x of specs) addTo(s, x);
  return s;
}

describe('RunStats', () => {
  it('merging split parts, in any order, equals adding everything to one (exact, order-independent)', () => {
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 60 }), fc.array(fc.nat(3), { maxLength: 60 }), fc.nat(), (specs, parts, order) => {
        const whole = statsOf(specs).toJSON();
        const buckets: Spec[][] = [[], [], [], []];
        specs.forEach((s, i) => buckets[parts[i] ?? i % 4]!.push(s));
        const partStats = buckets.map(statsOf);
        const rotated = [...partStats.slice(order % 4), ...partStats.slice(0, order % 4)];
        const merged = new RunStats();
        for (const p of rotated.reverse()) merged.merge(p);
        expect(merged.toJSON()).toEqual(whole);
        // and through the stored form, as chunks are kept in Redis
        const viaJson = new RunStats();
        for (const p of partStats) viaJson.merge(RunStats.fromJSON(JSON.parse(JSON.stringify(p.toJSON()))));
        expect(viaJson.toJSON()).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps the same example of two alike requests whichever arrived first (fast-check seed 1312446576)', () => {
    const a: Spec = { method: 'POST', url: '/health', ref: { a: 3, b: 'y' }, tgt: { a: 1 }, refStatus: 200, tgtStatus: 500, refUs: 1, tgtUs: 1 };
    const b: Spec = { ...a, tgtUs: 2 };
    expect(statsOf([b, a]).toJSON()).toEqual(statsOf([a, b]).toJSON());
    const merged = new RunStats();
    merged.merge(statsOf([b]));
    merged.merge(statsOf([a]));
    expect(merged.toJSON()).toEqual(statsOf([a, b]).toJSON());
  });

  it('counts requests, errors, status codes, late requests and latency per route', () => {
    const s = statsOf([
      { method: 'GET', url: '/users/1', ref: { a: 1, b: 'x' }, tgt: { a: 1, b: 'x' }, refStatus: 200, tgtStatus: 200, refUs: 1000, tgtUs: 2000, lateUs: 5000 },
      { method: 'GET', url: '/users/2', ref: { a: 1, b: 'x' }, tgt: { a: 2, b: 'x' }, refStatus: 200, tgtStatus: 200, refUs: 1000, tgtUs: 2000 },
      { method: 'GET', url: '/users/3', ref: { a: 1, b: 'x' }, tgt: { a: 1, b: 'x' }, refStatus: 200, tgtStatus: 200, refUs: 1, tgtUs: 1, error: 'refused', noAnswer: true },
    ]);
    const r = s.routes.get('GET /users/:id')!;
    expect(r.requests).toBe(3);
    expect(r.errors).toEqual({ refused: 1 });
    expect(r.targetStatus).toEqual({ 200: 2, error: 1 });
    expect(r.late).toBe(1);
    expect(s.lateness.count).toBe(1);
    expect(r.targetLatency.count).toBe(2);
    expect(r.targetLatency.percentile(50)).toBeGreaterThanOrEqual(2000);
  });

  it('keeps a bounded number of examples, chosen by content not by order', () => {
    const specs: Spec[] = Array.from({ length: 40 }, (_, i) => ({ method: 'GET', url: `/users/${i}`, ref: { a: 1, b: 'x' }, tgt: { a: 1, b: 'y' }, refStatus: 200, tgtStatus: 200, refUs: 10, tgtUs: 10 }));
    const a = statsOf(specs).routes.get('GET /users/:id')!;
    const b = statsOf([...specs].reverse()).routes.get('GET /users/:id')!;
    expect(a.examples.items).toHaveLength(3);
    expect(a.examples.items.map((e) => e.url)).toEqual(b.examples.items.map((e) => e.url));
    const field = [...a.fields.values()][0]!;
    expect(field.examples.items.length).toBeLessThanOrEqual(2);
    expect(a.examples.items[0]!.differences[0]).toMatchObject({ path: '$.b', kind: 'value' });
    expect(a.examples.items[0]!.reference.body).toBe('{"a":1,"b":"x"}');
  });

  it('caps field paths and signatures per route without losing counts or order-independence', () => {
    const inputs: ExchangeInput[] = Array.from({ length: 700 }, (_, i) => ({
      method: 'GET', url: '/things', mode: 'exact', rules,
      reference: answer({ [`k${i}`]: 1 }, 200, 10),
      target: answer({ [`k${i}`]: 2 }, 200, 10),
    }));
    const whole = new RunStats();
    for (const x of inputs) whole.add(x, compareExchange(x));
    const halves = [new RunStats(), new RunStats()];
    inputs.forEach((x, i) => halves[i % 2]!.add(x, compareExchange(x)));
    const merged = new RunStats();
    merged.merge(halves[1]!);
    merged.merge(halves[0]!);
    expect(merged.toJSON()).toEqual(whole.toJSON());
    const r = whole.routes.get('GET /things')!;
    expect(r.fields.size).toBe(500);
    const counted = [...r.fields.values()].reduce((n, f) => n + f.count, 0) + r.fieldOverflow;
    expect(counted).toBe(700);
    expect(r.signatures.size).toBe(256);
    expect([...r.signatures.values()].reduce((a, b) => a + b, 0) + r.signatureOverflow).toBe(700);
  });

  it('its stored form is compact', () => {
    const specs: Spec[] = Array.from({ length: 1000 }, (_, i) => ({ method: 'GET', url: `/users/${i}`, ref: { a: 1, b: 'x' }, tgt: { a: 1, b: 'x' }, refStatus: 200, tgtStatus: 200, refUs: 1000 + i, tgtUs: 1200 + i }));
    expect(JSON.stringify(statsOf(specs).toJSON()).length).toBeLessThan(20_000);
  });
});

describe('latency histograms and significance', () => {
  const hist = (values: number[]) => {
    const h = new LatencyHistogram();
    for (const v of values) h.record(v);
    return h;
  };

  it('round-trips through JSON and merges to the same histogram as recording everything', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60_000_000 }), { maxLength: 200 }), fc.array(fc.integer({ min: 0, max: 60_000_000 }), { maxLength: 200 }), (a, b) => {
        const merged = hist(a);
        merged.merge(LatencyHistogram.fromJSON(hist(b).toJSON()));
        const all = hist([...a, ...b]);
        expect(merged.toJSON()).toEqual(all.toJSON());
        expect(merged.count).toBe(a.length + b.length);
        for (const p of [50, 95, 99, 100]) expect(merged.percentile(p)).toBe(all.percentile(p));
      }),
      { numRuns: 50 },
    );
  });

  it('percentiles are within 0.1 % of the recorded values', () => {
    const h = hist(Array.from({ length: 1000 }, (_, i) => 1000 + i * 10));
    expect(h.percentile(50) / 5990).toBeCloseTo(1, 2);
    expect(h.percentile(99) / 10_890).toBeCloseTo(1, 2);
    expect(h.max / 10_990).toBeCloseTo(1, 2);
  });

  it('finds a shifted distribution significant and the same distribution not', () => {
    const base = Array.from({ length: 200 }, (_, i) => 5000 + ((i * 37) % 100) * 40);
    const same = Array.from({ length: 200 }, (_, i) => 5000 + ((i * 53) % 100) * 40);
    const slower = base.map((v) => v * 1.3);
    expect(mannWhitneyGreater(hist(slower), hist(base))).toBeLessThan(1e-6);
    expect(mannWhitneyGreater(hist(same), hist(base))).toBeGreaterThan(0.1);
    expect(mannWhitneyGreater(hist(base), hist(slower))).toBeGreaterThan(0.99);
    expect(latencySignificance(hist(slower), hist(base), { alpha: 0.01, minSamples: 30 }).significant).toBe(true);
    expect(latencySignificance(hist(same), hist(base), { alpha: 0.01, minSamples: 30 }).significant).toBe(false);
  });

  it('the quantile check catches a regression of the slowest 2 % that the shift test does not', () => {
    const base = Array.from({ length: 2000 }, (_, i) => 5000 + (i % 100) * 10);
    const tail = base.map((v, i) => (i % 100 >= 98 ? v * 4 : v));
    const opts = { alpha: 0.01, minSamples: 30 };
    expect(latencySignificance(hist(tail), hist(base), opts).significant).toBe(false);
    const s = latencySignificance(hist(tail), hist(base), { ...opts, percentile: 99 });
    expect(s.significant).toBe(true);
    expect(s.quantile!.targetLowUs).toBeGreaterThan(s.quantile!.referenceHighUs);
    expect(latencySignificance(hist(base), hist(base), { ...opts, percentile: 99 }).significant).toBe(false);
    expect(latencySignificance(hist(base.slice(0, 40)), hist(base.slice(0, 40).map((v) => v * 1.02)), { ...opts, percentile: 50 }).significant).toBe(false);
  });

  it('the normal tail is accurate', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 4);
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 4);
    expect(normalUpperTail(-2.326348)).toBeCloseTo(0.99, 4);
    expect(normalQuantileUpper(0.005)).toBeCloseTo(2.5758, 3);
  });
});
