import { parityError } from '../errors.js';
import type { OpenProfile, ReplayProfile } from './profile.js';

/**
 * Arrival schedules of the open-model profiles: pure functions from a
 * profile (and the selected records' capture times) to "arrival i fires at
 * offset µs from the run's start, replaying record r". Workers evaluate them
 * for their own chunk only, so nothing per request travels through Redis.
 */
export interface ArrivalSchedule {
  /** Number of arrivals in the whole run. */
  readonly count: number;
  /** µs from the run's start at which arrival `i` fires (non-decreasing in i). */
  offsetUs(i: number): number;
  /** Index (into the run's selection) of the record arrival `i` replays. */
  recordIndex(i: number): number;
}

/** A stretch of time over which the arrival rate moves linearly (req/s). */
export interface RateSegment {
  durationUs: number;
  fromRate: number;
  toRate: number;
}

/** Capture times of the selection, sorted ascending (µs). */
export interface RecordTimes {
  readonly length: number;
  at(k: number): number;
}

const US = 1_000_000;
// Arrival counts computed in floating point (e.g. 0.1 × 30 s) must not gain
// a spurious extra arrival from rounding error.
const EPS = 1e-7;

/**
 * Arrivals of a piecewise-linear rate curve (k6's ramping-arrival-rate):
 * arrival i fires when the curve's integral reaches i, so arrival 0 is at 0.
 */
export class RateCurve {
  readonly count: number;
  readonly durationUs: number;
  readonly #segments: RateSegment[];
  /** Arrivals completed before each segment. */
  readonly #before: number[];
  /** Start (µs) of each segment. */
  readonly #starts: number[];

  constructor(segments: readonly RateSegment[]) {
    this.#segments = segments.filter((s) => s.durationUs > 0);
    this.#before = [];
    this.#starts = [];
    let cum = 0;
    let t = 0;
    for (const s of this.#segments) {
      this.#before.push(cum);
      this.#starts.push(t);
      cum += ((s.fromRate + s.toRate) / 2) * (s.durationUs / US);
      t += s.durationUs;
    }
    this.#before.push(cum);
    this.durationUs = t;
    this.count = cum <= EPS ? 0 : Math.ceil(cum - EPS);
  }

  /** µs at which arrival i fires (i < count). */
  offsetUs(i: number): number {
    // the last segment starting at or before arrival i; segments that add no
    // arrivals (rate 0 throughout) share their successor's start count and
    // so are never chosen
    let lo = 0;
    let hi = this.#segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#before[mid]! <= i + EPS) lo = mid;
      else hi = mid - 1;
    }
    const s = this.#segments[lo]!;
    const j = Math.max(0, i - this.#before[lo]!);
    if (j <= EPS) return this.#starts[lo]!;
    if (s.toRate === s.fromRate) return this.#starts[lo]! + Math.min((j * US) / s.fromRate, s.durationUs);
    // Solve b·t + a·t² = j for t (µs), rates per µs: the root written as
    // 2j / (b + √(b² + 4aj)) stays exact when a → 0 and when b = 0.
    const b = s.fromRate / US;
    const a = (s.toRate - s.fromRate) / US / (2 * s.durationUs);
    const disc = Math.max(0, b * b + 4 * a * j);
    const t = (2 * j) / (b + Math.sqrt(disc));
    return this.#starts[lo]! + Math.min(t, s.durationUs);
  }
}

