import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { RulesDocument } from '../../shared/config/rules.js';
import type { Config } from '../../shared/config/schema.js';
import { samplingRules, type SamplingSection } from '../../shared/sampling/rules.js';
import { shadowProxyOptions } from '../../shared/shadow/options.js';
import { checkAdminExposure } from './admin/auth.js';
import { refuseOwnListener } from './self-loop.js';

/** What the checks read that starting needs. */
export interface CheckedProxyConfig {
  sampling: SamplingSection;
}

/**
 * Every check `parity proxy` makes on its combined settings and rules file
 * before it connects to Redis or listens: an upstream that is its own
 * listener (by name, or by address: self-loop.ts), the sampling and anonymise rules, an admin plane beyond loopback
 * without a token, and the shadow settings (shared/shadow/options.ts).
 * `parity config check` runs the same function, so a configuration it
 * passes does not stop the proxy for a configuration reason. The upstream is
 * checked only when set: `config check` serves every command, and the proxy
 * requires it on its own.
 */
export async function checkProxyConfig(config: Config, rules: RulesDocument, rulesFile?: string): Promise<CheckedProxyConfig> {
  if (config.upstream) await refuseOwnListener(new URL(config.upstream), config.listen);
  const sampling = samplingRules(rules, rulesFile);
  // built here, and thrown away, so that bad anonymise rules stop start-up with a clear error
  createRecordAnonymiser({ key: config.anonKey, rules: rules.anonymise });
  checkAdminExposure(config.adminListen, config.adminToken);
  shadowProxyOptions(config, rules, rulesFile);
  return { sampling };
}
