import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../shared/anonymise/audit.js';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * The twelfth review (2026-12-07): limits the eleventh left — a private
 * JWK's `d`, `p`, `q` (an admin API's key export, a JWKS endpoint that
 * publishes its private half by mistake), a JWE (five segments) under a
 * name that is not a credential's, a Telegram bot token in a URL.
 */

const anonymise = createRecordAnonymiser({ key: 'twelfth-review-key-0123456789' });
const json: HeaderPair[] = [['content-type', 'application/json']];
const text: HeaderPair[] = [['content-type', 'text/plain']];

type Jwk = Record<string, string>;
const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
const privateParts = (jwk: Jwk) => PRIVATE.filter((m) => jwk[m] !== undefined).map((m) => jwk[m]!);
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' }) as Jwk;
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as Jwk;
const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as Jwk;
const oct: Jwk = { kty: 'oct', k: randomBytes(32).toString('base64url'), alg: 'HS256' };
const sorted = (jwk: Jwk) => Object.fromEntries(Object.entries(jwk).sort(([a], [b]) => a.localeCompare(b)));

describe('anonymiser: a private JWK', () => {
  it.each([
    ['RSA, kty first', { kid: 'sig-2026', use: 'sig', ...rsa }],
    ['RSA, members sorted (d before kty)', sorted({ kid: 'sig-2026', ...rsa })],
    ['EC P-256', ec],
    ['Ed25519 (OKP)', ed],
    ['a symmetric key (oct)', oct],
  ])('%s', (_, jwk) => {
    const body = JSON.stringify({ keys: [jwk] });
    const out = anonymise(record({ resHeaders: json, resBody: body }));
    expectClean(out, privateParts(jwk));
    const stored = JSON.parse(out.res!.body.bytes.toString()) as { keys: Jwk[] };
    // the public half and the key's description stay: a replay still reads a key of the same kind and size
    for (const m of ['kty', 'n', 'e', 'crv', 'x', 'y', 'kid', 'alg']) expect(stored.keys[0]![m]).toBe(jwk[m]);
    for (const m of PRIVATE) if (jwk[m] !== undefined) expect(stored.keys[0]![m]!.length).toBe(jwk[m].length);
  });

  it('in a body that also holds what a detector finds', () => {
    const body = JSON.stringify({ owner: 'priya.sharma@acmecorp.in', jwk: ec });
    expectClean(anonymise(record({ reqHeaders: json, reqBody: body })), [...privateParts(ec), 'priya.sharma@acmecorp.in']);
  });

  it('leaves a public JWKS as it was', () => {
    const pub = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }) as Jwk;
    const body = JSON.stringify({ keys: [{ ...pub, kid: 'a1', use: 'sig', alg: 'RS256' }] });
    expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
  });

  it('leaves members named d or p outside a JWK', () => {
    const body = '{"p":"page-2","d":"2026-12-07","q":"red shoes","k":"sort"}';
    expect(anonymise(record({ reqHeaders: json, reqBody: body })).req.body.bytes.toString()).toBe(body);
  });
});

const b64 = (n: number) => randomBytes(n).toString('base64url');
const JWE_HEADER = Buffer.from('{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"enc-1"}').toString('base64url');
const DIR_HEADER = Buffer.from('{"alg":"dir","enc":"A128CBC-HS256"}').toString('base64url');

describe('anonymiser: a JWE under a name that is not a credential', () => {
  const jwe = `${JWE_HEADER}.${b64(256)}.${b64(12)}.${b64(180)}.${b64(16)}`;
  const dir = `${DIR_HEADER}..${b64(16)}.${b64(96)}.${b64(16)}`;
  it.each([
    ['with an encrypted key, in JSON', '{"data":"JWE"}', json],
    ['direct encryption (empty key segment), in JSON', '{"payload":"DIR"}', json],
    ['in text', 'forwarding JWE to the ledger', text],
  ])('%s', (_, template, headers) => {
    const body = template.replace('JWE', jwe).replace('DIR', dir);
    const planted = body.includes(jwe) ? jwe : dir;
    const out = anonymise(record({ reqHeaders: headers, reqBody: body }));
    expectClean(out, [planted, planted.split('.')[3]!]);
    const stored = out.req.body.bytes.toString();
    // five segments still, the header kept
    expect(stored).toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
    expect(stored).toContain(planted.split('.')[0]!);
  });
});

