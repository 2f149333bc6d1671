import type { DiffKind, DiffMode, Example, Significance } from '../diff/index.js';
import type { GateReason, GateThresholds } from './gate.js';

/**
 * The report of a run: the stable JSON shape documented in
 * docs/report-format.md (`version` changes if a field changes meaning or
 * goes away; new fields may be added). Latencies are in µs; rates are 0..1.
 */
/** What the report says about the run besides its statistics. */
export interface ReportMeta {
  run: string;
  session?: string;
  target: string;
  reference: string;
  mode: DiffMode;
  startedAt?: number;
  endedAt?: number;
  /** A replay run's state when the report was made (queued, running, done, cancelled, failed): only a done run can pass. */
  state?: 'queued' | 'running' | 'done' | 'cancelled' | 'failed';
}

export interface Report extends ReportMeta {
  version: 1;
  verdict: 'pass' | 'fail';
  totals: Totals;
  gate: { thresholds: GateThresholds; reasons: GateReason[] };
  /** Worst first: failing routes, then by the larger of diff and error rate, then by requests. */
  routes: RouteReport[];
  /** Real differences first, then expected, then noise; by count. */
  fields: FieldReport[];
  /** Latency distributions per route (percentile curves), same order as routes. */
  latency: LatencyReport[];
  /** How late requests that could not start on time were (open-model profiles). */
  lateness: { count: number; p50Us: number; p99Us: number; maxUs: number };
}

export interface Totals {
  /** Requests fired (answered, failed or skipped). */
  requests: number;
  /** Requests with both answers compared. */
  compared: number;
  /** Requests without an answer from the target. */
  errors: number;
  errorRate: number;
  /** Requests that started later than scheduled. */
  late: number;
  /** Compared requests with at least one real difference. */
  diffs: number;
  diffRate: number;
  /** Compared requests that had baseline answers to measure noise with. */
  noiseSampled: number;
  /** Requests not compared, by reason (`reference-error`) or compared only in part (`body-truncated`, `compare-failed`). */
  skipped: Record<string, number>;
  latency: LatencyComparison;
}

/** Target latency against reference latency. */
export interface LatencyComparison {
  target: Percentiles;
  reference: Percentiles;
  /** p99(target) / p99(reference) − 1; null without samples on both sides. */
  p99Regression: number | null;
  /**
   * The slowdown the gate judges: the largest relative growth among p50, p95
   * and p99, each counted only when both sides have at least 5 samples beyond
   * it (p99 needs 500 samples, p95 100, p50 10). Null when none qualifies.
   */
  regression: { percentile: 50 | 95 | 99; value: number; deltaUs: number } | null;
  significance: Significance;
}

export interface Percentiles {
  count: number;
  p50Us: number;
  p95Us: number;
  p99Us: number;
  maxUs: number;
  meanUs: number;
}

export interface RouteReport {
  route: string;
  verdict: 'pass' | 'fail';
  requests: number;
  compared: number;
  errors: number;
  errorRate: number;
  /** Errors by kind (refused, reset, timeout, other). */
  errorKinds: Record<string, number>;
  diffs: number;
  diffRate: number;
  late: number;
  /** Status codes seen ('error' for no answer). */
  status: { target: Record<string, number>; reference: Record<string, number> };
  latency: LatencyComparison;
  reasons: string[];
  examples: Example[];
}

export interface FieldReport {
  route: string;
  /** Field path with array positions as [*]: `$.items[*].price`, `status`, `headers.x-foo`. */
  path: string;
  kind: DiffKind;
  /** real: counts toward the gate; expected: declared by a rule; noise: explained by noise. */
  classification: 'real' | 'expected' | 'noise';
  /** Compared requests where target and reference differed here. */
  count: number;
  rate: number;
  /** Requests where baseline answers differed here among themselves. */
  noiseCount: number;
  noiseRate: number;
  examples: Example[];
}

export interface LatencyReport {
  route: string;
  target: Distribution;
  reference: Distribution;
}

/** [percentile, µs] points of a latency distribution. */
export interface Distribution {
  count: number;
  points: [number, number][];
}
