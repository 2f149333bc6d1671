import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { catalogPage } from '../../scripts/bench/anonymise-body.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * What the tenth review, a probe of realistic production payloads, found
 * stored raw (2026-12-07): the payload of a token shaped like a JWT whose
 * first segment is no JOSE header (Flask's session cookie), a SAML
 * assertion posted as `SAMLResponse`, Shopify's HMAC header, Azure's
 * `AccountKey`, the password of a URL's userinfo in a connection string,
 * and bank account numbers under their usual names. Nothing of a planted
 * value may remain in the stored record, and the audit must agree.
 */

const anonymise = createRecordAnonymiser({ key: 'tenth-review-key-0123456789' });
const json: HeaderPair[] = [['content-type', 'application/json']];
const text: HeaderPair[] = [['content-type', 'text/plain']];
const form: HeaderPair[] = [['content-type', 'application/x-www-form-urlencoded']];
const b64u = (s: string) => Buffer.from(s).toString('base64url');

/** The response body `body` as the anonymiser stores it. */
const resBody = (body: string, headers = json) => anonymise(record({ resHeaders: headers, resBody: body })).res!.body.bytes.toString();

describe('anonymiser: a token shaped like a JWT keeps its first segment only when that is a JOSE header', () => {
  it("redraws a Flask session cookie's payload, which its first segment holds", () => {
    const payload = b64u('{"_user_id":"42","email":"priya.sharma@acmecorp.in"}');
    const cookie = `session=${payload}.Z3WqKA.Xk2p9QmL7vR3tB8nC1dF6gH0jK4; HttpOnly; Path=/`;
    const out = anonymise(record({ resHeaders: [['set-cookie', cookie]], reqHeaders: [['cookie', `session=${payload}.Z3WqKA.Xk2p9QmL7vR3tB8nC1dF6gH0jK4`]] }));
    expectClean(out, [payload, payload.slice(3, 24)]);
    expect(out.res!.headers[0]![1]).toMatch(/^session=eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; HttpOnly; Path=\/$/);
  });

  it('keeps the header of a JWT', () => {
    const header = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9';
    const jwt = `${header}.${b64u('{"sub":"42"}')}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`;
    const stored = resBody(JSON.stringify({ id_token: jwt, note: `Bearer ${jwt}` }));
    expect(stored.split(header).length).toBe(3);
    expectClean(anonymise(record({ resHeaders: json, resBody: JSON.stringify({ t: jwt }) })), [b64u('{"sub":"42"}')]);
  });
});

describe('anonymiser: SAMLResponse, HMAC headers, AccountKey and sessionKey are credentials', () => {
  const assertion = Buffer.from('<samlp:Response><saml:NameID>priya.sharma@acmecorp.in</saml:NameID></samlp:Response>').toString('base64');

  it('pseudonymises a SAML assertion posted to an ACS endpoint, and keeps RelayState', () => {
    const out = anonymise(record({ url: '/saml/acs', reqHeaders: form, reqBody: `SAMLResponse=${encodeURIComponent(assertion)}&RelayState=%2Fdashboard` }));
    expectClean(out, [assertion.slice(0, 24), encodeURIComponent(assertion).slice(24, 48)]);
    expect(out.req.body.bytes.toString()).toMatch(/&RelayState=%2Fdashboard$/);
  });

  it("pseudonymises Shopify's and other HMAC headers", () => {
    const sig = 'XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=';
    expectClean(anonymise(record({ reqHeaders: [['x-shopify-hmac-sha256', sig], ['x-hmac', `${sig}x`]] })), [sig]);
  });

  it("pseudonymises an Azure connection string's AccountKey, in JSON and in text", () => {
    const key = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg==';
    const conn = `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${key};EndpointSuffix=core.windows.net`;
    expectClean(anonymise(record({ resHeaders: json, resBody: JSON.stringify({ storage: conn }) })), [key.slice(0, 30)]);
    expectClean(anonymise(record({ resHeaders: json, resBody: JSON.stringify({ owner: 'priya.sharma@acmecorp.in', storage: conn }) })), [key.slice(0, 30)]);
    expectClean(anonymise(record({ resHeaders: text, resBody: `AZURE_STORAGE=${conn}\n` })), [key.slice(0, 30)]);
  });

  it('pseudonymises a sessionKey', () => {
    expectClean(anonymise(record({ resHeaders: json, resBody: '{"session":{"name":"priya","sessionKey":"sk9Q2mL7vR3tB8nC1dF6gH0jK"}}' })), ['sk9Q2mL7vR3tB8nC1dF6gH0jK']);
  });
});

describe("anonymiser: the password of a URL's userinfo", () => {
  const urls = [
    'postgres://app_user:S3cr3tDbPa55@db.internal:5432/orders',
    'mongodb://admin:M0ng0Pa55w0rd@m1:27017,m2:27017/shop',
    'redis://:r3d1sPa55w0rd@cache:6379/0',
    'amqps://svc:Mq-Pa55_w0rd~x@mq/vhost',
    'https://deploy:ghp_notAToken1234@git.internal/o/r.git',
  ];
  const password = (url: string) => url.slice(url.indexOf(':', url.indexOf('//')) + 1, url.indexOf('@'));

  it('pseudonymises it whatever the host, keeping user, host and the password length, in JSON, text and a URL header', () => {
    for (const url of urls) {
      const pw = password(url);
      const body = JSON.stringify({ services: [{ uri: url }] });
      const out = anonymise(record({ resHeaders: json, resBody: body }));
      expectClean(out, [pw]);
      const stored = (JSON.parse(out.res!.body.bytes.toString()) as { services: { uri: string }[] }).services[0]!.uri;
      expect(stored.length, url).toBe(url.length);
      expect(stored.slice(0, url.indexOf(pw)), url).toBe(url.slice(0, url.indexOf(pw)));
      expect(stored.slice(url.indexOf('@')), url).toBe(url.slice(url.indexOf('@')));
      expectClean(anonymise(record({ resHeaders: text, resBody: `DATABASE_URL=${url}\nconnecting to ${url} ...\n` })), [pw]);
      expectClean(anonymise(record({ reqHeaders: [['x-forwarded-url', url]] })), [pw]);
    }
  });

  it('leaves URLs without a password alone', () => {
    for (const body of ['{"ssh":"ssh://git@git-host:22/r","at":"https://x.example/u/@priya","cache":"redis://cache:6379/0"}', '{"proxy":"http://user@proxy-1:3128/","doc":"see https://a.example/x:y@z"}']) {
      expect(resBody(body)).toBe(body);
    }
  });
});

describe('anonymiser: bank account numbers under their names', () => {
  // numbers no detector finds by chance (a 14-digit one passing Luhn is read as a card)
  const ACC = '050100123456789';

  it('pseudonymises accountNumber, account_no, acc_no, acctNo and beneficiaryAccountNumber in JSON, forms, queries and text, digits kept', () => {
    for (const name of ['accountNumber', 'account_number', 'account_no', 'acc_no', 'accNo', 'acctNo', 'bank_account_number', 'beneficiaryAccountNumber', 'confirm_account_number']) {
      const body = JSON.stringify({ ifsc: 'HDFC0001234', [name]: ACC });
      const out = anonymise(record({ reqHeaders: json, reqBody: body }));
      expectClean(out, [ACC]);
      const stored = (JSON.parse(out.req.body.bytes.toString()) as Record<string, string>)[name]!;
      expect(stored, name).toMatch(/^[0-9]{15}$/);
      expectClean(anonymise(record({ reqHeaders: json, reqBody: JSON.stringify({ [name]: Number(ACC) }) })), [ACC]);
      expectClean(anonymise(record({ reqHeaders: form, reqBody: `${name}=${ACC}&ifsc=HDFC0001234` })), [ACC]);
      expectClean(anonymise(record({ url: `/api/payouts?${name}=${ACC}` })), [ACC]);
      expectClean(anonymise(record({ resHeaders: text, resBody: `payout ok ${name}=${ACC} ifsc=HDFC0001234\n` })), [ACC]);
    }
  });

  it('leaves other numbers, and catalogue pages, as they were', () => {
    for (const body of ['{"page_number":3,"orderNumber":"ORD-123456","account":"acme","accountId":"acct_42","accountType":"savings"}', '{"phoneNumberVerified":true,"account_status":"active"}']) {
      expect(resBody(body)).toBe(body);
    }
    for (const size of [1024, 64 * 1024]) {
      const page = catalogPage(size, 3).replace(/support\+\d+@[a-z.]+/g, 'support desk');
      expect(resBody(page)).toBe(page);
    }
  });
});

describe('anonymiser: JSON kept in base64', () => {
  const state = b64u(JSON.stringify({ email: 'priya.sharma@acmecorp.in', returnTo: '/account' }));
  const std = Buffer.from(JSON.stringify({ phone: '+91 98765 43210', plan: 'gold' })).toString('base64');

  it('redraws a base64 blob whose JSON holds personal data: an OAuth state, a data: URL, a cursor', () => {
    const bodies = [
      JSON.stringify({ next: `https://auth.example.com/authorize?client_id=abc&state=${state}`, state }),
      JSON.stringify({ avatar: `data:application/json;base64,${std}` }),
      JSON.stringify({ owner: 'rohan.iyer@globex.co.in', cursor: std }),
    ];
    for (const body of bodies) {
      const out = anonymise(record({ resHeaders: json, resBody: body }));
      expectClean(out, [state.slice(3, 40), std.slice(3, 40)]);
      expect(out.res!.body.bytes.toString().length, body).toBe(body.length);
    }
    expectClean(anonymise(record({ url: `/oauth/callback?code_hint=x&state=${state}` })), [state.slice(3, 40)]);
    expectClean(anonymise(record({ resHeaders: text, resBody: `redirect state=${state} ok\n` })), [state.slice(3, 40)]);
  });

  it('leaves base64 JSON that holds nothing personal, and JWTs, as they were', () => {
    const cursor = b64u(JSON.stringify({ id: 42, created: '2026-12-07T10:00:00Z' }));
    const body = JSON.stringify({ next_cursor: cursor, filter: Buffer.from('{"color":"teal","size":"M"}').toString('base64') });
    expect(resBody(body)).toBe(body);
  });
});

describe('anonymiser: password hashes', () => {
  const hashes = [
    ['$2b$10$', 'N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'],
    ['$2y$12$', 'R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW'],
    ['$argon2id$v=19$m=65536,t=3,p=4$', 'c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG'],
    ['$6$rounds=5000$', 'saltsalt$Xk2p9QmL7vR3tB8nC1dF6gH0jK4sW5yZ.qN/'],
    ['$6$', 'Zs9QbvAx$Xk2p9QmL7vR3tB8nC1dF6gH0jK4sW5yZ.qN/'],
    ['pbkdf2_sha256$600000$', 'Xy9zQm3nL7pK$abcDEF0123456789abcDEF0123456789abcDEF01234='],
    ['bcrypt_sha256$$2b$12$', 'N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'],
  ] as const;

  it('redraws the salt and hash under any name, keeping the scheme and its parameters', () => {
    for (const [scheme, secret] of hashes) {
      const body = JSON.stringify({ user: { id: 42, passwordDigest: `${scheme}${secret}`, hashed: `${scheme}${secret}` } });
      const out = anonymise(record({ resHeaders: json, resBody: body }));
      expectClean(out, [secret.slice(0, 20), secret.slice(-16)]);
      const stored = (JSON.parse(out.res!.body.bytes.toString()) as { user: { hashed: string } }).user.hashed;
      expect(stored.startsWith(scheme), scheme).toBe(true);
      expect(stored.length, scheme).toBe(scheme.length + secret.length);
      expectClean(anonymise(record({ resHeaders: text, resBody: `id,email_verified,hash\n42,true,${scheme}${secret}\n` })), [secret.slice(0, 20)]);
    }
  });

  it('leaves prices and template variables alone', () => {
    const body = JSON.stringify({ price: '$19.99', was: 'US$ 24.50', tpl: 'Hello ${name}, your total is $2 off', shell: 'echo $1 $2 $HOME', regex: '^[a-z]+$' });
    expect(resBody(body)).toBe(body);
  });
});
