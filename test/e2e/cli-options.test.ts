import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// Nothing listens here: every refusal below must come before Redis is needed.
const env = { PARITY_REDIS_URL: 'redis://127.0.0.1:1' };
const proxyArgs = ['proxy', '--upstream', 'http://127.0.0.1:9', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0'];

describe('the CLI names a malformed option and exits 2', () => {
  it('report --shadow-window bogus names --shadow-window, not --since', async () => {
    const r = await runCli(['report', '--shadow-window', 'bogus'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_USAGE: --shadow-window "bogus" is neither a duration \(30s, 15m, 2h, 1d\) nor a past ISO date/);
    expect(r.stderr).not.toMatch(/--since|REDIS_UNREACHABLE/);
  });

  it('shadow report --since bogus is refused before connecting to Redis', async () => {
    const r = await runCli(['shadow', 'report', '--since', 'bogus'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_USAGE: --since "bogus" is neither a duration/);
  });

  it('proxy --shadow-raw maybe says true or false is expected, naming the flag', async () => {
    const r = await runCli([...proxyArgs, '--shadow', 'http://127.0.0.1:8', '--shadow-raw', 'maybe'], { env, timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shadowRaw \(from flag --shadow-raw, PARITY_SHADOW_RAW\): expected true or false \(or 1\/0, yes\/no\), got "maybe"/);
    expect(r.stderr).not.toMatch(/Invalid input/);
  });

  it('proxy --shadow-baseline without --shadow is refused rather than ignored', async () => {
    const r = await runCli([...proxyArgs, '--shadow-baseline', 'http://127.0.0.1:8'], { env, timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_CONFIG_INVALID: shadowBaseline \(--shadow-baseline, PARITY_SHADOW_BASELINE\) is set but shadowTarget \(--shadow, PARITY_SHADOW_TARGET\) is not/);
    expect(r.stderr).toMatch(/hint: Give --shadow URL/);
  });

  it('proxy --shadow-raw without --shadow is refused rather than ignored, naming the flag and what to do', async () => {
    const r = await runCli([...proxyArgs, '--shadow-raw', 'true'], { env, timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_CONFIG_INVALID: shadowRaw \(--shadow-raw, PARITY_SHADOW_RAW\) is set but shadowTarget \(--shadow, PARITY_SHADOW_TARGET\) is not: only mirrored requests are sent raw/);
    expect(r.stderr).toMatch(/hint: Give --shadow URL \(or PARITY_SHADOW_TARGET\) as well to mirror traffic, or drop --shadow-raw \(PARITY_SHADOW_RAW\)/);
  });

  it('every shadow-only setting given without a shadow target is named at once, from flags, environment or config file alike', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'parity-options-')), 'parity.config.json');
    writeFileSync(file, JSON.stringify({ shadowMaxQueue: 50 }));
    const r = await runCli(['--config', file, ...proxyArgs, '--shadow-raw', 'yes'], { env: { ...env, PARITY_SHADOW_RAW_TTL_SECONDS: '30' }, timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shadowRaw \(--shadow-raw, PARITY_SHADOW_RAW\), shadowRawTtlSeconds \(PARITY_SHADOW_RAW_TTL_SECONDS\) and shadowMaxQueue \(--shadow-max-queue, PARITY_SHADOW_MAX_QUEUE\) are set but shadowTarget \(--shadow, PARITY_SHADOW_TARGET\) is not/);
    expect(r.stderr).toMatch(/or drop --shadow-raw \(PARITY_SHADOW_RAW\), PARITY_SHADOW_RAW_TTL_SECONDS and --shadow-max-queue \(PARITY_SHADOW_MAX_QUEUE\)/);
  });

  it('proxy --shadow-raw false without --shadow asks for nothing that is ignored and goes on to start', async () => {
    const r = await runCli([...proxyArgs, '--shadow-raw', 'false'], { env, timeoutMs: 15_000 });
    // past the shadow checks, the proxy needs the Redis that is not there
    expect(r.stderr).toMatch(/PARITY_ERR_REDIS_UNREACHABLE/);
    expect(r.stderr).not.toMatch(/PARITY_ERR_CONFIG_INVALID/);
  });

  it('PARITY_SHADOW_RAW_TTL_SECONDS without --shadow-raw true is refused, from the environment or the config file, naming both settings', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'parity-options-')), 'parity.config.json');
    writeFileSync(file, JSON.stringify({ shadowRawTtlSeconds: 30 }));
    const shadow = [...proxyArgs, '--shadow', 'http://127.0.0.1:8'];
    for (const r of [
      await runCli(shadow, { env: { ...env, PARITY_SHADOW_RAW_TTL_SECONDS: '30' }, timeoutMs: 15_000 }),
      await runCli(['--config', file, ...shadow, '--shadow-raw', 'false'], { env, timeoutMs: 15_000 }),
    ]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/PARITY_ERR_CONFIG_INVALID: shadowRawTtlSeconds \(PARITY_SHADOW_RAW_TTL_SECONDS\) is set but shadowRaw \(--shadow-raw, PARITY_SHADOW_RAW\) is off: only raw mirrored requests wait in Redis under that TTL/);
      expect(r.stderr).toMatch(/hint: Give --shadow-raw true \(or PARITY_SHADOW_RAW=true\) as well to mirror raw requests, or drop PARITY_SHADOW_RAW_TTL_SECONDS/);
    }
  });

  it('PARITY_SHADOW_RAW_TTL_SECONDS beside --shadow-raw true goes on to start', async () => {
    const r = await runCli([...proxyArgs, '--shadow', 'http://127.0.0.1:8', '--shadow-raw', 'true'], { env: { ...env, PARITY_SHADOW_RAW_TTL_SECONDS: '30', PARITY_SHADOW_KEY: 'ab'.repeat(32) }, timeoutMs: 15_000 });
    expect(r.stderr).toMatch(/PARITY_ERR_REDIS_UNREACHABLE/);
    expect(r.stderr).not.toMatch(/PARITY_ERR_CONFIG_INVALID/);
  });

  it('sessions show --last takes a whole number of 0 or more: abc, -1 and 1.5 are refused', async () => {
    for (const last of ['abc', '-1', '1.5']) {
      const r = await runCli(['sessions', 'show', 'S', '--last', last], { env });
      expect(r.code, last).toBe(2);
      expect(r.stderr).toContain(`PARITY_ERR_USAGE: --last "${last}" is not a whole number of records of 0 or more`);
    }
  });
});
