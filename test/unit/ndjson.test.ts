import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedInput } from '../../shared/formats/malformed.js';
import { ndjsonLine, readNdjson } from '../../shared/formats/ndjson.js';
import { chunked, collect, failure } from '../fixtures/chunks.js';
import { anyRecord } from '../fixtures/records.js';

describe('NDJSON', () => {
  it('round-trips any record exactly, however the file is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyRecord, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }), async (records, sizes) => {
        const file = Buffer.from(records.map(ndjsonLine).join(''));
        expect(await collect(readNdjson(chunked(file, sizes)))).toEqual(records);
      }),
      { numRuns: 150 },
    );
  });

  it('skips blank lines and accepts CRLF line ends and a byte-order mark', async () => {
    const [a, b] = fc.sample(anyRecord, { numRuns: 2, seed: 7 });
    const file = Buffer.from(`\uFEFF${ndjsonLine(a!).trimEnd()}\r\n\r\n   \n${ndjsonLine(b!)}`);
    expect(await collect(readNdjson(chunked(file)))).toEqual([a, b]);
  });

  it('rejects a line that is not JSON with its line number and byte offset', async () => {
    const [a] = fc.sample(anyRecord, { numRuns: 1, seed: 3 });
    const first = ndjsonLine(a!);
    const file = Buffer.from(`${first}${first}{"v":1,"id":\n${first}`);
    const err = await failure(readNdjson(chunked(file, [17])));
    expect(err).toBeInstanceOf(MalformedInput);
    expect((err as MalformedInput).position).toEqual({ line: 3, offset: Buffer.byteLength(first) * 2 });
    expect(err.message).toMatch(/^line 3, byte offset \d+: not valid JSON/);
  });

  it('rejects JSON that is not a capture record, naming the field', async () => {
    const err = await failure(readNdjson(chunked(Buffer.from('{"v":1,"id":"x","session":"s","ts":-5}\n'))));
    expect(err.message).toMatch(/^line 1, byte offset 0: not a capture record: record: /);
  });

  it('never crashes on garbage: every failure is a MalformedInput with a line', async () => {
    const [a] = fc.sample(anyRecord, { numRuns: 1, seed: 5 });
    const good = Buffer.from(ndjsonLine(a!));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.uint8Array({ maxLength: 80 }).map((x) => Buffer.from(x)), fc.json().map((j) => Buffer.from(`${j}\n`)), fc.constant(good)), { maxLength: 6 }), async (parts) => {
        try {
          await collect(readNdjson(chunked(Buffer.concat(parts), [13])));
        } catch (err) {
          expect(err).toBeInstanceOf(MalformedInput);
          expect((err as MalformedInput).position.line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives up on a line longer than the limit instead of buffering it', async () => {
    const { readLines } = await import('../../shared/formats/lines.js');
    const err = await failure(readLines(chunked(Buffer.alloc(5000, 0x41), [1000]), 2048));
    expect(err.message).toMatch(/line 1, byte offset 0: line is longer than 2048 bytes/);
  });
});
