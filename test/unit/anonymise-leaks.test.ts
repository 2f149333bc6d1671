import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { auditRecord } from '../../shared/anonymise/audit.js';
import type { CaptureRecord, HeaderPair } from '../../shared/record/schema.js';
import { testRecord } from '../helpers/record.js';

/**
 * Inputs a review found raw personal data surviving in (2026-12-07): each
 * goes through the record anonymiser and nothing of the planted values may
 * remain in any form — raw, lower-cased or digits only — anywhere in the
 * stored record, its change list included. The audit must agree.
 */

const EMAIL = 'priya.sharma@acmecorp.in';
const PHONE = '9876543210';
const UK_PHONE = '447911123456';
const CARD = '4111111111111111';

const anonymise = createRecordAnonymiser({ key: 'leak-test-key-0123456789' });

const record = testRecord;

/** Everything the record stores, as text: bodies read as UTF-8, Latin-1 and UTF-16. */
function stored(r: CaptureRecord): string {
  const bodies = [r.req.body.bytes, r.res?.body.bytes ?? Buffer.alloc(0)].flatMap((b) => [b.toString('utf8'), b.toString('latin1'), b.toString('utf16le')]);
  return [r.url, JSON.stringify(r.req.headers), JSON.stringify(r.res?.headers ?? []), r.anonymised.join('\n'), ...bodies].join('\n');
}

function expectClean(r: CaptureRecord, planted: readonly string[]): void {
  const text = stored(r);
  const lower = text.toLowerCase();
  const digits = text.replace(/[^0-9]/g, '');
  for (const p of planted) {
    expect(text, `raw ${p}`).not.toContain(p);
    expect(lower, `lower-cased ${p}`).not.toContain(p.toLowerCase());
    const d = p.replace(/[^0-9]/g, '');
    if (d.length >= 10) expect(digits, `digits of ${p}`).not.toContain(d);
  }
  expect(auditRecord(r).length, 'the audit finds nothing raw').toBe(0);
}

const form: HeaderPair[] = [['content-type', 'application/x-www-form-urlencoded']];
const multipart: HeaderPair[] = [['content-type', 'multipart/form-data; boundary=XyZ']];

describe('anonymiser: forms and query strings', () => {
  it('scans a body that only claims to be a form', () => {
    expectClean(anonymise(record({ reqHeaders: form, reqBody: `{"email":"${EMAIL}","phone":"${PHONE}"}` })), [EMAIL, PHONE]);
    expectClean(anonymise(record({ reqHeaders: form, reqBody: `{"email":"${EMAIL}","note":"a=b ${PHONE}"}` })), [EMAIL, PHONE]);
  });

  it('scans field names, bare keys and query names', () => {
    expectClean(anonymise(record({ reqHeaders: form, reqBody: `${encodeURIComponent(EMAIL)}=1&x=2` })), [EMAIL]);
    expectClean(anonymise(record({ url: `/unsubscribe?${EMAIL}` })), [EMAIL]);
    expectClean(anonymise(record({ url: `/x?a=1&${PHONE}` })), [PHONE]);
    expectClean(anonymise(record({ url: `/x?contacts[${encodeURIComponent(EMAIL)}]=${PHONE}` })), [EMAIL, PHONE]);
  });

  it("reads an unencoded '+' as a phone's country prefix", () => {
    expectClean(anonymise(record({ url: `/x?phone=+${UK_PHONE}` })), [UK_PHONE]);
    expectClean(anonymise(record({ reqHeaders: form, reqBody: `phone=+${UK_PHONE}&b=1` })), [UK_PHONE]);
  });

  it('scans the first segment of a URL that does not start with /', () => {
    expectClean(anonymise(record({ url: `${EMAIL}/profile` })), [EMAIL]);
  });
});

describe('anonymiser: cookies', () => {
  it('scans cookie names and cookies without a value', () => {
    expectClean(anonymise(record({ reqHeaders: [['cookie', `a=1; ${EMAIL}`]] })), [EMAIL]);
    expectClean(anonymise(record({ reqHeaders: [['cookie', `${EMAIL}=1; b=2`]] })), [EMAIL]);
  });
});

describe('anonymiser: multipart', () => {
  const part = (body: string) => Buffer.from(body.replace(/\n/g, '\r\n'));
  it('scans whatever does not parse as a part', () => {
    // a boundary other than the declared one
    expectClean(anonymise(record({ reqHeaders: multipart, reqBody: part(`--Other\nContent-Disposition: form-data; name="e"\n\n${EMAIL}\n--Other--\n`) })), [EMAIL]);
    // LF-only line ends
    expectClean(anonymise(record({ reqHeaders: multipart, reqBody: `--XyZ\nContent-Disposition: form-data; name="e"\n\n${EMAIL}\n--XyZ--\n` })), [EMAIL]);
    // a preamble and an epilogue
    expectClean(anonymise(record({ reqHeaders: multipart, reqBody: part(`call ${PHONE}\n--XyZ\nContent-Disposition: form-data; name="a"\n\n1\n--XyZ--\nfrom ${EMAIL}\n`) })), [EMAIL, PHONE]);
    // cut short in a part's headers
    expectClean(anonymise(record({ reqHeaders: multipart, reqBody: part(`--XyZ\nContent-Disposition: form-data; name="doc"; filename="${EMAIL}.pdf`), truncated: true })), [EMAIL]);
  });

  it('scans part names and extra part headers', () => {
    expectClean(anonymise(record({ reqHeaders: multipart, reqBody: part(`--XyZ\nContent-Disposition: form-data; name="${EMAIL}"\n\n1\n--XyZ--\n`) })), [EMAIL]);
    expectClean(anonymise(record({ reqHeaders: multipart, reqBody: part(`--XyZ\nContent-Disposition: form-data; name="a"\nX-Owner: ${EMAIL}\n\n1\n--XyZ--\n`) })), [EMAIL]);
  });

  it('keeps the body a valid multipart body with its delimiters', () => {
    const out = anonymise(record({ reqHeaders: multipart, reqBody: part(`--XyZ\nContent-Disposition: form-data; name="a"\nX-Owner: ${EMAIL}\n\n${PHONE}\n--XyZ--\n`) }));
    const text = out.req.body.bytes.toString();
    expect(text.startsWith('--XyZ\r\nContent-Disposition: form-data; name="a"\r\nX-Owner: ')).toBe(true);
    expect(text.endsWith('\r\n--XyZ--\r\n')).toBe(true);
  });
});

