import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ReplayRunDef } from '../../shared/replay/run.js';
import { openSetHeaders, sealSetHeaders } from '../../shared/replay/sealed-headers.js';
import { emptyTransform, type RequestTransform } from '../../shared/replay/transform.js';

const TOKEN = 'Bearer staging-3f9c2a7d1e';
const key = randomBytes(32);
const given: RequestTransform = { ...emptyTransform(), setHeaders: [['authorization', TOKEN], ['x-tenant', 'acme']], removeHeaders: ['cookie'] };
const runWith = (transform: RequestTransform, id = 'r-1'): ReplayRunDef => ({ id, transform }) as ReplayRunDef;

describe('--set-header values sealed at rest', () => {
  it('keeps no value in the clear and opens to the headers given, in order', () => {
    const sealed = sealSetHeaders(given, key, 'r-1');
    expect(JSON.stringify(sealed)).not.toContain('staging-3f9c2a7d1e');
    expect(JSON.stringify(sealed)).not.toContain('acme');
    expect(sealed.setHeaders).toEqual([]);
    expect(sealed.removeHeaders).toEqual(['cookie']);

    const opened = openSetHeaders(runWith(sealed), key);
    expect(opened.transform).toEqual(given);
  });

  it('leaves a run without sealed headers as it is, with or without a key', () => {
    const def = runWith(given);
    expect(openSetHeaders(def, undefined)).toBe(def);
    expect(openSetHeaders(def, key)).toBe(def);
    expect(sealSetHeaders(emptyTransform(), key, 'r-1')).toEqual(emptyTransform());
  });

  it('refuses to open without the key, with another key, or under another run, never showing the value', () => {
    const sealed = sealSetHeaders(given, key, 'r-1');
    const attempts = [() => openSetHeaders(runWith(sealed), undefined), () => openSetHeaders(runWith(sealed), randomBytes(32)), () => openSetHeaders(runWith(sealed, 'r-2'), key)];
    for (const attempt of attempts) {
      let message = '';
      try {
        attempt();
      } catch (err) {
        expect(err).toMatchObject({ code: 'PARITY_ERR_RUN_SEALED' });
        message = (err as Error).message;
      }
      expect(message).toMatch(/PARITY_SHADOW_KEY/);
      expect(message).not.toContain('staging-3f9c2a7d1e');
    }
  });
});
