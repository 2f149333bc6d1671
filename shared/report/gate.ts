import { z } from 'zod';
import { rulesSection, type RulesDocument } from '../config/rules.js';

/**
 * The release gate's thresholds. Defaults are strict: any real difference
 * (status change, shape difference, removed header, ...) or error fails;
 * new 5xx always fail; latency fails when a route's p99 regresses by more
 * than `maxP99Regression` and by at least `minLatencyDeltaUs`, and the
 * slowdown is statistically significant with enough samples.
 */
const routeLimits = z.strictObject({
  maxDiffRate: z.number().min(0).max(1).optional(),
  maxErrorRate: z.number().min(0).max(1).optional(),
  maxP99Regression: z.number().min(0).optional(),
});

export const gateThresholdsSchema = z.strictObject({
  /** Highest share of compared requests with a real difference (overall and each route). Default 0. */
  maxDiffRate: z.number().min(0).max(1).default(0),
  /** Highest share of requests without an answer (overall and each route). Default 0. */
  maxErrorRate: z.number().min(0).max(1).default(0),
  /** Highest p99 slowdown, as a fraction (0.25 = 25 % slower), overall and each route. Default 0.25. */
  maxP99Regression: z.number().min(0).default(0.25),
  /** A p99 slowdown smaller than this many µs never fails (loopback jitter). Default 1000. */
  minLatencyDeltaUs: z.number().min(0).default(1000),
  /** Fewer latency samples than this on either side never fails (default 30). */
  minLatencySamples: z.number().int().min(2).default(30),
  /** Significance level of the latency tests. Default 0.01. */
  latencyAlpha: z.number().gt(0).lt(1).default(0.01),
  /** Per-route overrides, keyed by route template (e.g. "GET /users/:id"). */
  routes: z.record(z.string(), routeLimits).default({}),
});

export type GateThresholds = z.output<typeof gateThresholdsSchema>;
export type GateThresholdsInput = z.input<typeof gateThresholdsSchema>;

/** The strict defaults. */
export const DEFAULT_GATE: GateThresholds = gateThresholdsSchema.parse({});

/** One reason the gate failed. */
export interface GateReason {
  rule: 'new-5xx' | 'max-diff-rate' | 'max-error-rate' | 'max-p99-regression' | 'nothing-sent' | 'run-not-done';
  /** Route template, absent for the overall figure. */
  route?: string;
  value: number;
  threshold: number;
  message: string;
}

/** Thresholds for one route: its overrides over the overall ones. */
export function routeThresholds(g: GateThresholds, route: string): { maxDiffRate: number; maxErrorRate: number; maxP99Regression: number } {
  const o = g.routes[route] ?? {};
  return {
    maxDiffRate: o.maxDiffRate ?? g.maxDiffRate,
    maxErrorRate: o.maxErrorRate ?? g.maxErrorRate,
    maxP99Regression: o.maxP99Regression ?? g.maxP99Regression,
  };
}

/** A key of the rules file's `gate` section that is a setting: refused, naming where it is set. */
const overall = (key: string, flag: string, env: string) =>
  z.never({ error: `the overall ${key} is a setting: give ${flag}, ${env} or ${key} in the config file (this section sets the finer knobs and per-route limits under routes)` });

/**
 * The rules file's `gate` section: the finer knobs and per-route overrides. The three overall limits are settings
 * (flags, environment, config file); here they were overridden by the settings' defaults without a word.
 */
const GATE_SECTION = gateThresholdsSchema
  .extend({
    maxDiffRate: overall('maxDiffRate', '--max-diff-rate', 'PARITY_MAX_DIFF_RATE'),
    maxErrorRate: overall('maxErrorRate', '--max-error-rate', 'PARITY_MAX_ERROR_RATE'),
    maxP99Regression: overall('maxP99Regression', '--max-p99-regression', 'PARITY_MAX_P99_REGRESSION'),
  })
  .partial()
  .optional();

/**
 * The thresholds a run is gated with: the three settings (flag > env >
 * config file) plus the rules file's optional `gate` section, which may set
 * the finer knobs and per-route overrides. Throws PARITY_ERR_CONFIG_INVALID
 * naming `rules.gate.<key>` when the section is wrong.
 */
export function gateThresholdsFrom(
  settings: { maxDiffRate: number; maxErrorRate: number; maxP99Regression: number },
  rules: RulesDocument = {},
  rulesFile?: string,
): GateThresholds {
  const section = rulesSection(rules, 'gate', GATE_SECTION, rulesFile) ?? {};
  return gateThresholdsSchema.parse({ ...section, maxDiffRate: settings.maxDiffRate, maxErrorRate: settings.maxErrorRate, maxP99Regression: settings.maxP99Regression });
}
