import { build, type JsHistogram } from 'hdr-histogram-js';

/**
 * A latency histogram in microseconds (HDR, 3 significant digits) that
 * merges exactly and serialises deterministically: the JSON form is the list
 * of non-empty buckets as [index gap, count] pairs, so equal histograms give
 * equal JSON however they were assembled.
 */
export class LatencyHistogram {
  #h: JsHistogram;

  constructor() {
    this.#h = build({ numberOfSignificantValueDigits: 3, autoResize: true }) as JsHistogram;
  }

  /** Records one latency; negative or fractional values are rounded into range. */
  record(us: number): void {
    this.#h.recordValue(Math.max(1, Math.round(us)));
  }

  merge(other: LatencyHistogram): void {
    other.forEachBucket((index, count) => this.#h.recordValueWithCount(this.#h.valueFromIndex(index), count));
  }

  get count(): number {
    return this.#h.totalCount;
  }

  /** Value at a percentile (0..100), µs; 0 when empty. */
  percentile(p: number): number {
    return this.count === 0 ? 0 : this.#h.getValueAtPercentile(p);
  }

  get max(): number {
    return this.count === 0 ? 0 : this.#h.maxValue;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.#h.mean;
  }

  /** Bucket index of a value (same for every LatencyHistogram). */
  indexOf(us: number): number {
    return this.#h.countsArrayIndex(Math.max(1, Math.round(us)));
  }

  /** Calls fn for each non-empty bucket in ascending order of value. */
  forEachBucket(fn: (index: number, count: number) => void): void {
    const h = this.#h;
    if (h.totalCount === 0) return;
    const last = Math.min(h.countsArrayLength - 1, h.countsArrayIndex(h.maxValue));
    for (let i = 0; i <= last; i++) {
      const c = h.getCountAtIndex(i);
      if (c > 0) fn(i, c);
    }
  }

  toJSON(): number[] {
    const out: number[] = [];
    let prev = 0;
    this.forEachBucket((i, c) => {
      out.push(i - prev, c);
      prev = i;
    });
    return out;
  }

  static fromJSON(pairs: readonly number[]): LatencyHistogram {
    const h = new LatencyHistogram();
    let index = 0;
    for (let k = 0; k + 1 < pairs.length; k += 2) {
      index += pairs[k]!;
      h.#h.recordValueWithCount(h.#h.valueFromIndex(index), pairs[k + 1]!);
    }
    return h;
  }
}
