import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

// Nothing listens here: every refusal below comes from parsing the command line.
const env = { PARITY_REDIS_URL: 'redis://127.0.0.1:1' };

/** Errors commander finds on the command line carry a code like every other error (README: "Every error Parity prints carries a code"). */
describe('command-line mistakes commander finds are PARITY_ERR_USAGE, exit 2', () => {
  it.each([
    [['runs', 'list', '--bogus-flag'], /^error PARITY_ERR_USAGE: unknown option '--bogus-flag'/, 'parity runs list --help'],
    [['--bogus-flag'], /^error PARITY_ERR_USAGE: unknown option '--bogus-flag'/, 'parity --help'],
    [['report', 'r-x', '--format', 'pdf'], /^error PARITY_ERR_USAGE: option '--format <format>' argument 'pdf' is invalid\. Allowed choices are text, json, junit, html\./, 'parity report --help'],
    [['runs', 'show'], /^error PARITY_ERR_USAGE: missing required argument 'run'/, 'parity runs show --help'],
    [['runz'], /^error PARITY_ERR_USAGE: unknown command 'runz'/, 'parity --help'],
  ])('parity %j', async (args, message, help) => {
    const r = await runCli(args, { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(`\n  hint: Run \`${help}\``);
    expect(r.stderr).not.toMatch(/^error: /m);
    expect(r.stdout).toBe('');
  });

  it('help is still no error', async () => {
    const r = await runCli(['runs', 'list', '--help'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: parity runs list/);
    expect(r.stderr).toBe('');
  });

  it('parity --version prints the version in package.json and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag], { env });
      expect(r.code, flag).toBe(0);
      expect(r.stdout, flag).toBe(`${version}\n`);
      expect(r.stderr, flag).toBe('');
    }
  });
});
