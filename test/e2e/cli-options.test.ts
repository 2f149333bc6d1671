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

  it('sessions show --last takes a whole number of 0 or more: abc, -1 and 1.5 are refused', async () => {
    for (const last of ['abc', '-1', '1.5']) {
      const r = await runCli(['sessions', 'show', 'S', '--last', last], { env });
      expect(r.code, last).toBe(2);
      expect(r.stderr).toContain(`PARITY_ERR_USAGE: --last "${last}" is not a whole number of records of 0 or more`);
    }
  });
});
