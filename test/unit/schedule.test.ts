import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arrivalSchedule, RateCurve, recordTimes, soakLoop } from '../../shared/replay/schedule.js';
import { chunkArrivals, chunkSize, planClosedChunks, planOpenChunks } from '../../shared/replay/chunk.js';

const all = (s: { count: number; offsetUs(i: number): number }) => Array.from({ length: s.count }, (_, i) => s.offsetUs(i));
const times = (...t: number[]) => recordTimes(t);

describe('arrival schedules', () => {
  it('as-recorded keeps the original inter-arrival times, divided by the speed', () => {
    const t = times(1_000_000, 1_000_500, 1_003_000, 1_010_000);
    expect(all(arrivalSchedule({ kind: 'as-recorded', speed: 1 }, t))).toEqual([0, 500, 3000, 10_000]);
    const fast = arrivalSchedule({ kind: 'as-recorded', speed: 4 }, t);
    expect(all(fast)).toEqual([0, 125, 750, 2500]);
    expect(fast.recordIndex(3)).toBe(3);
  });

  it('constant-rate fires rate × duration arrivals evenly and cycles the selection', () => {
    const s = arrivalSchedule({ kind: 'constant-rate', rate: 10, durationMs: 2000 }, times(1, 2, 3));
    expect(s.count).toBe(20);
    expect(all(s).slice(0, 4)).toEqual([0, 100_000, 200_000, 300_000]);
    expect(s.offsetUs(19)).toBeCloseTo(1_900_000, 6);
    expect([s.recordIndex(0), s.recordIndex(1), s.recordIndex(2), s.recordIndex(3)]).toEqual([0, 1, 2, 0]);
  });

  it('constant-rate without a duration makes one pass over the selection', () => {
    const s = arrivalSchedule({ kind: 'constant-rate', rate: 50 }, recordTimes(Array.from({ length: 7 }, (_, i) => i)));
    expect(s.count).toBe(7);
    expect(s.offsetUs(6)).toBeCloseTo(120_000, 6);
  });

  it('does not gain an arrival from floating-point error', () => {
    expect(new RateCurve([{ durationUs: 30_000_000, fromRate: 0.1, toRate: 0.1 }]).count).toBe(3);
    expect(new RateCurve([{ durationUs: 1_000_000, fromRate: 3, toRate: 3 }]).count).toBe(3);
  });

  it('ramping-rate follows the integral of a linear ramp (k6 semantics: from startRate)', () => {
    // 0 → 100/s over 2 s: C(t) = 25 t², so arrival i is at 1e6·√(i/25) µs
    const s = arrivalSchedule({ kind: 'ramping-rate', startRate: 0, stages: [{ durationMs: 2000, target: 100 }] }, times(0));
    expect(s.count).toBe(100);
    for (const i of [0, 1, 25, 64, 99]) expect(s.offsetUs(i)).toBeCloseTo(1e6 * Math.sqrt(i / 25), 3);
  });

  it('ramping-rate chains stages, holds plateaus and ramps down to zero', () => {
    const stages = [
      { durationMs: 1000, target: 100 },
      { durationMs: 1000, target: 100 },
      { durationMs: 1000, target: 0 },
    ];
    const s = arrivalSchedule({ kind: 'ramping-rate', startRate: 0, stages }, times(0));
    expect(s.count).toBe(200); // 50 + 100 + 50
    expect(s.offsetUs(50)).toBeCloseTo(1_000_000, 3);
    expect(s.offsetUs(100)).toBeCloseTo(1_500_000, 3);
    expect(s.offsetUs(150)).toBeCloseTo(2_000_000, 3);
    // ramp down: C(t) = 100t − 50t² after 2 s; arrival 175 solves 100t − 50t² = 25
    expect(s.offsetUs(175)).toBeCloseTo(2_000_000 + 1e6 * (1 - Math.sqrt(0.5)), 3);
  });

  it('ramping-rate skips stages at rate 0 without firing', () => {
    const s = arrivalSchedule({ kind: 'ramping-rate', startRate: 0, stages: [{ durationMs: 1000, target: 0 }, { durationMs: 1000, target: 0 }, { durationMs: 500, target: 20 }] }, times(0));
    expect(s.count).toBe(5);
    expect(s.offsetUs(0)).toBe(2_000_000);
  });

  it('spike holds the base rate, bursts, and returns to it', () => {
    const s = arrivalSchedule({ kind: 'spike', rate: 10, spikeRate: 100, spikeAtMs: 1000, spikeForMs: 500, durationMs: 2000 }, times(0));
    expect(s.count).toBe(10 + 50 + 5);
    expect(s.offsetUs(9)).toBeCloseTo(900_000, 3);
    expect(s.offsetUs(10)).toBeCloseTo(1_000_000, 3);
    expect(s.offsetUs(11)).toBeCloseTo(1_010_000, 3);
    expect(s.offsetUs(60)).toBeCloseTo(1_500_000, 3);
    expect(s.offsetUs(61)).toBeCloseTo(1_600_000, 3);
  });

  it('soak loops the recorded pattern, scaled to the requested mean rate', () => {
    // span 2 ms over 3 records: mean gap 1 ms, one loop lasts 3 ms
    const t = times(0, 500, 2000);
    expect(soakLoop(t, undefined)).toEqual({ periodUs: 3000, speed: 1 });
    const asRecorded = arrivalSchedule({ kind: 'soak', durationMs: 10 }, t);
    expect(all(asRecorded)).toEqual([0, 500, 2000, 3000, 3500, 5000, 6000, 6500, 8000, 9000, 9500]);
    expect(asRecorded.recordIndex(4)).toBe(1);
    // recorded mean rate is 1000/s; 2000/s halves every gap
    const doubled = arrivalSchedule({ kind: 'soak', rate: 2000, durationMs: 10 }, t);
    expect(doubled.count).toBe(20);
    expect(all(doubled).slice(0, 4)).toEqual([0, 250, 1000, 1500]);
  });

  it('soak refuses a selection that spans no time unless given a rate', () => {
    expect(() => soakLoop(times(0), undefined)).toThrow(/spans no time.*--rate/);
    expect(() => soakLoop(times(7, 7, 7), undefined)).toThrow(/span no time.*--rate/);
    expect(soakLoop(times(7), 10)).toEqual({ periodUs: 100_000, speed: 1 });
  });

  it('offsets never decrease and stay within the profile duration (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ d: fc.integer({ min: 1, max: 3000 }), r: fc.integer({ min: 0, max: 400 }) }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 300 }),
        (stages, startRate) => {
          const s = arrivalSchedule({ kind: 'ramping-rate', startRate, stages: stages.map((x) => ({ durationMs: x.d, target: x.r })) }, times(0));
          const total = stages.reduce((a, x) => a + x.d * 1000, 0);
          let prev = -1;
          for (let i = 0; i < s.count; i++) {
            const o = s.offsetUs(i);
            expect(o).toBeGreaterThanOrEqual(prev - 1e-6);
            expect(o).toBeLessThanOrEqual(total + 1e-6);
            prev = o;
          }
        },
      ),
    );
  });
});