describe('anonymiser: a Telegram bot token', () => {
  const token = '7309518264:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ';
  it('in a URL kept in JSON', () => {
    const body = `{"webhook":"https://api.telegram.org/bot${token}/sendMessage","chat_id":-1001234}`;
    expectClean(anonymise(record({ reqHeaders: json, reqBody: body })), [token, token.split(':')[1]!]);
  });
  it('in a request URL', () => {
    const out = anonymise(record({ url: `/bot${token}/getUpdates?offset=10` }));
    expectClean(out, [token, token.split(':')[1]!]);
    expect(out.url).toMatch(/^\/bot\d{10}:[A-Za-z0-9_-]{35}\/getUpdates\?offset=10$/);
  });
  it('in a log line', () => {
    const body = `telegram: POST bot${token}/sendMessage failed: 429`;
    expectClean(anonymise(record({ reqHeaders: text, reqBody: body })), [token, token.split(':')[1]!]);
  });
  it('leaves a time and a ratio alone', () => {
    const body = '{"at":"1733561234:AAA","note":"12345678:AAbb"}';
    expect(anonymise(record({ reqHeaders: json, reqBody: body })).req.body.bytes.toString()).toBe(body);
  });
});

const form: HeaderPair[] = [['content-type', 'application/x-www-form-urlencoded']];

describe('anonymiser: a credential named as one lower-case word, and other names for codes', () => {
  it.each([
    ['a password change in JSON', '{"oldpassword":"Hunter2Old!x","newpassword":"Zq7vK2mWx9Lp","confirmpassword":"Zq7vK2mWx9Lp"}', ['Hunter2Old!x', 'Zq7vK2mWx9Lp'], json],
    ['tokens and secrets in JSON', '{"apitoken":"t0k3nValue8812","identitytoken":"idTok88QwErTy","appsecret":"ApSeCrEt7731x"}', ['t0k3nValue8812', 'idTok88QwErTy', 'ApSeCrEt7731x'], json],
    ['codes in JSON', '{"otpcode":"482913","authcode":"Ac7Qm2Lp9","emailCode":"551204"}', ['482913', 'Ac7Qm2Lp9', '551204'], json],
    ["Cognito's confirmation", '{"Username":"asha.k","ConfirmationCode":"482913","Password":"Zq7vK2mWx9Lp"}', ['482913', 'Zq7vK2mWx9Lp'], json],
    ["Firebase's password reset", '{"oobCode":"Xk3mQ9vLp2Rt7Wz","newPassword":"Zq7vK2mWx9Lp"}', ['Xk3mQ9vLp2Rt7Wz', 'Zq7vK2mWx9Lp'], json],
    ['short forms', '{"pswd":"Zq7vK2mWx9Lp","psw":"Hunter2Old!x"}', ['Zq7vK2mWx9Lp', 'Hunter2Old!x'], json],
    ['card security codes in JSON', '{"creditCard":{"cardNumber":"4111111111111111","cardCode":"739"},"csc":"8841","cvNumber":"5520"}', ['739', '8841', '5520', '4111111111111111'], json],
    ['a form', 'newpassword=Zq7vK2mWx9Lp&confirmpassword=Zq7vK2mWx9Lp&txnpassword=Tx9Pw4Lm2Qe', ['Zq7vK2mWx9Lp', 'Tx9Pw4Lm2Qe'], form],
    ["PayU's form", 'key=gtKFFx&txnid=T8812&ccnum=4111111111111111&ccvv=739&ccexpmon=12', ['739', '4111111111111111'], form],
    ['Authorize.net and Cognito fields in a form', 'x_card_code=739&confirmation_code=482913', ['739', '482913'], form],
    ['a text body', 'host: db.internal\nuser: app\npass: Zq7vK2mWx9Lp\n', ['Zq7vK2mWx9Lp'], text],
    ['a log line', 'connect user=app pass=Zq7vK2mWx9Lp db=orders', ['Zq7vK2mWx9Lp'], text],
    ['snake and camel names in text', 'card_csc=4821 cardCvn: 5529 confirm_code=482913', ['4821', '5529', '482913'], text],
    ['XML', '<auth><cardCode>739</cardCode><cvNumber>5520</cvNumber></auth>', ['739', '5520'], [['content-type', 'application/xml']] as HeaderPair[]],
  ])('%s', (_, body, planted, headers) => {
    expectClean(anonymise(record({ reqHeaders: headers, reqBody: body })), planted);
  });

  it('in a query and a header', () => {
    const out = anonymise(record({ url: '/v1/reset?apitoken=t0k3nValue8812&newpassword=Zq7vK2mWx9Lp&mode=resetPassword&oobCode=Xk3mQ9vLp2Rt7Wz', reqHeaders: [['x-apitoken', 'ApTok7731xQ']] }));
    expectClean(out, ['t0k3nValue8812', 'Zq7vK2mWx9Lp', 'Xk3mQ9vLp2Rt7Wz', 'ApTok7731xQ']);
  });

  it('in YAML kept in a JSON string', () => {
    const body = JSON.stringify({ data: { 'config.yaml': 'db:\n  host: pg\n  pass: Zq7vK2mWx9Lp\n' } });
    expectClean(anonymise(record({ reqHeaders: json, reqBody: body })), ['Zq7vK2mWx9Lp']);
  });

  it('leaves words that only end like one alone', () => {
    const body = '{"bypass":"cache-only","compass":"north-east","boardingpass":"BP-2291-XK","zipcode":"411001","qrcode":"UPI-QR-77","countryCode":"IN","promoCode":"SAVE20","statuscode":"E1001"}';
    expect(anonymise(record({ reqHeaders: json, reqBody: body })).req.body.bytes.toString()).toBe(body);
  });
});

