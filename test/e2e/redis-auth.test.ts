import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

/** A Redis that wants a password: its failures are about the credentials, not about a Redis to start. */
describe('a Redis that refuses the credentials', { timeout: 60_000 }, () => {
  const PASSWORD = 'rightPw-4f1c';
  const WRONG = 'wrongPw-9b2e';
  let server: RedisServer;
  let at: string;

  beforeAll(async () => {
    server = await startRedisServer();
    const admin = new Redis(server.url);
    await admin.config('SET', 'requirepass', PASSWORD);
    admin.disconnect();
    at = `127.0.0.1:${server.port}`;
  });
  afterAll(async () => server?.stop());

  function expectAuthFailure(r: { code: number | null; stdout: string; stderr: string }): void {
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error PARITY_ERR_REDIS_AUTH: /);
    expect(r.stderr).toMatch(/hint: .*password/);
    expect(r.stderr).not.toMatch(/redis-server|REDIS_UNREACHABLE|HELLO must be called/);
    expect(r.stderr + r.stdout).not.toContain(WRONG);
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
  }

  it('a wrong password is an authentication failure naming where the password came from', async () => {
    const r = await runCli(['runs', 'list'], { env: { PARITY_REDIS_URL: `redis://:${WRONG}@${at}` } });
    expectAuthFailure(r);
    expect(r.stderr).toContain(`redis://:***@${at}`);
    expect(r.stderr).toMatch(/refused the password/);
    expect(r.stderr).toMatch(/hint: .*PARITY_REDIS_URL/);
  });

  it('a missing password says that Redis wants one', async () => {
    const r = await runCli(['sessions', 'list'], { env: { PARITY_REDIS_URL: `redis://${at}` } });
    expectAuthFailure(r);
    expect(r.stderr).toMatch(/requires a password/);
  });

  it('a wrong ACL user or password, and a password in the query, are told the same way', async () => {
    const user = await runCli(['runs', 'list'], { env: { PARITY_REDIS_URL: `redis://bob:${WRONG}@${at}` } });
    expectAuthFailure(user);
    expect(user.stderr).not.toContain('bob');
    const query = await runCli(['runs', 'list'], { env: { PARITY_REDIS_URL: `redis://${at}/?password=${WRONG}` } });
    expectAuthFailure(query);
  });

  it('names --redis in the hint when the URL came from the flag', async () => {
    const r = await runCli(['--redis', `redis://:${WRONG}@${at}`, 'runs', 'list'], {});
    expectAuthFailure(r);
    expect(r.stderr).toMatch(/hint: .*--redis/);
  });

  it('the right password still connects', async () => {
    const r = await runCli(['runs', 'list'], { env: { PARITY_REDIS_URL: `redis://:${PASSWORD}@${at}` } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
