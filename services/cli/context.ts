import { Option, type Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../../shared/config/load.js';
import { SETTINGS, type SettingKey } from '../../shared/config/schema.js';
import type { Setting } from '../../shared/config/setting.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { connectRedis, checkEvictionPolicy, type Redis } from '../../shared/redis/connect.js';

/**
 * What every command needs: its flags turned into the validated config, a
 * logger on stderr, and (on demand) a Redis connection that is closed after.
 */

/** Adds the flags of the given settings to a command (flag spec and doc from the schema). */
export function settingOptions(cmd: Command, settingKeys: readonly SettingKey[]): Command {
  for (const key of settingKeys) {
    const s = SETTINGS[key] as Setting;
    if (!s.flag) continue;
    cmd.addOption(new Option(s.flag, `${s.doc} [${s.env}]`));
  }
  return cmd;
}

/** Commander's attribute name for a flag spec: `--max-body-bytes <n>` → maxBodyBytes. */
function flagAttribute(flag: string): string {
  const long = flag.split(/[ ,]/).find((p) => p.startsWith('--'))!.slice(2);
  return long.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Maps parsed commander options back to setting keys. */
export function flagValues(all: Record<string, unknown>, ignore: readonly SettingKey[] = []): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(SETTINGS) as [string, Setting][]) {
    if (!s.flag || ignore.includes(key as SettingKey)) continue;
    const v = all[flagAttribute(s.flag)];
    if (v !== undefined) flags[key] = v;
  }
  return flags;
}

/** Global options every command inherits (declared on the root program). */
export interface GlobalOptions {
  config?: string;
  redis?: string;
  logLevel?: string;
}

export interface CommandContext {
  loaded: LoadedConfig;
  log: Logger;
  /** Connects on first use; closed by `close()`. */
  redis(): Promise<Redis>;
  close(): Promise<void>;
}

/** Builds the context for a command action: validated config from flags, env and file. */
export function commandContext(cmd: Command, opts: { require?: readonly SettingKey[]; logName?: string; notSettings?: readonly SettingKey[] } = {}): CommandContext {
  const all = cmd.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
  // a flag a command uses for something of its own, whose name a setting also reads (replay's --concurrency)
  const flags = flagValues(all, opts.notSettings);
  const loaded = loadConfig({ flags, file: all.config, require: opts.require ?? [] });
  const log = createLogger({ level: loaded.config.logLevel, format: loaded.config.logFormat, name: opts.logName ?? 'parity' });
  let client: Redis | undefined;
  return {
    loaded,
    log,
    async redis() {
      if (!client) {
        client = await connectRedis(loaded.config.redisUrl, { name: `parity-${opts.logName ?? 'cli'}`, logger: log, ...redisGivenAs(loaded) });
        await checkEvictionPolicy(client, log);
      }
      return client;
    },
    async close() {
      if (client) await client.quit().catch(() => client?.disconnect());
      log.flush?.();
    },
  };
}

/** Where the Redis URL came from, for the hint of an authentication failure (none for the default URL). */
function redisGivenAs(loaded: LoadedConfig): { givenAs?: string } {
  const source = loaded.sources.redisUrl;
  if (source === 'flag') return { givenAs: '--redis' };
  if (source === 'env') return { givenAs: 'PARITY_REDIS_URL' };
  return source === 'file' && loaded.file ? { givenAs: `redisUrl in ${loaded.file}` } : {};
}

/** Prints one JSON document on stdout (for --json). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Runs an action with a context and always closes it. */
export async function withContext<T>(cmd: Command, opts: Parameters<typeof commandContext>[1], fn: (ctx: CommandContext) => Promise<T>): Promise<T> {
  const ctx = commandContext(cmd, opts);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