describe("anonymiser: a Kubernetes Secret's stringData", () => {
  it.each([
    ['kind first', '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"app"},"stringData":{"webhook":"Zq7vK2mWx9LpQ","ADMIN_PW":"Hunter2Old!x"}}'],
    ['stringData first', '{"stringData":{"webhook":"Zq7vK2mWx9LpQ","ADMIN_PW":"Hunter2Old!x"},"kind":"Secret","apiVersion":"v1"}'],
  ])('%s', (_, body) => {
    const out = anonymise(record({ reqHeaders: json, reqBody: body }));
    expectClean(out, ['Zq7vK2mWx9LpQ', 'Hunter2Old!x']);
    expect(out.req.body.bytes.toString()).toContain('"kind":"Secret"');
  });

  it("leaves a ConfigMap's data as it is", () => {
    const body = '{"kind":"ConfigMap","data":{"LOG_LEVEL":"debug-verbose"},"stringData":{"x":"plain-words-here"}}';
    expect(anonymise(record({ reqHeaders: json, reqBody: body })).req.body.bytes.toString()).toBe(body);
  });
});

describe('anonymiser: an object that describes a credential holds none', () => {
  it.each([
    ['an OpenAPI property', '{"components":{"schemas":{"Login":{"type":"object","properties":{"password":{"type":"string","format":"password","minLength":8,"title":"Password"},"otp":{"type":["string","null"],"pattern":"^[0-9]{6}$"}}}}}}'],
    ['a $ref', '{"properties":{"token":{"$ref":"#/components/schemas/Token"}}}'],
    ['a security scheme', '{"components":{"securitySchemes":{"bearerAuth":{"type":"http","scheme":"bearer","bearerFormat":"JWT"}}}}'],
    ["a schema named Token, its own keywords (its members' schemas are redrawn)", '{"components":{"schemas":{"Token":{"type":"object","required":["access_token"],"title":"Token"}}}}'],
    ["OAuth2's flows", '{"securitySchemes":{"oauth":{"type":"oauth2","flows":{"password":{"tokenUrl":"/token","scopes":{}}}}}}'],
  ])('%s', (_, body) => {
    expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
  });

  it.each([
    ["Terraform's output", '{"db_password":{"sensitive":true,"type":"string","value":"Zq7vK2mWx9Lp"}}', 'Zq7vK2mWx9Lp'],
    ['a typed secret', '{"secret":{"type":"opaque","data":"Zq7vK2mWx9Lp"}}', 'Zq7vK2mWx9Lp'],
    ['a credential object', '{"credentials":{"username":"svc","password":"Zq7vK2mWx9Lp","type":"string"}}', 'Zq7vK2mWx9Lp'],
    ['a token object with a type', '{"token":{"type":"Bearer","token":"t0k3nValue8812"}}', 't0k3nValue8812'],
    ['an AWS credentials object', '{"Credentials":{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCY","SessionToken":"FwoGZXIvYXdzEBY"}}', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY'],
  ])('still pseudonymises %s', (_, body, planted) => {
    expectClean(anonymise(record({ reqHeaders: json, reqBody: body })), [planted]);
  });
});

describe('anonymiser: a phone number without its + outside India, by its name', () => {
  it.each([
    ["WhatsApp's webhook", '{"entry":[{"changes":[{"value":{"contacts":[{"profile":{"name":"Kerry"},"wa_id":"447911123456"}],"messages":[{"id":"wamid.HBgM","timestamp":"1669233778"}]}}]}]}', ['447911123456']],
    ['waId and a UAE mobile', '{"waId":"971501234567","customer_phone":"14155552671"}', ['971501234567', '14155552671']],
    ['a country code apart', '{"countryCode":"+65","phone":"91234567","mobileNumber":"(415) 555-2671"}', ['91234567', '555-2671']],
    ['a number, not a string', '{"msisdn":447700900123,"alt_mobile_number":"4915123456789"}', ['447700900123', '4915123456789']],
  ])('%s', (_, body, planted) => {
    expectClean(anonymise(record({ reqHeaders: json, reqBody: body })), planted);
  });

  it('in a form, a query and a multipart field', () => {
    const out = anonymise(record({ url: '/webhooks/inbound-sms?msisdn=447700900123&to=447700900000&text=hi', reqHeaders: form, reqBody: 'From=whatsapp%3A%2B14155238886&phone=14155552671' }));
    expectClean(out, ['447700900123', '14155552671']);
  });

  it('keeps the shape of what it pseudonymises', () => {
    const out = anonymise(record({ reqHeaders: json, reqBody: '{"wa_id":"447911123456","phone":447911123456}' }));
    expect(out.req.body.bytes.toString()).toMatch(/^\{"wa_id":"\d{12}","phone":\d{12}\}$/);
  });

  it('takes numbered and abbreviated names, a slash, and a carrier header', () => {
    const body = '{"phone1":"4155552671","phone_2":"0171/1234567","telNo":"4915123456789","phoneNum":"6591234567","contact_no":"447911123456","cell":"14155552671"}';
    const out = anonymise(record({ reqHeaders: [['content-type', 'application/json'], ['x-msisdn', '447700900123']], reqBody: body }));
    expectClean(out, ['4155552671', '1234567', '4915123456789', '6591234567', '447911123456', '14155552671', '447700900123']);
  });

  it('leaves counts and dates under a phone name alone', () => {
    const body = '{"visits":{"desktop":15234567,"mobile":28345678},"mobile_since":"x","imported":{"mobile":"2026-12-07"}}';
    expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
  });

  it('leaves what only sits beside a phone alone', () => {
    const body = '{"phoneType":"mobile","phone_verified":true,"phoneCode":"+65","from":1700000000,"to":1700086400,"zone":"1234567","profile_id":"12345678","timezone":"5123456"}';
    expect(anonymise(record({ reqHeaders: json, reqBody: body })).req.body.bytes.toString()).toBe(body);
  });
});

describe('anonymiser: what describes a credential in its object is kept', () => {
  it.each([
    ['an OTP policy', '{"otp":{"length":6,"ttlSeconds":300,"maxAttempts":3}}'],
    ['a session cookie policy', '{"session":{"cookie":{"maxAge":86400,"path":"/","sameSite":"lax","httpOnly":true,"secure":true}}}'],
    ['a token policy', '{"token":{"type":"Bearer","expiresIn":3600,"scope":"read write"}}'],
    ["a Secret's times", '{"secret":{"apiVersion":"v1","creationTimestamp":"2024-12-07T10:00:00Z"},"Credentials":{"Expiration":"2026-12-07T10:00:00Z"}}'],
  ])('%s', (_, body) => {
    expect(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()).toBe(body);
  });

  it('still pseudonymises what sits beside them', () => {
    const body = '{"otp":{"length":6,"value":"482913"},"cookies":[{"name":"sid","value":"s3ss10nV4lue99","domain":"shop.example.in","path":"/"}],"token":{"type":"Bearer","expiresIn":3600,"raw":"t0k3nValue8812"}}';
    const out = anonymise(record({ resHeaders: json, resBody: body }));
    expectClean(out, ['482913', 's3ss10nV4lue99', 't0k3nValue8812']);
    const stored = JSON.parse(out.res!.body.bytes.toString());
    expect(stored.otp.length).toBe(6);
    // a container right inside what a credential's name holds is pseudonymised whole
    expect(stored.cookies[0].domain).not.toBe('shop.example.in');
    expect(stored.token).toMatchObject({ type: 'Bearer', expiresIn: 3600 });
  });

  it('keeps pseudonymising what may be the secret or a person: a name, a default, a digits string, a map of a Secret', () => {
    const cases: [string, string][] = [
      ['{"credentials":{"name":"Priya Sharma","type":"basic"}}', 'Priya Sharma'],
      ['{"parameters":{"adminPassword":{"type":"string","defaultValue":"hunter2pw"}}}', 'hunter2pw'],
      ['{"db_password":{"type":"string","default":"Zq7vK2mWx9Lp","sensitive":true}}', 'Zq7vK2mWx9Lp'],
      ['{"token":{"type":"string","data":"opaque-tok-123"}}', 'opaque-tok-123'],
      ['{"credentials":{"type":"http","user":"admin","pw":"hunter2pw"}}', 'hunter2pw'],
      ['{"otp":{"digits":"482913","length":6}}', '482913'],
      ['{"kind":"Secret","data":{"name":"c2VjcmV0LXZhbHVl","path":"L3Zhci9zZWNyZXQ="}}', 'c2VjcmV0LXZhbHVl'],
    ];
    for (const [body, planted] of cases) expectClean(anonymise(record({ reqHeaders: json, reqBody: body })), [planted]);
    const secret = JSON.parse(anonymise(record({ reqHeaders: json, reqBody: cases[6]![0] })).req.body.bytes.toString());
    expect(secret.data.path).not.toBe('L3Zhci9zZWNyZXQ=');
  });

  it('keeps a container right inside a credential forced, and a map of names in capitals', () => {
    const cases: [string, string][] = [
      ['{"data":{"listSecrets":{"items":[{"id":"1","name":"db","value":"SecretVal987Zz"}],"nextToken":null}}}', 'SecretVal987Zz'],
      ['{"passwords":{"items":["Hunt3r2Pass"]}}', 'Hunt3r2Pass'],
      ['{"credentials":{"properties":{"value":"Hunt3r2Pass"}}}', 'Hunt3r2Pass'],
      ['{"secret":{"metadata":{"value":"Hunt3r2Pass"}}}', 'Hunt3r2Pass'],
      ['{"secrets":{"STATUS":"Hunt3r2Pass","DOMAIN":{"raw":"SecretVal987Zz"}}}', 'Hunt3r2Pass'],
      ['{"secrets":[{"kind":"Secret","data":{"provider":"aHVudGVyMg==","domain":"c2VjcmV0"}}]}', 'aHVudGVyMg=='],
      ['{"secrets":{"meta":{"type":"array"},"items":[{"name":"prod","value":"Hunt3r2Pass"}]}}', 'Hunt3r2Pass'],
      ['{"secrets":{"type":"array","items":[{"name":"prod","value":"Hunt3r2Pass"}]}}', 'Hunt3r2Pass'],
      ['{"secret":{"type":"object","properties":{"value":"Hunt3r2Pass"}}}', 'Hunt3r2Pass'],
      ['{"password":{"type":"array","items":{"type":"string","example":"Hunt3r2Pass"}}}', 'Hunt3r2Pass'],
      ['{"secret":{"items":"Hunt3r2Pass"}}', 'Hunt3r2Pass'],
    ];
    for (const [body, planted] of cases) expectClean(anonymise(record({ reqHeaders: json, reqBody: body })), [planted]);
  });

  it('walks a schema nested deep under credential names in bounded work', () => {
    const deep = `${'{"password":{"type":"string","x":'.repeat(64)}"${'a'.repeat(600_000)}"${'}}'.repeat(64)}`;
    expect(anonymise(record({ reqHeaders: json, reqBody: deep })).req.body.omitted).toBeUndefined();
  });

  it('finds an address in a describing member all the same', () => {
    const body = '{"token":{"issuer":"priya.sharma@acmecorp.in","value":"t0k3nValue8812"}}';
    expectClean(anonymise(record({ resHeaders: json, resBody: body })), ['priya.sharma@acmecorp.in', 't0k3nValue8812']);
  });
});

describe('anonymiser: API keys in headers named …-key, and a wallet mnemonic', () => {
  it('pseudonymises a vendor key header, not an idempotency key or a WebSocket nonce', () => {
    const keys: HeaderPair[] = [['dd-application-key', 'a1b2c3d4e5f6a7b8c9d0e1f2'], ['x-insert-key', 'NRII-AbCdEfGhIjKlMnOp'], ['x-honeycomb-team', 'hcaik_01hq7ExAmPlEkEy'], ['ocp-apim-subscription-key', '0123456789abcdef0123'],
      ['idempotency-key', 'ord-8812-retry'], ['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['x-event-key', 'repo:push'], ['surrogate-key', 'product-123 category-9'], ['x-partition-key', 'tenant-42']];
    const out = anonymise(record({ reqHeaders: keys }));
    expectClean(out, ['a1b2c3d4e5f6a7b8c9d0e1f2', 'NRII-AbCdEfGhIjKlMnOp', 'hcaik_01hq7ExAmPlEkEy', '0123456789abcdef0123']);
    expect(out.req.headers.slice(4)).toEqual(keys.slice(4));
  });

  it("takes RapidAPI's x-mashape-key and a bare x-key, and carriers' number headers", () => {
    const out = anonymise(record({ reqHeaders: [['x-mashape-key', 'mashKey0123456789'], ['x-key', 'xKey0123456789ab'], ['x-up-calling-line-id', '447700900123'], ['x-hts-clid', '14155552671'], ['x-served-by-cell', '1733580000'], ['sec-ch-ua-mobile', '?0']] }));
    expectClean(out, ['mashKey0123456789', 'xKey0123456789ab', '447700900123', '14155552671']);
    expect(out.req.headers.slice(4)).toEqual([['x-served-by-cell', '1733580000'], ['sec-ch-ua-mobile', '?0']]);
  });

  it('has the audit report such a header stored raw', () => {
    const raw = record({ reqHeaders: [['dd-application-key', 'a1b2c3d4e5f6a7b8c9d0e1f2'], ['x-honeycomb-team', 'hcaik_01hq7ExAmPlEkEy'], ['x-event-key', 'repo:push'], ['x-msisdn', '447700900123'], ['X-Mashape-Key', 'mashKey0123456789']] });
    expect(auditRecord(raw).map((f) => f.location)).toEqual(['req.headers.dd-application-key', 'req.headers.x-honeycomb-team', 'req.headers.x-msisdn', 'req.headers.X-Mashape-Key']);
  });

  it('pseudonymises a mnemonic in JSON, a form and text', () => {
    const phrase = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
    const out = anonymise(record({ reqHeaders: json, reqBody: JSON.stringify({ mnemonic: phrase }), resHeaders: text, resBody: `wallet restored, mnemonic: "${phrase}"` }));
    expectClean(out, [phrase, 'sausage worth useful']);
  });
});

const xml: HeaderPair[] = [['content-type', 'text/xml']];

describe('anonymiser: XML that names a credential in an attribute or a member', () => {
  it.each([
    ["Java's properties XML", '<?xml version="1.0"?><properties><entry key="db.user">app</entry><entry key="db.password">Zq7vK2mWx9Lp</entry></properties>'],
    [".NET's appSettings", '<appSettings><add key="ApiSecret">Zq7vK2mWx9Lp</add></appSettings>'],
    ['a property element', '<bean><property name="password">Zq7vK2mWx9Lp</property></bean>'],
    ["XML-RPC's struct member", '<methodCall><methodName>login</methodName><params><param><value><struct><member><name>username</name><value><string>asha</string></value></member><member><name>password</name><value><string>Zq7vK2mWx9Lp</string></value></member></struct></value></param></params></methodCall>'],
    ['CDATA in a keyed element', '<properties><entry key="db.password"><![CDATA[Zq7vK2mWx9Lp]]></entry></properties>'],
    ['CDATA in an XML-RPC member', '<struct><member><name>password</name><value><string><![CDATA[Zq7vK2mWx9Lp]]></string></value></member></struct>'],
    ["Spring's inner value", '<bean id="ds"><property name="password"><value>Zq7vK2mWx9Lp</value></property></bean>'],
    ['a map item keyed', '<map><item key="db.password">Zq7vK2mWx9Lp</item></map>'],
    ['a typed inner value', '<property name="password"><value type="java.lang.String">Zq7vK2mWx9Lp</value></property>'],
    ['a constructor argument', '<constructor-arg name="password"><value>Zq7vK2mWx9Lp</value></constructor-arg>'],
  ])('%s', (_, body) => {
    expectClean(anonymise(record({ reqHeaders: xml, reqBody: body })), ['Zq7vK2mWx9Lp']);
  });

  it('leaves a label whose key names a credential', () => {
    const body = '<form><label key="password">Password</label></form>';
    expect(anonymise(record({ resHeaders: xml, resBody: body })).res!.body.bytes.toString()).toBe(body);
  });

  it('leaves the text of an HTML element whose id names a credential', () => {
    const body = '<html><body><a id="password-reset" href="/reset">Forgot password?</a><span id="password-strength">Weak</span></body></html>';
    expect(anonymise(record({ resHeaders: [['content-type', 'text/html']], resBody: body })).res!.body.bytes.toString()).toBe(body);
  });
});

describe('anonymiser: Vault tokens, age keys and hex bytes with colons', () => {
  const vault = 'hvs.CAESIJ7xQ9v2Lp0mWx9LpZq7vK2mWx9LpQ8aGh4KHGh2cy5ZUkF3';
  const age = 'AGE-SECRET-KEY-1QQPZRYW9XNLM5G2HFYHGKZ8R7XJ4VWSPQ3T0E6MKDU9ACL2YFNQHSJW5AW';
  it('finds a Vault token under a neutral key and an age key in text', () => {
    const out = anonymise(record({ resHeaders: json, resBody: JSON.stringify({ data: { accessor: 'acc-1', id: vault } }), reqHeaders: text, reqBody: `# created: 2026-12-07\n${age}\n` }));
    expectClean(out, [vault, vault.slice(4), age, age.slice(16)]);
  });

  it('leaves a WWN and an EUI-64 alone', () => {
    const body = '{"wwn":"50:01:43:80:12:34:56:78","eui":"de:ad:be:ef:ca:fe:ba:be"}';
    expect(anonymise(record({ reqHeaders: json, reqBody: body })).req.body.bytes.toString()).toBe(body);
  });
});

describe('anonymiser: credentials the eleventh review left in headers, forms, command lines and GraphQL errors', () => {
  it('reads a debug header that names a credential in its text', () => {
    const out = anonymise(record({ reqHeaders: [['x-debug-info', 'user=app password=Zq7vK2mWx9Lp db=orders'], ['x-trace', 'span=42']] }));
    expectClean(out, ['Zq7vK2mWx9Lp']);
    expect(out.req.headers[1]).toEqual(['x-trace', 'span=42']);
  });

  it("takes Twilio Verify's code beside where it was sent, in a form", () => {
    const out = anonymise(record({ reqHeaders: form, reqBody: 'To=%2B14155552671&Code=482913' }));
    expectClean(out, ['482913']);
    const promo = 'country=IN&code=4821&items=2';
    expect(anonymise(record({ reqHeaders: form, reqBody: promo })).req.body.bytes.toString()).toBe(promo);
  });

  it.each([
    ['-u', 'curl -u admin:Zq7vK2mWx9Lp https://api.example.in/v1/export'],
    ['--user=', "curl --user='deploy:Zq7vK2mWx9Lp' -X POST https://ci.example.in/hook"],
  ])('takes the password of curl %s in text', (_, body) => {
    expectClean(anonymise(record({ reqHeaders: text, reqBody: body })), ['Zq7vK2mWx9Lp']);
  });

  it('takes -uuser:password and a curl command kept in a JSON string', () => {
    expectClean(anonymise(record({ reqHeaders: text, reqBody: 'curl -uadmin:Hunter2Pwx https://repo.example.in/api' })), ['Hunter2Pwx']);
    expectClean(anonymise(record({ reqHeaders: json, reqBody: '{"cmd":"curl -u admin:Hunter2Pwx https://api.example.in/v1/export"}' })), ['Hunter2Pwx']);
  });

  it.each([
    ['continued over lines', 'curl -X POST https://api.example.in/x \\\n  -H "a: b" \\\n  -u admin:Hunter2Pwx\n', text],
    ['curl.exe in capitals', 'CURL.EXE -u admin:Hunter2Pwx https://api.example.in/x', text],
    ['-U for the proxy', 'curl -U proxyuser:Hunter2Pwx https://api.example.in/x', text],
    ['an empty user', 'curl -u :Hunter2Pwx https://api.example.in/x', text],
    ['a JSON string with quotes and a line break', JSON.stringify({ cmd: 'curl -H "Accept: application/json" \\\n -u admin:Hunter2Pwx https://x' }), json],
    ['a script line kept in JSON', JSON.stringify({ cmd: 'set -e\ncurl\t-u admin:Hunter2Pwx https://x' }), json],
    ['after a charset and a query', 'curl -H "Content-Type: application/json; charset=utf-8" "https://x?a=1&b=2" -u admin:Hunter2Pwx', text],
    ['bundled short options', 'curl -fsSLu admin:Hunter2Pwx https://x', text],
    ['in JSON beside an address', JSON.stringify({ email: 'bob@example.com', cmd: 'curl -u admin:Hunter2Pwx https://api.x.io/v1' }), json],
    ['in JSON, the user glued, quoted, after a tab, with digits or a slash', JSON.stringify({ a: 'curl -uadmin:Hunter2Pwx https://x', b: 'curl -u "admin:Hunter2Pwx" https://x', c: 'curl -u\tadmin:Hunter2Pwx x', d: 'curl -u user01:Hunter2Pwx x', e: 'curl -u admin:/Hunter2Pwx x' }), json],
    ['in JSON after a long escaped header', JSON.stringify({ cmd: `curl -H "X: ${'é'.repeat(100)}" -u admin:Hunter2Pwx https://x` }), json],
    ['Curl in mixed case', 'Curl -u admin:Hunter2Pwx https://x', text],
  ])('takes the password of curl %s', (_, body, headers) => {
    expectClean(anonymise(record({ reqHeaders: headers, reqBody: body })), ['Hunter2Pwx']);
  });

  it("leaves docker's, podman's and rsync's -u alone, and curl's user agent", () => {
    const body = 'docker run -u 1000:1000 app\npodman run --user 1001:0 app\nrsync -u deploy@web1:/var/www/releases/ .\ncurl --user-agent=Parity/1.0:ci https://x | sh && docker run -u 1000:1000 alpine\n';
    expect(anonymise(record({ reqHeaders: text, reqBody: body })).req.body.bytes.toString()).toBe(body);
  });

  it("takes the value graphql-js echoes for a refused credential variable", () => {
    const body = JSON.stringify({ errors: [{ message: 'Variable "$password" got invalid value "Zq7vK2mWx9Lp"; String cannot be shorter than 16.', locations: [{ line: 1, column: 16 }] }] });
    const out = anonymise(record({ resHeaders: json, resBody: body }));
    expectClean(out, ['Zq7vK2mWx9Lp']);
    const escaped = '{"errors":[{"message":"Variable \\"\\u0024password\\" got invalid value \\"Zq7vK2mWx9Lp\\"."}]}';
    expectClean(anonymise(record({ resHeaders: json, resBody: escaped })), ['Zq7vK2mWx9Lp']);
    const other = JSON.stringify({ errors: [{ message: 'Variable "$first" got invalid value "abc"; Int cannot represent non-integer value: "abc"' }] });
    expect(anonymise(record({ resHeaders: json, resBody: other })).res!.body.bytes.toString()).toBe(other);
  });
});
