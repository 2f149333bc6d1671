import { describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { auditRecord } from '../../shared/anonymise/audit.js';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * Session 15 (2026-12-07): limits the thirteenth review left, and the
 * fourteenth review's findings (the response side), each failing here first.
 */

const anonymise = createRecordAnonymiser({ key: 'fourteenth-review-key-0123456789' });

describe("anonymiser: a multipart part's own credential headers (thirteenth review, left then)", () => {
  it('pseudonymises X-Api-Key and X-Auth-Token lines of a part, keeps its Content-Type', () => {
    const key = 'pk9Xv2Lm8Qw3Rt7Zy4';
    const body = ['--b1', 'Content-Disposition: form-data; name="meta"', 'Content-Type: application/json', `X-Api-Key: ${key}`, 'x-auth-token:tok_short', '', '{"a":1}', '--b1--', ''].join('\r\n');
    const out = anonymise(record({ reqHeaders: [['content-type', 'multipart/form-data; boundary=b1']], reqBody: body }));
    expectClean(out, [key, 'tok_short']);
    const stored = out.req.body.bytes.toString();
    expect(stored).toContain('Content-Type: application/json\r\nX-Api-Key: ');
    expect(stored).toMatch(/x-auth-token:\w{9}\r\n/);
  });
});

describe('anonymiser: a gzip file uploaded as a multipart part (thirteenth review, left then)', () => {
  const EMAIL = 'priya.sharma@acmecorp.in';
  const multipart = (file: Buffer) => Buffer.concat([
    Buffer.from('--b2\r\nContent-Disposition: form-data; name="file"; filename="export.ndjson.gz"\r\nContent-Type: application/gzip\r\n\r\n'),
    file,
    Buffer.from('\r\n--b2\r\nContent-Disposition: form-data; name="note"\r\n\r\nnightly\r\n--b2--\r\n'),
  ]);
  const headers: [string, string][] = [['content-type', 'multipart/form-data; boundary=b2']];
  const partOf = (body: Buffer) => {
    const start = body.indexOf('\r\n\r\n') + 4;
    return body.subarray(start, body.indexOf('\r\n--b2', start));
  };

  it('reads it decoded and stores it compressed again', () => {
    const ndjson = `${JSON.stringify({ email: EMAIL, password: 'hunter2-Secret9' })}\n${JSON.stringify({ email: 'rohan@example.in' })}\n`;
    const out = anonymise(record({ reqHeaders: headers, reqBody: multipart(gzipSync(ndjson)) }));
    const inner = gunzipSync(partOf(out.req.body.bytes)).toString();
    for (const raw of [EMAIL, 'hunter2-Secret9', 'rohan@example.in']) expect(inner).not.toContain(raw);
    expect(inner.split('\n').filter(Boolean).map((l) => Object.keys(JSON.parse(l) as object))).toEqual([['email', 'password'], ['email']]);
    expect(out.req.body.bytes.toString()).toContain('name="note"\r\n\r\nnightly\r\n');
  });

  it('keeps a clean one byte for byte, and drops the body when a binary one holds personal data', () => {
    const clean = multipart(gzipSync('sku,qty\nSKU-1,2\n'));
    expect(anonymise(record({ reqHeaders: headers, reqBody: clean })).req.body.bytes.equals(clean)).toBe(true);
    const tar = Buffer.concat([Buffer.from('data.csv\0\0\0\0'), Buffer.alloc(100), Buffer.from(`${EMAIL}\n`)]);
    const out = anonymise(record({ reqHeaders: headers, reqBody: multipart(gzipSync(tar)) }));
    expect(out.req.body.omitted).toBe('anonymiser-error');
    expect(out.req.body.bytes.length).toBe(0);
  });
});

const jsonType: [string, string][] = [['content-type', 'application/json']];
const answer = (body: string, headers: [string, string][] = jsonType) => anonymise(record({ resHeaders: headers, resBody: body }));

describe('fourteenth review: the response side', () => {
  it('a session id under `session_id`, `SESSION_ID`, `session-id` and Cashfree’s `payment_session_id`', () => {
    const ids = ['Qz9XyW4vU2tS8rQ6pO4nM2lK0jI8hG6', 'Qz9XyW4vU2tS8rQ6pO4nM2lK0jI8hG7', 'Qz9XyW4vU2tS8rQ6pO4nM2lK0jI8hG8', 'session_a1VXabc123XYZ'];
    const body = JSON.stringify({ session_id: ids[0], SESSION_ID: ids[1], 'x-session-id': ids[2], payment_session_id: ids[3], user_id: 'u_123456789', 'order-id': 'ORD123456789' });
    const out = answer(body);
    expectClean(out, ids);
    expect(out.res!.body.bytes.toString()).toContain('"user_id":"u_123456789","order-id":"ORD123456789"');
  });

  it("keeps a language model's token counts and limits, and a tokenizer's ids; a push service's tokens are still taken", () => {
    const body = JSON.stringify({ usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21, input_tokens: 1024 }, max_tokens: 4096, generationConfig: { maxOutputTokens: 800 }, tokens: [15496, 995] });
    expect(answer(body).res!.body.bytes.toString()).toBe(body);
    expect(anonymise(record({ reqHeaders: jsonType, reqBody: body })).req.body.bytes.toString()).toBe(body);
    expectClean(answer(JSON.stringify({ tokens: ['fcmAbcdefgh12345678'] })), ['fcmAbcdefgh12345678']);
  });

  it('keeps headers and keys that describe a credential: token-type, a session timeout, an expiry, authDomain, passwordExpired', () => {
    const headers: [string, string][] = [['token-type', 'Bearer'], ['x-session-timeout', '1800'], ['x-token-expires-in', '3600'], ['x-session-token', 'Zq8xPLm2Rt7vWn4K']];
    const out = anonymise(record({ resHeaders: headers }));
    expect(out.res!.headers.slice(0, 3)).toEqual(headers.slice(0, 3));
    expectClean(out, ['Zq8xPLm2Rt7vWn4K']);
    const firebase = JSON.stringify({ apiKey: 'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW', authDomain: 'acme-app.firebaseapp.com' });
    expect(answer(firebase).res!.body.bytes.toString()).toContain('"authDomain":"acme-app.firebaseapp.com"');
    const soap = '<result><passwordExpired>false</passwordExpired><sessionId>00D5g000004Ab12!AQ0AQH</sessionId></result>';
    const xml = answer(soap, [['content-type', 'text/xml']]).res!.body.bytes.toString();
    expect(xml).toContain('<passwordExpired>false</passwordExpired>');
    expect(xml).not.toContain('00D5g000004Ab12!AQ0AQH');
  });
});

