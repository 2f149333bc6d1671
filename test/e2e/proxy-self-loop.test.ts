import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, stopChild, waitForOutput } from '../helpers/cli.js';
import { freePort } from '../helpers/redis-server.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

/** `--upstream` that is the proxy's own `--listen` would send every request back to the proxy until headers overflow. */
describe('parity proxy refuses its own listener as the upstream', () => {
  let t: TestRedis;
  let port: number;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    t = await testRedis();
    port = await freePort();
  });
  afterEach(async () => {
    if (child) await stopChild(child);
    child = undefined;
    await t.cleanup();
  });

  const proxy = (upstream: string, listen: string) =>
    runCli(['proxy', '--upstream', upstream, '--listen', listen, '--admin', '127.0.0.1:0', '--session', 'loop'], { env: { PARITY_REDIS_URL: t.url }, timeoutMs: 15_000 });

  it.each([
    ['the same address', (p: number) => [`http://127.0.0.1:${p}`, `127.0.0.1:${p}`]],
    ['another loopback name', (p: number) => [`http://localhost:${p}/`, `127.0.0.1:${p}`]],
    ['another scheme, case and a root dot', (p: number) => [`https://LOCALHOST.:${p}`, `127.0.0.1:${p}`]],
    ['IPv6 loopback', (p: number) => [`http://[::1]:${p}`, `127.0.0.1:${p}`]],
    ['the any-address listener (the default host)', (p: number) => [`http://127.0.0.2:${p}`, `:${p}`]],
  ])('with %s: exit 2 before anything listens, naming both settings', async (_name, spell) => {
    const [upstream, listen] = spell(port) as [string, string];
    const r = await proxy(upstream, listen);
    expect(r.code, r.stderr.slice(-600)).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_CONFIG_INVALID: upstream \(--upstream, PARITY_UPSTREAM\) \S+ is this proxy's own listener \(--listen [^)]+\)/);
    expect(r.stderr).toMatch(/hint: .*--upstream/);
    expect(r.stderr).not.toMatch(/proxy listening/);
  }, 30_000);

  it('still starts with the upstream on another port of this host', async () => {
    const other = await freePort();
    child = spawnCli(['proxy', '--upstream', `http://localhost:${other}`, '--listen', `127.0.0.1:${port}`, '--admin', '127.0.0.1:0', '--session', 'loop'], { env: { PARITY_REDIS_URL: t.url } });
    expect(await waitForOutput(child, /"msg":"proxy listening"/)).toBeTruthy();
  }, 30_000);
});
