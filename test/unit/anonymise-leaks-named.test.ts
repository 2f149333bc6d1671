import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { routeTemplate } from '../../shared/diff/route.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * Credentials the eighth review found stored raw (2026-12-07): a secret
 * named in one JSON member and held in another, OAuth codes and verifiers,
 * and tokens in URL paths after an action segment. Nothing of a planted
 * value may remain anywhere in the stored record, and the audit must agree.
 */

const anonymise = createRecordAnonymiser({ key: 'leak-test-key-0123456789' });
const json: HeaderPair[] = [['content-type', 'application/json']];
const form: HeaderPair[] = [['content-type', 'application/x-www-form-urlencoded']];
const EMAIL = 'priya.sharma@acmecorp.in';
const SECRET = 's3cr3t-Xy9Qw';

/** The response body `body` as the anonymiser stores it. */
const resBody = (body: string) => anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString();

describe('anonymiser: a credential named in one JSON member and held in another (eighth review)', () => {
  const bodies = [
    `{"env":[{"name":"LOG_LEVEL","value":"debug"},{"name":"DB_PASSWORD","value":"${SECRET}"}]}`,
    `{"key":"api_key","value":"${SECRET}"}`,
    `{"credentials":[{"type":"password","value":"${SECRET}","temporary":false}]}`,
    `{"Parameter":{"Name":"/prod/db/password","Type":"SecureString","Value":"${SECRET}","Version":3}}`,
    `{"Parameters":[{"ParameterKey":"DbPassword","ParameterValue":"${SECRET}"}]}`,
    `{"value":"${SECRET}","name":"DB_PASSWORD"}`,
    `[{"id":7,"value":"${SECRET}","Key":"STRIPE_SECRET_KEY"}]`,
  ];

  it('pseudonymises the value member, in either order, keeping its length', () => {
    for (const body of bodies) {
      const out = anonymise(record({ resHeaders: json, resBody: body }));
      expectClean(out, [SECRET]);
      const text = out.res!.body.bytes.toString();
      expect(text.length, body).toBe(body.length);
      expect(text.replace(/"[^"]*"/g, '""'), body).toBe(body.replace(/"[^"]*"/g, '""'));
    }
  });

  it('does so in a body where a detector found something, with escapes, and in JSON kept in a string', () => {
    for (const body of bodies) {
      const inner = JSON.parse(body) as unknown;
      for (const variant of [JSON.stringify({ owner: EMAIL, config: inner }), JSON.stringify({ note: 'a\tb', config: inner }), JSON.stringify({ config: JSON.stringify(inner) })]) {
        expectClean(anonymise(record({ resHeaders: json, resBody: variant })), [SECRET, EMAIL]);
      }
    }
  });

  it('does so when the value came first and something between them changed', () => {
    for (const body of [
      `{"value":"${SECRET}","owner":"${EMAIL}","name":"DB_PASSWORD"}`,
      `{"value":"${SECRET} 9876543210","name":"DB_PASSWORD"}`,
      `{"value":{"user":"app","pass":"x","hint":"${SECRET}"},"name":"db_secret"}`,
      `{"a":[{"value":"${SECRET}1","name":"password"},{"value":"${SECRET}2","${EMAIL}":1,"name":"password"}]}`,
    ]) {
      expectClean(anonymise(record({ resHeaders: json, resBody: body })), [SECRET, EMAIL, '9876543210']);
    }
  });

  it('pseudonymises a value that is a number or an object, as under a credential key', () => {
    expectClean(anonymise(record({ resHeaders: json, resBody: '{"name":"upi_pin","value":482193}' })), ['482193']);
    expectClean(anonymise(record({ resHeaders: json, resBody: `{"name":"auth","value":{"user":"svc","secret":"${SECRET}","note":"${SECRET}n"}}` })), [SECRET]);
  });

  it('leaves objects whose name member names no credential, or only mentions one, as they were', () => {
    for (const body of [
      '{"env":[{"name":"LOG_LEVEL","value":"debug"},{"name":"password_hint","value":"first pet"}]}',
      '{"fields":[{"type":"text","name":"user","value":"rohan"},{"type":"checkbox","value":"on"}]}',
      '{"attributes":[{"key":"color","value":"red"},{"Name":"size","Value":"L"}]}',
      '{"name":"Tokenizer Pro 2","value":"fast"}',
    ]) {
      expect(resBody(body)).toBe(body);
    }
  });
});

