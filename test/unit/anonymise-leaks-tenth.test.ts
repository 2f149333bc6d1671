import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
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