describe('anonymiser: encodings', () => {
  it('drops a body in a content coding it cannot read, or codings stacked', () => {
    const json = Buffer.from(`{"email":"${EMAIL}"}`);
    const cases: [HeaderPair[], Buffer][] = [
      [[['content-encoding', 'zstd']], Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00]), json])],
      [[['content-encoding', 'gzip, gzip']], gzipSync(gzipSync(json))],
      // codings on two header lines count together
      [[['content-encoding', 'gzip'], ['content-encoding', 'gzip']], gzipSync(gzipSync(json))],
      [[['content-encoding', 'identity'], ['content-encoding', 'compress']], gzipSync(json)],
    ];
    for (const [headers, body] of cases) {
      const out = anonymise(record({ resHeaders: headers, resBody: body }));
      expect(out.res!.body.bytes.length, JSON.stringify(headers)).toBe(0);
      expect(out.res!.body.omitted, JSON.stringify(headers)).toBe('anonymiser-error');
    }
  });

  it('reads identity codings as no coding, and a plain body under a coding that is no coding', () => {
    for (const coding of ['identity', 'none', 'utf-8', 'chunked']) {
      const out = anonymise(record({ resHeaders: [['content-encoding', coding]], resBody: `{"email":"${EMAIL}"}` }));
      expect(out.res!.body.omitted, coding).toBeUndefined();
      expectClean(out, [EMAIL]);
    }
  });

  it('reads UTF-16 bodies as UTF-16 and writes them back so', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`{"email":"${EMAIL}","phone":"${PHONE}"}`, 'utf16le')]);
    const out = anonymise(record({ resHeaders: [['content-type', 'application/json; charset=utf-16']], resBody: le }));
    expectClean(out, [EMAIL, PHONE]);
    expect(JSON.parse(out.res!.body.bytes.subarray(2).toString('utf16le'))).toEqual({ email: expect.stringMatching(/^[a-z]+\.[a-z]+@[a-z]+\.in$/), phone: expect.stringMatching(/^\d{10}$/) });
    const be = Buffer.from(`note: ${EMAIL}`, 'utf16le').swap16();
    expectClean(anonymise(record({ resHeaders: [['content-type', 'text/plain; charset=UTF-16BE']], resBody: be })), [EMAIL]);
  });
});

describe('anonymiser: numbers and text', () => {
  it('finds phones, cards and Aadhaar numbers written as floats or with exponents', () => {
    expectClean(anonymise(record({ resHeaders: [['content-type', 'application/json']], resBody: `{"phone":${PHONE}.0,"c":${CARD}.0,"s":"${PHONE}.0"}` })), [PHONE, CARD]);
    expectClean(anonymise(record({ resHeaders: [['content-type', 'application/json']], resBody: '{"phone":9.87654321E9,"c":4.111111111111111e15}' })), [PHONE, CARD]);
  });

  it('finds numbers written with dots between their groups', () => {
    expectClean(anonymise(record({ resBody: `call +91.98765.43210 or 987.654.3210, card 4111.1111.1111.1111` })), [PHONE, CARD]);
  });

  it('reads percent-encoded text in headers and JSON strings', () => {
    const enc = encodeURIComponent(EMAIL);
    expectClean(anonymise(record({ resHeaders: [['location', `https://idp.test/authorize?login_hint=${enc}`]] })), [EMAIL]);
    expectClean(anonymise(record({ resHeaders: [['content-type', 'application/json']], resBody: `{"next":"https://a/cb?u=${enc}&m=%2B91${PHONE}"}` })), [EMAIL, PHONE]);
  });

  it('reads JSON escapes in bodies that are not one JSON value', () => {
    expectClean(anonymise(record({ resHeaders: [['content-type', 'application/x-ndjson']], resBody: `{"n":"tel\\n${PHONE}"}\n{"a":1}\n` })), [PHONE]);
    expectClean(anonymise(record({ resBody: `callback({"e":"priya.sharma\\u0040acmecorp.in"})` })), [EMAIL]);
  });

  it('finds an address whose local part is long', () => {
    const prefix = '%2Faccount%2Fsettings%3Ftab%3Dprofile%26section%3Dcontact%26user%3D';
    expectClean(anonymise(record({ resBody: `see ${prefix}${EMAIL}` })), [EMAIL]);
    expectClean(anonymise(record({ resBody: `see ${'a'.repeat(70)}.${EMAIL}` })), [EMAIL]);
  });
});

