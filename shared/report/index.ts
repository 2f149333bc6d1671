/**
 * Reports and the release gate: `buildReport` turns a run's RunStats into a
 * verdict and the stable JSON report; renderers give the terminal summary,
 * JSON, JUnit XML and a self-contained HTML file. The CLI maps verdict
 * "fail" to exit code 1 (PARITY_ERR_GATE_FAILED).
 */
export { buildReport, type ReportMeta } from './build.js';
export { gateThresholdsSchema, gateThresholdsFrom, DEFAULT_GATE, routeThresholds, type GateThresholds, type GateThresholdsInput, type GateReason } from './gate.js';
export { classifyField } from './noise-rule.js';
export type { Report, Totals, RouteReport, FieldReport, LatencyReport, Distribution, Percentiles } from './types.js';
export { renderText } from './text.js';
export { renderJunit } from './junit.js';
export { renderHtml } from './html.js';
export { renderJson, renderReport, writeReportDir, REPORT_FORMATS, REPORT_FILES, type ReportFormat } from './write.js';
