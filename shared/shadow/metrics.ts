import type { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DiffRules } from '../diff/index.js';
import type { ShadowCounters } from './counters.js';
import { MAX_SHADOW_ROUTES } from './route-cap.js';
import { readShadowTotals } from './stats.js';
import { shadowStatus, type ShadowStatus } from './status.js';
import { parseWindow } from './window.js';

/**
 * Shadow metrics on the proxy's Prometheus registry. This proxy's own
 * counters (offered, enqueued, skipped and dropped by reason, queue depth)
 * come from its sink; per-route figures come from the statistics every
 * worker keeps in Redis: all-time counters, and the diff rate and latency
 * quantiles of the last five minutes. Route labels are route templates
 * (ids collapsed), as many as the statistics keep (MAX_SHADOW_ROUTES, the
 * rest counted under `(other)`); the slices below only bound what a totals
 * hash written before that cap still holds.
 */

const MAX_ROUTES = MAX_SHADOW_ROUTES;
const GAUGE_WINDOW = '5m';
/** Scrapes within this many ms share one read of the window. */
const CACHE_MS = 1000;

export interface ShadowMetricsSources {
  redis: Redis;
  registry: Registry;
  /** This proxy's sink, when it mirrors. */
  counters?: () => ShadowCounters;
  /** Whether this proxy's mirroring is paused from the admin plane, when it mirrors. */
  paused?: () => boolean;
  noise?: DiffRules['noise'];
}

export function registerShadowMetrics(src: ShadowMetricsSources): void {
  const registers = [src.registry];
  let cached: { at: number; status: Promise<ShadowStatus | undefined> } | undefined;
  const windowStatus = () => {
    if (!cached || Date.now() - cached.at > CACHE_MS) {
      cached = { at: Date.now(), status: shadowStatus(src.redis, parseWindow(GAUGE_WINDOW), { noise: src.noise }).catch(() => undefined) };
    }
    return cached.status;
  };

  const local = src.counters;
  if (local) {
    const counter = (name: string, help: string, read: (c: ShadowCounters) => number) =>
      new Counter({ name, help, registers, collect() {
        this.reset();
        this.inc(read(local()));
      } });
    counter('parity_shadow_offered_total', 'Sampled exchanges offered to shadow mode.', (c) => c.offered);
    counter('parity_shadow_enqueued_total', 'Shadow jobs added to the queue.', (c) => c.enqueued);
    for (const [name, group, help] of [
      ['parity_shadow_skipped_total', 'skipped', 'Sampled exchanges not mirrored: paused, or by rule or content (method, denied, incomplete, no-response).'],
      ['parity_shadow_dropped_total', 'dropped', 'Exchanges that should have been mirrored but were dropped (queue-full, buffer-full, redis-error, ...).'],
    ] as const) {
      new Counter({ name, help, labelNames: ['reason'], registers, collect() {
        this.reset();
        for (const [reason, n] of Object.entries(local()[group])) this.inc({ reason }, n);
      } });
    }
    new Gauge({ name: 'parity_shadow_queue_depth', help: 'Jobs waiting in the shadow queue, as this proxy last read it.', registers, collect() {
      this.set(local().queueDepth);
    } });
    const paused = src.paused;
    if (paused) {
      new Gauge({ name: 'parity_shadow_paused', help: '1 while this proxy\'s mirroring is paused from the admin plane (POST /shadow/pause), else 0.', registers, collect() {
        this.set(paused() ? 1 : 0);
      } });
    }
  }

  for (const [counter, name, help] of [
    ['requests', 'parity_shadow_requests_total', 'Mirrored requests a worker compared or counted as an error, by route.'],
    ['diffs', 'parity_shadow_differing_total', 'Mirrored requests whose shadow answer differed from the reference in any field (before noise cancellation), by route.'],
    ['errors', 'parity_shadow_errors_total', 'Mirrored requests the shadow did not answer (refused, reset, timeout), by route.'],
  ] as const) {
    new Counter({ name, help, labelNames: ['route'], registers, async collect() {
      this.reset();
      const totals = await readShadowTotals(src.redis).catch(() => new Map<string, Record<string, number>>());
      for (const [route, c] of [...totals].slice(0, MAX_ROUTES)) this.inc({ route }, c[counter] ?? 0);
    } });
  }

  new Gauge({ name: 'parity_shadow_diff_rate', help: 'Share of compared requests with a real difference over the last 5 minutes, by route.', labelNames: ['route'], registers, async collect() {
    this.reset();
    for (const r of ((await windowStatus())?.routes ?? []).slice(0, MAX_ROUTES)) this.set({ route: r.route }, r.diffRate);
  } });
  new Gauge({
    name: 'parity_shadow_latency_seconds',
    help: 'Latency quantiles over the last 5 minutes by route and side (reference: production or the baseline; shadow: the candidate).',
    labelNames: ['route', 'side', 'quantile'],
    registers,
    async collect() {
      this.reset();
      for (const r of ((await windowStatus())?.routes ?? []).slice(0, MAX_ROUTES)) {
        for (const side of ['reference', 'shadow'] as const) {
          const l = r.latency[side];
          if (l.count === 0) continue;
          this.set({ route: r.route, side, quantile: '0.5' }, l.p50Us / 1e6);
          this.set({ route: r.route, side, quantile: '0.99' }, l.p99Us / 1e6);
        }
      }
    },
  });
}