/** The rate segments of a rate-driven profile. */
export function rateSegments(p: Extract<ReplayProfile, { kind: 'constant-rate' | 'ramping-rate' | 'spike' }>, selectionSize: number): RateSegment[] {
  const us = (ms: number) => ms * 1000;
  switch (p.kind) {
    case 'constant-rate': {
      // without --duration: one pass over the selection
      const durationUs = p.durationMs === undefined ? (selectionSize / p.rate) * US : us(p.durationMs);
      return [{ durationUs, fromRate: p.rate, toRate: p.rate }];
    }
    case 'ramping-rate': {
      let from = p.startRate;
      return p.stages.map((s) => {
        const seg = { durationUs: us(s.durationMs), fromRate: from, toRate: s.target };
        from = s.target;
        return seg;
      });
    }
    case 'spike':
      return [
        { durationUs: us(p.spikeAtMs), fromRate: p.rate, toRate: p.rate },
        { durationUs: us(p.spikeForMs), fromRate: p.spikeRate, toRate: p.spikeRate },
        { durationUs: us(p.durationMs - p.spikeAtMs - p.spikeForMs), fromRate: p.rate, toRate: p.rate },
      ];
  }
}

/** As recorded: original inter-arrival times divided by `speed`. */
function asRecorded(times: RecordTimes, speed: number): ArrivalSchedule {
  const t0 = times.length > 0 ? times.at(0) : 0;
  return {
    count: times.length,
    offsetUs: (i) => (times.at(i) - t0) / speed,
    recordIndex: (i) => i,
  };
}

/**
 * Soak: the recorded pattern looped. One loop lasts the recorded span plus
 * one mean gap (so loops do not collide), scaled so the mean rate is `rate`.
 */
export function soakLoop(times: RecordTimes, rate: number | undefined): { periodUs: number; speed: number } {
  const n = times.length;
  const span = n > 0 ? times.at(n - 1) - times.at(0) : 0;
  // a selection that spans no time (one record, or all captured in the same µs) has no pace of its
  // own to loop at: it needs --rate (before, it was looped at 1,000 requests a second)
  if (!rate && !(n > 1 && span > 0)) {
    throw parityError('PARITY_ERR_USAGE', `the selection's ${n} record${n === 1 ? '' : 's'} span${n === 1 ? 's' : ''} no time, so a soak has no recorded pace to loop at: give it one with --rate N (requests a second)`);
  }
  const gap = n > 1 && span > 0 ? span / (n - 1) : US / rate!;
  const periodUs = span + gap;
  const speed = rate ? (rate * periodUs) / (n * US) : 1;
  return { periodUs, speed };
}

function soak(times: RecordTimes, rate: number | undefined, durationUs: number): ArrivalSchedule {
  const n = times.length;
  const t0 = n > 0 ? times.at(0) : 0;
  const { periodUs, speed } = soakLoop(times, rate);
  const offsetUs = (i: number) => (Math.floor(i / n) * periodUs + times.at(i % n) - t0) / speed;
  let count: number | undefined;
  // computed on first use: workers evaluate offsets for their chunk only and
  // hold the capture times of that chunk's records, not the whole selection
  const countArrivals = () => {
    if (n === 0) return 0;
    // smallest i whose offset reaches the duration (offsets are non-decreasing)
    let lo = 0;
    let hi = (Math.ceil((durationUs * speed) / periodUs) + 1) * n;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetUs(mid) < durationUs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    get count() {
      return (count ??= countArrivals());
    },
    offsetUs,
    recordIndex: (i) => i % n,
  };
}

/**
 * The arrival schedule of an open-model profile over a selection whose
 * capture times are `times` (sorted). Rate profiles cycle through the
 * selection in order.
 */
export function arrivalSchedule(profile: OpenProfile, times: RecordTimes): ArrivalSchedule {
  const n = times.length;
  switch (profile.kind) {
    case 'as-recorded':
      return asRecorded(times, profile.speed);
    case 'soak':
      return soak(times, profile.rate, profile.durationMs * 1000);
    default: {
      const curve = new RateCurve(rateSegments(profile, n));
      return {
        count: n === 0 ? 0 : curve.count,
        offsetUs: (i) => curve.offsetUs(i),
        recordIndex: (i) => i % n,
      };
    }
  }
}

/** Capture times held in an array. */
export function recordTimes(values: readonly number[]): RecordTimes {
  return { length: values.length, at: (k) => values[k]! };
}