describe('anonymiser: the second review (2026-12-07)', () => {
  const json: HeaderPair[] = [['content-type', 'application/json']];
  const multipart: HeaderPair[] = [['content-type', 'multipart/form-data; boundary=XyZ']];
  const part = (body: string) => Buffer.from(body.replace(/\n/g, '\r\n'));

  it('reads a body labelled UTF-16 that is not, and UTF-16 known by its byte-order mark or its NULs', () => {
    expectClean(anonymise(record({ resHeaders: [['content-type', 'text/plain; charset=utf-16']], resBody: `note ${EMAIL} ${PHONE}` })), [EMAIL, PHONE]);
    const be = Buffer.from(`note ${EMAIL}`, 'utf16le').swap16();
    expectClean(anonymise(record({ resHeaders: [['content-type', 'text/plain; charset=utf-16']], resBody: be })), [EMAIL]);
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`{"e":"${EMAIL}"}`, 'utf16le')]);
    expectClean(anonymise(record({ resHeaders: json, resBody: bom })), [EMAIL]);
  });

  it('reads every form of a Content-Disposition parameter, and $& in it stays text', () => {
    for (const disposition of [`name="a"; filename=${PHONE}.pdf`, `name=${PHONE}`, `name="a"; filename='${PHONE}.pdf'`, `name="a"; filename="a\\" ${EMAIL}.pdf"`, `name="a"; owner="${EMAIL}"`, `name="$& ${EMAIL}"`, `name="a"; filename="$& ${PHONE}.pdf"`]) {
      const out = anonymise(record({ reqHeaders: multipart, reqBody: part(`--XyZ\nContent-Disposition: form-data; ${disposition}\n\n1\n--XyZ--\n`) }));
      expectClean(out, [EMAIL, PHONE]);
    }
  });

  it("reads '+' in names, a '+' inside a number as a space, and an encoded '+' stays encoded", () => {
    expectClean(anonymise(record({ url: `/x?contacts[+${UK_PHONE}]=${EMAIL}` })), [UK_PHONE, EMAIL]);
    expectClean(anonymise(record({ url: `/x?p=+${UK_PHONE}+98765+43210` })), [UK_PHONE, PHONE]);
    const from = anonymise(record({ url: `/x?q=from+${EMAIL}` }));
    expectClean(from, [EMAIL]);
    expect(from.url).toMatch(/^\/x\?q=from\+[a-z]+\.[a-z]+@[a-z]+\.in$/);
    const encoded = anonymise(record({ url: `/x?q=%2B${UK_PHONE}+x` }));
    expectClean(encoded, [UK_PHONE]);
    expect(encoded.url).toMatch(/^\/x\?q=%2B\d{12}\+x$/);
  });

  it('takes an escaped address whole where its plain reading saw only a number', () => {
    expectClean(anonymise(record({ resHeaders: [['location', `/x?hint=priya.sharma.${PHONE}%40acmecorp.in`]] })), [PHONE, 'priya.sharma.']);
  });

  it('finds decimals and exponents next to other numbers, and their pseudonyms are integers', () => {
    expectClean(anonymise(record({ resBody: `${PHONE}.0 15, 1 ${PHONE}.0, phones: ${PHONE}.0 9123456789.0, ${CARD}.0 1` })), [PHONE, '9123456789', CARD]);
    const out = anonymise(record({ resHeaders: json, resBody: '{"p":9.87654321E+9,"q":6.413995595e9,"c":4.111111111111111E+15,"d":9.87654321e09,"n":98765432100e-1}' }));
    expectClean(out, [PHONE, '6413995595', CARD]);
    const parsed = JSON.parse(out.res!.body.bytes.toString()) as Record<string, unknown>;
    for (const k of ['p', 'q', 'c', 'd', 'n']) expect(Number.isInteger(parsed[k]), k).toBe(true);
    // the same number however it is spelt gets the same pseudonym
    const plain = JSON.parse(anonymise(record({ resHeaders: json, resBody: `{"p":${PHONE}}` })).res!.body.bytes.toString()) as Record<string, unknown>;
    expect(parsed.p).toBe(plain.p);
  });

  it('does not drop a record when a 64-character cut falls inside a surrogate pair', () => {
    const out = anonymise(record({ reqHeaders: [['x-note', `${'😀'.repeat(30)}abcde%40acmecorp.in`]], reqBody: `{"a":1}` }));
    expect(out.req.body.omitted).toBeUndefined();
    expectClean(out, ['abcde%40acmecorp.in', 'abcde@acmecorp.in']);
  });

  it('keeps no entry of an imported change list that holds a raw value', () => {
    const r = record({ url: '/x' });
    r.anonymised = ['req.url.query.ok', `req.body.form.${EMAIL}`];
    const out = anonymise(r);
    expect(out.anonymised).toContain('req.url.query.ok');
    expectClean(out, [EMAIL]);
  });
});

describe('anonymiser: separators of other widths', () => {
  it('finds numbers grouped with tabs, no-break spaces, thin spaces and dashes', () => {
    for (const sep of ['\t', '\u00a0', '\u202f', '\u2009', '\u2013', '\u2011']) {
      const out = anonymise(record({ resBody: `call 98765${sep}43210 or card 4111${sep}1111${sep}1111${sep}1111` }));
      expectClean(out, [PHONE, CARD]);
      expect(out.res!.body.bytes.toString(), JSON.stringify(sep)).toContain(sep);
    }
  });
});

describe('anonymiser: HTML character references', () => {
  it('reads &#64;, &#x40; and &commat; as @', () => {
    for (const at of ['&#64;', '&#x40;', '&commat;']) {
      const out = anonymise(record({ resHeaders: [['content-type', 'text/html']], resBody: `<p>Write to priya.sharma${at}acmecorp.in</p>` }));
      expectClean(out, [`priya.sharma${at}acmecorp.in`, 'priya.sharma']);
    }
  });
});

describe('anonymiser: values named like credentials (third review)', () => {
  const SECRET = 'Zq8rT2mVxL9pK4wN7sB1cD6f';
  it('pseudonymises passwords, tokens and keys in forms, queries, JSON and multipart by their names', () => {
    expectClean(anonymise(record({ url: `/login?access_token=${SECRET}&api_key=${SECRET}x`, reqHeaders: [['content-type', 'application/x-www-form-urlencoded']], reqBody: 'username=priya&password=hunter2xyz' })), [SECRET, 'hunter2xyz']);
    const json = anonymise(record({ reqHeaders: [['content-type', 'application/json']], reqBody: `{"user":"priya","password":"hunter2xyz","auth":{"apiKey":"${SECRET}","refresh_token":"${SECRET}r"},"pincode":"560012"}` }));
    expectClean(json, [SECRET, 'hunter2xyz']);
    expect(JSON.parse(json.req.body.bytes.toString())).toMatchObject({ user: 'priya', pincode: '560012' });
    const mp = anonymise(record({ reqHeaders: [['content-type', 'multipart/form-data; boundary=XyZ']], reqBody: Buffer.from(`--XyZ\r\nContent-Disposition: form-data; name="client_secret"\r\n\r\n${SECRET}\r\n--XyZ--\r\n`) }));
    expectClean(mp, [SECRET]);
  });

  it('treats headers named like credentials or authorisations, whatever their case', () => {
    for (const name of ['x-auth-key', 'x-access-key', 'x-authtoken', 'x-accesstoken', 'x-api_key', 'x-auth', 'x-sessid', 'ocp-apim-subscription-key', 'x-functions-key', 'Authorization', 'COOKIE']) {
      expectClean(anonymise(record({ reqHeaders: [[name, name.toLowerCase() === 'cookie' ? `sid=${SECRET}` : SECRET]] })), [SECRET]);
    }
    const basic = `Basic ${Buffer.from(`${EMAIL}:hunter2`).toString('base64')}`;
    for (const name of ['x-forwarded-authorization', 'x-original-authorization', 'authentication']) {
      const out = anonymise(record({ reqHeaders: [[name, basic]] }));
      expect(out.req.headers[0]![1], name).toBe('Basic');
    }
  });
});

