import type { Report, RouteReport } from './types.js';

/**
 * JUnit XML for CI: one test suite for the run, one test case per route
 * (failing routes carry the gate's reasons and their differences), plus an
 * `overall` test case for run-wide thresholds.
 */

/** Escapes text for XML and drops characters XML 1.0 cannot carry. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const seconds = (us: number) => (us / 1e6).toFixed(6);

function routeDetails(report: Report, r: RouteReport): string {
  const lines = [...r.reasons, ''];
  for (const f of report.fields) {
    if (f.route !== r.route || f.classification !== 'real') continue;
    lines.push(`${f.path} ${f.kind} ×${f.count}`);
    const ex = f.examples[0];
    if (!ex) continue;
    lines.push(`  e.g. ${ex.method} ${ex.url} → ${ex.reference.status} vs ${ex.target.status}`);
    for (const d of ex.differences.slice(0, 5)) {
      lines.push(`    ${d.path} ${d.kind}: ${d.reference ?? '(absent)'} → ${d.target ?? '(absent)'}`);
      for (const l of d.lines ?? []) lines.push(`      ${l}`);
    }
  }
  return lines.join('\n');
}

export function renderJunit(report: Report): string {
  const overallReasons = report.gate.reasons.filter((r) => r.route === undefined);
  const failures = report.routes.filter((r) => r.verdict === 'fail').length + (overallReasons.length > 0 ? 1 : 0);
  const total = report.routes.length + 1;
  const suiteTime = report.startedAt !== undefined && report.endedAt !== undefined ? ((report.endedAt - report.startedAt) / 1000).toFixed(3) : '0';
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="parity" tests="${total}" failures="${failures}" errors="0" time="${suiteTime}">`,
    `  <testsuite name="${xmlEscape(`parity run ${report.run}`)}" tests="${total}" failures="${failures}" errors="0" skipped="0" time="${suiteTime}">`,
    '    <properties>',
    ...Object.entries({ run: report.run, target: report.target, reference: report.reference, mode: report.mode, verdict: report.verdict, session: report.session ?? '' }).map(
      ([k, v]) => `      <property name="${k}" value="${xmlEscape(v)}"/>`,
    ),
    '    </properties>',
  ];
  const t = report.totals;
  out.push(`    <testcase classname="parity" name="overall" time="0">`);
  if (overallReasons.length > 0) {
    out.push(`      <failure type="gate" message="${xmlEscape(overallReasons.map((r) => r.message).join('; '))}">${xmlEscape(overallReasons.map((r) => r.message).join('\n'))}</failure>`);
  }
  out.push(`      <system-out>${xmlEscape(`requests ${t.requests}, compared ${t.compared}, diffs ${t.diffs}, errors ${t.errors}, late ${t.late}`)}</system-out>`, '    </testcase>');
  for (const r of report.routes) {
    const time = seconds(r.latency.target.meanUs * r.latency.target.count);
    out.push(`    <testcase classname="parity.routes" name="${xmlEscape(r.route)}" time="${time}">`);
    if (r.verdict === 'fail') out.push(`      <failure type="gate" message="${xmlEscape(r.reasons.join('; '))}">${xmlEscape(routeDetails(report, r))}</failure>`);
    out.push(
      `      <system-out>${xmlEscape(`requests ${r.requests}, diffs ${r.diffs} (${(r.diffRate * 100).toFixed(1)}%), errors ${r.errors}, p99 ${r.latency.target.p99Us}µs vs ${r.latency.reference.p99Us}µs`)}</system-out>`,
      '    </testcase>',
    );
  }
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
