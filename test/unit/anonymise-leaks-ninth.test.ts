import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { catalogPage } from '../../scripts/bench/anonymise-body.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * Credentials the ninth review found stored raw (2026-12-07): secrets named
 * in one member and held in another under other names than name/value,
 * AWS Secrets Manager's SecretString, OAuth codes in URLs kept in JSON
 * strings and text, and a bare `pin`. Nothing of a planted value may remain
 * in the stored record, and the audit must agree.
 */

const anonymise = createRecordAnonymiser({ key: 'ninth-review-key-0123456789' });
const json: HeaderPair[] = [['content-type', 'application/json']];
const SECRET = 'hunter2-Secret';

/** The response body `body` as the anonymiser stores it. */
const resBody = (body: string) => anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString();

describe('anonymiser: a secret named by label, field, title, param or kind and held in data, content, text or val', () => {
  const bodies = [
    `{"label":"Password","data":"${SECRET}"}`,
    `{"field":"api_key","content":"${SECRET}"}`,
    `{"title":"Card PIN","text":"${SECRET}"}`,
    `{"param":"password","val":"${SECRET}"}`,
    `{"text":"${SECRET}","Label":"Client Secret"}`,
    `{"kind":"Secret","apiVersion":"v1","data":{"DB_URL":"${SECRET}"}}`,
    `{"fields":[{"Field":"Token","Value":"${SECRET}"},{"Title":"Username","Text":"rohan"}]}`,
  ];

  it('pseudonymises the holder, in either order, keeping its length', () => {
    for (const body of bodies) {
      const out = anonymise(record({ resHeaders: json, resBody: body }));
      expectClean(out, [SECRET]);
      expect(out.res!.body.bytes.toString().length, body).toBe(body.length);
    }
    // with a detector finding elsewhere in the body, and in JSON kept in a string
    for (const body of bodies) {
      const inner = JSON.parse(body) as unknown;
      for (const variant of [JSON.stringify({ owner: 'priya.sharma@acmecorp.in', config: inner }), JSON.stringify({ config: JSON.stringify(inner) })]) {
        expectClean(anonymise(record({ resHeaders: json, resBody: variant })), [SECRET, 'priya.sharma@acmecorp.in']);
      }
    }
  });

  it("pseudonymises AWS Secrets Manager's SecretString, plain or holding JSON", () => {
    for (const secret of [SECRET, JSON.stringify({ username: 'admin', password: SECRET, host: 'db.internal', dbname: 'orders7' }), JSON.stringify({ STRIPE_WEBHOOK: `whk-${SECRET}` })]) {
      const body = JSON.stringify({ ARN: 'arn:aws:secretsmanager:ap-south-1:123456789012:secret:prod/db-AbCdEf', Name: 'prod/db', VersionId: 'v1', SecretString: secret });
      const out = anonymise(record({ resHeaders: json, resBody: body }));
      expectClean(out, [SECRET, 'db.internal', 'orders7']);
      expect(JSON.parse(out.res!.body.bytes.toString())).toMatchObject({ Name: 'prod/db', VersionId: 'v1' });
    }
  });

  it('leaves labels, titles and texts that name no credential, and catalogue pages, as they were', () => {
    for (const body of [
      '{"label":"Colour","data":"teal"}',
      '{"title":"Acme classic kettle","text":"A durable kettle."}',
      '{"title":"Secret Santa gift box","content":"Six wrapped surprises"}',
      '{"field":"password_hint","content":"first pet"}',
      '{"kind":"youtube#video","data":{"id":"x"}}',
      '{"rating":4.5,"string":"x","billing":"monthly"}',
    ]) {
      expect(resBody(body)).toBe(body);
    }
    for (const size of [1024, 64 * 1024]) {
      const page = catalogPage(size, 3).replace(/support\+\d+@[a-z.]+/g, 'support desk');
      expect(resBody(page)).toBe(page);
    }
  });
});

