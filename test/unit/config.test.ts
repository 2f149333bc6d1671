import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../shared/config/load.js';
import { redisUrlProblem } from '../../shared/config/sections/core.js';
import { closestName } from '../../shared/config/suggest.js';
import { isParityError } from '../../shared/errors.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'parity-config-'));

describe('configuration', () => {
  it('uses defaults when nothing is set', () => {
    const { config, sources } = loadConfig({ env: {}, cwd: tmp() });
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.adminListen).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(sources.sampleRate).toBe('default');
  });

  it('takes flag over env over file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'parity.config.json'), JSON.stringify({ sampleRate: 0.3, session: 'from-file', maxBodyBytes: 10 }));
    const { config, sources } = loadConfig({ cwd: dir, env: { PARITY_SAMPLE_RATE: '0.5', PARITY_SESSION: 'from-env' }, flags: { sampleRate: '0.7' } });
    expect(config.sampleRate).toBe(0.7);
    expect(sources.sampleRate).toBe('flag');
    expect(config.session).toBe('from-env');
    expect(config.maxBodyBytes).toBe(10);
    expect(sources.maxBodyBytes).toBe('file');
  });

  it('reads YAML config files', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'parity.config.yaml'), 'sampleRate: 0.25\nupstream: http://127.0.0.1:3000\n');
    const { config } = loadConfig({ cwd: dir, env: {} });
    expect(config.sampleRate).toBe(0.25);
    expect(config.upstream).toBe('http://127.0.0.1:3000');
  });

  it('lists every problem at once, naming setting, source and expectation', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'parity.config.json'), JSON.stringify({ sampleRate: 3, bogus: 1 }));
    let error: unknown;
    try {
      loadConfig({ cwd: dir, env: { PARITY_REDIS_URL: 'http://nope', PARITY_LISTEN: 'x:y' }, require: ['upstream'] });
    } catch (err) {
      error = err;
    }
    expect(isParityError(error)).toBe(true);
    const msg = (error as Error).message;
    expect(msg).toMatch(/sampleRate \(from file, PARITY_SAMPLE_RATE\)/);
    expect(msg).toMatch(/redisUrl \(from env, PARITY_REDIS_URL\): expected a redis/);
    expect(msg).toMatch(/listen \(from env, PARITY_LISTEN\)/);
    expect(msg).toMatch(/unknown setting "bogus"/);
    expect(msg).toMatch(/upstream \(not set, PARITY_UPSTREAM\): required/);
    expect((error as { exitCode: number }).exitCode).toBe(2);
  });

  it('never echoes a secret in a configuration error', () => {
    expect(() => loadConfig({ cwd: tmp(), env: { PARITY_ANON_KEY: 'short-secret' } })).toThrow(/anonKey/);
    try {
      loadConfig({ cwd: tmp(), env: { PARITY_ANON_KEY: 'short-secret' } });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret');
    }
  });

  it('freezes the result', () => {
    const { config } = loadConfig({ env: {}, cwd: tmp() });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses a replay target or shadow URL that holds credentials, and redacts a Redis password given in the query', () => {
    expect(() => loadConfig({ env: { PARITY_TARGET: 'http://user:s3cret@staging.example' }, cwd: tmp() })).toThrow(/target.*holds a user or password/s);
    try {
      loadConfig({ env: { PARITY_TARGET: 'http://user:s3cret@staging.example' }, cwd: tmp() });
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('s3cret');
    }
  });

  it('suggests the known name closest to a misspelt one, and none when nothing is near', () => {
    const sections = ['sampling', 'anonymise', 'shadow', 'diff', 'gate'];
    expect(closestName('anonymize', sections)).toBe('anonymise');
    expect(closestName('Shadow', sections)).toBe('shadow');
    expect(closestName('smapling', sections)).toBe('sampling');
    expect(closestName('gates', sections)).toBe('gate');
    expect(closestName('extras', sections)).toBeUndefined();
    expect(closestName('x', sections)).toBeUndefined();
  });

  it('checks a Redis URL in full, saying which part is wrong', () => {
    for (const good of ['redis://127.0.0.1:6379', 'rediss://user:pw@cache.internal:6380/2', 'redis://[::1]:6379', 'redis://h', 'redis://h:6379/?password=x', 'redis://:p%40ss@h:6379']) {
      expect(redisUrlProblem(good), good).toBeUndefined();
    }
    const cases: [string, RegExp][] = [
      ['http://h:6379', /expected a redis:\/\/ or rediss:\/\/ URL/],
      ['redis://127.0.0.1:99999', /the port must be a number from 1 to 65535/],
      ['redis://h:notaport', /the port must be a number from 1 to 65535/],
      ['redis://h:0', /the port must be a number from 1 to 65535/],
      ['redis://[::1:6379', /the IPv6 address has no closing \]/],
      ['redis://', /names no host/],
      ['redis://h:6379/abc', /the path can only be a database number/],
      ['redis://:p%zz@h:6379', /a % that starts no %XX escape/],
      ['redis://:pa/ss@h:6379', /a \/ \? or # in the password must be written as %2F, %3F or %23/],
      ['redis://:pa?ss@h:6379', /a \/ \? or # in the password/],
    ];
    for (const [url, problem] of cases) expect(redisUrlProblem(url), url).toMatch(problem);
  });

  it('refuses a Redis URL that does not parse, without echoing its password', () => {
    let message = '';
    try {
      loadConfig({ cwd: tmp(), env: { PARITY_REDIS_URL: 'redis://:Hunter2-Pw@127.0.0.1:99999' } });
    } catch (err) {
      message = (err as Error).message;
      expect((err as { code: string }).code).toBe('PARITY_ERR_CONFIG_INVALID');
    }
    expect(message).toMatch(/redisUrl \(from env, PARITY_REDIS_URL\): the port must be a number from 1 to 65535/);
    expect(message).not.toContain('Hunter2');
  });
});
