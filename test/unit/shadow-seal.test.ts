import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { open, parseShadowKey, seal } from '../../shared/shadow/seal.js';
import { decodeMirroredRequests, encodeMirroredRequests } from '../../shared/shadow/job.js';

describe('sealing raw shadow requests', () => {
  const key = randomBytes(32);

  it('opens what it sealed, for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string(), (bytes, aad) => {
        expect(open(key, seal(key, Buffer.from(bytes), aad), aad).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('does not carry the plaintext and uses a fresh IV each time', () => {
    const plain = Buffer.from('Authorization: Bearer real-token-123');
    const a = seal(key, plain, 'k');
    expect(a.includes(plain)).toBe(false);
    expect(a.equals(seal(key, plain, 'k'))).toBe(false);
  });

  it('refuses a wrong key, another key name or an altered byte', () => {
    const box = seal(key, Buffer.from('secret'), 'parity:shadow:{shadow}:raw:1');
    expect(() => open(randomBytes(32), box, 'parity:shadow:{shadow}:raw:1')).toThrow(/wrong key or altered/);
    expect(() => open(key, box, 'parity:shadow:{shadow}:raw:2')).toThrow(/wrong key or altered/);
    const altered = Buffer.from(box);
    altered[altered.length - 1]! ^= 1;
    expect(() => open(key, altered, 'parity:shadow:{shadow}:raw:1')).toThrow(/PARITY_ERR_SHADOW_SEAL|wrong key/);
  });

  it('takes the key as hex or base64', () => {
    const raw = randomBytes(32);
    expect(parseShadowKey(raw.toString('hex')).equals(raw)).toBe(true);
    expect(parseShadowKey(raw.toString('base64')).equals(raw)).toBe(true);
    expect(() => parseShadowKey('abcd')).toThrow(/32 bytes/);
  });

  it('round-trips the raw requests of a job through MessagePack', () => {
    const req = { method: 'POST', url: '/api/cart?x=1', headers: [['authorization', 'Bearer t'], ['content-type', 'application/json']] as [string, string][], body: Buffer.from('{"a":1}') };
    expect(decodeMirroredRequests(encodeMirroredRequests([req, null]))).toEqual([req, null]);
  });
});