describe('anonymiser: JSON the walker must not half-read (third review)', () => {
  const json: HeaderPair[] = [['content-type', 'application/json']];
  it('reads values that have no commas between them as text', () => {
    expectClean(anonymise(record({ resHeaders: json, resBody: `{"card": 4111 1111 1111 1111}` })), [CARD]);
    expectClean(anonymise(record({ resBody: '[98765 43210]' })), [PHONE]);
    expectClean(anonymise(record({ resHeaders: json, resBody: '{"note":"[98765 43210]"}' })), [PHONE]);
    expectClean(anonymise(record({ url: '/x?ids=%5B98765%2043210%5D' })), [PHONE]);
  });

  it('reads a body labelled JSON that is one bare token, or is cut in the middle of one', () => {
    for (const body of [EMAIL, `+91${PHONE}`, '203.0.113.7', 'sk_live_abcdefghij1234']) {
      expectClean(anonymise(record({ resHeaders: json, resBody: body })), [body]);
    }
    expectClean(anonymise(record({ resHeaders: json, resBody: `[${EMAIL}`, truncated: true })), [EMAIL]);
    expectClean(anonymise(record({ resHeaders: json, resBody: '{"p":98765-43210', truncated: true })), [PHONE]);
  });

  it('finds negative numbers spelt as decimals or with exponents', () => {
    const out = anonymise(record({ resHeaders: json, resBody: '{"p":-9.87654321E9,"q":-9876543210.0,"c":-4.111111111111111e15}' }));
    expectClean(out, [PHONE, CARD]);
    expect(() => JSON.parse(out.res!.body.bytes.toString())).not.toThrow();
  });

  it('keeps applying JSON rules to a body cut after an escaped backslash, or starting with a byte-order mark', () => {
    const ruled = createRecordAnonymiser({ key: 'leak-test-key-0123456789', rules: { rules: [{ json: '$..name', action: 'redact' }, { json: '$..password', action: 'drop' }] } });
    const cut = ruled(record({ resHeaders: json, resBody: '{"name":"Priya Sharma","password":"hunter2xyz","dir":"C:\\\\Users\\\\', truncated: true }));
    expectClean(cut, ['Priya Sharma', 'hunter2xyz']);
    const bom = ruled(record({ resHeaders: json, resBody: '\uFEFF{"name":"Priya Sharma"}' }));
    expectClean(bom, ['Priya Sharma']);
  });
});

describe('anonymiser: locations of what rules dropped', () => {
  it('lists a dropped or redacted member under the rule path, never under its unscanned key', () => {
    const ruled = createRecordAnonymiser({ key: 'leak-test-key-0123456789', rules: { rules: [{ json: '$.byName.*', action: 'drop' }, { json: '$.who.*', action: 'redact' }] } });
    const out = ruled(record({ resHeaders: [['content-type', 'application/json']], resBody: '{"byName":{"Priya Sharma":{"age":31}},"who":{"Ravi Kumar":"x"}}' }));
    expect(out.anonymised).toEqual(expect.arrayContaining(['res.body$.byName.*', 'res.body$.who.*']));
    expect(JSON.parse(out.res!.body.bytes.toString())).toEqual({ byName: {}, who: { 'Ravi Kumar': '[redacted]' } });
    expect(out.anonymised.join('\n')).not.toMatch(/Priya|Ravi/);
  });
});

describe('anonymiser: IPv6 forms of IPv4 addresses', () => {
  it('reads ::ffff:a.b.c.d as the IPv4 address, and finds an IPv6 address ending in a dotted quad', () => {
    const out = anonymise({ ...record({ reqHeaders: [['x-forwarded-for', '203.0.113.9'], ['x-real-ip', '2001:db8:1:2:3:4:192.0.2.33']] }), clientIp: '::ffff:203.0.113.9' });
    expectClean(out, ['203.0.113.9', '2001:db8:1:2:3:4']);
    expect(out.clientIp).toBe(`::ffff:${out.req.headers[0]![1]}`);
  });
});

describe('anonymiser: URL paths as servers route them', () => {
  it('applies a path rule through trailing and doubled slashes, absolute-form URLs and matrix parameters', () => {
    const ruled = createRecordAnonymiser({ key: 'leak-test-key-0123456789', rules: { rules: [{ path: '/users/:name', action: 'pseudonym' }] } });
    for (const url of ['/users/Priya%20Sharma/', '//users/Priya%20Sharma', 'http://api.example.com/users/Priya%20Sharma', '/users/Priya%20Sharma;v=2']) {
      expectClean(ruled(record({ url })), ['Priya%20Sharma', 'Priya Sharma']);
    }
  });

  it('pseudonymises a matrix parameter named like a credential, keeping the segment readable', () => {
    const out = anonymise(record({ url: '/shop/cart;jsessionid=1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D' }));
    expectClean(out, ['1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D']);
    expect(out.url).toMatch(/^\/shop\/cart;jsessionid=[0-9A-Z]{32}$/);
  });
});

describe('anonymiser: rules for a key at any depth reach JSON that is not the body itself', () => {
  it('applies $..name inside JSON nested in a string and in a multipart JSON part, not $.name', () => {
    const ruled = createRecordAnonymiser({ key: 'leak-test-key-0123456789', rules: { rules: [{ json: '$..name', action: 'redact' }, { json: '$.id', action: 'redact' }] } });
    const nested = ruled(record({ resHeaders: [['content-type', 'application/json']], resBody: '{"payload":"{\\"name\\":\\"Priya Sharma\\",\\"id\\":7}"}' }));
    expectClean(nested, ['Priya Sharma']);
    expect(JSON.parse(JSON.parse(nested.res!.body.bytes.toString()).payload)).toEqual({ name: '[redacted]', id: 7 });
    const part = Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n{"name":"Priya Sharma"}\r\n--XyZ--\r\n');
    expectClean(ruled(record({ reqHeaders: [['content-type', 'multipart/form-data; boundary=XyZ']], reqBody: part })), ['Priya Sharma']);
  });
});

