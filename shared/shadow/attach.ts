import type { RulesDocument } from '../config/rules.js';
import type { Config } from '../config/schema.js';
import { redactUrl } from '../errors.js';
import { logGrowth, type Logger } from '../log.js';
import { shadowAdminExtension, type ShadowAdminExtension } from './admin.js';
import { shadowProxyOptions } from './options.js';
import { ShadowGate } from './gate.js';

/**
 * What shadow mode adds to a `parity proxy`: the gate the capture writer
 * consults (when --shadow is set) and the admin extension (always: /shadow
 * and the shadow metrics). Validates the shadow settings and rules first, so
 * a bad one stops start-up with a clear error before anything listens.
 */
export interface ProxyShadow {
  gate?: ShadowGate;
  adminExtensions: ShadowAdminExtension[];
  /** Logs the final counters; call once the proxy (and with it the capture writer) has stopped. */
  stopped(): void;
}

/** How often at most a line says that shadow work was dropped because Redis failed. */
const DROP_LOG_MS = 5000;

export function attachShadow(config: Config, rules: RulesDocument, rulesFile: string | undefined, log: Logger): ProxyShadow {
  const opts = shadowProxyOptions(config, rules, rulesFile);
  if (!opts) return { adminExtensions: [shadowAdminExtension()], stopped: () => undefined };
  const gate = new ShadowGate({
    stage: { destination: opts.destination, retentionSeconds: opts.retentionSeconds, ...(opts.raw ? { raw: opts.raw } : {}) },
    policy: opts.policy,
    maxQueue: opts.maxQueue,
  });
  log.info({ target: redactUrl(opts.destination.target), baseline: opts.destination.baseline && redactUrl(opts.destination.baseline), raw: opts.raw !== undefined, marker: opts.destination.marker[0] }, 'shadow mode on');
  // counted where the capture thread settles them; said here, off the request path, with counts only (no URL, no reply text)
  const redisDrops = logGrowth(log, {
    count: () => gate.counters().dropped['redis-error'],
    everyMs: DROP_LOG_MS,
    fields: { reason: 'redis-error' },
    msg: 'shadow work dropped: Redis refused or did not answer the shadow queue\'s writes (production is served as before; count is since the last such line)',
  });
  return {
    gate,
    adminExtensions: [shadowAdminExtension(gate)],
    stopped() {
      redisDrops.stop();
      const final = gate.counters();
      log.info({ enqueued: final.enqueued, dropped: final.dropped }, 'shadow mode stopped');
    },
  };
}
