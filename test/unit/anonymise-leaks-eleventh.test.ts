import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * The eleventh review (2026-12-07): limits the tenth left — a secret named
 * in all capitals by a sibling member (`{"NAME":"DB_PASSWORD","VALUE":…}`)
 * and LDAP's `userPassword` hashes (`{SSHA}…`) — and what a probe of ~135
 * realistic payloads found stored raw: validation errors that echo the
 * password or OTP they refused, keys named for what they sign or unlock
 * (`license_key`, `consumer_key`), a credential's name with a trailing
 * word (`otpValue`, `password_hash`), 2FA recovery codes, HTTP Basic
 * credentials out of their header, OpenPGP private keys; and what it found
 * rewritten that is no personal data (`logo@2x.png`, `react@latest`).
 * Nothing of a planted value may remain in the stored record, and the
 * audit must agree.
 */

const anonymise = createRecordAnonymiser({ key: 'eleventh-review-key-0123456789' });
const json: HeaderPair[] = [['content-type', 'application/json']];
const text: HeaderPair[] = [['content-type', 'text/plain']];
const form: HeaderPair[] = [['content-type', 'application/x-www-form-urlencoded']];

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

describe('anonymiser: validation errors that echo the value they refused', () => {
  it.each([
    ['express-validator 7 (holder first)', { errors: [{ type: 'field', value: 'qwerty9', msg: 'Invalid value', path: 'password', location: 'body' }] }, 'qwerty9'],
    ['Spring', { errors: [{ field: 'password', rejectedValue: 'shortPw1', defaultMessage: 'size must be between 8 and 64' }] }, 'shortPw1'],
    ['class-validator', { message: [{ value: 'pw12', property: 'password', constraints: { minLength: 'too short' } }] }, 'pw12'],
    ['pydantic 2', { detail: [{ type: 'string_too_short', loc: ['body', 'password'], msg: 'String should have at least 8 characters', input: 'abcdefg', ctx: { min_length: 8 } }] }, 'abcdefg'],
    ['pydantic 2, input first, nested', { detail: [{ input: 'hunter22', type: 'x', loc: ['body', 'user', 'password'] }] }, 'hunter22'],
    ['a variable', { variable: 'DB_PASSWORD', value: 'hunter2xyz' }, 'hunter2xyz'],
    ['an attribute', { attribute: 'password', value: 'attrPw99' }, 'attrPw99'],
    ['a Yup-like original value', { field: 'password', originalValue: 'origPw99' }, 'origPw99'],
  ])('%s', (_, body, planted) => {
    expectClean(anonymise(record({ resHeaders: json, resBody: JSON.stringify(body) })), [planted]);
  });

  it('leaves what a route under `path` or another `loc` sits beside', () => {
    for (const body of ['{"path":"/settings/password","text":"Change password"}', '{"loc":["en","fr"],"value":"password reset"}', '{"detail":[{"loc":["body","email"],"input":"not-an-email"}]}']) {
      expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
    }
  });
});