describe('anonymiser: an OAuth code in a URL kept in a JSON string or in text', () => {
  const CODE = 'SplxlOBeZQQYbYS6WxSbIA';
  const text: HeaderPair[] = [['content-type', 'text/plain']];

  it('pseudonymises the code beside state, redirect_uri, grant_type or code_verifier, and keeps state', () => {
    for (const url of [`https://app.example/cb?code=${CODE}&state=xyz`, `/cb?state=xyz&code=${CODE}`, `https://app.example/cb#code=${CODE}&state=xyz`, `code=${CODE}&grant_type=authorization_code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb`]) {
      const body = JSON.stringify({ redirect: url, user: 42 });
      const out = anonymise(record({ resHeaders: json, resBody: body }));
      expectClean(out, [CODE]);
      const stored = JSON.parse(out.res!.body.bytes.toString()) as { redirect: string };
      expect(stored.redirect.length, url).toBe(url.length);
      if (url.includes('state=')) expect(stored.redirect).toContain('state=xyz');
      // beside an email (the body is walked anyway), in JSON kept in a string, in a text body, in a query value
      expectClean(anonymise(record({ resHeaders: json, resBody: JSON.stringify({ owner: 'priya.sharma@acmecorp.in', next: url }) })), [CODE]);
      expectClean(anonymise(record({ resHeaders: json, resBody: JSON.stringify({ log: JSON.stringify({ next: url }) }) })), [CODE]);
      expectClean(anonymise(record({ resHeaders: text, resBody: `302 Found: redirecting to ${url.startsWith('code=') ? `/token?${url}` : url}\n` })), [CODE]);
      expectClean(anonymise(record({ url: `/login/done?next=${encodeURIComponent(url)}` })), [CODE]);
    }
  });

  it('leaves codes that are not OAuth codes alone', () => {
    for (const body of ['{"next":"/countries?code=IN"}', '{"link":"/promo?code=DIWALI2026&page=2"}', '{"q":"/search?q=code&state=open"}', '{"note":"zip code=560001 state=KA"}']) {
      expect(resBody(body)).toBe(body);
    }
  });
});

describe('anonymiser: a bare pin of 4 to 8 digits is a credential, a postal PIN code is not', () => {
  const form: HeaderPair[] = [['content-type', 'application/x-www-form-urlencoded']];
  const reqBody = (headers: HeaderPair[], body: string) => anonymise(record({ reqHeaders: headers, reqBody: body })).req.body.bytes.toString();

  it('pseudonymises pin, PIN, newPin and confirm_pin in JSON, forms and queries, keeping the digits count', () => {
    for (const [body, pin] of [
      ['{"mobile_last4":"3210","pin":"4821"}', '4821'],
      ['{"PIN":"093417"}', '093417'],
      ['{"pin":48213975}', '48213975'],
      ['{"user":"priya.sharma@acmecorp.in","pin":"4821"}', '4821'],
      ['{"oldPin":"4821","newPin":"7305","confirm_pin":"7305"}', '4821'],
      ['{"req":"{\\"pin\\":\\"4821\\"}"}', '4821'],
    ] as const) {
      const out = anonymise(record({ reqHeaders: json, reqBody: body }));
      expectClean(out, [pin, ...(pin === '4821' && body.includes('newPin') ? ['7305'] : [])]);
      expect(out.req.body.bytes.toString().length, body).toBe(body.length);
    }
    expectClean(anonymise(record({ reqHeaders: form, reqBody: 'mobile=priya&pin=4821' })), ['4821']);
    expectClean(anonymise(record({ url: '/api/wallet/unlock?pin=482139&device=a1' })), ['482139']);
  });

  it('leaves pincode, pin_code, pins that are not 4 to 8 digits, and a pin among address fields alone', () => {
    for (const body of [
      '{"pincode":"560001","pin_code":"560001","postal_pin":"560001"}',
      '{"address":{"line1":"12 MG Road","city":"Bengaluru","state":"KA","pin":"560001"}}',
      '{"pin":"560001","district":"Bengaluru Urban"}',
      '{"pin":true,"pinned":"4821","pin_id":"48213"}',
      '{"pin":{"lat":12.97,"lng":77.59}}',
      '{"pin":"123","cardPinned":"4821"}',
      '{"pin":"123456789"}',
      '{"pin":"A1B2"}',
    ]) {
      expect(reqBody(json, body)).toBe(body);
    }
    expect(reqBody(form, 'city=Pune&pin=411001')).toBe('city=Pune&pin=411001');
    expect(anonymise(record({ url: '/api/serviceability?pin=411001&state=MH' })).url).toBe('/api/serviceability?pin=411001&state=MH');
  });
});
