import type { ExchangeSink } from '../capture/exchange.js';
import type { RulesDocument } from '../config/rules.js';
import type { Config } from '../config/schema.js';
import { redactUrl } from '../errors.js';
import type { Logger } from '../log.js';
import { shadowAdminExtension, type ShadowAdminExtension } from './admin.js';
import { shadowProxyOptions } from './options.js';
import { ShadowSink } from './sink.js';

/**
 * What shadow mode adds to a `parity proxy`: the sink (when --shadow is
 * set) and the admin extension (always: /shadow and the shadow metrics).
 * Validates the shadow settings and rules first, so a bad one stops
 * start-up with a clear error before anything listens.
 */
export interface ProxyShadow {
  sinks: ExchangeSink[];
  adminExtensions: ShadowAdminExtension[];
  /** Enqueues what the sink holds (at most `timeoutMs`) and stops its thread. */
  close(timeoutMs?: number): Promise<void>;
}

export function attachShadow(config: Config, rules: RulesDocument, rulesFile: string | undefined, log: Logger): ProxyShadow {
  const opts = shadowProxyOptions(config, rules, rulesFile);
  if (!opts) return { sinks: [], adminExtensions: [shadowAdminExtension()], close: () => Promise.resolve() };
  const sink = new ShadowSink({
    thread: {
      redisUrl: config.redisUrl,
      maxBodyBytes: config.maxBodyBytes,
      anonKey: config.anonKey,
      anonRules: rules.anonymise,
      destination: opts.destination,
      retentionSeconds: opts.retentionSeconds,
      ...(opts.raw ? { raw: opts.raw } : {}),
    },
    policy: opts.policy,
    maxQueue: opts.maxQueue,
    logger: log,
  });
  log.info({ target: redactUrl(opts.destination.target), baseline: opts.destination.baseline && redactUrl(opts.destination.baseline), raw: opts.raw !== undefined, marker: opts.destination.marker[0] }, 'shadow mode on');
  return {
    sinks: [sink],
    adminExtensions: [shadowAdminExtension(() => sink.counters())],
    async close(timeoutMs = 5000) {
      const final = await sink.close(timeoutMs);
      log.info({ enqueued: final.enqueued, dropped: final.dropped }, 'shadow sink stopped');
    },
  };
}
