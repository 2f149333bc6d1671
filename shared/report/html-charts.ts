import type { Distribution, RouteReport } from './types.js';

/** Inline SVG charts for the HTML report: no scripts, no network. */

export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const fmtPct = (r: number) => `${(r * 100).toFixed(1)}%`;
const fmtMs = (us: number) => `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;

/** Horizontal bars: diff rate (and error rate) per route, worst first. */
export function diffRateChart(routes: RouteReport[], maxRoutes = 25): string {
  const shown = routes.slice(0, maxRoutes);
  if (shown.length === 0) return '<p class="muted">No routes.</p>';
  const rowH = 22;
  const labelW = 300;
  const barW = 420;
  const h = shown.length * rowH + 30;
  const parts = [`<svg class="chart" role="img" aria-label="Diff rate per route" viewBox="0 0 ${labelW + barW + 90} ${h}" width="${labelW + barW + 90}" height="${h}">`];
  parts.push(
    `<text x="${labelW}" y="12" class="axis">0%</text><text x="${labelW + barW}" y="12" class="axis" text-anchor="end">100%</text>`,
    `<rect x="8" y="3" width="10" height="10" class="bar-fail"/><text x="22" y="12" class="axis">diff rate</text><rect x="90" y="3" width="10" height="10" class="bar-err"/><text x="104" y="12" class="axis">error rate</text>`,
  );
  shown.forEach((r, i) => {
    const y = 20 + i * rowH;
    const label = r.route.length > 42 ? `${r.route.slice(0, 41)}…` : r.route;
    const dw = Math.max(r.diffRate > 0 ? 1 : 0, r.diffRate * barW);
    const ew = Math.max(r.errorRate > 0 ? 1 : 0, r.errorRate * barW);
    parts.push(
      `<g data-route="${htmlEscape(r.route)}" data-diff-rate="${r.diffRate}" data-error-rate="${r.errorRate}">`,
      `<title>${htmlEscape(r.route)}: diff ${fmtPct(r.diffRate)} (${r.diffs}/${r.compared}), errors ${fmtPct(r.errorRate)} (${r.errors}/${r.requests})</title>`,
      `<text x="${labelW - 6}" y="${y + 12}" text-anchor="end" class="label">${htmlEscape(label)}</text>`,
      `<rect x="${labelW}" y="${y}" width="${barW}" height="${rowH - 8}" class="track"/>`,
      `<rect x="${labelW}" y="${y}" width="${dw.toFixed(1)}" height="${(rowH - 8) / 2}" class="${r.verdict === 'fail' ? 'bar-fail' : 'bar-ok'}"/>`,
      `<rect x="${labelW}" y="${y + (rowH - 8) / 2}" width="${ew.toFixed(1)}" height="${(rowH - 8) / 2}" class="bar-err"/>`,
      `<text x="${labelW + barW + 6}" y="${y + 12}" class="value">${fmtPct(r.diffRate)}</text>`,
      '</g>',
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Latency by percentile, reference vs target (log-scaled µs axis). */
export function latencyChart(target: Distribution, reference: Distribution, title: string): string {
  const points = [...target.points, ...reference.points];
  if (points.length === 0) return '<p class="muted">No latency samples.</p>';
  const w = 560;
  const h = 220;
  const left = 64;
  const bottom = 30;
  const top = 12;
  const ticks = (target.points.length > 0 ? target.points : reference.points).map(([p]) => p);
  const x = (i: number) => left + (i * (w - left - 16)) / Math.max(1, ticks.length - 1);
  const values = points.map(([, v]) => Math.max(1, v));
  const lo = Math.log10(Math.min(...values));
  const hi = Math.max(lo + 1, Math.log10(Math.max(...values)));
  const y = (v: number) => top + (h - top - bottom) * (1 - (Math.log10(Math.max(1, v)) - lo) / (hi - lo));
  const line = (d: Distribution, cls: string) =>
    d.points.length === 0 ? '' : `<polyline class="${cls}" fill="none" points="${d.points.map(([, v], i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>` +
      d.points.map(([p, v], i) => `<circle class="${cls}" cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5"><title>${cls === 'line-target' ? 'target' : 'reference'} p${p}: ${fmtMs(v)}</title></circle>`).join('');
  const parts = [`<svg class="chart" role="img" aria-label="${htmlEscape(title)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">`];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
    const v = 10 ** e;
    parts.push(`<line x1="${left}" x2="${w - 16}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="axis">${fmtMs(v)}</text>`);
  }
  ticks.forEach((p, i) => parts.push(`<text x="${x(i).toFixed(1)}" y="${h - 10}" text-anchor="middle" class="axis">p${p}</text>`));
  parts.push(line(reference, 'line-reference'), line(target, 'line-target'));
  parts.push(`<text x="${left + 6}" y="${top + 10}" class="legend-reference">reference (n=${reference.count})</text><text x="${left + 180}" y="${top + 10}" class="legend-target">target (n=${target.count})</text>`);
  parts.push('</svg>');
  return parts.join('');
}