describe('anonymiser: credentials the probe found under other names', () => {
  it('pseudonymises keys named for what they sign, encrypt or unlock', () => {
    const planted = { license_key: 'LK9f8e7d6c5b4a3', encryption_key: 'enc0123abcdefXYZ', signing_key: 'sgn0123abcdefXYZ', master_key: 'mk0123abcdefXYZ', consumer_key: 'ck_4f9c0a1b2c3d4e5f', webhook_key: 'whk0123abcdefgh', 'client-key-data': 'LS0tLS1CRUdJTiBSU0Eg' };
    expectClean(anonymise(record({ resHeaders: json, resBody: JSON.stringify(planted) })), Object.values(planted));
    const out = anonymise(record({ url: '/wp-json/wc/v3/orders?consumer_key=ck_4f9c0a1b2c3d4e5f&page=2', reqHeaders: [['x-parse-master-key', 'myMasterKey123abc'], ['x-license-key', 'LIC-1234-ABCD']] }));
    expectClean(out, ['ck_4f9c0a1b2c3d4e5f', 'myMasterKey123abc', 'LIC-1234-ABCD']);
    expect(out.url).toMatch(/&page=2$/);
  });

  it("pseudonymises a credential's name with a trailing word, in JSON as in a form", () => {
    const planted = { otpValue: '482913', otp_value: '482914', tokenValue: 'tokv0123abcd', password_hash: '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', SECRET_HASH: 'sEcReThAsH01', cvvNumber: '123', cvv_code: '456', tokenString: 'tokstr0123' };
    const out = anonymise(record({ reqHeaders: json, reqBody: JSON.stringify(planted) }));
    expectClean(out, Object.values(planted).filter((v) => v.length > 3));
    const stored = JSON.parse(out.req.body.bytes.toString()) as Record<string, string>;
    for (const [k, v] of Object.entries(planted)) expect(stored[k], k).not.toBe(v);
  });

  it('leaves keys that end so without a credential before', () => {
    const body = JSON.stringify({ value: 'plain', rating: 4, hash: 'deadbeef', cash: '100', orderNumber: 'ORD-1', countryCode: 'IN', billing: 'x', keyValue: 'kv1', string: 's' });
    expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
  });

  it('pseudonymises 2FA recovery and backup codes', () => {
    const planted = ['a1b2c-3d4e5', 'f6g7h-8i9j0', '12345678', '87654321', 'bk12-34ab'];
    const body = JSON.stringify({ recovery_codes: planted.slice(0, 2), backup_codes: planted.slice(2, 4), backupCode: planted[4] });
    expectClean(anonymise(record({ resHeaders: json, resBody: body })), planted);
  });

  it('finds HTTP Basic credentials out of their header, and leaves the word basic', () => {
    expectClean(anonymise(record({ resHeaders: json, resBody: '{"msg":"upstream call with Basic c3ZjOlMzcnYxY2VQdw=="}' })), ['c3ZjOlMzcnYxY2VQdw==']);
    expectClean(anonymise(record({ resHeaders: text, resBody: 'retrying upstream with basic dTI6UDJzc3cwcmRY now' })), ['dTI6UDJzc3cwcmRY']);
    const plain = JSON.stringify({ plan: 'Basic information about plans', tier: 'basic Premium' });
    expect(anonymise(record({ resHeaders: json, resBody: plain })).res!.body.bytes.toString()).toBe(plain);
  });

  it('finds an OpenPGP private key, armour headers and all', () => {
    const material = 'lQOYBF0nZ7kBCAC8q3xN5Yf2d3abcdefghijkLMNOPQRSTU0123456789';
    const key = `-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2.0.22 (GNU/Linux)\n\n${material}\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n`;
    const out = anonymise(record({ resHeaders: json, resBody: JSON.stringify({ key }) }));
    expectClean(out, [material, material.slice(10, 40)]);
    expect(JSON.parse(out.res!.body.bytes.toString()).key).toMatch(/^-----BEGIN PGP PRIVATE KEY BLOCK-----\n[^]*\n-----END PGP PRIVATE KEY BLOCK-----\n$/);
  });
});

describe('anonymiser: what is no personal data stays as it is', () => {
  it('leaves retina assets and release tags, and still finds an address in a file name', () => {
    const body = JSON.stringify({ images: ['https://cdn.example.in/p/logo@2x.png', 'banner@3x.webp'], install: 'npm i react@latest next@canary' });
    expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
    const out = anonymise(record({ resHeaders: json, resBody: JSON.stringify({ file: 'priya.sharma@acmecorp.in.pdf' }) }));
    expectClean(out, ['priya.sharma@acmecorp.in']);
    expect(JSON.parse(out.res!.body.bytes.toString()).file).toMatch(/^[a-z]+\.[a-z]+@[a-z]+\.in\.pdf$/);
  });
});

describe('anonymiser: a one-time code sent beside the phone or address it went to', () => {
  it.each([
    ['phone first', '{"phone":"+919876543210","code":"482913"}', '482913'],
    ['code first', '{"code":"482913","phone":"+919876543210"}', '482913'],
    ['a number, beside an email', '{"email":"priya.sharma@acmecorp.in","code":482913}', '482913'],
    ['four digits, beside a mobileNumber', '{"mobileNumber":"9876543210","code":"4829"}', '4829'],
  ])('%s', (_, body, otp) => {
    const out = anonymise(record({ reqHeaders: json, reqBody: body }));
    expectClean(out, [otp]);
    expect(JSON.parse(out.req.body.bytes.toString()).code.toString()).toMatch(new RegExp(`^[0-9]{${otp.length}}$`));
  });

  it('leaves a code that is no one-time code, or has no phone beside it', () => {
    for (const [body, code] of [
      ['{"phone":"+919876543210","code":"+91"}', '"code":"+91"'],
      ['{"email":"priya.sharma@acmecorp.in","code":"SAVE20"}', '"code":"SAVE20"'],
      ['{"error":{"code":"100234","message":"bad"}}', '"code":"100234"'],
      ['{"user":{"phone":"+919876543210"},"code":"482913"}', '"code":"482913"'],
    ] as const) {
      expect(anonymise(record({ reqHeaders: json, reqBody: body })).req.body.bytes.toString()).toContain(code);
    }
  });
});

