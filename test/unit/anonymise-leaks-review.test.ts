import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * What a review of the ninth and tenth reviews' code found still stored raw
 * (2026-12-07): a `SecretString` with nothing else to find beside it, JSON
 * keys `hmac` and `SAMLResponse`, an OAuth code beside a JSON-escaped `&`,
 * a card PIN beside a `state` or `country`, labels with a colon or an
 * asterisk, and base64 JSON before a full stop.
 */

const anonymise = createRecordAnonymiser({ key: 'review-of-reviews-key-0123456789' });
const json: HeaderPair[] = [['content-type', 'application/json']];
const text: HeaderPair[] = [['content-type', 'text/plain']];
const ndjson: HeaderPair[] = [['content-type', 'application/x-ndjson']];
const form: HeaderPair[] = [['content-type', 'application/x-www-form-urlencoded']];
const res = (body: string, headers = json) => anonymise(record({ resHeaders: headers, resBody: body }));
const stored = (body: string, headers = json) => res(body, headers).res!.body.bytes.toString();
const CODE = 'SplxlOBeZQQYbYS6WxSbIA';

describe('anonymiser: keys the JSON pre-check let through', () => {
  it("takes AWS Secrets Manager's SecretString when nothing else in the answer names a secret", () => {
    const body = JSON.stringify({ Name: 'prod/api', VersionId: 'EXAMPLE1-90ab-cdef', SecretString: 'MyDbPa55w0rd!', CreatedDate: 1523477145.713 });
    expectClean(res(body), ['MyDbPa55w0rd!']);
    expectClean(res('{"secretString":"Hunter2Pa55word"}'), ['Hunter2Pa55word']);
  });

  it("takes Shopify's hmac and a SAMLResponse as JSON members", () => {
    expectClean(res('{"shop":"x.myshopify.com","hmac":"XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM"}'), ['XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM']);
    const saml = Buffer.from('<samlp:Response><saml:NameID>priya.sharma@acmecorp.in</saml:NameID></samlp:Response>').toString('base64');
    expectClean(res(JSON.stringify({ SAMLResponse: saml })), [saml.slice(8, 40)]);
  });
});

describe('anonymiser: an OAuth code beside a JSON-escaped &', () => {
  it('takes the code whichever parameter comes first, in JSON and in NDJSON', () => {
    expectClean(res(`{"next":"/cb?code=${CODE}\\u0026state=xyz"}`), [CODE]);
    expectClean(res(`{"next":"/cb?state=xyz\\u0026code=${CODE}"}`), [CODE]);
    const out = stored(`{"next":"/cb?code=${CODE}\\u0026state=xyz"}\n{"a":1}\n`, ndjson);
    expect(out).not.toContain(CODE);
    expect(out).toContain('\\u0026state=xyz"}\n{"a":1}\n');
  });

  it('leaves a promotions page with many codes and no OAuth parameter as it was', () => {
    const body = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ url: `/apply?code=SAVE${i}` })));
    expect(stored(body)).toBe(body);
  });
});

describe('anonymiser: a PIN is a postal code only when it is six digits under `pin` beside an address', () => {
  it("takes a card's PIN beside a state, a country or a city", () => {
    for (const body of ['{"cardId":"c_123","pin":"4821","state":"ACTIVE"}', '{"mobile":"x","country_code":"+91","new_pin":"4821"}', '{"city":"Pune","pin":"4821"}']) {
      expect(stored(body), body).not.toContain('4821');
    }
    expect(stored('cardId=c_123&pin=4821&state=ACTIVE', form)).not.toContain('4821');
  });

  it('keeps a postal PIN code beside an address', () => {
    expect(stored('{"city":"Pune","pin":"411001"}')).toBe('{"city":"Pune","pin":"411001"}');
    expect(stored('city=Pune&pin=411001', form)).toBe('city=Pune&pin=411001');
  });
});

describe('anonymiser: what the label and base64 readers missed', () => {
  it('reads a label through its spaces and the colon or asterisk a form puts after it', () => {
    for (const label of ['Password:', 'Password *', 'API key:', 'Card PIN:', 'Account Number']) {
      expectClean(res(JSON.stringify({ label, data: 'Hunter2Pa55word' })), ['Hunter2Pa55word']);
    }
  });

  it('reads base64 JSON that ends a sentence', () => {
    const blob = Buffer.from('{"email":"priya.sharma@acmecorp.in","n":1}').toString('base64').replace(/=+$/, '');
    const out = stored(`Login redirect state ${blob}. Done`, text);
    expect(out).not.toContain(blob);
    expect(out).toMatch(/\. Done$/);
  });
});

describe('anonymiser: password hashes of WordPress, passlib and Django before 1.4', () => {
  it('redraws their salt and hash and keeps the scheme', () => {
    const hashes = ['$P$BZlPX7NIx8MYpXokBW2AT9FTLtPQ5M/', '$pbkdf2-sha256$29000$N2bMmZMSQkjJ2ZszZgyh1A$ZbJYOcUaHKdBnLeyW5dcUdE3T8/zTMVZLJcfNiJM7tM', 'sha1$a1976$a36cc8cbf81742a8fb52e221aaeab48ed7f58ab4'];
    for (const h of hashes) {
      const out = stored(JSON.stringify({ user: 'priya', hash: h }));
      expect(out).not.toContain(h.slice(-20));
      expect(out).toContain(`"hash":"${h.slice(0, h.indexOf('$', 1) + 1)}`);
    }
    expect(stored('{"price":"$19.99","tpl":"$P$ alone"}')).toBe('{"price":"$19.99","tpl":"$P$ alone"}');
  });
});

describe('anonymiser: a bare pin in XML and text bodies', () => {
  const xml: HeaderPair[] = [['content-type', 'application/xml']];
  it('takes a PIN in an element or after its name, and keeps a postal PIN code beside an address', () => {
    expect(stored('<req><cardId>c1</cardId><pin>4821</pin></req>', xml)).not.toContain('4821');
    expect(stored('set pin=4821 for card c1', text)).not.toContain('4821');
    expect(stored('pin: 482139', text)).not.toContain('482139');
    expect(stored('<addr><city>Pune</city><pin>411001</pin></addr>', xml)).toContain('<pin>411001</pin>');
    expect(stored('city: Pune\npin: 411001', text)).toBe('city: Pune\npin: 411001');
  });
});
