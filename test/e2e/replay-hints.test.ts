import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { freePort } from '../helpers/redis-server.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { evenSpecs, writeSession } from '../integration/replay-fixtures.js';

/**
 * `parity replay`'s hints name what the user gave — the flag, or the
 * variable — and only knobs of the profile in use; a method no record has
 * is warned about, not refused (custom methods are legal HTTP).
 */
describe('replay hints', () => {
  let t: TestRedis;
  let target: TestServer;

  beforeAll(async () => {
    t = await testRedis();
    target = await startHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    await writeSession(t.redis, 's1', [...evenSpecs(3, 10), { atMs: 40, method: 'POST', url: '/orders' }]);
  });
  afterAll(async () => {
    await target.close();
    await t.cleanup();
  });

  const replay = (args: string[], env: Record<string, string> = {}) => runCli(['replay', '--session', 's1', ...args], { env: { PARITY_REDIS_URL: t.url, ...env } });
  const hint = (stderr: string) => /^ {2}hint: (.*)$/m.exec(stderr)?.[1] ?? '';
  const down = async () => `http://127.0.0.1:${await freePort()}`;

  it('names --baseline for a baseline that is down, given with --baseline', async () => {
    const r = await replay(['--target', target.url, '--baseline', await down()]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/PARITY_ERR_TARGET_UNREACHABLE: cannot connect to the baseline/);
    expect(hint(r.stderr)).toMatch(/baseline .*--baseline/);
    expect(hint(r.stderr)).not.toMatch(/--target|--shadow/);
  });

  it('names PARITY_BASELINE for a baseline that is down, given in the environment', async () => {
    const r = await replay(['--target', target.url], { PARITY_BASELINE: await down() });
    expect(r.code, r.stderr).toBe(3);
    expect(hint(r.stderr)).toMatch(/PARITY_BASELINE/);
    expect(hint(r.stderr)).not.toMatch(/--shadow/);
  });

  it('names --target, not the shadow, for a target that is down', async () => {
    const r = await replay(['--target', await down()]);
    expect(r.code, r.stderr).toBe(3);
    expect(hint(r.stderr)).toMatch(/target .*--target/);
    expect(hint(r.stderr)).not.toMatch(/--shadow/);
  });

  it("names the ramping-rate profile's own knobs when it plans no request", async () => {
    const r = await replay(['--target', target.url, '--stages', '1s:0']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/the ramping-rate profile plans no request/);
    expect(hint(r.stderr)).toMatch(/--stages/);
    expect(hint(r.stderr)).not.toMatch(/--rate|--duration/);
  });

  it("names the closed model's own knobs when a run would have too many chunks", async () => {
    const r = await replay(['--target', target.url, '--concurrency', '2', '--duration', '10000h']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/cut into more than 500000 chunks/);
    expect(r.stderr).not.toMatch(/--rate/);
  });

  it('warns about a method no record of the session has, and replays the others', async () => {
    const r = await replay(['--target', target.url, '--methods', 'GET,FOO', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ records: 3 });
    // only FOO: GET is in the session (the log line is JSON, its quotes escaped)
    expect(r.stderr).toMatch(/--methods: no record of session \\?"s1\\?" has method FOO \(/);
  });

  it('says which method no record has when the selection comes out empty', async () => {
    const r = await replay(['--target', target.url, '--methods', 'FOO']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/no record of session "s1" has method FOO/);
  });
});
