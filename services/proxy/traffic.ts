import type { ExchangeError } from '../../shared/capture/exchange.js';

/**
 * Plain counters the data plane bumps on the request path (a property
 * increment each); /metrics reads them at scrape time, so the hot path
 * never touches prom-client's label maps.
 */
export class TrafficStats {
  /** Requests received (HTTP and upgrades). */
  proxied = 0;
  /** Requests sampled for capture at request start. */
  sampled = 0;
  /** Requests carrying the shadow marker: forwarded, never captured nor mirrored. */
  marked = 0;
  upgrades = 0;
  /** Requests in flight. */
  active = 0;
  readonly failures: Record<ExchangeError, number> = { 'upstream-refused': 0, 'upstream-timeout': 0, 'upstream-error': 0, 'client-aborted': 0 };
  /** Upstream time to response headers, seconds; observed by metrics.ts. */
  onUpstreamLatency: (seconds: number) => void = () => undefined;
}
