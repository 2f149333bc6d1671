import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, ParityError, redactUrl } from '../../shared/errors.js';
import { ROOT } from '../helpers/cli.js';

describe('error catalogue', () => {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');

  it.each(Object.keys(ERRORS))('%s is documented in README’s error table', (code) => {
    expect(readme).toContain(`| \`${code}\` |`);
  });

  it('gives each error the exit code SPEC assigns to its kind', () => {
    for (const [code, def] of Object.entries(ERRORS)) {
      expect([1, 2, 3], code).toContain(def.exit);
      expect(def.hint.length, code).toBeGreaterThan(10);
    }
    expect(ERRORS.PARITY_ERR_CONFIG_INVALID.exit).toBe(2);
    expect(ERRORS.PARITY_ERR_REDIS_UNREACHABLE.exit).toBe(3);
    expect(ERRORS.PARITY_ERR_GATE_FAILED.exit).toBe(1);
  });

  it('describes itself with code, message and hint', () => {
    const e = new ParityError('PARITY_ERR_REDIS_UNREACHABLE', 'cannot reach Redis at redis://127.0.0.1:1/');
    expect(e.describe()).toMatch(/^PARITY_ERR_REDIS_UNREACHABLE: cannot reach Redis.*\n  hint: Start one with `redis-server`/);
  });

  it('redacts passwords from URLs', () => {
    expect(redactUrl('redis://:hunter22@127.0.0.1:6379/0')).not.toContain('hunter22');
    expect(redactUrl('redis://user:hunter22@127.0.0.1:6379/0')).not.toContain('hunter22');
    // ioredis also reads a password from the query
    expect(redactUrl('redis://127.0.0.1:6379/?password=hunter22&db=1')).toBe('redis://127.0.0.1:6379/?password=***&db=1');
  });
});
