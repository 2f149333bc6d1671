import { describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * Session 15 (2026-12-07): limits the thirteenth review left, and the
 * fourteenth review's findings (the response side), each failing here first.
 */

const anonymise = createRecordAnonymiser({ key: 'fourteenth-review-key-0123456789' });

describe("anonymiser: a multipart part's own credential headers (thirteenth review, left then)", () => {
  it('pseudonymises X-Api-Key and X-Auth-Token lines of a part, keeps its Content-Type', () => {
    const key = 'pk9Xv2Lm8Qw3Rt7Zy4';
    const body = ['--b1', 'Content-Disposition: form-data; name="meta"', 'Content-Type: application/json', `X-Api-Key: ${key}`, 'x-auth-token:tok_short', '', '{"a":1}', '--b1--', ''].join('\r\n');
    const out = anonymise(record({ reqHeaders: [['content-type', 'multipart/form-data; boundary=b1']], reqBody: body }));
    expectClean(out, [key, 'tok_short']);
    const stored = out.req.body.bytes.toString();
    expect(stored).toContain('Content-Type: application/json\r\nX-Api-Key: ');
    expect(stored).toMatch(/x-auth-token:\w{9}\r\n/);
  });
});

describe('anonymiser: a gzip file uploaded as a multipart part (thirteenth review, left then)', () => {
  const EMAIL = 'priya.sharma@acmecorp.in';
  const multipart = (file: Buffer) => Buffer.concat([
    Buffer.from('--b2\r\nContent-Disposition: form-data; name="file"; filename="export.ndjson.gz"\r\nContent-Type: application/gzip\r\n\r\n'),
    file,
    Buffer.from('\r\n--b2\r\nContent-Disposition: form-data; name="note"\r\n\r\nnightly\r\n--b2--\r\n'),
  ]);
  const headers: [string, string][] = [['content-type', 'multipart/form-data; boundary=b2']];
  const partOf = (body: Buffer) => {
    const start = body.indexOf('\r\n\r\n') + 4;
    return body.subarray(start, body.indexOf('\r\n--b2', start));
  };

  it('reads it decoded and stores it compressed again', () => {
    const ndjson = `${JSON.stringify({ email: EMAIL, password: 'hunter2-Secret9' })}\n${JSON.stringify({ email: 'rohan@example.in' })}\n`;
    const out = anonymise(record({ reqHeaders: headers, reqBody: multipart(gzipSync(ndjson)) }));
    const inner = gunzipSync(partOf(out.req.body.bytes)).toString();
    for (const raw of [EMAIL, 'hunter2-Secret9', 'rohan@example.in']) expect(inner).not.toContain(raw);
    expect(inner.split('\n').filter(Boolean).map((l) => Object.keys(JSON.parse(l) as object))).toEqual([['email', 'password'], ['email']]);
    expect(out.req.body.bytes.toString()).toContain('name="note"\r\n\r\nnightly\r\n');
  });

  it('keeps a clean one byte for byte, and drops the body when a binary one holds personal data', () => {
    const clean = multipart(gzipSync('sku,qty\nSKU-1,2\n'));
    expect(anonymise(record({ reqHeaders: headers, reqBody: clean })).req.body.bytes.equals(clean)).toBe(true);
    const tar = Buffer.concat([Buffer.from('data.csv\0\0\0\0'), Buffer.alloc(100), Buffer.from(`${EMAIL}\n`)]);
    const out = anonymise(record({ reqHeaders: headers, reqBody: multipart(gzipSync(tar)) }));
    expect(out.req.body.omitted).toBe('anonymiser-error');
    expect(out.req.body.bytes.length).toBe(0);
  });
});
