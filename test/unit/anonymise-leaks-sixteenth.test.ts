import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * Session 17 (2026-12-07): what the review of session 16's readings left
 * (docs/anonymisation.md), each failing here first. Each planted value must
 * not survive in any form; what is around it stays byte for byte.
 */

const anonymise = createRecordAnonymiser({ key: 'sixteenth-review-key-0123456789' });
const typed = (type: string, body: string) => anonymise(record({ resHeaders: [['content-type', type]], resBody: body }));
const html = (body: string) => typed('text/html', body);
const bodyOf = (r: CaptureRecord) => r.res!.body.bytes.toString();
/** The body is stored as it came: nothing in it was taken. */
const htmlKept = (body: string) => expect(bodyOf(html(body))).toBe(body);


describe('anonymiser: a masked value is one mostly of mask characters', () => {
  it('reads a password with a run of stars inside it', () => {
    expectClean(html('<table><tr><td>Password</td><td>Tr0ub****dor3</td></tr><tr><td>DB_PASSWORD</td><td>Tr0ub••••dor3</td></tr></table>'), ['Tr0ub****dor3', 'Tr0ub••••dor3']);
  });

  it('keeps a value masked after a visible prefix or before its last characters', () => {
    htmlKept('<table><tr><td>API key</td><td>sk_live_••••1234</td></tr><tr><td>Token</td><td>ghp_****abcd</td></tr><tr><td>Password</td><td>************</td></tr><tr><td>Secret</td><td>••••••••1234</td></tr><tr><td>Access key</td><td>AKIA••••••••••••WXYZ</td></tr></table>');
  });
});
