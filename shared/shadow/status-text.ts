import type { ShadowStatus } from './status.js';

/** `parity shadow status` for a terminal: totals, proxy counters, routes worst first with their top field. */

export const pct = (r: number) => `${(r * 100).toFixed(r > 0 && r < 0.001 ? 3 : 1)}%`;
export const ms = (us: number) => (us === 0 ? '-' : `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`);

const counts = (m: Record<string, number>) =>
  Object.entries(m)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ') || 'none';

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
}

export function renderStatusText(s: ShadowStatus): string {
  const t = s.totals;
  const p = s.proxy;
  const against = s.references.length > 0 ? `compared with ${s.references.join(' and ')} (${s.modes.join(', ')} diff)` : 'nothing compared yet';
  const out = [
    `Shadow ${s.window.since} .. ${s.window.until}: ${against}`,
    `mirrored ${t.requests}  compared ${t.compared}  differing ${t.diffs} (${pct(t.diffRate)})  errors ${t.errors} (${pct(t.errorRate)})`,
    `proxies: offered ${p.offered}  enqueued ${p.enqueued}  skipped ${counts(p.skipped)}  dropped ${counts(p.dropped)}`,
  ];
  const lost = counts(s.worker);
  if (lost !== 'none') out.push(`workers could not mirror: ${lost}`);
  out.push('');
  if (s.routes.length === 0) {
    out.push('No shadow traffic in this window: is `parity proxy --shadow URL` running, and `parity worker`?');
    return `${out.join('\n')}\n`;
  }
  const rows = [['route', 'req', 'diff', 'err', 'ref p50', 'ref p99', 'shadow p50', 'shadow p99', 'top differing field']];
  for (const r of s.routes) {
    const top = r.fields.find((f) => f.classification === 'real');
    rows.push([
      r.route,
      String(r.requests),
      pct(r.diffRate),
      pct(r.errorRate),
      ms(r.latency.reference.p50Us),
      ms(r.latency.reference.p99Us),
      ms(r.latency.shadow.p50Us),
      ms(r.latency.shadow.p99Us),
      top ? `${top.path} ${top.kind} ×${top.count}` : '-',
    ]);
  }
  out.push(...table(rows));
  return `${out.join('\n')}\n`;
}
