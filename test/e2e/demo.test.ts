import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

function processesMentioning(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', text], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() && !l.includes('pgrep'));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const ADMIN_TOKEN = 'demo-e2e-admin-token-0123456789';

describe('parity demo', () => {
  let t: TestRedis;
  beforeEach(async () => (t = await testRedis()));
  afterEach(async () => t.cleanup());

  // with an admin token in the environment (the demo's proxy inherits it), which the demo's wait must send
  it('runs the whole story, names every planted regression, exits 0 and leaves nothing behind', async () => {
    const out = mkdtempSync(join(tmpdir(), 'parity-demo-'));
    const r = await runCli(['demo', '--out', out, '--requests', '300'], { env: { PARITY_REDIS_URL: t.url, PARITY_ADMIN_TOKEN: ADMIN_TOKEN }, timeoutMs: 110_000 });
    expect(r.code, r.stderr).toBe(0);
    // a wait refused by the admin API ran to its 60 s deadline (said so, not timed: timings are the benches')
    expect(r.stdout).not.toMatch(/had not settled/);
    for (const text of [r.stdout, r.stderr, readFileSync(join(out, 'demo.log'), 'utf8')]) expect(text).not.toContain(ADMIN_TOKEN);
    expect(r.stdout).toMatch(/4\/4 verdict\s+FAIL/);
    expect(r.stdout).toMatch(/audit for raw PII: clean/);
    expect(r.stdout).toMatch(/GET \/api\/users\/:id\s+\$\.user\.email\s+missing/);
    expect(r.stdout).toMatch(/GET \/api\/products\s+\$\.items\[\*\]\.price\s+type/);
    expect(r.stdout).toMatch(/GET \/api\/search: new 5xx/);
    expect(r.stdout).toMatch(/✗ GET \/api\/users\/:id\/orders: p\d+ .* ms vs/);
    expect(r.stdout).toContain(join(out, 'report', 'report.html'));
    const session = /session (demo-[0-9a-z]+)/.exec(r.stdout)![1]!;
    expect(processesMentioning(session)).toEqual([]);
    expect(await t.redis.keys('*')).toEqual([]);
  }, 120_000);
});
