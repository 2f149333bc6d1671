import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// Nothing listens here: every refusal below must come before Redis is needed.
const env = { PARITY_REDIS_URL: 'redis://127.0.0.1:1' };

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
});