describe('anonymiser: what imported records carry (fourth review)', () => {
  it('gives a new id to a record whose id holds personal data or is no id, and scans the upgrade protocol', () => {
    const r = { ...record({}), id: EMAIL, httpVersion: `1.1 ${PHONE}`, upgrade: `ws ${EMAIL}` };
    const out = anonymise(r);
    expectClean(out, [EMAIL, PHONE]);
    for (const v of [out.id, out.httpVersion, out.upgrade ?? '']) expect(v).not.toMatch(/priya|9876543210/);
    expect(out.id).toMatch(/^[0-9a-z]{11}-/);
    expect(out.httpVersion).toBe('1.1');
    expect(anonymise({ ...record({}), id: 'har-entry-17' }).id).toBe('har-entry-17');
  });

  it('stores no bytes for a body flagged omitted, and decodes a body flagged decoded that is still compressed', () => {
    const omitted = record({ resBody: `{"email":"${EMAIL}"}` });
    omitted.res!.body.omitted = 'not-captured';
    expect(anonymise(omitted).res!.body.bytes.length).toBe(0);
    const flagged = record({ resHeaders: [['content-type', 'application/json'], ['content-encoding', 'gzip']], resBody: gzipSync(`{"email":"${EMAIL}"}`) });
    flagged.res!.body.decodedFrom = 'gzip';
    const out = anonymise(flagged);
    expectClean(out, [EMAIL]);
    expect(JSON.parse(out.res!.body.bytes.toString()).email).toMatch(/@[a-z]+\.in$/);
  });
});

