import type { Report, RouteReport } from './types.js';

/**
 * The terminal summary: verdict, totals, the gate's reasons, routes worst
 * first, the real differences by field, then noise-only fields.
 */

const pct = (r: number) => `${(r * 100).toFixed(r > 0 && r < 0.001 ? 3 : 1)}%`;
const ms = (us: number) => (us === 0 ? '-' : `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`);

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function routeRow(r: RouteReport): string[] {
  const l = r.latency;
  const g = l.regression;
  const reg = g === null ? '-' : `${g.value >= 0 ? '+' : ''}${pct(g.value)} p${g.percentile}${l.significance.significant ? '' : '?'}`;
  return [`${r.verdict === 'fail' ? '✗' : '✓'} ${clip(r.route, 60)}`, String(r.requests), pct(r.diffRate), pct(r.errorRate), ms(l.target.p50Us), ms(l.target.p99Us), ms(l.reference.p99Us), reg];
}

/** Lines for a terminal (no colours: the CLI may add them). `maxRoutes` bounds the route table. */
export function renderText(report: Report, maxRoutes = 20): string {
  const t = report.totals;
  const out: string[] = [];
  const state = report.state !== undefined && report.state !== 'done' ? `, run ${report.state}` : '';
  out.push(`Parity run ${report.run}: ${report.verdict.toUpperCase()}  (${report.mode} diff, target ${report.target} vs ${report.reference}${state})`);
  out.push(`requests ${t.requests}  compared ${t.compared}  diffs ${t.diffs} (${pct(t.diffRate)})  errors ${t.errors} (${pct(t.errorRate)})  late ${t.late}${report.lateness.count > 0 ? ` (p99 ${ms(report.lateness.p99Us)})` : ''}`);
  out.push(`latency p50/p99 target ${ms(t.latency.target.p50Us)}/${ms(t.latency.target.p99Us)}  reference ${ms(t.latency.reference.p50Us)}/${ms(t.latency.reference.p99Us)}`);
  const skipped = Object.entries(t.skipped);
  if (skipped.length > 0) out.push(`not fully compared: ${skipped.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  out.push('');
  if (report.gate.reasons.length > 0) {
    out.push('Gate failed:');
    for (const r of report.gate.reasons) out.push(`  ✗ ${r.message}`);
    out.push('');
  }
  if (report.routes.length > 0) {
    out.push('Routes (worst first; slowdown: largest growth among p50/p95/p99 the samples support, ? = not significant):');
    const rows = [['  route', 'req', 'diff', 'err', 'p50', 'p99', 'ref p99', 'slowdown'], ...report.routes.slice(0, maxRoutes).map(routeRow)];
    out.push(...table(rows).map((l) => `  ${l}`));
    if (report.routes.length > maxRoutes) out.push(`  … ${report.routes.length - maxRoutes} more routes in the JSON/HTML report`);
    out.push('');
  }
  const real = report.fields.filter((f) => f.classification === 'real');
  if (real.length > 0) {
    out.push('Differences (route, field, kind, requests, example):');
    for (const f of real.slice(0, 30)) {
      const d = f.examples[0]?.differences.find((x) => x.field === f.path && x.kind === f.kind);
      const example = d ? `  ${clip(d.reference ?? '(absent)', 40)} → ${clip(d.target ?? '(absent)', 40)}` : '';
      out.push(`  ${f.route}  ${f.path}  ${f.kind}  ×${f.count} (${pct(f.rate)})${f.noiseCount > 0 ? ` noise ×${f.noiseCount}` : ''}${example}`);
    }
    if (real.length > 30) out.push(`  … ${real.length - 30} more`);
    out.push('');
  }
  const expected = report.fields.filter((f) => f.classification === 'expected');
  if (expected.length > 0) out.push(`Expected changes: ${expected.map((f) => `${f.route} ${f.path} ×${f.count}`).join('; ')}`, '');
  const noise = report.fields.filter((f) => f.classification === 'noise');
  if (noise.length > 0) {
    out.push('Noise (differs between baseline answers too; not gating):');
    for (const f of noise.slice(0, 15)) out.push(`  ${f.route}  ${f.path}  ${f.kind}  ×${f.count} vs noise ×${f.noiseCount}`);
    if (noise.length > 15) out.push(`  … ${noise.length - 15} more`);
    out.push('');
  }
  out.push(report.verdict === 'pass' ? 'Verdict: PASS' : `Verdict: FAIL (${report.gate.reasons.length} reason${report.gate.reasons.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}
