import type { ChildProcess } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { hostname, networkInterfaces } from 'node:os';
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

  describe("by this machine's own address, not a loopback name", () => {
    /** A non-loopback IPv4 address of one of this machine's interfaces, if it has one. */
    const lan = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && !a.internal && a.family === 'IPv4')?.address;
    const start = (upstream: string, listen: string) =>
      spawnCli(['proxy', '--upstream', upstream, '--listen', listen, '--admin', '127.0.0.1:0', '--session', 'loop'], { env: { PARITY_REDIS_URL: t.url } });

    it.skipIf(!lan)('a LAN address of this machine on the port of an any-address listener: exit 2, naming the address', async () => {
      const r = await proxy(`http://${lan}:${port}`, `:${port}`);
      expect(r.code, r.stderr.slice(-600)).toBe(2);
      expect(r.stderr).toContain(`PARITY_ERR_CONFIG_INVALID: upstream (--upstream, PARITY_UPSTREAM) http://${lan}:${port} is this proxy's own listener (--listen 0.0.0.0:${port}; ${lan} is an address of this machine)`);
      expect(r.stderr).not.toMatch(/proxy listening/);
    }, 30_000);

    it("this machine's host name, looked up, on the port of an any-address listener: exit 2", async (ctx) => {
      const name = hostname();
      const resolved = await lookup(name, { all: true }).catch(() => []);
      if (resolved.length === 0) return ctx.skip();
      const r = await proxy(`http://${name}:${port}`, `:${port}`);
      expect(r.code, r.stderr.slice(-600)).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`upstream \\(--upstream, PARITY_UPSTREAM\\) http://${name.toLowerCase()}:${port} is this proxy's own listener \\(--listen 0\\.0\\.0\\.0:${port}; \\S+ is an address of this machine\\)`));
    }, 30_000);

    it.skipIf(!lan)('still starts with a LAN address of this machine on another port', async () => {
      const other = await freePort();
      child = start(`http://${lan}:${other}`, `:${port}`);
      expect(await waitForOutput(child, /"msg":"proxy listening"/)).toBeTruthy();
    }, 30_000);

    it.skipIf(!lan)('still starts with a LAN address of this machine on the port of a loopback-only listener', async () => {
      child = start(`http://${lan}:${port}`, `127.0.0.1:${port}`);
      expect(await waitForOutput(child, /"msg":"proxy listening"/)).toBeTruthy();
    }, 30_000);
  });

  it('still starts with the upstream on another port of this host', async () => {
    const other = await freePort();
    child = spawnCli(['proxy', '--upstream', `http://localhost:${other}`, '--listen', `127.0.0.1:${port}`, '--admin', '127.0.0.1:0', '--session', 'loop'], { env: { PARITY_REDIS_URL: t.url } });
    expect(await waitForOutput(child, /"msg":"proxy listening"/)).toBeTruthy();
  }, 30_000);
});
