import { describe, expect, it } from 'vitest';
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
