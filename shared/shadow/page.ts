import type { ShadowCounters } from './counters.js';
import type { ShadowRouteStatus, ShadowStatus } from './status.js';
import { ms, pct } from './status-text.js';

/**
 * The admin plane's /shadow page: one self-contained HTML document (inline
 * CSS and script, no external assets, readable offline and without
 * JavaScript). The script swaps in a fresh server-rendered fragment every
 * few seconds, so the page and `parity shadow status --json` are rendered
 * from the same object by the same code. Every value that came from traffic
 * (routes, paths, examples) is escaped.
 */

export const REFRESH_MS = 2000;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const num = (k: string, v: number, text = String(v)) => `<td class="n" data-k="${k}" data-v="${v}">${escapeHtml(text)}</td>`;

function fieldsBlock(r: ShadowRouteStatus): string {
  if (r.fields.length === 0) return '';
  const rows = r.fields.map((f) => {
    const d = f.examples[0]?.differences.find((x) => x.field === f.path && x.kind === f.kind);
    const example = d ? `${escapeHtml(d.reference ?? '(absent)')} → ${escapeHtml(d.target ?? '(absent)')}` : '';
    const url = f.examples[0] ? `<div class="u">${escapeHtml(`${f.examples[0].method} ${f.examples[0].url}`)}</div>` : '';
    return `<tr class="${f.classification}" data-path="${escapeHtml(f.path)}"><td><code>${escapeHtml(f.path)}</code></td><td>${f.kind}</td><td>${f.classification}</td>${num('count', f.count)}${num('rate', f.rate, pct(f.rate))}${num('noise', f.noiseCount)}<td class="ex">${example}${url}</td></tr>`;
  });
  return `<tr class="fields"><td colspan="10"><details${r.diffs > 0 ? ' open' : ''}><summary>${r.fields.length} differing field${r.fields.length === 1 ? '' : 's'}</summary><table><thead><tr><th>field</th><th>kind</th><th>class</th><th>requests</th><th>rate</th><th>noise</th><th>example</th></tr></thead><tbody>${rows.join('')}</tbody></table></details></td></tr>`;
}

function routeRows(r: ShadowRouteStatus): string {
  const bar = `<span class="bar"><span style="width:${Math.min(100, r.diffRate * 100).toFixed(1)}%"></span></span>`;
  const row = [
    `<tr class="route${r.diffs > 0 || r.errors > 0 ? ' bad' : ''}" data-route="${escapeHtml(r.route)}">`,
    `<td><code>${escapeHtml(r.route)}</code></td>`,
    num('requests', r.requests),
    num('diffs', r.diffs),
    `<td class="n" data-k="diffRate" data-v="${r.diffRate}">${bar} ${pct(r.diffRate)}</td>`,
    num('errors', r.errors),
    num('errorRate', r.errorRate, pct(r.errorRate)),
    num('referenceP50', r.latency.reference.p50Us, ms(r.latency.reference.p50Us)),
    num('referenceP99', r.latency.reference.p99Us, ms(r.latency.reference.p99Us)),
    num('shadowP50', r.latency.shadow.p50Us, ms(r.latency.shadow.p50Us)),
    num('shadowP99', r.latency.shadow.p99Us, ms(r.latency.shadow.p99Us)),
    '</tr>',
  ];
  return row.join('') + fieldsBlock(r);
}

const counts = (m: Record<string, number>) =>
  Object.entries(m)
    .map(([k, v]) => `${escapeHtml(k)} ×${v}`)
    .join(', ') || 'none';

