import fc from 'fast-check';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodyTap } from '../../shared/capture/body-tap.js';
import { contentCoding, decodeBody } from '../../shared/capture/decode.js';
import { headerPairs } from '../../shared/capture/finish.js';

describe('capture body tap', () => {
  it('keeps a body within the limit whole', () => {
    const tap = new BodyTap(10);
    tap.push(Buffer.from('hello'));
    tap.push(Buffer.from('world'));
    const b = tap.finish();
    expect(Buffer.concat(b.chunks).toString()).toBe('helloworld');
    expect(b).toMatchObject({ kept: 10, size: 10, truncated: false });
    expect(b.sha256).toBeUndefined();
  });

  it('keeps a prefix of a longer body with its full size, and no hash of the raw body (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 64 }), { maxLength: 20 }), fc.nat(200), (chunks, limit) => {
        const tap = new BodyTap(limit);
        for (const c of chunks) tap.push(Buffer.from(c));
        const b = tap.finish();
        const whole = Buffer.concat(chunks.map((c) => Buffer.from(c)));
        expect(b.size).toBe(whole.length);
        expect(b.kept).toBe(Math.min(limit, whole.length));
        expect(Buffer.concat(b.chunks).equals(whole.subarray(0, b.kept))).toBe(true);
        expect(b.truncated).toBe(whole.length > limit);
        expect(b.sha256).toBeUndefined();
      }),
    );
  });
});

describe('capture body decoding', () => {
  const plain = Buffer.from('{"a":"'.concat('x'.repeat(5000), '"}'));

  it('names a single content coding and ignores identity, unknown and stacked codings', () => {
    expect(contentCoding(['Content-Type', 'a', 'Content-Encoding', 'GZIP'])).toBe('gzip');
    expect(contentCoding(['content-encoding', 'x-gzip'])).toBe('gzip');
    // codings stacked over two header lines are not one coding (the anonymiser drops such a body)
    expect(contentCoding(['content-encoding', 'gzip', 'Content-Encoding', 'gzip'])).toBeUndefined();
    expect(contentCoding(['content-encoding', 'identity', 'content-encoding', 'br'])).toBe('br');
    expect(contentCoding(['content-encoding', 'br'])).toBe('br');
    expect(contentCoding(['content-encoding', 'identity'])).toBeUndefined();
    expect(contentCoding(['content-encoding', 'gzip, br'])).toBeUndefined();
    expect(contentCoding(undefined)).toBeUndefined();
  });

  it('decodes within the limit and cuts a bomb to the limit', async () => {
    expect(await decodeBody(gzipSync(plain), 'gzip', 1 << 20)).toEqual({ bytes: plain, truncated: false });
    const bomb = await decodeBody(brotliCompressSync(Buffer.alloc(8 << 20)), 'br', 4096);
    expect(bomb).toMatchObject({ truncated: true });
    expect(bomb!.bytes.length).toBe(4096);
  });

  it('decodes a body cut short as far as it goes, and gives up on garbage', async () => {
    const gz = gzipSync(plain);
    const partial = await decodeBody(gz.subarray(0, Math.floor(gz.length / 2)), 'gzip', 1 << 20);
    expect(partial).toBeDefined();
    expect(plain.subarray(0, partial!.bytes.length).equals(partial!.bytes)).toBe(true);
    expect(await decodeBody(Buffer.from('not gzip at all'), 'gzip', 1024)).toBeUndefined();
  });

  it('turns raw headers into lower-cased ordered pairs', () => {
    expect(headerPairs(['Host', 'a', 'Set-Cookie', 'x=1', 'set-cookie', 'y=2'])).toEqual([
      ['host', 'a'],
      ['set-cookie', 'x=1'],
      ['set-cookie', 'y=2'],
    ]);
  });
});