describe("anonymiser: the review of the eleventh review's code", () => {
  it('finds addresses at .mp and .map, which are top-level domains', () => {
    expectClean(anonymise(record({ resHeaders: json, resBody: '{"a":"official@gov.mp","b":"asha@roads.map","c":"someone@saipan.com.mp"}' })), ['official@gov.mp', 'asha@roads.map', 'someone@saipan']);
  });

  it('reads JSON Patch and zod paths, and leaves routes, tool calls and form schemas', () => {
    expectClean(anonymise(record({ reqHeaders: json, reqBody: '[{"op":"replace","path":"/password","value":"NewHunterPass1"},{"op":"add","path":"/data/api_token","value":"tok-9f8e7d6c"}]' })), ['NewHunterPass1', 'tok-9f8e7d6c']);
    expectClean(anonymise(record({ resHeaders: json, resBody: '{"issues":[{"code":"too_small","path":["password"],"input":"zodPw12"}]}' })), ['zodPw12']);
    for (const body of [
      '{"path":"forgot-password","data":{"title":"Forgot your password?"}}',
      '{"type":"tool_use","name":"reset_password","input":{"user_id":"u-123","locale":"en-IN"}}',
      '{"fields":[{"label":"OTP","input":"text"}]}',
    ]) {
      expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
    }
  });

  it('splits an acronym from the word after it: OTPValue, CVVNumber', () => {
    expectClean(anonymise(record({ reqHeaders: json, reqBody: '{"OTPValue":"482913","CVVNumber":"4821","SSNHash":"a1b2c3d4e5f6"}' })), ['482913', '4821', 'a1b2c3d4e5f6']);
  });

  it('leaves names that only start like a key named for what it unlocks, and passes that are tickets', () => {
    const out = anonymise(record({ url: '/search?app_keywords=shoes&signing_key_id=k1-2026' }));
    expect(out.url).toBe('/search?app_keywords=shoes&signing_key_id=k1-2026');
    const body = '{"boardingPassNumber":"BP-20261207","bus_pass_data":{"zone":"A"}}';
    expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
  });

  it('stops a private key at its END line: the text after it stays', () => {
    const material = 'lQOYBF0nZ7kBCAC8q3xN5Yf2d3abcdefghijkLMNOPQRSTU0123456789';
    const body = `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${material}\n-----END PGP PRIVATE KEY BLOCK-----\nThanks for your order, Asha. Your parcel ships soon.\nNever paste a PRIVATE KEY BLOCK-----, only the public one.\n`;
    const out = anonymise(record({ resHeaders: text, resBody: body }));
    expectClean(out, [material]);
    expect(out.res!.body.bytes.toString()).toContain('-----\nThanks for your order, Asha. Your parcel ships soon.\nNever paste a PRIVATE KEY BLOCK-----, only the public one.\n');
  });

  it('finds Basic credentials whose password is not ASCII', () => {
    const b64 = Buffer.from('asha:pässwörd1').toString('base64');
    expectClean(anonymise(record({ resHeaders: text, resBody: `retry with Basic ${b64}` })), [b64]);
  });
});

