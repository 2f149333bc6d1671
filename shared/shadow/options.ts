import type { Config } from '../config/schema.js';
import type { ListenAddress } from '../config/setting.js';
import { MARKER_PATTERN } from '../config/sections/shadow.js';
import type { RulesDocument } from '../config/rules.js';
import { parityError } from '../errors.js';
import { sameOrigin } from '../origin.js';
import type { ShadowDestination } from './job.js';
import { loadShadowPolicy, type ShadowPolicy } from './rules.js';
import { parseShadowKey } from './seal.js';

/** The URL a listener's address answers at (`0.0.0.0` and `::` are this host's loopback too: origin.ts). */
function listenUrl(listen: ListenAddress): string {
  return `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
}

/** What `parity proxy --shadow URL` needs, validated once at start-up. */
export interface ShadowProxyOptions {
  destination: ShadowDestination;
  policy: ShadowPolicy;
  /** Set when raw mirroring is on: the sealing key and TTL. */
  raw?: { key: Buffer; ttlSeconds: number };
  maxQueue: number;
  retentionSeconds: number;
}

/** `x-parity-shadow: 1` → ['x-parity-shadow', '1']. */
export function markerHeader(text: string): [string, string] {
  const m = MARKER_PATTERN.exec(text);
  if (!m) throw parityError('PARITY_ERR_CONFIG_INVALID', `shadowMarker "${text.slice(0, 60)}" is not "header-name: value"`);
  return [m[1]!.toLowerCase(), m[2]!];
}

/**
 * The proxy's shadow options, or undefined when no shadow target is set.
 * Refuses raw mirroring without a key, a baseline without a target (it
 * would be ignored without a word), and a shadow target that is the
 * production upstream itself (it would receive every mirrored request twice).
 */
export function shadowProxyOptions(config: Config, rules: RulesDocument, rulesFile?: string): ShadowProxyOptions | undefined {
  if (!config.shadowTarget) {
    if (config.shadowBaseline) {
      throw parityError('PARITY_ERR_CONFIG_INVALID', 'shadowBaseline (--shadow-baseline, PARITY_SHADOW_BASELINE) is set but shadowTarget (--shadow, PARITY_SHADOW_TARGET) is not: the baseline only runs beside a shadow target', {
        hint: 'Give --shadow URL (or PARITY_SHADOW_TARGET) as well to mirror traffic, or drop --shadow-baseline (PARITY_SHADOW_BASELINE).',
      });
    }
    return undefined;
  }
  const own = listenUrl(config.listen);
  for (const [name, url] of [['--shadow', config.shadowTarget], ['--shadow-baseline', config.shadowBaseline]] as const) {
    if (url && config.upstream && sameOrigin(url, config.upstream)) {
      throw parityError('PARITY_ERR_PRODUCTION_TARGET', `${name} ${new URL(url).origin} is the production upstream itself`, {
        hint: 'Point --shadow (and --shadow-baseline) at a separate deployment of the candidate (and of the current release).',
      });
    }
    // the proxy itself: each mirrored request would reach production through it (and be mirrored again)
    if (url && sameOrigin(url, own)) {
      throw parityError('PARITY_ERR_PRODUCTION_TARGET', `${name} ${new URL(url).origin} is this proxy's own listener (--listen), which forwards to production`, {
        hint: 'Point --shadow (and --shadow-baseline) at a separate deployment of the candidate (and of the current release).',
      });
    }
  }
  const destination: ShadowDestination = { target: config.shadowTarget, marker: markerHeader(config.shadowMarker) };
  if (config.shadowBaseline) destination.baseline = config.shadowBaseline;
  const options: ShadowProxyOptions = {
    destination,
    policy: loadShadowPolicy(rules, rulesFile),
    maxQueue: config.shadowMaxQueue,
    retentionSeconds: config.shadowRetentionSeconds,
  };
  if (config.shadowRaw) {
    if (!config.shadowKey) throw parityError('PARITY_ERR_SHADOW_KEY', '--shadow-raw is on but PARITY_SHADOW_KEY is not set');
    options.raw = { key: parseShadowKey(config.shadowKey), ttlSeconds: config.shadowRawTtlSeconds };
  }
  return options;
}
