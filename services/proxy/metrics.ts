import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { CaptureStats } from '../../shared/capture/writer.js';
import type { SamplerStats } from '../../shared/sampling/sampler.js';
import { LatencyHistogram } from './latency.js';
import type { TrafficStats } from './traffic.js';

/**
 * Prometheus metrics of one proxy (its own registry, so tests can run many
 * proxies in one process). Counters are read from the plain counters the
 * request path bumps, at scrape time. Labels are fixed enums only: never
 * URLs, headers, session contents or secrets.
 */
export interface MetricSources {
  traffic: TrafficStats;
  sampler: SamplerStats;
  capture: () => CaptureStats;
}

export function createMetrics(src: MetricSources): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'parity_proxy_' });
  const registers = [register];

  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read());
      },
    });

  counter('parity_proxy_requests_total', 'Requests received by the data plane (HTTP and upgrades).', () => src.traffic.proxied);
  counter('parity_proxy_upgrades_total', 'Protocol upgrades (WebSocket) proxied.', () => src.traffic.upgrades);
  counter('parity_proxy_sampled_total', 'Requests sampled for capture at request start.', () => src.traffic.sampled);
  counter('parity_proxy_marked_total', 'Requests carrying the shadow marker: forwarded, never captured nor mirrored.', () => src.traffic.marked);
  counter('parity_sampling_capped_total', 'Requests the sample rate admitted but the captures-per-second cap turned away.', () => src.sampler.capped);
  counter('parity_capture_offered_total', 'Sampled exchanges handed to the capture writer.', () => src.capture().offered);
  counter('parity_capture_records_total', 'Capture records written to Redis.', () => src.capture().written);

  new Counter({
    name: 'parity_proxy_failures_total',
    help: 'Requests that got no complete answer, by kind (upstream-refused, upstream-timeout, upstream-error, client-aborted).',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      for (const [kind, n] of Object.entries(src.traffic.failures)) this.inc({ kind }, n);
    },
  });
  new Counter({
    name: 'parity_capture_dropped_total',
    help: 'Sampled exchanges that never reached Redis, by reason.',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(src.capture().dropped)) this.inc({ reason }, n);
    },
  });

  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  gauge('parity_proxy_active_requests', 'Requests in flight.', () => src.traffic.active);
  gauge('parity_capture_buffer_records', 'Exchanges buffered for Redis and not yet written.', () => src.capture().bufferRecords);
  gauge('parity_capture_buffer_bytes', 'Bytes those buffered exchanges hold.', () => src.capture().bufferBytes);
  gauge('parity_capture_redis_up', '1 when the capture connection to Redis is ready.', () => (src.capture().redisUp ? 1 : 0));

  const latency = new LatencyHistogram([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
  register.registerMetric(latency.asMetric('parity_proxy_upstream_latency_seconds', 'Upstream time to response headers.'));
  src.traffic.onUpstreamLatency = (s) => latency.observe(s);
  return register;
}

/**
 * The registry's text, as `registry.metrics()` writes it, but without
 * waiting more than `ms` for any one metric: the shadow metrics read Redis
 * at scrape time, and a Redis down or frozen must not hold the proxy's own
 * figures back (a scrape took 4 s, or never ended). A metric not read in
 * time is left out of this scrape.
 */
export async function metricsWithin(registry: Registry, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  const read = registry.getMetricsAsArray().map((m) => Promise.race([registry.getSingleMetricAsString(m.name).catch(() => undefined), late]));
  const texts = await Promise.all(read);
  clearTimeout(timer);
  return `${texts.filter((t) => t !== undefined).join('\n\n')}\n`;
}