describe('anonymiser: URLs that headers carry (fifth review)', () => {
  const SECRET = 'Zq8rT2mVxL9pK4wN7sB1cD6f';
  it('pseudonymises query and fragment parameters named like credentials in Location, Referer, Link, Refresh and the like', () => {
    const res: HeaderPair[] = [
      ['location', `https://app.example/cb#access_token=${SECRET}&token_type=bearer&state=xyz`],
      ['content-location', `/reset?password=hunter2xyz&lang=en`],
      ['link', `<https://api.example/items?page=2&api_key=${SECRET}>; rel="next"`],
      ['refresh', `0; url=/login?session_token=${SECRET}`],
    ];
    const req: HeaderPair[] = [
      ['referer', `https://app.example/reset?token=${SECRET}&email=${encodeURIComponent(EMAIL)}`],
      ['x-original-url', `/sso?client_secret=${SECRET}x&next=/home`],
    ];
    const out = anonymise(record({ reqHeaders: req, resHeaders: res }));
    expectClean(out, [SECRET, 'hunter2xyz', EMAIL]);
    const h = Object.fromEntries([...out.req.headers, ...out.res!.headers]);
    // everything else stays as it was
    // token_type is named like a credential too, as it is in a request URL
    expect(h.location).toMatch(/^https:\/\/app\.example\/cb#access_token=[^&]{24}&token_type=[a-z]{6}&state=xyz$/);
    expect(h['content-location']).toMatch(/^\/reset\?password=[^&]{10}&lang=en$/);
    expect(h.link).toMatch(/^<https:\/\/api\.example\/items\?page=2&api_key=[^>]{24}>; rel="next"$/);
    expect(h.refresh).toMatch(/^0; url=\/login\?session_token=\S{24}$/);
    expect(h['x-original-url']).toMatch(/^\/sso\?client_secret=[^&]{25}&next=\/home$/);
    expect(out.anonymised).toEqual(expect.arrayContaining(['res.headers.location', 'res.headers.link', 'req.headers.referer']));
  });
});

describe('anonymiser: hashes imported records carry (fifth review)', () => {
  it('keeps no SHA-256 on any body: it would be the hash of the raw body, and a short one is guessed back', () => {
    const body = `{"phone":"${PHONE}"}`;
    const hash = createHash('sha256').update(body).digest('hex');
    for (const resBody of [body, '{"status":"ok"}']) {
      for (const truncated of [false, true]) {
        const r = record({ resHeaders: [['content-type', 'application/json']], resBody });
        r.res!.body.sha256 = hash;
        if (truncated) r.res!.body = { ...r.res!.body, size: 50, truncated: true };
        expect(anonymise(r).res!.body.sha256).toBeUndefined();
      }
    }
  });
});

describe('anonymiser: credentials named in text bodies (fifth review)', () => {
  const SECRET = 'Tr0ub4dor&3xyz';
  const TOKEN = 'q8ZkWm3RvB2xLp9T';
  const xml: HeaderPair[] = [['content-type', 'application/soap+xml']];
  const text: HeaderPair[] = [['content-type', 'text/plain']];
  const html: HeaderPair[] = [['content-type', 'text/html']];

  it('pseudonymises XML and SOAP elements named like credentials', () => {
    const body = `<soap:Envelope><soap:Body><Login><UserName>rohan</UserName><Password>${SECRET}</Password><wsse:BinarySecurityToken EncodingType="b64">${TOKEN}</wsse:BinarySecurityToken></Login></soap:Body></soap:Envelope>`;
    const out = anonymise(record({ reqHeaders: xml, reqBody: body }));
    expectClean(out, [SECRET, TOKEN]);
    expect(out.req.body.bytes.toString()).toContain('<UserName>rohan</UserName>');
    expect(out.anonymised).toContain('req.body');
  });

  it('pseudonymises key-value text, NDJSON, server-sent events and GraphQL arguments', () => {
    for (const body of [
      `user=rohan password=${SECRET} token: ${TOKEN}`,
      `{"user":"rohan","password":"${SECRET}"}\n{"access_token":"${TOKEN}"}\n`,
      `event: login\ndata: {"password":"${SECRET}","refreshToken":"${TOKEN}"}\n\n`,
      `mutation { login(user: "rohan", password: "${SECRET}") { token } } # apiKey='${TOKEN}'`,
    ]) {
      expectClean(anonymise(record({ reqHeaders: text, reqBody: body })), [SECRET, TOKEN]);
    }
  });

  it("pseudonymises an HTML form field's value when its name or id names a credential", () => {
    const body = `<form><input type="text" name="user" value="rohan"><input type="hidden" value="${TOKEN}" name="csrf_token"><input id='password' type='password' value='${SECRET}'></form>`;
    const out = anonymise(record({ resHeaders: html, resBody: body }));
    expectClean(out, [SECRET, TOKEN]);
    expect(out.res!.body.bytes.toString()).toContain('name="user" value="rohan"');
  });

  it('pseudonymises them in multipart parts read as text', () => {
    const body = `--XyZ\r\nContent-Disposition: form-data; name="payload"\r\nContent-Type: application/xml\r\n\r\n<auth><secret>${SECRET}</secret></auth>\r\n--XyZ--\r\n`;
    expectClean(anonymise(record({ reqHeaders: multipart, reqBody: body })), [SECRET]);
  });

  it('gives a value the detectors know the pseudonym it gets anywhere else', () => {
    const key = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    const out = anonymise(record({ reqHeaders: [...text, ['x-api-key', key]], reqBody: `apiKey: ${key}` }));
    expectClean(out, [key]);
    const header = out.req.headers.find(([k]) => k === 'x-api-key')![1];
    expect(out.req.body.bytes.toString()).toBe(`apiKey: ${header}`);
  });

  it("keeps a GraphQL variable's name where a credential argument takes it, and its type (seventh review)", () => {
    for (const query of ['mutation Login($pw: String!) { login(password: $pw) { token } }', 'mutation Login($password: String!) { login(password: $password) { token } }']) {
      expect(anonymise(record({ reqHeaders: [['content-type', 'application/graphql']], reqBody: query })).req.body.bytes.toString()).toBe(query);
    }
  });

  it('leaves names that only contain a credential word, and prose, alone', () => {
    const body = 'tokenizer_mode=fast pincode: 560001 See: the docs at https://example.in/a?b=c';
    const out = anonymise(record({ reqHeaders: text, reqBody: body }));
    expect(out.req.body.bytes.toString()).toBe(body);
  });

  it('finishes long runs of would-be names and values (bounded patterns)', { timeout: 30_000 }, () => {
    for (const body of ['password'.repeat(100_000), `${'a:'.repeat(200_000)}`, `<password>${'x'.repeat(300_000)}`, `${'<a '.repeat(100_000)}`, `${'password='.repeat(50_000)}`, '\\"password\\":'.repeat(30_000), `password:\\"${'\\a'.repeat(200_000)}`]) {
      const out = anonymise(record({ reqHeaders: text, reqBody: body }));
      expect(out.req.body.omitted).toBeUndefined();
    }
  });
});

describe('anonymiser: credentials named in text after another name (sixth review)', () => {
  const SECRET = 'Tr0ub4dorXyz9';
  const text: HeaderPair[] = [['content-type', 'text/plain']];
  it('reads a credential name that sits inside the value of a name it does not know', () => {
    for (const body of [
      `event: login\ndata: password=${SECRET}\n\n`,
      `msg=redirect url=https://app.example/cb?token=${SECRET}`,
      `note: access_token=${SECRET}`,
      `Cookie: sid=${SECRET}; theme=dark`,
    ]) {
      expectClean(anonymise(record({ reqHeaders: text, reqBody: body })), [SECRET]);
    }
  });

  it('reads a credential parameter of a URL nested in another parameter of a header URL', () => {
    for (const location of [`https://idp.example/login?next=https://app.example/cb?token=${SECRET}`, `/a?x=1?access_token=${SECRET}`]) {
      expectClean(anonymise(record({ resHeaders: [['location', location]] })), [SECRET]);
    }
  });
});

describe('anonymiser: credential values in text the patterns did not reach (sixth review)', () => {
  const SECRET = 'Tr0ub4dorXyz9';
  const xml: HeaderPair[] = [['content-type', 'application/soap+xml']];
  const text: HeaderPair[] = [['content-type', 'text/plain']];
  it('pseudonymises an element value in CDATA, cut off by the capture limit, or longer than 4,096 characters', () => {
    expectClean(anonymise(record({ reqHeaders: xml, reqBody: `<Login><Password><![CDATA[${SECRET}]]></Password></Login>` })), [SECRET]);
    expectClean(anonymise(record({ reqHeaders: xml, reqBody: `<Login><Password>${SECRET}`, truncated: true })), [SECRET]);
    // past 4,096 characters the rest is left (a documented limit), but not the first 4,096
    const long = anonymise(record({ reqHeaders: xml, reqBody: `<Password>${SECRET}${'x'.repeat(5000)}</Password>` }));
    expectClean(long, [SECRET]);
  });

  it('pseudonymises a quoted value cut off by the capture limit, or longer than 4,096 characters', () => {
    expectClean(anonymise(record({ reqHeaders: text, reqBody: `{"password":"${SECRET}`, truncated: true })), [SECRET]);
    expectClean(anonymise(record({ reqHeaders: text, reqBody: `token: "${SECRET}${'x'.repeat(5000)}"` })), [SECRET]);
  });
});

describe('anonymiser: Authorization and Cookie named outside headers (sixth review)', () => {
  const basic = Buffer.from('rohan:Tr0ub4dorXyz9').toString('base64');
  const SECRET = 'Zq8rT2mVxL9pK4wN7sB1cD6f';
  it('pseudonymises them in raw HTTP messages and logs read as text', () => {
    const text: HeaderPair[] = [['content-type', 'text/plain']];
    for (const body of [
      `POST /login HTTP/1.1\r\nHost: a\r\nAuthorization: Basic ${basic}\r\nCookie: theme=dark; prefs=${SECRET}\r\n\r\n`,
      `2026-12-07 INFO upstream said Set-Cookie: state=${SECRET}; Path=/; HttpOnly\n`,
      `{"headers":{"authorization":"Basic ${basic}","cookie":"prefs=${SECRET}"}}\n{}\n`,
    ]) {
      expectClean(anonymise(record({ reqHeaders: text, reqBody: body })), [basic, SECRET]);
    }
  });

  it('pseudonymises them in JSON, forms and query strings', () => {
    expectClean(anonymise(record({ reqHeaders: [['content-type', 'application/json']], reqBody: `{"headers":{"Authorization":"Basic ${basic}","cookie":"prefs=${SECRET}"}}` })), [basic, SECRET]);
    expectClean(anonymise(record({ url: `/proxy?authorization=Basic%20${encodeURIComponent(basic)}`, reqHeaders: [['content-type', 'application/x-www-form-urlencoded']], reqBody: `cookie=prefs%3D${SECRET}` })), [basic, SECRET]);
  });
});

describe('anonymiser: more ways text names a credential (sixth review)', () => {
  const SECRET = 'Tr0ub4dorXyz9';
  const text: HeaderPair[] = [['content-type', 'text/plain']];
  it('reads command-line options, hash arrows and aligned separators', () => {
    for (const body of [`mysql -u app --password=${SECRET} -h db`, `{"password"=>"${SECRET}"}`, `'api_key' => '${SECRET}'`, `password          = ${SECRET}`, `{ "token"       :       "${SECRET}" }`]) {
      expectClean(anonymise(record({ reqHeaders: text, reqBody: body })), [SECRET]);
    }
  });

  it("reads a meta tag's content and a password field known by its type", () => {
    const html: HeaderPair[] = [['content-type', 'text/html']];
    for (const body of [`<head><meta name="csrf-token" content="${SECRET}"></head>`, `<input type="password" value="${SECRET}">`, `<appSettings><add key="ApiSecret" value="${SECRET}"/></appSettings>`]) {
      expectClean(anonymise(record({ resHeaders: html, resBody: body })), [SECRET]);
    }
  });
});

describe('anonymiser: overlapping findings (sixth review)', () => {
  it('reads the text again when a finding won over a longer one it overlapped', () => {
    // the UPI id `A-@sk` starts first and wins over the API key and the address that overlap it
    const value = `A-@sk_live_4eC39HqLyjWDarjtT1zdp7dc${EMAIL}`;
    for (const [reqHeaders, reqBody] of [
      [[['content-type', 'application/json']], JSON.stringify({ a: value })],
      [[['content-type', 'text/plain']], `note ${value} end`],
    ] as [HeaderPair[], string][]) {
      expectClean(anonymise(record({ reqHeaders, reqBody })), [EMAIL, 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', '4eC39HqLyjWDarjtT1zdp7dc']);
    }
  });
});

describe('anonymiser: credentials in large JSON bodies (seventh review)', () => {
  const SECRET = 'correct horse battery staple';
  const json: HeaderPair[] = [['content-type', 'application/json']];
  it('pseudonymises a key named like a credential in a JSON body over 16 KiB in which no detector finds anything', () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ id: 100000 + i, sku: `SKU-${i}`, title: 'Steel kettle', updatedAt: '2026-12-07T10:00:00Z' }));
    for (const body of [{ items, password: SECRET }, { items, auth: { clientSecret: SECRET } }, [...items, { access_token: SECRET }]]) {
      const text = JSON.stringify(body);
      expect(text.length).toBeGreaterThan(16 * 1024);
      const out = anonymise(record({ resHeaders: json, resBody: text }));
      expectClean(out, [SECRET]);
      // everything else is kept byte for byte
      const stored = out.res!.body.bytes.toString();
      const at = text.indexOf(SECRET);
      expect(stored.slice(0, at)).toBe(text.slice(0, at));
      expect(stored.slice(at + SECRET.length)).toBe(text.slice(at + SECRET.length));
    }
  });

  it('reads a large NDJSON body that starts like JSON as text', () => {
    const body = `${JSON.stringify({ pad: 'x'.repeat(20_000) })}\n${JSON.stringify({ password: SECRET })}\n`;
    expectClean(anonymise(record({ resHeaders: [['content-type', 'application/x-ndjson']], resBody: body })), [SECRET]);
  });

  it('stores a large JSON body without credentials as it came', () => {
    const text = JSON.stringify({ data: Array.from({ length: 300 }, (_, i) => ({ id: 100000 + i, orderId: `ORD-${20260000 + i}`, createdAt: '2026-12-07T10:00:00Z', url: `https://cdn.example.in/p/${i}.jpg`, description: 'A kettle', keyboard: 'qwerty', monkey: 'yes' })) });
    const out = anonymise(record({ resHeaders: json, resBody: text }));
    expect(out.res!.body.bytes.toString()).toBe(text);
    expect(out.anonymised).toEqual([]);
  });
});

