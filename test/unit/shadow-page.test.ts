import { describe, expect, it } from 'vitest';
import { renderFragment, renderPage } from '../../shared/shadow/page.js';
import { renderStatusText } from '../../shared/shadow/status-text.js';
import type { ShadowStatus } from '../../shared/shadow/status.js';

const hostile = '<script>alert(1)</script>';

function status(): ShadowStatus {
  const latency = { count: 3, p50Us: 1500, p99Us: 4000 };
  return {
    window: { since: '2026-11-21T12:00:00.000Z', until: '2026-11-21T12:15:00.000Z' },
    references: ['production'],
    modes: ['shape'],
    totals: { requests: 3, compared: 3, diffs: 1, diffRate: 1 / 3, errors: 0, errorRate: 0 },
    proxy: { offered: 5, enqueued: 3, skipped: { method: 2 }, dropped: {} },
    worker: {},
    routes: [
      {
        route: `GET /search/${hostile}`, requests: 3, compared: 3, diffs: 1, diffRate: 1 / 3, errors: 0, errorRate: 0, errorKinds: {},
        latency: { reference: latency, shadow: latency },
        fields: [{
          path: '$.name', kind: 'type', classification: 'real', count: 1, rate: 1 / 3, noiseCount: 0,
          examples: [{ key: 'k', method: 'GET', url: `/search/${hostile}`, reference: { status: 200, contentType: 'application/json', latencyUs: 1, body: '', size: 0 }, target: { status: 200, contentType: 'application/json', latencyUs: 1, body: '', size: 0 }, differences: [{ path: '$.name', field: '$.name', kind: 'type', reference: '"a"', target: hostile }] }],
        }],
      },
    ],
  };
}

describe('shadow page', () => {
  it('escapes everything that came from traffic', () => {
    const html = renderPage(renderFragment(status()), 'since=15m');
    expect(html).not.toContain(hostile);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('is self-contained: no external scripts, styles or images', () => {
    const html = renderPage(renderFragment(status()), '');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(?!data:)/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('shows the same numbers as the status, with raw values beside the formatted ones', () => {
    const html = renderFragment(status());
    expect(html).toContain('data-k="requests" data-v="3">3<');
    expect(html).toContain(`data-k="diffRate" data-v="${1 / 3}"`);
    expect(renderStatusText(status())).toMatch(/GET \/search\/<script>.*\s+3\s+33\.3%\s+0\.0%\s+1\.50ms\s+4\.00ms\s+1\.50ms\s+4\.00ms\s+\$\.name type ×1/);
  });
});