describe('fourteenth review: escapes around values', () => {
  it("a credential's percent-encoded value in a JSON link or a page's link is redrawn decoded, as in the request URL", () => {
    const token = 'FwoGZXIvYXdzEBYaDH%2BabcDEF%2FghiJKL%3D%3D';
    const link = `https://b.s3.amazonaws.com/k.pdf?X-Amz-Security-Token=${token}&X-Amz-Signature=abcd1234ef`;
    const out = anonymise(record({ url: `/files?X-Amz-Security-Token=${token}`, resHeaders: jsonType, resBody: JSON.stringify({ url: link }) }));
    expectClean(out, ['FwoGZXIvYXdzEBYaDH', 'abcDEF', 'ghiJKL']);
    const stored = (JSON.parse(out.res!.body.bytes.toString()) as { url: string }).url;
    const inUrl = new URL(out.url, 'http://x').searchParams.get('X-Amz-Security-Token');
    expect(new URL(stored).searchParams.get('X-Amz-Security-Token')).toBe(inUrl);
    expect(stored).toMatch(/Token=[A-Za-z0-9]{18}%2B[A-Za-z0-9]{6}%2F[A-Za-z0-9]{6}%3D%3D&/);
    const page = answer('<a href="/api?token=abc%2Fdef%3D%3D12345">x</a>', [['content-type', 'text/html']]).res!.body.bytes.toString();
    expect(page).toMatch(/^<a href="\/api\?token=[a-z]{3}%2F[a-z]{3}%3D%3D[0-9]{5}">x<\/a>$/);
  });

  it('an address after a `\\u003c`, `\\x3c`, `\\n` or a percent escape: the escape stays, one pseudonym everywhere', () => {
    const email = 'priya.sharma@acmecorp.in';
    const sse = answer(`data: {"from":"Priya \\u003c${email}\\u003e"}\n\n`, [['content-type', 'text/event-stream']]);
    const js = answer(`<script>a="\\x3c${email}\\x3e"; b="\\n${email}"</script>`, [['content-type', 'text/html']]);
    const link = answer('', [['location', `/search?q=from%20${email}`]]);
    const url = anonymise(record({ url: `/search?q=from%20${email}` }));
    for (const r of [sse, js, link, url]) expectClean(r, [email]);
    const pseudonym = /q=from%20(.+)$/.exec(url.url)![1]!;
    expect(sse.res!.body.bytes.toString()).toBe(`data: {"from":"Priya \\u003c${pseudonym}\\u003e"}\n\n`);
    expect(js.res!.body.bytes.toString()).toBe(`<script>a="\\x3c${pseudonym}\\x3e"; b="\\n${pseudonym}"</script>`);
    expect(link.res!.headers).toEqual([['location', `/search?q=from%20${pseudonym}`]]);
  });

  it("an address or a UPI id glued to what follows by '-' (a statement's file name, a bank's narration)", () => {
    const out = answer(JSON.stringify({ narration: 'UPI-RAHUL V-RAHULV@YBL-YESB0YBLUPI-412312345678-PAYMENT' }), [...jsonType, ['content-disposition', 'attachment; filename="priya.sharma@acmecorp.in-statement.pdf"']]);
    expectClean(out, ['RAHULV@YBL', 'rahulv@ybl', 'priya.sharma@acmecorp.in']);
    expect(out.res!.headers[1]![1]).toMatch(/^attachment; filename="[a-z]{5}\.[a-z]{6}@[a-z]{8}\.in-statement\.pdf"$/);
    expect(out.res!.body.bytes.toString()).toMatch(/@YBL-YESB0[A-Z0-9]{6}-412312345678-PAYMENT/);
  });
});