describe('anonymiser: the second review of the eleventh review', () => {
  it('keeps MPin and TPin whole words, and does not split OAuth', () => {
    expectClean(anonymise(record({ reqHeaders: json, reqBody: '{"key":"MPin","value":"482913"}' })), ['482913']);
    expectClean(anonymise(record({ reqHeaders: json, reqBody: '{"TPin":"Ab12Cd"}' })), ['Ab12Cd']);
    const body = '{"OAuth":{"Enabled":true,"Authority":"https://login.example.com","ClientId":"app-123"},"OAuthVersion":"2.0"}';
    expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
  });

  it('finds a private key whose label holds digits or dots', () => {
    const material = 'MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQg';
    expectClean(anonymise(record({ resHeaders: text, resBody: `-----BEGIN SM2 PRIVATE KEY-----\n${material}\n-----END SM2 PRIVATE KEY-----\n` })), [material]);
  });

  it('reads pass with a trailing word other than number or data, and key names with a digit or an encoding after them', () => {
    expectClean(anonymise(record({ resHeaders: json, resBody: '{"id":"u1","pass_hash":"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8","passValue":"hunter2xyz"}' })), ['5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', 'hunter2xyz']);
    const out = anonymise(record({ url: '/activate?license_key_1=LK9f8e7d6c5b4a3&encryptionKeyBase64=ZW5jcnlwdGlvbmtleQ' }));
    expectClean(out, ['LK9f8e7d6c5b4a3', 'ZW5jcnlwdGlvbmtleQ']);
  });

  it('pairs input with a validator field, and value with a loc', () => {
    expectClean(anonymise(record({ resHeaders: json, resBody: '{"errors":[{"field":"password","input":"hunter2xyz"}]}' })), ['hunter2xyz']);
    expectClean(anonymise(record({ resHeaders: json, resBody: '{"detail":[{"loc":["body","password"],"value":"locPw1234"}]}' })), ['locPw1234']);
  });

  it("reads a one-time code beside a masked phone, in a body where nothing else is found", () => {
    expectClean(anonymise(record({ reqHeaders: json, reqBody: '{"phone":"******3210","code":"482913"}' })), ['482913']);
  });

  it("leaves a route's metric: a path with a '/' names a field only after JSON Patch's op", () => {
    for (const body of [
      '{"name":"LCP","value":2481.5,"path":"/account/password"}',
      '[{"metric":"http_requests_total","path":"/oauth/token","value":1532}]',
      '{"path":"/reset-password","value":"Reset your password"}',
      '{"path":["api","auth","token"],"value":42}',
    ]) {
      expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
    }
  });

  it('reads the members before a namer once, however many objects a large body holds', () => {
    // quadratic before: each object's look back searched the rest of the body for a backslash
    const ops = Array.from({ length: 4000 }, (_, i) => `{"value":"NewPass${i}x","op":"replace","path":"/password"}`).join(',');
    const out = anonymise(record({ reqHeaders: json, reqBody: `[${ops}]` }));
    expect(out.req.body.bytes.toString()).not.toMatch(/NewPass\d+x/);
  });
});

describe('anonymiser: names the probe found left, now read', () => {
  it("pseudonymises OAuth 1.0a's verifier, an access code and a passkey, in a query, a form and JSON", () => {
    const out = anonymise(record({ url: '/oauth/callback?oauth_token=abc&oauth_verifier=uw7NjWHT6OMyG8c1zQ', reqHeaders: form, reqBody: 'access_code=AC-77f3e2d1&passkey=pk9f8e7d6c' }));
    expectClean(out, ['uw7NjWHT6OMyG8c1zQ', 'AC-77f3e2d1', 'pk9f8e7d6c']);
    expectClean(anonymise(record({ reqHeaders: json, reqBody: '{"oauth_verifier":"uw7NjWHT6OMyG8c1zQ","accessCode":"AC-77f3e2d1","passkey":"pk9f8e7d6c"}' })), ['uw7NjWHT6OMyG8c1zQ', 'AC-77f3e2d1', 'pk9f8e7d6c']);
    const kept = '{"address_code":"AD-100","business_code":"B-7"}';
    expect(anonymise(record({ reqHeaders: json, reqBody: kept })).req.body.bytes.toString()).toBe(kept);
  });
});

describe('anonymiser: a bare key holding a hex token', () => {
  it("pseudonymises dj-rest-auth's login answer and an API key in a query", () => {
    const token = '9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b';
    expectClean(anonymise(record({ resHeaders: json, resBody: `{"key":"${token}"}` })), [token]);
    expectClean(anonymise(record({ resHeaders: json, resBody: `{"user":{"id":7},"key": "${token}"}` })), [token]);
    const out = anonymise(record({ url: `/1/members/me/boards?key=0123456789abcdef0123456789abcdef&fields=name` }));
    expectClean(out, ['0123456789abcdef0123456789abcdef']);
    expect(out.url).toMatch(/&fields=name$/);
  });

  it('leaves i18n, object and cache keys, and short hex', () => {
    const body = '{"items":[{"key":"login.password.label"},{"key":"uploads/2026/12/a1b2c3d4e5f60718293a4b5c6d7e8f90.png"},{"key":"user:42:session"},{"key":"a1b2c3d4"}]}';
    expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
    expect(anonymise(record({ url: '/sort?key=createdAt' })).url).toBe('/sort?key=createdAt');
  });
});
