/**
 * The diff engine: compares one exchange (reference vs target, plus
 * baseline answers for noise), and aggregates results into RunStats that
 * merge exactly across workers. Used by the replay worker and by shadow mode;
 * shared/report turns RunStats into a verdict and reports.
 */
export type { DiffMode, Answer, ExchangeInput, ExchangeResult, FieldDifference, DiffKind } from './types.js';
export { DIFF_KINDS } from './types.js';
export { diffRulesSchema, diffRulesFrom, DEFAULT_DIFF_RULES, defaultIgnoredHeaders, type DiffRules } from './rules.js';
export { routeTemplate } from './route.js';
export { compareExchange } from './compare.js';
export { RunStats, type RunStatsJson } from './stats.js';
export { RouteStats, type FieldStats, type RouteStatsJson } from './route-stats.js';
export { LatencyHistogram } from './latency.js';
export { latencySignificance, type Significance } from './significance.js';
export type { Example, AnswerPreview } from './examples.js';
