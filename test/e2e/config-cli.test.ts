import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('parity config', () => {
  it('check prints every problem at once and exits 2', async () => {
    const r = await runCli(['config', 'check'], { env: { PARITY_SAMPLE_RATE: '7', PARITY_REDIS_URL: 'nope', PARITY_ANON_KEY: 'tiny' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_CONFIG_INVALID: 3 configuration problems/);
    expect(r.stderr).toMatch(/sampleRate \(from env, PARITY_SAMPLE_RATE\)/);
    expect(r.stderr).not.toMatch(/tiny/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('check passes a valid configuration and masks secrets in --json', async () => {
    const r = await runCli(['config', 'check', '--json'], { env: { PARITY_ANON_KEY: 'a-very-secret-key-123', PARITY_REDIS_URL: 'redis://:pw123456@127.0.0.1:6379' } });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(r.stdout).not.toContain('a-very-secret-key-123');
    expect(r.stdout).not.toContain('pw123456');
  });

  it('schema lists every setting with its environment variable', async () => {
    const r = await runCli(['config', 'schema', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { env: string }[];
    expect(rows.map((x) => x.env)).toEqual(expect.arrayContaining(['PARITY_REDIS_URL', 'PARITY_UPSTREAM', 'PARITY_SAMPLE_RATE', 'PARITY_ANON_KEY', 'PARITY_SHADOW_TARGET']));
  });

  it('an unknown command exits 2 with usage help', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });

  it('a malformed --limit exits 2 naming it, before any Redis is needed', async () => {
    const r = await runCli(['runs', 'list', '--limit', 'abc'], { env: { PARITY_REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--limit "abc" is not a whole number/);
  });
});
