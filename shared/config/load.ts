import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parityError, redactUrl } from '../errors.js';
import { readObjectFile } from './file.js';
import { SETTINGS, type Config, type SettingKey } from './schema.js';
import type { Setting } from './setting.js';
import { issueMessage } from './suggest.js';

/** Where a setting's value came from. */
export type Source = 'flag' | 'env' | 'file' | 'default';

export interface LoadOptions {
  /** Parsed CLI flags keyed by setting key (commander's opts() after `flagValues`). */
  flags?: Partial<Record<string, unknown>>;
  /** Environment; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Explicit config file (--config); else parity.config.json|yaml|yml in cwd. */
  file?: string;
  cwd?: string;
  /** Settings the calling command cannot run without. */
  require?: readonly SettingKey[];
}

export interface LoadedConfig {
  config: Config;
  sources: Readonly<Record<SettingKey, Source>>;
  file: string | undefined;
}

export interface ConfigProblem {
  /** Setting key, or the unknown name found in a config file. */
  key: string;
  env: string;
  source: Source;
  /** The flag as typed (`--shadow-raw`), named when the value came from it. */
  flag?: string;
  message: string;
}

const DEFAULT_FILES = ['parity.config.json', 'parity.config.yaml', 'parity.config.yml'];

function readConfigFile(path: string): Record<string, unknown> {
  return readObjectFile(path, 'config file', 'an object of settings');
}

function findFile(opts: LoadOptions): string | undefined {
  if (opts.file) return resolve(opts.cwd ?? process.cwd(), opts.file);
  for (const name of DEFAULT_FILES) {
    const p = resolve(opts.cwd ?? process.cwd(), name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function fromEnv(s: Setting, raw: string): unknown {
  if (!s.json) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw; // the schema reports the type mismatch with the source named
  }
}

/** Describes a value for an error message without leaking secrets. */
function shown(s: Setting, value: unknown): string {
  if (s.secret) return '***';
  // a URL is shown without its credentials (a target URL holding a password is itself the problem)
  const text = typeof value === 'string' ? `"${/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? redactUrl(value) : value}"` : JSON.stringify(value);
  return text && text.length > 80 ? `${text.slice(0, 77)}...` : (text ?? String(value));
}

/**
 * Gathers every setting from flags, environment and the config file (in that
 * order of precedence), validates them all, and returns the frozen result or
 * throws one PARITY_ERR_CONFIG_INVALID listing every problem.
 */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const file = findFile(opts);
  const fileValues = file ? readConfigFile(file) : {};
  const problems: ConfigProblem[] = [];
  const config: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};

  for (const key of Object.keys(fileValues)) {
    if (!(key in SETTINGS)) {
      problems.push({ key, env: '-', source: 'file', message: `unknown setting "${key}" in ${file}; \`parity config schema\` lists the known ones` });
    }
  }

  for (const [key, s] of Object.entries(SETTINGS) as [SettingKey, Setting][]) {
    let raw: unknown;
    let source: Source = 'default';
    const flagValue = opts.flags?.[key];
    if (flagValue !== undefined) {
      raw = flagValue;
      source = 'flag';
    } else if (env[s.env] !== undefined && env[s.env] !== '') {
      raw = fromEnv(s, env[s.env]!);
      source = 'env';
    } else if (fileValues[key] !== undefined) {
      raw = fileValues[key];
      source = 'file';
    }
    const result = s.schema.safeParse(raw);
    sources[key] = source;
    if (result.success) {
      config[key] = result.data;
    } else {
      for (const issue of result.error.issues) {
        const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
        const flag = source === 'flag' ? s.flag?.split(' ')[0] : undefined;
        problems.push({ key, env: s.env, source, ...(flag ? { flag } : {}), message: `${issueMessage(s.schema, issue)}${where}${raw === undefined ? '' : `, got ${shown(s, raw)}`}` });
      }
    }
  }

  for (const key of opts.require ?? []) {
    if (config[key] === undefined && !problems.some((p) => p.key === key)) {
      const s: Setting = SETTINGS[key];
      problems.push({ key, env: s.env, source: 'default', message: `required by this command but not set (give ${s.flag?.split(' ')[0] ?? 'it in the config file'} or ${s.env})` });
    }
  }

  if (problems.length > 0) throw configProblemsError(problems);
  return { config: Object.freeze(config) as Config, sources: Object.freeze(sources), file };
}

/** One PARITY_ERR_CONFIG_INVALID listing every problem; `hint` replaces the default one (which is about settings). */
export function configProblemsError(problems: ConfigProblem[], hint?: string) {
  const lines = problems.map((p) => `  - ${p.key} (${p.source === 'default' ? 'not set' : `from ${p.source}${p.flag ? ` ${p.flag}` : ''}`}${p.env !== '-' ? `, ${p.env}` : ''}): ${p.message}`);
  return parityError('PARITY_ERR_CONFIG_INVALID', `${problems.length} configuration problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`, hint === undefined ? undefined : { hint });
}

/** The configuration with secrets replaced, fit to print or log. */
export function printableConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(SETTINGS) as [SettingKey, Setting][]) {
    const v = config[key];
    out[key] = s.secret && v !== undefined ? (typeof v === 'string' && key === 'redisUrl' ? redactRedis(v) : '***') : v;
  }
  return out;
}

function redactRedis(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, cred: string) => (cred.includes(':') ? '//***:***@' : '//***@')).replace(/([?&]password=)[^&#]*/gi, '$1***');
}