describe('fourteenth review: names in pages and links', () => {
  const html: [string, string][] = [['content-type', 'text/html']];
  const KEY = '0c7d3e1b2a9f8e7d6c5b4a3f2e1d0c9b';

  it("a bare `key` holding hex in a link outside the request URL (Shopify's order status link)", () => {
    const link = `https://acme.myshopify.com/690933842/orders/b1946ac9/authenticate?key=${KEY}`;
    const out = answer(JSON.stringify({ order_status_url: link }), [...jsonType, ['location', link]]);
    expectClean(out, [KEY]);
    expectClean(answer(`<a href="${link}">Your order</a>`, html), [KEY]);
    // a `key` that holds no hex is an object's or a translation's
    expect(answer('<p>key: not-hex</p>', html).res!.body.bytes.toString()).toBe('<p>key: not-hex</p>');
  });

  it("Rails' bracketed field names", () => {
    const secrets = ['Qz9XyW4vU2tS8rQ6', 'whsec_abcdef123456', 'Hunter2!Summer'];
    expectClean(answer(`<input type="text" name="user[api_key]" value="${secrets[0]}"><input name="settings[webhook_secret]" value="${secrets[1]}"><input name="account[password]" value="${secrets[2]}">`, html), secrets);
  });

  it("an OpenID Connect form_post page's code; a `code` field without `state` is a coupon's", () => {
    const page = '<form method="post" action="https://app.acme.in/callback"><input type="hidden" name="code" value="SplxlOBeZQQYbYS6WxSbIA"/><input type="hidden" name="state" value="af0ifjsldkj"/></form>';
    expectClean(answer(page, html), ['SplxlOBeZQQYbYS6WxSbIA']);
    expect(answer('<input name="code" value="SPRING25">', html).res!.body.bytes.toString()).toBe('<input name="code" value="SPRING25">');
  });

  it("JSON kept HTML-escaped in an attribute (Inertia's data-page, react-rails' props): its credentials, escapes kept", () => {
    const page = '<div id="app" data-page="{&quot;props&quot;:{&quot;password&quot;:&quot;Hunter2!Summer&quot;,&quot;api_token&quot;:&quot;Qz9XyW4vU2tS8rQ6&amp;x&quot;,&quot;name&quot;:&quot;Asha&quot;}}"></div><i data-x="{&#34;secret&#34;:&#34;abcdefgh1234&#34;}">';
    const out = answer(page, html);
    expectClean(out, ['Hunter2!Summer', 'Qz9XyW4vU2tS8rQ6', 'abcdefgh1234']);
    const stored = out.res!.body.bytes.toString();
    expect(stored).toMatch(/&quot;password&quot;:&quot;[A-Za-z0-9]{7}!{1}[A-Za-z]{6}&quot;,&quot;api_token&quot;:&quot;[A-Za-z0-9]{16}&amp;[a-z]&quot;,&quot;name&quot;:&quot;Asha&quot;/);
    expect(stored).toMatch(/\{&#34;secret&#34;:&#34;[a-z0-9]{12}&#34;\}/);
  });
});

it("fourteenth review: a textarea named like a credential (an OAuth app's settings page)", () => {
  const out = answer('<textarea name="client_secret" rows="2">Qz9XyW4vU2tS8rQ6pO4n</textarea><textarea name="bio">Loves tea</textarea>', [['content-type', 'text/html']]);
  expectClean(out, ['Qz9XyW4vU2tS8rQ6pO4n']);
  expect(out.res!.body.bytes.toString()).toContain('<textarea name="bio">Loves tea</textarea>');
});

it('black-box review: a password echoed in JSON kept in a string gets the pseudonym it gets elsewhere, not a pseudonym of it', () => {
  const out = anonymise(record({ reqHeaders: jsonType, reqBody: '{"password":"hunter2"}', resHeaders: jsonType, resBody: '{"echo":"{\\"password\\":\\"hunter2\\"}","password":"hunter2"}' }));
  expectClean(out, ['hunter2']);
  const pw = (JSON.parse(out.req.body.bytes.toString()) as { password: string }).password;
  const res = JSON.parse(out.res!.body.bytes.toString()) as { echo: string; password: string };
  expect(res.password).toBe(pw);
  expect((JSON.parse(res.echo) as { password: string }).password).toBe(pw);
});

describe('the review of the fourteenth review’s fixes', () => {
  it('an address beside an escape stays clean for the audit whatever its pseudonym starts with', () => {
    for (const body of ['CORP\\bob@example.com', 'mail a%zzalice@example.com', '{"user":"CORP\\\\bob@example.com"}']) {
      for (const key of ['k', 'k2', 'k3', 'k4', 'k5', 'k6']) {
        const out = createRecordAnonymiser({ key })(record({ resHeaders: [['content-type', 'text/plain']], resBody: body }));
        expect(auditRecord(out), `${key} ${body}`).toEqual([]);
      }
    }
  });

  it('JSON nested four strings deep still has its named credentials read', () => {
    let s = '{"password":"hunter2xyz9"}';
    for (let i = 0; i < 4; i++) s = JSON.stringify({ l: s });
    expectClean(anonymise(record({ reqHeaders: jsonType, reqBody: s })), ['hunter2xyz9']);
  });

  it('numbers under `…_tokens` are counts only after a model’s words: backup and MFA codes are still taken', () => {
    for (const body of ['{"backup_tokens":[48291312,19384756]}', '{"mfa_tokens":48291312}', '{"access_tokens":[-5,"abcd1234efgh5678"]}']) {
      expectClean(anonymise(record({ reqHeaders: jsonType, reqBody: body })), ['48291312', 'abcd1234efgh5678']);
    }
  });

  it('the audit reads a credential redrawn whole flat, not as the JSON it held', () => {
    const r = anonymise(record({ url: '/?token={"a":"alice@example.com x"}', reqHeaders: [['referer', 'https://a.example.com/?pw=%5B%7B%22n%22%3A%22sk_live_4eC39HqLyjWDarjtT1zdp7dc%5C']] }));
    expect(auditRecord(r)).toEqual([]);
  });

  it('many bare `key=` and `pin=` in text stay linear', () => {
    for (const body of ['key='.repeat(1 << 18), 'pin='.repeat(1 << 18)]) {
      expect(anonymise(record({ resHeaders: [['content-type', 'text/plain']], resBody: body })).res!.body.omitted).toBeUndefined();
    }
  });

  it('bracketed names outside HTML', () => {
    expectClean(anonymise(record({ reqHeaders: jsonType, reqBody: JSON.stringify({ raw: 'user[password]=hunter2xyz9&user[email]=x' }) })), ['hunter2xyz9']);
  });
});
