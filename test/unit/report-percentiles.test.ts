import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunStats } from '../../shared/diff/index.js';
import { buildReport, DEFAULT_GATE, type Report } from '../../shared/report/index.js';
import type { Percentiles } from '../../shared/report/types.js';
import { statusFromReport } from '../../shared/shadow/status.js';

/**
 * HDR histograms answer a percentile with the top of its bucket, which can
 * lie past the largest latency recorded (p99Us 503551 beside maxUs 503296 in
 * a review's report). Every percentile a report, a shadow status or a chart
 * gives stays between the smallest and the largest latency recorded.
 */

/** Statistics as a report reads them: merged from the JSON each chunk (or worker) stored. */
function stored(latencies: number[], late: number[] = []): RunStats {
  const s = new RunStats();
  const r = s.route('GET /slow');
  r.requests = latencies.length;
  for (const us of latencies) {
    r.targetLatency.record(us);
    r.referenceLatency.record(us / 2);
  }
  for (const us of late) s.lateness.record(us);
  const merged = new RunStats();
  merged.merge(RunStats.fromJSON(s.toJSON()));
  return merged;
}

const report = (s: RunStats) => buildReport({ run: 'r', target: 't', reference: 'ref', mode: 'shape' }, s, DEFAULT_GATE);

function expectWithin(p: Percentiles, what: string): void {
  for (const key of ['p50Us', 'p95Us', 'p99Us'] as const) expect(p[key], `${what} ${key} ≤ maxUs`).toBeLessThanOrEqual(p.maxUs);
  expect(p.p50Us, `${what} p50 ≤ p95`).toBeLessThanOrEqual(p.p95Us);
  expect(p.p95Us, `${what} p95 ≤ p99`).toBeLessThanOrEqual(p.p99Us);
}

function expectReportWithin(rep: Report): void {
  expectWithin(rep.totals.latency.target, 'overall target');
  expectWithin(rep.totals.latency.reference, 'overall reference');
  for (const r of rep.routes) {
    expectWithin(r.latency.target, `${r.route} target`);
    expectWithin(r.latency.reference, `${r.route} reference`);
  }
  for (const d of rep.latency) {
    for (const side of [d.target, d.reference]) {
      const max = Math.max(...side.points.map(([, us]) => us));
      const top = side.points.find(([p]) => p === 100)![1];
      expect(max).toBe(top);
    }
  }
  expect(rep.lateness.p99Us).toBeLessThanOrEqual(rep.lateness.maxUs);
  expect(rep.lateness.p50Us).toBeLessThanOrEqual(rep.lateness.p99Us);
}

describe('reported latency percentiles', () => {
  it('never lie past the largest latency recorded (the review\'s 503 ms case)', () => {
    const rep = report(stored([...Array<number>(150).fill(2_000), 503_400, 503_400], [503_400]));
    const t = rep.routes[0]!.latency.target;
    expect(t.maxUs).toBe(503_296);
    expect(t.p99Us).toBe(503_296);
    expect(rep.lateness.p99Us).toBe(rep.lateness.maxUs);
    expectReportWithin(rep);
    const dist = rep.latency[0]!.target.points;
    expect(dist.find(([p]) => p === 100)![1]).toBe(503_296);
  });

  it('never lie below the smallest latency recorded, nor past the largest, for any latencies', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60_000_000 }), { minLength: 1, maxLength: 300 }), (latencies) => {
        const rep = report(stored(latencies, latencies.slice(0, 5)));
        expectReportWithin(rep);
        const t = rep.routes[0]!.latency.target;
        const lowest = rep.latency[0]!.target.points[0]![1];
        for (const key of ['p50Us', 'p95Us', 'p99Us'] as const) {
          expect(t[key]).toBeGreaterThanOrEqual(lowest);
          expect(t[key]).toBeLessThanOrEqual(Math.max(...latencies));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('in a shadow status too', () => {
    const rep = report(stored([1_000, 1_000, 1_000, 503_400]));
    const status = statusFromReport({ since: 0, until: 60_000 }, rep, { stats: new RunStats(), proxy: {}, worker: {}, modes: new Set(), references: new Set() });
    const shadow = status.routes[0]!.latency.shadow;
    expect(shadow.p99Us).toBeLessThanOrEqual(rep.routes[0]!.latency.target.maxUs);
  });
});
