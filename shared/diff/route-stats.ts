import { LatencyHistogram } from './latency.js';
import { ExampleSet, type Example } from './examples.js';
import type { DiffKind } from './types.js';

/**
 * Everything counted for one route template. Maps that could grow with the
 * data (field paths, difference signatures) are capped by keeping the
 * smallest keys, which makes the cap independent of merge order; what falls
 * off is counted in `…Overflow` and treated conservatively (as real
 * differences) by the report.
 */

export const MAX_FIELDS_PER_ROUTE = 500;
export const MAX_SIGNATURES_PER_ROUTE = 256;
export const ROUTE_EXAMPLES = 3;
export const FIELD_EXAMPLES = 2;

/** Counts for one (field path, kind of difference). */
export interface FieldStats {
  field: string;
  kind: DiffKind;
  /** Requests where target and reference differed here. */
  count: number;
  /** Requests where baseline answers differed here among themselves. */
  noise: number;
  /** Of `count`, how many were declared expected. */
  expected: number;
  examples: ExampleSet;
}

export const fieldKey = (field: string, kind: string) => `${field}\u0000${kind}`;

const add = (m: Record<string, number>, k: string, n = 1) => {
  m[k] = (m[k] ?? 0) + n;
};

/** Keeps the `cap` smallest keys; returns the summed values of the evicted ones. */
export function capBySmallestKeys<V>(m: Map<string, V>, cap: number, weight: (v: V) => number): number {
  if (m.size <= cap) return 0;
  const keys = [...m.keys()].sort();
  let evicted = 0;
  for (const k of keys.slice(cap)) {
    evicted += weight(m.get(k)!);
    m.delete(k);
  }
  return evicted;
}

export class RouteStats {
  /** Requests seen (answered, failed or skipped). */
  requests = 0;
  /** Requests where both answers were there to compare. */
  compared = 0;
  /** Compared requests that also had baseline answers for noise. */
  noiseSampled = 0;
  late = 0;
  errors: Record<string, number> = {};
  skipped: Record<string, number> = {};
  /** Counts of status codes (or 'error'). */
  targetStatus: Record<string, number> = {};
  referenceStatus: Record<string, number> = {};
  fields = new Map<string, FieldStats>();
  fieldOverflow = 0;
  /** Requests by the set of field keys that differed (not expected), joined by \u0001. */
  signatures = new Map<string, number>();
  signatureOverflow = 0;
  examples = new ExampleSet(ROUTE_EXAMPLES);
  targetLatency = new LatencyHistogram();
  referenceLatency = new LatencyHistogram();

  countError(kind: string): void {
    add(this.errors, kind);
  }
  countSkipped(kind: string): void {
    add(this.skipped, kind);
  }
  countStatus(side: 'target' | 'reference', status: number | 'error'): void {
    add(side === 'target' ? this.targetStatus : this.referenceStatus, String(status));
  }

  /** The field's counters, created on first use; undefined when the field cap turned it away. */
  field(field: string, kind: DiffKind): FieldStats | undefined {
    const key = fieldKey(field, kind);
    let f = this.fields.get(key);
    if (!f) {
      f = { field, kind, count: 0, noise: 0, expected: 0, examples: new ExampleSet(FIELD_EXAMPLES) };
      this.fields.set(key, f);
      if (this.fields.size > MAX_FIELDS_PER_ROUTE) {
        this.fieldOverflow += capBySmallestKeys(this.fields, MAX_FIELDS_PER_ROUTE, (v) => v.count);
        return this.fields.get(key);
      }
    }
    return f;
  }

  countSignature(sig: string, n = 1): void {
    this.signatures.set(sig, (this.signatures.get(sig) ?? 0) + n);
    if (this.signatures.size > MAX_SIGNATURES_PER_ROUTE) this.signatureOverflow += capBySmallestKeys(this.signatures, MAX_SIGNATURES_PER_ROUTE, (v) => v);
  }

