import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

/** One NDJSON record whose request body names a person. */
const NAME_RECORD = JSON.stringify({
  v: 1, id: '0hov0000e1-ccccccc', session: 'x', ts: 1796668765777719, httpVersion: '1.1', scheme: 'http',
  timing: { ttfbUs: 1, totalUs: 2 }, anonymised: [], method: 'POST', url: '/p',
  req: { headers: [['content-type', 'application/json']], body: { encoding: 'utf8', data: '{"name":"Priya Sharma"}', size: 23, truncated: false } },
  res: null,
});

describe('the rules file', () => {
  let t: TestRedis;
  let dir: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    t = await testRedis();
    env = { PARITY_REDIS_URL: t.url, PARITY_ANON_KEY: 'e2e-anon-key-0123456789' };
    dir = mkdtempSync(join(tmpdir(), 'parity-rules-'));
    writeFileSync(join(dir, 'name.ndjson'), `${NAME_RECORD}\n`);
  });
  afterEach(async () => {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a misspelt section stops `sessions import` with exit 2, naming it and the closest section, and stores nothing', async () => {
    const rules = join(dir, 'typo.yaml');
    writeFileSync(rules, 'anonymize:\n  rules:\n    - { json: "$.name", action: redact }\n');
    const r = await runCli(['sessions', 'import', join(dir, 'name.ndjson'), '--session', 's', '--rules', rules], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_CONFIG_INVALID/);
    expect(r.stderr).toMatch(/unknown section "anonymize" in .*typo\.yaml; did you mean "anonymise"\? \(the sections are sampling, anonymise, shadow, diff, gate\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await t.redis.dbsize()).toBe(0);
  });

  it('the section spelt right redacts the name on import', async () => {
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, 'anonymise:\n  rules:\n    - { json: "$.name", action: redact }\n');
    const r = await runCli(['sessions', 'import', join(dir, 'name.ndjson'), '--session', 's', '--rules', rules], { env });
    expect(r.code, r.stderr).toBe(0);
    const exported = await runCli(['sessions', 'export', 's'], { env });
    expect(exported.stdout).toContain('[redacted]');
    expect(exported.stdout).not.toContain('Priya');
  });

  it('a misspelt section stops `parity proxy` before it listens, listing every unknown section', async () => {
    const rules = join(dir, 'typos.json');
    writeFileSync(rules, JSON.stringify({ sampling: {}, Shadow: {}, extras: 1 }));
    const r = await runCli(['proxy', '--upstream', 'http://127.0.0.1:1', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--rules', rules], { env, timeoutMs: 15_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/2 configuration problems/);
    expect(r.stderr).toMatch(/rules\.Shadow .*did you mean "shadow"\?/);
    expect(r.stderr).toMatch(/rules\.extras .*unknown section "extras"/);
    expect(r.stderr).not.toMatch(/rules\.extras .*did you mean/);
    expect(r.stderr).not.toMatch(/proxy listening/);
  });
});
