import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacSha256 } from '../../shared/anonymise/pseudonym/hmac.js';

const hex = (words: Int32Array) => [...words].map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
const node = (key: Uint8Array, message: string) => createHmac('sha256', key).update(message).digest('hex');

describe('HMAC-SHA256 for pseudonyms', () => {
  it('matches RFC 4231 test case 2', () => {
    const mac = new HmacSha256(Buffer.from('Jefe'));
    expect(hex(mac.digestWords('what do ya want for nothing?'))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('gives the bytes node:crypto gives, for any key and message, across calls on one instance', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.oneof(fc.string({ maxLength: 140 }), fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 })), { minLength: 1, maxLength: 5 }),
        (key, messages) => {
          const mac = new HmacSha256(key);
          for (const m of messages) expect(hex(mac.digestWords(m))).toBe(node(key, m));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('MACs a prefix and a message as their concatenation', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 60 }), (key, prefix, message) => {
        expect(hex(new HmacSha256(key).digestWords(message, prefix))).toBe(node(key, prefix + message));
      }),
      { numRuns: 300 },
    );
  });

  it('handles every length around the block and padding boundaries, and lone surrogates', () => {
    const key = Buffer.from('boundary-key');
    const mac = new HmacSha256(key);
    for (let n = 0; n <= 200; n++) {
      const m = 'x'.repeat(n);
      expect(hex(mac.digestWords(m))).toBe(node(key, m));
    }
    for (const m of ['\ud800', 'a\udc00b', 'é'.repeat(40), '😀'.repeat(30), `${'a'.repeat(54)}é`]) expect(hex(mac.digestWords(m))).toBe(node(key, m));
  });
});
