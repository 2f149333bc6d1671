import { SETTINGS, type Config, type SettingKey } from '../config/schema.js';
import { listenUrl, type Setting } from '../config/setting.js';
import { MARKER_PATTERN } from '../config/sections/shadow.js';
import type { RulesDocument } from '../config/rules.js';
import { parityError } from '../errors.js';
import { sameOrigin } from '../origin.js';
import type { ShadowDestination } from './job.js';
import { loadShadowPolicy, type ShadowPolicy } from './rules.js';
import { parseShadowKey } from './seal.js';

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

/** A setting others need: without it they would be ignored. */
interface Prerequisite {
  key: SettingKey;
  /** How the setting reads when it is missing: `is not` (a URL), `is off` (a switch). */
  missing: string;
  /** The start of the hint: what giving it does. */
  give: string;
  /** The settings that need it, each with what it would have done. */
  dependents: Partial<Record<SettingKey, string>>;
}

/**
 * The proxy's settings that mean something only beside a shadow target. Not
 * shadowMarker: every proxy forwards a request carrying it uncaptured, shadow
 * on or not.
 */
const SHADOW_TARGET: Prerequisite = {
  key: 'shadowTarget',
  missing: 'is not',
  give: 'Give --shadow URL (or PARITY_SHADOW_TARGET) as well to mirror traffic',
  dependents: {
    shadowBaseline: 'the baseline only runs beside a shadow target',
    shadowRaw: 'only mirrored requests are sent raw',
    shadowRawTtlSeconds: 'only raw mirrored requests wait in Redis under that TTL',
    shadowMaxQueue: 'only the shadow queue is bounded by it',
  },
};

/** Those that mean something only when raw mirroring is on. Not shadowKey: it also seals replay runs' headers. */
const SHADOW_RAW: Prerequisite = {
  key: 'shadowRaw',
  missing: 'is off',
  give: 'Give --shadow-raw true (or PARITY_SHADOW_RAW=true) as well to mirror raw requests',
  dependents: { shadowRawTtlSeconds: 'only raw mirrored requests wait in Redis under that TTL' },
};

/** `a`, `a and b`, `a, b and c`. */
const listed = (items: readonly string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

const flagOf = (key: SettingKey) => (SETTINGS[key] as Setting).flag?.split(' ')[0];
/** `shadowRaw (--shadow-raw, PARITY_SHADOW_RAW)`. */
const namedFully = (key: SettingKey) => `${key} (${[flagOf(key), SETTINGS[key].env].filter(Boolean).join(', ')})`;

/**
 * Refuses settings given without the one they need (they would be ignored
 * without a word). A setting counts as given when its value is not its
 * default, whether it came from a flag, the environment or the config file
 * (so `--shadow-raw false` alone passes: it asks for nothing ignored).
 */
function refuseWithout(config: Config, needed: Prerequisite): void {
  if (config[needed.key]) return;
  const given = (Object.keys(needed.dependents) as SettingKey[]).filter((key) => config[key] !== (SETTINGS[key] as Setting).schema.safeParse(undefined).data);
  if (given.length === 0) return;
  const spelt = given.map((key) => (flagOf(key) ? `${flagOf(key)} (${SETTINGS[key].env})` : SETTINGS[key].env));
  throw parityError('PARITY_ERR_CONFIG_INVALID', `${listed(given.map(namedFully))} ${given.length === 1 ? 'is' : 'are'} set but ${namedFully(needed.key)} ${needed.missing}: ${given.map((key) => needed.dependents[key]).join('; ')}`, {
    hint: `${needed.give}, or drop ${listed(spelt)}.`,
  });
}

/**
 * The proxy's shadow options, or undefined when no shadow target is set.
 * Refuses raw mirroring without a key, shadow-only settings without a target
 * and raw-only ones without raw mirroring (refuseWithout), and a shadow
 * target that is the production upstream itself (it would receive every
 * mirrored request twice).
 */
export function shadowProxyOptions(config: Config, rules: RulesDocument, rulesFile?: string): ShadowProxyOptions | undefined {
  refuseWithout(config, SHADOW_TARGET);
  if (!config.shadowTarget) return undefined;
  refuseWithout(config, SHADOW_RAW);
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
