import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';

/** Fails if any four characters in a row of the secret show up in the output. */
function expectNoTraceOf(secret: string, r: CliResult): void {
  const said = r.stdout + r.stderr;
  for (let i = 0; i + 4 <= secret.length; i++) expect(said, `"${secret.slice(i, i + 4)}" of the secret leaked`).not.toContain(secret.slice(i, i + 4));
}

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

  describe('a config or rules file that does not parse is named with line and column, and none of its text', () => {
    const dir = () => mkdtempSync(join(tmpdir(), 'parity-syntax-'));

    it('YAML: a nested mapping after the anonymisation key', async () => {
      const d = dir();
      writeFileSync(join(d, 'c.yaml'), 'anonKey: AnonKeySecret-0123456789\n  adminToken: x\n');
      const r = await runCli(['--config', join(d, 'c.yaml'), 'config', 'check']);
      expect(r.code).toBe(2);
      expectNoTraceOf('AnonKeySecret-0123456789', r);
      expect(r.stderr).toMatch(/PARITY_ERR_CONFIG_FILE: cannot parse config file .*c\.yaml: line 1, column 10: Nested mappings are not allowed/);
    });

    it('YAML: an admin token with its closing quote missing, in parity.config.yaml of the working directory', async () => {
      const d = dir();
      writeFileSync(join(d, 'parity.config.yaml'), 'logLevel: info\nadminToken: "AdminTok-Secret-9876543210\n');
      const r = await runCli(['config', 'check'], { cwd: d });
      expect(r.code).toBe(2);
      expectNoTraceOf('AdminTok-Secret-9876543210', r);
      expect(r.stderr).toMatch(/cannot parse config file .*parity\.config\.yaml: line 3, column 1: Missing closing "quote/);
    });

    it('JSON: a key left unquoted', async () => {
      const d = dir();
      writeFileSync(join(d, 'c.json'), '{"anonKey":AnonKeySecret0123456789}');
      const r = await runCli(['--config', join(d, 'c.json'), 'config', 'check']);
      expect(r.code).toBe(2);
      expectNoTraceOf('AnonKeySecret0123456789', r);
      expect(r.stderr).toMatch(/cannot parse config file .*c\.json: line 1, column 12: expected a value/);
    });

    it('the rules file given with --rules', async () => {
      const d = dir();
      writeFileSync(join(d, 'rules.yaml'), 'anonymise:\n  rules:\n    - { header: x-api-key, action: redact, note: "Zx9Qk-7Wv3Pm-5555\n');
      const r = await runCli(['proxy', '--upstream', 'http://127.0.0.1:1', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--rules', join(d, 'rules.yaml')], { timeoutMs: 15_000 });
      expect(r.code).toBe(2);
      expectNoTraceOf('Zx9Qk-7Wv3Pm-5555', r);
      expect(r.stderr).toMatch(/cannot parse rules file .*rules\.yaml: line \d+, column \d+: /);
    });
  });

  describe('check reads the rules file as `parity proxy` does', () => {
    const dir = () => mkdtempSync(join(tmpdir(), 'parity-rules-check-'));
    /** The error as the CLI printed it: code, message and hint. */
    const errorOf = (r: CliResult) => r.stderr.slice(r.stderr.indexOf('error PARITY_ERR'));
    const proxy = (rules: string) => runCli(['proxy', '--upstream', 'http://127.0.0.1:1', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--rules', rules], { env: { PARITY_REDIS_URL: 'redis://127.0.0.1:1' }, timeoutMs: 15_000 });

    it('a rule the proxy refuses fails check with exit 2 and the very error the proxy prints, quoting none of the file', async () => {
      const rules = join(dir(), 'rules.yaml');
      writeFileSync(rules, 'anonymise:\n  rules:\n    - { header: x-api-key, action: scramble, note: "Zx9Qk-7Wv3Pm-5555" }\n');
      const [check, started] = await Promise.all([runCli(['config', 'check'], { env: { PARITY_RULES: rules } }), proxy(rules)]);
      expect(started.code).toBe(2);
      expect(check.code).toBe(2);
      expect(check.stderr).toMatch(/PARITY_ERR_CONFIG_INVALID: 2 configuration problems:\n {2}- rules\.anonymise\.rules\.0\.action \(from file\): expected one of drop, redact, mask, pseudonym/);
      expect(errorOf(check)).toBe(errorOf(started));
      expect(check.stdout).not.toMatch(/valid/);
      expectNoTraceOf('Zx9Qk-7Wv3Pm-5555', check);
    });

    it('a misspelt section fails check with exit 2, as it stops the proxy', async () => {
      const rules = join(dir(), 'rules.json');
      writeFileSync(rules, JSON.stringify({ anonymize: { rules: [] } }));
      const [check, started] = await Promise.all([runCli(['config', 'check', '--rules', rules]), proxy(rules)]);
      expect(check.code).toBe(2);
      expect(check.stderr).toMatch(/unknown section "anonymize" in .*rules\.json; did you mean "anonymise"\?/);
      expect(errorOf(check)).toBe(errorOf(started));
    });

    it('a rules file that does not parse fails check with exit 2, naming line and column and none of its text', async () => {
      const rules = join(dir(), 'rules.yaml');
      writeFileSync(rules, 'anonymise:\n  rules:\n    - { header: x-api-key, action: redact, note: "Zx9Qk-7Wv3Pm-5555\n');
      const r = await runCli(['config', 'check'], { env: { PARITY_RULES: rules } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/PARITY_ERR_CONFIG_FILE: cannot parse rules file .*rules\.yaml: line \d+, column \d+: /);
      expectNoTraceOf('Zx9Qk-7Wv3Pm-5555', r);
    });

    it('a section only workers and reports read (diff, gate, shadow) is checked too', async () => {
      for (const [doc, problem] of [
        [{ diff: { ignorePaths: 'not-a-list' } }, /rules\.diff\.ignorePaths/],
        [{ gate: { maxDiffRate: 7 } }, /rules\.gate\.maxDiffRate/],
        [{ shadow: { allow: [{ methods: ['POST'] }] } }, /rules\.shadow\.allow\.0\.path/],
      ] as const) {
        const rules = join(dir(), 'rules.json');
        writeFileSync(rules, JSON.stringify(doc));
        const r = await runCli(['config', 'check', '--rules', rules]);
        expect(r.code, JSON.stringify(doc)).toBe(2);
        expect(r.stderr).toMatch(problem);
      }
    });

    it('a valid rules file gets a line saying so, and its sections in --json', async () => {
      const rules = join(dir(), 'rules.yaml');
      writeFileSync(rules, 'sampling:\n  routes: [{ path: /health, rate: 0 }]\nanonymise:\n  rules: [{ json: "$.name", action: redact }]\n');
      const r = await runCli(['config', 'check', '--rules', rules]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^rules file .*rules\.yaml is valid \(sections: sampling, anonymise\)$/m);
      const json = await runCli(['config', 'check', '--json'], { env: { PARITY_RULES: rules } });
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, rules: { file: rules, sections: ['sampling', 'anonymise'] } });
    });
  });

  describe("check runs the checks `parity proxy` makes on the combined settings before it starts", () => {
    /** The error as the CLI printed it: code, message and hint. */
    const errorOf = (r: CliResult) => r.stderr.slice(r.stderr.indexOf('error PARITY_ERR'));
    // nothing listens on port 1: the proxy must refuse before it needs Redis
    const base = { PARITY_REDIS_URL: 'redis://127.0.0.1:1', PARITY_UPSTREAM: 'http://127.0.0.1:18080', PARITY_LISTEN: '127.0.0.1:0', PARITY_ADMIN_LISTEN: '127.0.0.1:0' };

    it.each([
      ['an upstream that is the proxy\'s own listener', { PARITY_LISTEN: ':18080' }, /PARITY_ERR_CONFIG_INVALID: upstream \(--upstream, PARITY_UPSTREAM\) http:\/\/127\.0\.0\.1:18080 is this proxy's own listener/],
      ['a shadow-only setting without a shadow target', { PARITY_SHADOW_MAX_QUEUE: '50' }, /PARITY_ERR_CONFIG_INVALID: shadowMaxQueue \(--shadow-max-queue, PARITY_SHADOW_MAX_QUEUE\) is set but shadowTarget/],
      ['a shadow target that is the upstream', { PARITY_SHADOW_TARGET: 'http://localhost:18080' }, /PARITY_ERR_PRODUCTION_TARGET: --shadow http:\/\/localhost:18080 is the production upstream itself/],
      ['raw mirroring without its key', { PARITY_SHADOW_TARGET: 'http://127.0.0.1:18081', PARITY_SHADOW_RAW: 'true' }, /PARITY_ERR_SHADOW_KEY: --shadow-raw is on but PARITY_SHADOW_KEY is not set/],
      ['an admin plane beyond loopback without a token', { PARITY_ADMIN_LISTEN: '0.0.0.0:0' }, /PARITY_ERR_ADMIN_TOKEN_REQUIRED: the admin API would listen on 0\.0\.0\.0:0 without a token/],
    ])('%s: exit 2 with the error the proxy stops with', async (_name, extra, error) => {
      const env = { ...base, ...extra };
      const [check, started] = await Promise.all([runCli(['config', 'check'], { env }), runCli(['proxy'], { env, timeoutMs: 15_000 })]);
      expect(started.code, started.stderr.slice(-600)).toBe(2);
      expect(check.code, check.stderr.slice(-600)).toBe(2);
      expect(check.stderr).toMatch(error);
      expect(errorOf(check)).toBe(errorOf(started));
      expect(check.stdout).not.toMatch(/valid/);
    });

    it('without an upstream (a worker\'s configuration) the proxy\'s other checks still run and a sound one passes', async () => {
      const { PARITY_UPSTREAM: _, ...worker } = base;
      expect((await runCli(['config', 'check'], { env: worker })).code).toBe(0);
      const r = await runCli(['config', 'check'], { env: { ...worker, PARITY_SHADOW_BASELINE: 'http://127.0.0.1:18082' } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/shadowBaseline \(--shadow-baseline, PARITY_SHADOW_BASELINE\) is set but shadowTarget/);
    });
  });

  describe('a hint names the setting that chose the file at fault', () => {
    const dir = () => mkdtempSync(join(tmpdir(), 'parity-hint-'));

    it('a rules file that cannot be read or parsed: --rules and PARITY_RULES, not --config', async () => {
      const d = dir();
      writeFileSync(join(d, 'broken.json'), '{"sampling": }');
      for (const rules of [join(d, 'missing.yaml'), join(d, 'broken.json')]) {
        const r = await runCli(['config', 'check'], { env: { PARITY_RULES: rules } });
        expect(r.code, rules).toBe(2);
        expect(r.stderr).toMatch(/PARITY_ERR_CONFIG_FILE: cannot (read|parse) rules file/);
        expect(r.stderr).toMatch(/hint: Check the path given with --rules \(PARITY_RULES, or rulesFile in the config file\)/);
        expect(r.stderr).not.toMatch(/--config/);
      }
    });

    it('a config file that cannot be parsed: still --config', async () => {
      const d = dir();
      writeFileSync(join(d, 'c.json'), '{"logLevel": }');
      const r = await runCli(['--config', join(d, 'c.json'), 'config', 'check']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/hint: Check the path given with --config/);
    });

    it('a rule the rules file gets wrong: the rules file, not `parity config schema`, which lists no rules', async () => {
      const rules = join(dir(), 'rules.json');
      writeFileSync(rules, JSON.stringify({ sampling: { routes: [{ path: '/a', rate: 3 }] } }));
      const r = await runCli(['config', 'check', '--rules', rules]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/rules\.sampling\.routes\.0\.rate/);
      expect(r.stderr).toMatch(/hint: Fix the rules named above in the rules file \(--rules, PARITY_RULES\)/);
      expect(r.stderr).not.toMatch(/config schema/);
    });
  });

  it('check refuses a Redis URL that does not parse with exit 2, naming the part and not the password', async () => {
    for (const [url, problem] of [
      ['redis://:Pw7Kq-Zx4Vb-9931@127.0.0.1:99999', /the port must be a number from 1 to 65535/],
      ['redis://:Pw7Kq-Zx4Vb-9931@h:notaport', /the port must be a number from 1 to 65535/],
      ['redis://:Pw7Kq-Zx4Vb-9931@[::1:6379', /the IPv6 address has no closing \]/],
    ] as const) {
      const r = await runCli(['config', 'check'], { env: { PARITY_REDIS_URL: url } });
      expect(r.code, url).toBe(2);
      expectNoTraceOf('Pw7Kq-Zx4Vb-9931', r);
      expect(r.stderr).toMatch(/PARITY_ERR_CONFIG_INVALID: 1 configuration problem/);
      expect(r.stderr).toMatch(problem);
    }
  });

  it('a command given --redis with a bad port stops with exit 2 before connecting, not an internal error', async () => {
    const r = await runCli(['--redis', 'redis://127.0.0.1:99999', 'sessions', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/redisUrl \(from flag --redis, PARITY_REDIS_URL\): the port must be a number from 1 to 65535/);
    expect(r.stderr).not.toMatch(/PARITY_ERR_INTERNAL|Invalid URL/);
  });
});