describe('anonymiser: OAuth codes, verifiers and assertions (eighth review)', () => {
  const CODE = 'SplxlOBeZQQYbYS6WxSbIA';
  const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const DEVICE = 'GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS';
  const ASSERTION = 'Zm9vYmFyYmF6cXV4cXV1eHh5ejEyMzQ1Njc4OTA';

  it('pseudonymises them in token requests sent as forms', () => {
    const redirect = encodeURIComponent('https://client.example.com/cb');
    for (const body of [
      `grant_type=authorization_code&code=${CODE}&redirect_uri=${redirect}&code_verifier=${VERIFIER}&client_id=s6BhdRkqt3`,
      `code=${CODE}&grant_type=authorization_code&client_id=s6BhdRkqt3&client_secret=${ASSERTION}`,
      `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=${DEVICE}&client_id=1406020730`,
      `grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${ASSERTION}`,
      `grant_type=refresh_token&refresh_token=${ASSERTION}&id_token_hint=${ASSERTION}`,
    ]) {
      const out = anonymise(record({ reqHeaders: form, reqBody: body }));
      expectClean(out, [CODE, VERIFIER, DEVICE, ASSERTION]);
      expect(out.req.body.bytes.toString()).toMatch(/grant_type=[^&]+&/);
    }
    // logged as text
    expectClean(anonymise(record({ reqHeaders: [['content-type', 'text/plain']], reqBody: `token request: code_verifier=${VERIFIER} device_code=${DEVICE}` })), [VERIFIER, DEVICE]);
  });

  it('pseudonymises the code of an OAuth callback, in the URL and in a Location or Referer header', () => {
    for (const url of [`/oauth/callback?code=${CODE}&state=af0ifjsldkj`, `/cb?state=af0ifjsldkj&code=${CODE}`, `/authorize/resume?code=${CODE}&redirect_uri=https://client.example.com/cb`]) {
      const out = anonymise(record({ url }));
      expectClean(out, [CODE]);
      if (url.includes('state=')) expect(out.url).toContain('state=af0ifjsldkj');
    }
    const out = anonymise(record({ reqHeaders: [['referer', `https://client.example.com/cb?code=${CODE}&state=xyz`]], resHeaders: [['location', `https://client.example.com/cb#code=${CODE}&state=xyz`]] }));
    expectClean(out, [CODE]);
  });

  it('pseudonymises them in JSON', () => {
    for (const body of [
      { grant_type: 'authorization_code', client_id: 's6BhdRkqt3', code: CODE, code_verifier: VERIFIER, redirect_uri: 'https://client.example.com/cb' },
      { code: CODE, grant_type: 'authorization_code' },
      { device_code: DEVICE, user_code: 'WDJB-MJHT', verification_uri: 'https://example.com/device', expires_in: 1800 },
      { deviceCode: DEVICE, codeVerifier: VERIFIER, clientAssertion: ASSERTION, id_token: ASSERTION, refresh_token: ASSERTION },
    ]) {
      expectClean(anonymise(record({ reqHeaders: json, reqBody: JSON.stringify(body) })), [CODE, VERIFIER, DEVICE, ASSERTION]);
    }
  });

  it('leaves codes that are not OAuth codes alone', () => {
    for (const url of ['/countries?code=IN', '/promo?code=DIWALI2026&page=2', '/search?q=code&state=open']) {
      expect(anonymise(record({ url })).url).toBe(url);
    }
    for (const body of ['{"country":{"code":"IN","state":"KA"},"error":{"code":"invalid_grant"}}', '{"code":"E1042","redirect":"/home","pincode":"560001","countryCode":"IN","user_code":"WDJB-MJHT"}']) {
      expect(resBody(body)).toBe(body);
    }
    const body = 'code=IN&page=2';
    expect(anonymise(record({ reqHeaders: form, reqBody: body })).req.body.bytes.toString()).toBe(body);
  });
});

describe('anonymiser: tokens in URL paths after an action segment (eighth review)', () => {
  const TOKEN = 'q8ZkWm3RvB2xLp9TfN4c';
  const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
  const UUID = '3f0b2c1e-9a7d-4c55-8e21-6b0d4f9a7c13';

  it('pseudonymises a token after reset-password, verify-email, confirm, magic-link, invite/accept, activate or unsubscribe', () => {
    for (const url of [
      `/reset-password/${TOKEN}`,
      `/api/v1/password/reset/${TOKEN}?lang=en`,
      `/verify-email/${TOKEN}`,
      `/auth/confirm/${UUID}`,
      `/magic-link/${TOKEN}/`,
      `/invite/accept/${TOKEN}`,
      `/users/activate/${TOKEN}`,
      `/unsubscribe/${TOKEN}`,
      `/account/resetPassword/${JWT}`,
      `/email_verification/${encodeURIComponent(`${TOKEN}.x`)}`,
    ]) {
      const out = anonymise(record({ url }));
      expectClean(out, [TOKEN, UUID, JWT]);
      expect(out.url.length, url).toBe(url.length);
      expect(routeTemplate('GET', out.url), url).toBe(routeTemplate('GET', url));
    }
  });

  it('leaves ids and short or wordy segments after other segments alone', () => {
    for (const url of [`/api/tokens/${UUID}`, '/users/42/orders', `/api/sessions/${TOKEN}`, '/confirm/order-2026', '/unsubscribe/weekly-newsletter', '/reset-password/expired', `/products/${TOKEN}/reviews`]) {
      expect(anonymise(record({ url })).url).toBe(url);
    }
  });
});