describe('anonymiser: credentials named inside JSON strings (seventh review)', () => {
  const SECRET = 'Tr0ub4dorXyz9';
  const json: HeaderPair[] = [['content-type', 'application/json']];
  it('pseudonymises a GraphQL argument named like a credential in a query sent as JSON', () => {
    for (const query of [`mutation { login(email: "${EMAIL}", password: "${SECRET}") { token } }`, `mutation { login(username: "rohan", password: "${SECRET}") { token } }`]) {
      const out = anonymise(record({ reqHeaders: json, reqBody: JSON.stringify({ query, variables: {} }) }));
      expectClean(out, [SECRET, EMAIL]);
      expect(JSON.parse(out.req.body.bytes.toString()).query).toMatch(/^mutation \{ login\((?:email: "[^"]+"|username: "rohan"), password: "[^"]{13}"\) \{ token \} \}$/);
    }
    // a large one, in a body with nothing else to find
    const big = JSON.stringify({ query: `mutation { login(password: "${SECRET}") { token } }`, extensions: { pad: 'x'.repeat(20_000) } });
    expectClean(anonymise(record({ reqHeaders: json, reqBody: big })), [SECRET]);
  });

  it("keeps a GraphQL variable's name where a credential argument takes it in a query sent as JSON", () => {
    const query = 'mutation Login($pw: String!) { login(password: $pw) { token } }';
    const out = anonymise(record({ reqHeaders: json, reqBody: JSON.stringify({ query, variables: { pw: 'x' }, password: SECRET }) }));
    expectClean(out, [SECRET]);
    expect(JSON.parse(out.req.body.bytes.toString()).query).toBe(query);
  });

  it('pseudonymises URL, form and cookie parameters named like credentials in a JSON string', () => {
    for (const value of [
      `<appSettings><add key="ApiSecret" value="${SECRET}"/></appSettings>`,
      `https://bucket.s3.amazonaws.com/a.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Security-Token=${SECRET}&X-Amz-Expires=300`,
      `https://app.example/cb#access_token=${SECRET}&state=xyz`,
      `username=rohan&password=${SECRET}`,
      `sid=${SECRET}; theme=dark`,
    ]) {
      for (const extra of [{}, { email: EMAIL }]) {
        const out = anonymise(record({ resHeaders: json, resBody: JSON.stringify({ ...extra, id: 4217, value }) }));
        expectClean(out, [SECRET, EMAIL]);
        expect(JSON.parse(out.res!.body.bytes.toString()).id).toBe(4217);
      }
    }
  });

  it('pseudonymises a header line or JSON text inside a JSON string', () => {
    for (const value of [`Authorization: Basic ${SECRET}`, `client sent {"password":"${SECRET}"} twice`, `password: ${SECRET}`]) {
      expectClean(anonymise(record({ resHeaders: json, resBody: JSON.stringify({ log: value }) })), [SECRET]);
    }
  });

  it('reads long runs of separators, names and tags in JSON in linear time', { timeout: 30_000 }, () => {
    for (const body of [`{"a":"${'password='.repeat(50_000)}"}`, `{"a":"${'x: '.repeat(150_000)}"}`, `{${'"password":'.repeat(40_000)}1}`, `["${'<password'.repeat(45_000)}"]`, `["${' '.repeat(200_000)}${':'.repeat(200_000)}"]`, `["name=${'\\\\'.repeat(100_000)}"]`]) {
      // the bound is the test's timeout: a backtracking pattern takes minutes on these, a linear one milliseconds
      const out = anonymise(record({ resHeaders: json, resBody: body }));
      expect(out.res!.body.omitted).toBeUndefined();
    }
  });

  it('leaves strings that only mention credentials, and URLs without credential parameters, alone', () => {
    const body = JSON.stringify({ help: 'Forgot your password? Reset it: /reset', next: 'https://shop.example/search?q=kettle&page=2', note: 'tokenizer=fast' });
    const out = anonymise(record({ resHeaders: json, resBody: body }));
    expect(out.res!.body.bytes.toString()).toBe(body);
  });
});

describe('anonymiser: credentials named inside query and form values (seventh review)', () => {
  const SECRET = 'Tr0ub4dorXyz9';
  it('pseudonymises a credential parameter of a URL or form carried in a query or form value', () => {
    for (const url of [`/login?next=/invite/accept?token=${SECRET}`, `/login?next=${encodeURIComponent(`/invite/accept?token=${SECRET}&x=1`)}`, `/graphql?query=${encodeURIComponent(`mutation { login(user: "rohan", password: "${SECRET}") { token } }`)}`]) {
      const out = anonymise(record({ url }));
      expectClean(out, [SECRET]);
      expect(out.url.startsWith(url.slice(0, url.indexOf('=') + 1))).toBe(true);
    }
    const form: HeaderPair[] = [['content-type', 'application/x-www-form-urlencoded']];
    expectClean(anonymise(record({ reqHeaders: form, reqBody: `state=1&redirect=${encodeURIComponent(`https://app.example/cb#access_token=${SECRET}`)}` })), [SECRET]);
  });

  it('leaves query values that name no credential as they were', () => {
    const url = '/search?q=a:b&next=/search?page=2&sort=price:asc';
    expect(anonymise(record({ url })).url).toBe(url);
  });
});

describe('anonymiser: more credential names (seventh review)', () => {
  const SECRET = 'Tr0ub4dorXyz9';
  it('pseudonymises pass, pw, passcode, MPIN and UPI PIN, token lists and CSRF tokens by their names', () => {
    const form: HeaderPair[] = [['content-type', 'application/x-www-form-urlencoded']];
    expectClean(anonymise(record({ url: `/login?user=rohan&pass=${SECRET}a&pw=${SECRET}b&passcode=${SECRET}c`, reqHeaders: form, reqBody: `csrfmiddlewaretoken=${SECRET}d&mpin=482193` })), [SECRET, '482193']);
    expectClean(anonymise(record({ reqHeaders: [['x-csrftoken', SECRET]] })), [SECRET]);
    const body = JSON.stringify({ user: 'rohan', pass: `${SECRET}e`, mpin: '482193', upiPin: '482193', upi_pin: '482193', tokens: [`${SECRET}f`], fcmTokens: [`${SECRET}g`], csrfmiddlewaretoken: `${SECRET}h` });
    expectClean(anonymise(record({ reqHeaders: [['content-type', 'application/json']], reqBody: body })), [SECRET, '482193']);
  });

  it('keeps a PIN code, classes and other keys that only end like those names', () => {
    const body = JSON.stringify({ pin: '560001', pincode: '560001', class: 'btn', cssClass: 'primary', bypass: 'cache', spin: 'left', assets: ['a.png'] });
    expect(anonymise(record({ reqHeaders: [['content-type', 'application/json']], reqBody: body })).req.body.bytes.toString()).toBe(body);
  });
});

describe('anonymiser: credentials named in escaped JSON inside text (seventh review)', () => {
  const SECRET = 'Tr0ub4dorXyz9';
  it('pseudonymises a credential in JSON kept as a string in NDJSON, in a log line or in a script', () => {
    for (const [type, body] of [
      ['application/x-ndjson', `${JSON.stringify({ msg: JSON.stringify({ user: 'rohan', password: SECRET }) })}\n{"level":"info"}\n`],
      ['text/plain', `2026-12-07 INFO request body: ${JSON.stringify(JSON.stringify({ refresh_token: SECRET }))}`],
      ['text/html', `<script>window.__STATE__ = JSON.parse(${JSON.stringify(JSON.stringify({ user: { authToken: SECRET } }))});</script>`],
    ]) {
      const out = anonymise(record({ resHeaders: [['content-type', type!]], resBody: body! }));
      expectClean(out, [SECRET]);
      expect(out.res!.body.bytes.toString().length).toBe(body!.length);
    }
  });
});