describe('chunk plans', () => {
  it('cut an open schedule into windows of interleaved lanes covering every arrival once', () => {
    const s = arrivalSchedule({ kind: 'constant-rate', rate: 100, durationMs: 5000 }, times(0));
    const chunks = planOpenChunks(s, { windowUs: 2_000_000, lanes: 3, maxPerChunk: 1000 });
    expect(chunks.map((c) => [c.from, c.to])).toEqual([
      [0, 200], [0, 200], [0, 200],
      [200, 400], [200, 400], [200, 400],
      [400, 500], [400, 500], [400, 500],
    ]);
    const seen = chunks.flatMap((c) => [...chunkArrivals(c, 3)]).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(chunks.reduce((a, c) => a + chunkSize(c, 3), 0)).toBe(500);
    expect(chunks[4]).toMatchObject({ lane: 1, startUs: 2_020_000, endUs: 3_970_000 });
  });

  it('cut busy windows short at lanes × maxPerChunk and leave empty lanes out', () => {
    const s = arrivalSchedule({ kind: 'constant-rate', rate: 1000, durationMs: 1000 }, times(0));
    const chunks = planOpenChunks(s, { windowUs: 10_000_000, lanes: 2, maxPerChunk: 300 });
    expect(chunks.map((c) => [c.from, c.to, chunkSize(c, 2)])).toEqual([
      [0, 600, 300], [0, 600, 300], [600, 1000, 200], [600, 1000, 200],
    ]);
    const sparse = arrivalSchedule({ kind: 'as-recorded', speed: 1 }, times(0, 5_000_000));
    expect(planOpenChunks(sparse, { windowUs: 1_000_000, lanes: 4, maxPerChunk: 10 }).map((c) => [c.lane, c.from, c.startUs])).toEqual([
      [0, 0, 0],
      [1, 1, 5_000_000],
    ]);
  });

  it('cover every arrival exactly once for any schedule (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 50 }), (ts, lanes, max) => {
        const s = arrivalSchedule({ kind: 'as-recorded', speed: 1 }, recordTimes([...ts].sort((a, b) => a - b)));
        const chunks = planOpenChunks(s, { windowUs: 700_000, lanes, maxPerChunk: max });
        const seen = chunks.flatMap((c) => [...chunkArrivals(c, lanes)]).sort((a, b) => a - b);
        expect(seen).toEqual(Array.from({ length: ts.length }, (_, i) => i));
        for (const c of chunks) expect(chunkSize(c, lanes)).toBeLessThanOrEqual(max);
      }),
    );
  });

  it('refuse a run of more chunks than the limit with a usage error, before building them', () => {
    const usage = /more than 10 chunks/;
    // 30 windows × 2 lanes
    expect(() => planClosedChunks(2, 60_000_000, { windowUs: 2_000_000, lanes: 4, maxChunks: 10 })).toThrow(usage);
    const busy = arrivalSchedule({ kind: 'constant-rate', rate: 1000, durationMs: 60_000 }, recordTimes([0]));
    expect(() => planOpenChunks(busy, { windowUs: 2_000_000, lanes: 2, maxPerChunk: 2000, maxChunks: 10 })).toThrow(usage);
    expect(planClosedChunks(2, 10_000_000, { windowUs: 2_000_000, lanes: 4, maxChunks: 10 })).toHaveLength(10);
    const thrown = (f: () => unknown): unknown => {
      try {
        f();
      } catch (err) {
        return err;
      }
      return undefined;
    };
    expect(thrown(() => planClosedChunks(2, 60_000_000, { windowUs: 2_000_000, lanes: 4, maxChunks: 10 }))).toMatchObject({ code: 'PARITY_ERR_USAGE', exitCode: 2 });
  });

  it('spread a closed model’s users over lanes in every window', () => {
    const chunks = planClosedChunks(5, 5_000_000, { windowUs: 2_000_000, lanes: 2 });
    expect(chunks.map((c) => [c.startUs, c.endUs, c.vus])).toEqual([
      [0, 2_000_000, 3], [0, 2_000_000, 2],
      [2_000_000, 4_000_000, 3], [2_000_000, 4_000_000, 2],
      [4_000_000, 5_000_000, 3], [4_000_000, 5_000_000, 2],
    ]);
    expect(planClosedChunks(1, 1_000_000, { windowUs: 2_000_000, lanes: 4 })).toHaveLength(1);
  });
});
