import type { Example } from '../diff/index.js';
import type { FieldReport, Percentiles, Report, RouteReport } from './types.js';
import { diffRateChart, htmlEscape as esc, latencyChart } from './html-charts.js';

/**
 * One self-contained HTML file: inline CSS and SVG, no scripts to run, a
 * Content-Security-Policy that forbids any network access, examples in
 * <details>. The report's JSON is embedded (type application/json) so tools
 * can read the numbers the page shows; cells carry data-key/data-value.
 */

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
const ms = (us: number) => (us === 0 ? '–' : `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`);

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}h3{font-size:14px;margin:14px 0 6px}
.muted{color:#667}.badge{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;font-weight:600}
.pass{background:#1f883d}.fail{background:#cf222e}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}
.card .n{font-size:20px;font-weight:600}
table{border-collapse:collapse;margin:6px 0}th,td{border-bottom:1px solid #e5e8ec;padding:4px 8px;text-align:right;vertical-align:top}
th:first-child,td:first-child,td.l,th.l{text-align:left}td{white-space:nowrap}td.l{white-space:normal}tr.route-fail td:first-child{border-left:3px solid #cf222e}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:320px;white-space:pre-wrap;word-break:break-all}
details{margin:6px 0}summary{cursor:pointer}.cols{display:grid;grid-template-columns:1fr 1fr;gap:10px}
.chart .label,.chart .value,.chart .axis{font-size:11px;fill:#444}.chart .track{fill:#f0f2f4}.bar-ok{fill:#d4a72c}.bar-fail{fill:#cf222e}.bar-err{fill:#8250df}
.chart .grid{stroke:#e5e8ec}.line-target{stroke:#cf222e;fill:#cf222e;stroke-width:2}.line-reference{stroke:#0969da;fill:#0969da;stroke-width:2}
polyline.line-target,polyline.line-reference{fill:none}.legend-target{fill:#cf222e;font-size:12px}.legend-reference{fill:#0969da;font-size:12px}
ul.reasons li{color:#cf222e}
`;

const cell = (key: string, value: number, text: string) => `<td data-key="${key}" data-value="${value}">${esc(text)}</td>`;

function card(key: string, label: string, value: number, text: string): string {
  return `<div class="card"><div class="n" data-total="${key}" data-value="${value}">${esc(text)}</div><div class="muted">${esc(label)}</div></div>`;
}

function percentileCells(prefix: string, p: Percentiles): string {
  return cell(`${prefix}.p50Us`, p.p50Us, ms(p.p50Us)) + cell(`${prefix}.p95Us`, p.p95Us, ms(p.p95Us)) + cell(`${prefix}.p99Us`, p.p99Us, ms(p.p99Us));
}

function routeRow(r: RouteReport): string {
  const l = r.latency;
  const g = l.regression;
  const reg = g === null ? '–' : `${g.value >= 0 ? '+' : ''}${pct(g.value)} (p${g.percentile})`;
  const sig = l.significance.significant ? 'significant' : (l.significance.note ?? 'not significant');
  return (
    `<tr class="route-${r.verdict}" data-route="${esc(r.route)}"><td class="l"><code>${esc(r.route)}</code></td>` +
    `<td><span class="badge ${r.verdict}">${r.verdict}</span></td>` +
    cell('requests', r.requests, String(r.requests)) +
    cell('diffs', r.diffs, String(r.diffs)) +
    cell('diffRate', r.diffRate, pct(r.diffRate)) +
    cell('errors', r.errors, String(r.errors)) +
    cell('errorRate', r.errorRate, pct(r.errorRate)) +
    percentileCells('latency.target', l.target) +
    percentileCells('latency.reference', l.reference) +
    `<td>${esc(reg)}</td><td class="l muted">${esc(sig)}</td></tr>`
  );
}

function prettyBody(body: string): string {
  if (body.endsWith('…')) return body;
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function exampleHtml(ex: Example): string {
  const diffs = ex.differences
    .map((d) => `<tr><td class="l"><code>${esc(d.path)}</code></td><td class="l">${esc(d.kind)}${d.expected ? ' (expected)' : ''}</td><td class="l"><code>${esc(d.reference ?? '(absent)')}</code></td><td class="l"><code>${esc(d.target ?? '(absent)')}</code></td></tr>${d.lines ? `<tr><td colspan="4" class="l"><pre>${esc(d.lines.join('\n'))}</pre></td></tr>` : ''}`)
    .join('');
  const side = (name: string, a: Example['reference']) =>
    `<div><h3>${name}: ${a.error ? esc(a.error) : a.status} <span class="muted">${esc(a.contentType)} · ${a.size} bytes · ${ms(a.latencyUs)}</span></h3><pre>${esc(prettyBody(a.body))}</pre></div>`;
  return (
    `<details class="example"><summary><code>${esc(`${ex.method} ${ex.url}`)}</code> — ${ex.reference.status} vs ${ex.target.status}, ${ex.differences.length} difference${ex.differences.length === 1 ? '' : 's'}${ex.recordId ? ` <span class="muted">record ${esc(ex.recordId)}</span>` : ''}</summary>` +
    `<table><tr><th class="l">path</th><th class="l">kind</th><th class="l">reference</th><th class="l">target</th></tr>${diffs}</table>` +
    `<div class="cols">${side('reference', ex.reference)}${side('target', ex.target)}</div></details>`
  );
}

function fieldRows(fields: FieldReport[]): string {
  return fields
    .map((f) => `<tr data-route="${esc(f.route)}" data-path="${esc(f.path)}" data-kind="${f.kind}"><td class="l"><code>${esc(f.route)}</code></td><td class="l"><code>${esc(f.path)}</code></td><td class="l">${f.kind}</td>${cell('count', f.count, String(f.count))}${cell('rate', f.rate, pct(f.rate))}${cell('noiseCount', f.noiseCount, String(f.noiseCount))}<td class="l">${f.examples.map(exampleHtml).join('')}</td></tr>`)
    .join('');
}

const FIELD_HEAD = '<tr><th class="l">route</th><th class="l">path</th><th class="l">kind</th><th>requests</th><th>rate</th><th>noise</th><th class="l">examples</th></tr>';

function routeDetails(report: Report, r: RouteReport, i: number): string {
  const dist = report.latency[i];
  const fields = report.fields.filter((f) => f.route === r.route && f.classification !== 'noise');
  return (
    `<details class="route" data-route="${esc(r.route)}"><summary><code>${esc(r.route)}</code> <span class="badge ${r.verdict}">${r.verdict}</span> <span class="muted">${r.requests} requests, ${pct(r.diffRate)} differ</span></summary>` +
    (r.reasons.length ? `<ul class="reasons">${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '') +
    (dist ? latencyChart(dist.target, dist.reference, `Latency of ${r.route}`) : '') +
    (fields.length ? `<table>${FIELD_HEAD}${fieldRows(fields)}</table>` : '') +
    (r.examples.length ? `<h3>Examples</h3>${r.examples.map(exampleHtml).join('')}` : '') +
    '</details>'
  );
}

function overallDistribution(p: Percentiles) {
  return { count: p.count, points: p.count === 0 ? [] : ([[50, p.p50Us], [95, p.p95Us], [99, p.p99Us], [100, p.maxUs]] as [number, number][]) };
}

export function renderHtml(report: Report): string {
  const t = report.totals;
  const real = report.fields.filter((f) => f.classification !== 'noise');
  const noise = report.fields.filter((f) => f.classification === 'noise');
  const json = JSON.stringify(report).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const when = report.startedAt ? new Date(report.startedAt).toISOString() : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parity report ${esc(report.run)}: ${report.verdict}</title><style>${CSS}</style></head>
<body>
<h1>Parity run <code>${esc(report.run)}</code> <span class="badge ${report.verdict}" id="verdict" data-verdict="${report.verdict}">${report.verdict.toUpperCase()}</span></h1>
<div class="muted">${esc(report.mode)} diff · target <code>${esc(report.target)}</code> vs reference <code>${esc(report.reference)}</code>${report.session ? ` · session <code>${esc(report.session)}</code>` : ''}${when ? ` · ${esc(when)}` : ''}</div>
<div class="cards">${card('requests', 'requests', t.requests, String(t.requests))}${card('compared', 'compared', t.compared, String(t.compared))}${card('diffs', 'with differences', t.diffs, String(t.diffs))}${card('diffRate', 'diff rate', t.diffRate, pct(t.diffRate))}${card('errors', 'errors', t.errors, String(t.errors))}${card('errorRate', 'error rate', t.errorRate, pct(t.errorRate))}${card('late', 'late', t.late, String(t.late))}${card('p99Us', 'target p99', t.latency.target.p99Us, ms(t.latency.target.p99Us))}</div>
${report.gate.reasons.length ? `<h2>Gate failed</h2><ul class="reasons" id="reasons">${report.gate.reasons.map((r) => `<li data-rule="${r.rule}">${esc(r.message)}</li>`).join('')}</ul>` : '<h2>Gate passed</h2>'}
<h2>Diff rate per route</h2>${diffRateChart(report.routes)}
<h2>Latency, all routes</h2>${latencyChart(overallDistribution(t.latency.target), overallDistribution(t.latency.reference), 'Latency of all routes')}
<h2>Routes</h2>
<table id="routes"><tr><th class="l">route</th><th>verdict</th><th>requests</th><th>diffs</th><th>diff rate</th><th>errors</th><th>error rate</th><th>p50</th><th>p95</th><th>p99</th><th>ref p50</th><th>ref p95</th><th>ref p99</th><th>slowdown</th><th class="l">significance</th></tr>
${report.routes.map(routeRow).join('\n')}</table>
<h2>Route details</h2>${report.routes.map((r, i) => routeDetails(report, r, i)).join('\n')}
<h2>Differences by field</h2>${real.length ? `<table id="fields">${FIELD_HEAD}${fieldRows(real)}</table>` : '<p class="muted">No differences.</p>'}
<h2>Noise</h2>${noise.length ? `<p class="muted">These paths also differ between baseline answers; they do not fail the gate.</p><table id="noise">${FIELD_HEAD}${fieldRows(noise)}</table>` : '<p class="muted">No noise seen.</p>'}
<script type="application/json" id="parity-report">${json}</script>
</body></html>
`;
}
