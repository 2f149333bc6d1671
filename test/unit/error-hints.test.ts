import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../shared/errors.js';
import { ROOT } from '../helpers/cli.js';

describe('error hints', () => {
  it('name only files that exist in the repository', () => {
    const named = Object.entries(ERRORS).flatMap(([code, e]) => [...e.hint.matchAll(/\b(?:docs|shared|services|scripts)\/[\w./-]+\.(?:md|ts|ya?ml)\b/g)].map((m) => ({ code, file: m[0] })));
    expect(named.length).toBeGreaterThan(0);
    for (const { code, file } of named) expect(existsSync(`${ROOT}${file}`), `${code} names ${file}`).toBe(true);
  });
});
