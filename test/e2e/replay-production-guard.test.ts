import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ndjsonLine } from '../../shared/formats/ndjson.js';
import { keys } from '../../shared/redis/keys.js';
import { runCli, spawnCli, stopChild, waitForOutput } from '../helpers/cli.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { testRecord } from '../helpers/record.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

/** `parity replay` refuses the production app as a target even when the session's meta was lost or never named it. */
describe('replay production-target guard', () => {
  let t: TestRedis;
  let app: TestServer;
  let dir: string;
  let proxy: ChildProcess | undefined;
  let env: Record<string, string>;

  beforeEach(async () => {
    t = await testRedis();
    env = { PARITY_REDIS_URL: t.url, PARITY_ANON_KEY: 'e2e-anon-key-0123456789' };
    app = await startHttpServer((_req, res) => res.end('{"ok":true}'));
    dir = mkdtempSync(join(tmpdir(), 'parity-guard-'));
  });
  afterEach(async () => {
    if (proxy) await stopChild(proxy);
    proxy = undefined;
    await app.close();
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const replay = (session: string, ...args: string[]) => runCli(['replay', '--session', session, '--target', app.url, ...args], { env });

  it('refuses production after `sessions delete` while the proxy captured: the next request names the upstream again', async () => {
    proxy = spawnCli(['proxy', '--upstream', app.url, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--session', 'live', '--sample', '1'], { env });
    const line = await waitForOutput(proxy, /\{[^\n]*"msg":"proxy listening"[^\n]*\}/);
    const { port } = JSON.parse(line) as { port: number };
    const get = async (path: string) => (await request(`http://127.0.0.1:${port}${path}`)).body.dump();
    const records = async (n: number) => {
      for (let i = 0; i < 200 && (await t.redis.xlen(keys.sessionStream('live'))) < n; i++) await new Promise((r) => setTimeout(r, 50));
      return t.redis.xlen(keys.sessionStream('live'));
    };
    await get('/first');
    expect(await records(1)).toBe(1);
    expect((await runCli(['sessions', 'delete', 'live'], { env })).code).toBe(0);
    await get('/second');
    expect(await records(1)).toBe(1);
    const refused = await replay('live');
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/PARITY_ERR_PRODUCTION_TARGET: the target http:\/\/127\.0\.0\.1:\d+\/? is http:\/\/127\.0\.0\.1:\d+\/?, the upstream session "live" was captured from/);
  }, 60_000);

  it('refuses a session that names no upstream unless --allow-production-target, saying why', async () => {
    // an NDJSON file without the `_parity` first line an export writes: nothing names where it came from
    const file = join(dir, 'bare.ndjson');
    writeFileSync(file, ndjsonLine({ ...testRecord(), session: 'src' }));
    const imported = await runCli(['sessions', 'import', file, '--session', 'bare', '--no-anonymise'], { env });
    expect(imported.code, imported.stderr).toBe(0);
    expect(await t.redis.hget(keys.sessionMeta('bare'), 'upstream')).toBeNull();

    const refused = await replay('bare');
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/PARITY_ERR_PRODUCTION_TARGET: session "bare" names no upstream/);
    expect(refused.stderr).toMatch(/hint: .*--allow-production-target/);
    expect(await t.redis.zcard(keys.runs)).toBe(0);

    const allowed = await replay('bare', '--allow-production-target', '--json');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ state: 'queued', session: 'bare' });
  }, 60_000);
});