/** The part of the page that refreshes: summary and route table. */
export function renderFragment(s: ShadowStatus, local?: ShadowCounters): string {
  const t = s.totals;
  const against = s.references.length > 0 ? `compared with ${escapeHtml(s.references.join(' and '))} (${escapeHtml(s.modes.join(', '))} diff)` : 'nothing compared yet';
  const out = [
    `<p class="meta">${escapeHtml(s.window.since)} .. ${escapeHtml(s.window.until)} · ${against}</p>`,
    `<div class="cards" id="totals">`,
    `<div><b data-k="requests" data-v="${t.requests}">${t.requests}</b>mirrored</div>`,
    `<div><b data-k="compared" data-v="${t.compared}">${t.compared}</b>compared</div>`,
    `<div><b data-k="diffs" data-v="${t.diffs}">${t.diffs}</b>differing (<span data-k="diffRate" data-v="${t.diffRate}">${pct(t.diffRate)}</span>)</div>`,
    `<div><b data-k="errors" data-v="${t.errors}">${t.errors}</b>errors (${pct(t.errorRate)})</div>`,
    `</div>`,
    `<p class="meta">proxies in window: offered ${s.proxy.offered}, enqueued ${s.proxy.enqueued}, skipped ${counts(s.proxy.skipped)}, dropped ${counts(s.proxy.dropped)}${Object.keys(s.worker).length > 0 ? `; workers could not mirror ${counts(s.worker)}` : ''}</p>`,
  ];
  if (local) out.push(`<p class="meta">this proxy since start: enqueued ${local.enqueued}, queue depth ${local.queueDepth}, dropped ${counts(local.dropped)}</p>`);
  if (s.routes.length === 0) {
    out.push('<p class="empty">No shadow traffic in this window yet: start <code>parity proxy --shadow URL</code> and <code>parity worker</code>.</p>');
    return out.join('\n');
  }
  out.push(
    '<table id="routes"><thead><tr><th>route (worst first)</th><th>requests</th><th>differing</th><th>diff rate</th><th>errors</th><th>error rate</th><th>ref p50</th><th>ref p99</th><th>shadow p50</th><th>shadow p99</th></tr></thead><tbody>',
    ...s.routes.map(routeRows),
    '</tbody></table>',
  );
  return out.join('\n');
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d2430;background:#fbfbfd}h1{font-size:1.3em;margin:0 0 .3em}
.meta{color:#5a6270;margin:.3em 0}.cards{display:flex;gap:1em;margin:.8em 0}.cards div{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:.5em 1em}
.cards b{display:block;font-size:1.6em}table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:.3em .6em;border-bottom:1px solid #eceef2;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}tr.bad td:first-child{border-left:3px solid #c83232}tr.fields>td{padding-left:2em;background:#f7f8fa}
tr.noise{color:#8a909a}.ex{font-family:ui-monospace,monospace;font-size:.9em;max-width:40em;overflow-wrap:anywhere}.u{color:#8a909a}
.bar{display:inline-block;width:4em;height:.6em;background:#eceef2;vertical-align:middle}.bar span{display:block;height:100%;background:#c83232}
#live{font-size:.85em;color:#2a7a3a}#live.stale{color:#c83232}`;

/** The whole page; `query` is passed on to the refreshes (e.g. `since=1h`). */
export function renderPage(fragment: string, query: string): string {
  const src = `shadow?fragment=1${query ? `&${query}` : ''}`;
  const script = `(function(){var live=document.getElementById('live'),box=document.getElementById('status');
function tick(){fetch(${JSON.stringify(src)},{cache:'no-store'}).then(function(r){if(!r.ok)throw new Error('HTTP '+r.status);return r.text()})
.then(function(html){box.innerHTML=html;live.className='';live.textContent='live · updated '+new Date().toLocaleTimeString()})
.catch(function(e){live.className='stale';live.textContent='stale: '+e.message}).then(function(){setTimeout(tick,${REFRESH_MS})})}
setTimeout(tick,${REFRESH_MS})})();`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Parity · shadow</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><noscript><meta http-equiv="refresh" content="${REFRESH_MS / 1000 + 3}"></noscript><style>${STYLE}</style></head>
<body><h1>Parity shadow mode <span id="live">live</span></h1><div id="status">${fragment}</div><script>${script}</script></body></html>`;
}
