import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { loadConfig } from '../../shared/config/load.js';
import type { RulesDocument } from '../../shared/config/rules.js';
import { silentLogger } from '../../shared/log.js';
import { keys } from '../../shared/redis/keys.js';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../services/proxy/proxy.js';

/** A proxy started in-process on ephemeral ports, with its data-plane and admin URLs. */
export interface TestProxy extends RunningProxy {
  url: string;
  adminUrl: string;
}

/**
 * Starts `parity proxy` as a library: ephemeral ports, capture at 100 %,
 * no environment or config file read. `settings` are setting keys
 * (e.g. `{ maxBodyBytes: 1024 }`), as flags would give them.
 */
export async function startTestProxy(
  redisUrl: string,
  upstream: string,
  settings: Record<string, unknown> = {},
  opts: Omit<Partial<ProxyOptions>, 'config'> & { rules?: RulesDocument } = {},
): Promise<TestProxy> {
  const { config } = loadConfig({
    flags: { upstream, redisUrl, listen: '127.0.0.1:0', adminListen: '127.0.0.1:0', sampleRate: 1, logLevel: 'silent', ...settings },
    env: {},
    cwd: tmpdir(),
  });
  const proxy = await startProxy({ log: silentLogger, ...opts, config });
  return { ...proxy, url: `http://127.0.0.1:${proxy.port}`, adminUrl: `http://127.0.0.1:${proxy.adminPort}` };
}

/** Polls until the session's stream holds at least `n` records; returns the count. */
export async function waitForRecords(redis: Redis, session: string, n: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const len = await redis.xlen(keys.sessionStream(session));
    if (len >= n || Date.now() > deadline) return len;
    await new Promise((r) => setTimeout(r, 25));
  }
}
