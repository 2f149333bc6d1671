import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';

/**
 * A JSON number named like a credential (`{"pin":1003}`) is pseudonymised by
 * redrawing its digits. Replay sends the stored body to a target that may
 * validate the field as an integer, so the pseudonym must stay a JSON number
 * of the same shape: never quoted because its first digit came out 0.
 */

const KEY = 'numbers-test-key-0123456789';
const anonymise = createRecordAnonymiser({ key: KEY });
const json: HeaderPair[] = [['content-type', 'application/json']];
const reqBody = (body: string) => anonymise(record({ reqHeaders: json, reqBody: body })).req.body.bytes.toString();

/** The shape of a JSON number's text: each digit becomes 9, everything else stays. */
const shape = (s: string) => s.replace(/[0-9]/g, '9');

/** `sameShape` false: a number in e-notation may read as a phone number (`78.9e08`), and is then replaced by one's pseudonym. */
function expectNumberPseudonym(name: string, raw: string, sameShape = true): void {
  const body = `{"${name}":${raw}}`;
  const out = reqBody(body);
  const value: unknown = (JSON.parse(out) as Record<string, unknown>)[name];
  expect(typeof value, `${body} -> ${out}`).toBe('number');
  const text = out.slice(name.length + 4, -1);
  if (sameShape) expect(shape(text), `${body} -> ${out}`).toBe(shape(raw));
  expect(text, body).not.toBe(raw);
}

describe('anonymiser: a JSON number named like a credential stays a JSON number', () => {
  it('keeps pins, account numbers and passwords numbers of the same digit count', () => {
    for (let n = 1000; n < 1400; n++) expectNumberPseudonym('pin', String(n));
    for (let n = 0; n < 200; n++) expectNumberPseudonym('accountNumber', String(100000000000 + n * 7919));
    for (let n = 0; n < 200; n++) expectNumberPseudonym('password', String(12345678 + n * 104729));
  });

  it('keeps a sign, a fraction and an exponent', () => {
    for (let n = 0; n < 100; n++) {
      expectNumberPseudonym('password', String(-(1000 + n * 37)));
      expectNumberPseudonym('password', `${10 + n}.${5000 + n}`);
      expectNumberPseudonym('password', `0.${1000 + n}`);
      expectNumberPseudonym('password', `${10 + n}.5e${10 + n}`, false);
      expectNumberPseudonym('password', `-${1 + (n % 9)}E-${7 + n}`, false);
    }
  });

  it('never gives a one-digit number itself, nor a string', () => {
    for (let n = 0; n < 10; n++) expectNumberPseudonym('password', String(n));
  });

  it('is the same under the key, in every record', () => {
    const again = createRecordAnonymiser({ key: KEY });
    for (const body of ['{"pin":1003}', '{"accountNumber":100000000023}', '{"password":12345678}']) {
      expect(again(record({ reqHeaders: json, reqBody: body })).req.body.bytes.toString()).toBe(reqBody(body));
    }
  });
});
