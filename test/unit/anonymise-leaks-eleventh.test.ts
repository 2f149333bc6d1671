import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * Limits the tenth review left, closed in the eleventh (2026-12-07): a
 * secret named in all capitals by a sibling member (`{"NAME":"DB_PASSWORD",
 * "VALUE":…}`, as environment dumps and some config stores write them) and
 * LDAP's `userPassword` hashes (`{SSHA}…`). Nothing of a planted value may
 * remain in the stored record, and the audit must agree.
 */

const anonymise = createRecordAnonymiser({ key: 'eleventh-review-key-0123456789' });
const json: HeaderPair[] = [['content-type', 'application/json']];
const text: HeaderPair[] = [['content-type', 'text/plain']];

describe('anonymiser: a secret its sibling names in capitals', () => {
  it.each([
    ['namer first', '{"env":[{"NAME":"DB_PASSWORD","VALUE":"hunter2-Secret-77"}]}', 'hunter2-Secret-77'],
    ['holder first', '{"env":[{"VALUE":"hunter2-Secret-77","NAME":"DB_PASSWORD"}]}', 'hunter2-Secret-77'],
    ['KEY and VAL', '{"KEY":"api_key","VAL":"sk9aa88bb77cc66"}', 'sk9aa88bb77cc66'],
    ['LABEL and DATA', '{"fields":[{"LABEL":"Password","DATA":"Tr0ub4dor&3"}]}', 'Tr0ub4dor&3'],
    ['a body with nothing a detector finds', '{"ParameterKey":"x","items":[{"NAME":"API_TOKEN","CONTENT":"plainwordsonlyhere"}]}', 'plainwordsonlyhere'],
  ])('%s', (_, body, planted) => {
    const out = anonymise(record({ reqHeaders: json, reqBody: body }));
    expectClean(out, [planted]);
  });

  it('leaves a value whose capitalised namer names no credential', () => {
    const body = '{"NAME":"colour","VALUE":"red-blue-green"}';
    expect(anonymise(record({ reqHeaders: json, reqBody: body })).req.body.bytes.toString()).toBe(body);
  });
});

describe("anonymiser: LDAP's userPassword hashes", () => {
  const hashes = [
    '{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g5ZXNzYWx0',
    '{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=',
    '{ssha512}Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6',
    '{PBKDF2-SHA256}29000$N2EmTIpRpxQi5J7bk9W7Fg$7h4fS0X1cGgrl3fhRBFkDfCfeVPUw6SbQxQHXk2yDzY',
  ];

  it.each(hashes)('redraws the hash of %s in JSON and keeps the scheme', (hash) => {
    const scheme = hash.slice(0, hash.indexOf('}') + 1);
    // under a key no credential rule names, as a directory export writes it
    const out = anonymise(record({ resHeaders: json, resBody: JSON.stringify({ dn: 'uid=asha,ou=people,dc=example,dc=in', attrs: { hashed: hash } }) }));
    expectClean(out, [hash.slice(scheme.length)]);
    const stored = JSON.parse(out.res!.body.bytes.toString()) as { attrs: { hashed: string } };
    expect(stored.attrs.hashed.startsWith(scheme)).toBe(true);
    expect(stored.attrs.hashed).toHaveLength(hash.length);
  });

  it('redraws an LDIF entry in a text body', () => {
    const ldif = `dn: uid=asha,ou=people,dc=example,dc=in\nuid: asha\nuserPassword: ${hashes[0]}\n`;
    const out = anonymise(record({ resHeaders: text, resBody: ldif }));
    expectClean(out, [hashes[0]!.slice(6)]);
    expect(out.res!.body.bytes.toString()).toMatch(/userPassword: \{SSHA\}[A-Za-z0-9+/=]{36}\n$/);
  });

  it('leaves braces that open no scheme', () => {
    const body = JSON.stringify({ template: 'Hello {name}abcdefghijklmnop0123456789', css: '.a{color:red}b1234567890abcdefghij' });
    expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
  });
});