  merge(o: RouteStats): void {
    this.requests += o.requests;
    this.compared += o.compared;
    this.noiseSampled += o.noiseSampled;
    this.late += o.late;
    for (const [k, v] of Object.entries(o.errors)) add(this.errors, k, v);
    for (const [k, v] of Object.entries(o.skipped)) add(this.skipped, k, v);
    for (const [k, v] of Object.entries(o.targetStatus)) add(this.targetStatus, k, v);
    for (const [k, v] of Object.entries(o.referenceStatus)) add(this.referenceStatus, k, v);
    for (const [key, of] of o.fields) {
      const f = this.fields.get(key);
      if (f) {
        f.count += of.count;
        f.noise += of.noise;
        f.expected += of.expected;
        f.examples.merge(of.examples);
      } else {
        const copy = new ExampleSet(FIELD_EXAMPLES);
        copy.merge(of.examples);
        this.fields.set(key, { ...of, examples: copy });
      }
    }
    this.fieldOverflow += o.fieldOverflow + capBySmallestKeys(this.fields, MAX_FIELDS_PER_ROUTE, (v) => v.count);
    for (const [sig, n] of o.signatures) this.signatures.set(sig, (this.signatures.get(sig) ?? 0) + n);
    this.signatureOverflow += o.signatureOverflow + capBySmallestKeys(this.signatures, MAX_SIGNATURES_PER_ROUTE, (v) => v);
    this.examples.merge(o.examples);
    this.targetLatency.merge(o.targetLatency);
    this.referenceLatency.merge(o.referenceLatency);
  }

  toJSON(): RouteStatsJson {
    const sorted = <V>(m: Map<string, V>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const sortObj = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
    return {
      requests: this.requests,
      compared: this.compared,
      noiseSampled: this.noiseSampled,
      late: this.late,
      errors: sortObj(this.errors),
      skipped: sortObj(this.skipped),
      targetStatus: sortObj(this.targetStatus),
      referenceStatus: sortObj(this.referenceStatus),
      fields: sorted(this.fields).map(([, f]) => [f.field, f.kind, f.count, f.noise, f.expected, f.examples.items]),
      fieldOverflow: this.fieldOverflow,
      signatures: sorted(this.signatures),
      signatureOverflow: this.signatureOverflow,
      examples: this.examples.items,
      targetLatency: this.targetLatency.toJSON(),
      referenceLatency: this.referenceLatency.toJSON(),
    };
  }

  static fromJSON(j: RouteStatsJson): RouteStats {
    const r = new RouteStats();
    Object.assign(r, {
      requests: j.requests,
      compared: j.compared,
      noiseSampled: j.noiseSampled,
      late: j.late,
      errors: { ...j.errors },
      skipped: { ...j.skipped },
      targetStatus: { ...j.targetStatus },
      referenceStatus: { ...j.referenceStatus },
      fieldOverflow: j.fieldOverflow,
      signatureOverflow: j.signatureOverflow,
    });
    for (const [field, kind, count, noise, expected, examples] of j.fields) {
      const set = new ExampleSet(FIELD_EXAMPLES);
      set.merge(examples);
      r.fields.set(fieldKey(field, kind), { field, kind, count, noise, expected, examples: set });
    }
    for (const [sig, n] of j.signatures) r.signatures.set(sig, n);
    r.examples.merge(j.examples);
    r.targetLatency = LatencyHistogram.fromJSON(j.targetLatency);
    r.referenceLatency = LatencyHistogram.fromJSON(j.referenceLatency);
    return r;
  }
}

/** The stored form of RouteStats: keys sorted, so equal stats give equal JSON. */
export interface RouteStatsJson {
  requests: number;
  compared: number;
  noiseSampled: number;
  late: number;
  errors: Record<string, number>;
  skipped: Record<string, number>;
  targetStatus: Record<string, number>;
  referenceStatus: Record<string, number>;
  /** [field, kind, count, noise, expected, examples]. */
  fields: [string, DiffKind, number, number, number, Example[]][];
  fieldOverflow: number;
  signatures: [string, number][];
  signatureOverflow: number;
  examples: Example[];
  targetLatency: number[];
  referenceLatency: number[];
}
