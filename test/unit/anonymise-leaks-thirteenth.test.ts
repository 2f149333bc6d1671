import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * The thirteenth review (2026-12-07) probed the request side: forms,
 * multipart, GraphQL, headers, links. Its leaks, each failing here first.
 */

const anonymise = createRecordAnonymiser({ key: 'thirteenth-review-key-0123456789' });
const json: HeaderPair[] = [['content-type', 'application/json']];
const form: HeaderPair[] = [['content-type', 'application/x-www-form-urlencoded']];
const html: HeaderPair[] = [['content-type', 'text/html; charset=utf-8']];

const TOKEN = 'zzzzQWERTY12345asdfgHJKL9876';

describe('anonymiser: a one-time secret in a link path outside the request URL', () => {
  it.each([
    ['a Referer from the reset page', [['referer', `https://app.example.com/reset-password/${TOKEN}`]]],
    ['a Referer with a query after the token', [['referer', `https://app.example.com/invite/accept/${TOKEN}?utm_source=email`]]],
    ['an X-Original-URL', [['x-original-url', `/verify-email/${TOKEN}`]]],
  ] as [string, HeaderPair[]][])('%s', (_, headers) => {
    const out = anonymise(record({ url: '/assets/app.css', reqHeaders: headers }));
    expectClean(out, [TOKEN]);
    // the link keeps its shape: same path, a token of the same length
    const stored = out.req.headers[0]![1];
    expect(stored.replace(/[\w.-]{28}(?=$|\?)/, 'T')).toBe(headers[0]![1].replace(TOKEN, 'T'));
  });

  it('a Location header', () => {
    expectClean(anonymise(record({ resHeaders: [['location', `/magic-link/${TOKEN}`]] })), [TOKEN]);
  });

  it.each([
    ['Postmark TemplateModel.action_url', JSON.stringify({ To: 'x', TemplateModel: { action_url: `https://app.example.com/invite/accept/${TOKEN}` } })],
    ['SendGrid HTML content', JSON.stringify({ content: [{ type: 'text/html', value: `<a href="https://app.example.com/reset-password/${TOKEN}">Reset</a>` }] })],
    ['a link with escaped slashes', `{"link":"https:\\/\\/x.com\\/reset-password\\/${TOKEN}"}`],
    ['a link beside an email a detector finds', JSON.stringify({ email: 'priya.sharma@acmecorp.in', link: `https://x.com/unsubscribe/${TOKEN}` })],
  ])('in a JSON body: %s', (_, body) => {
    expectClean(anonymise(record({ reqHeaders: json, reqBody: body })), [TOKEN, 'priya.sharma@acmecorp.in']);
  });

  it('in an HTML page and a form field holding an email HTML (Mailgun)', () => {
    expectClean(anonymise(record({ resHeaders: html, resBody: `<p><a href="/password/reset/${TOKEN}">Set a new password</a></p>` })), [TOKEN]);
    const body = `to=a%40b.in&html=${encodeURIComponent(`<a href="https://x.com/verify-email/${TOKEN}">Verify</a>`)}`;
    expectClean(anonymise(record({ reqHeaders: form, reqBody: body })), [TOKEN]);
  });

  it('leaves ids after other segments and short or letter-only words after an action', () => {
    const body = JSON.stringify({ image: 'https://cdn.example.com/p/acme-desk-lamp-2026-large.jpg', docs: '/reset/how-to-reset-your-password', next: '/confirm/ORDER-1234' });
    expect(anonymise(record({ reqHeaders: json, reqBody: body })).req.body.bytes.toString()).toBe(body);
    const referer: HeaderPair[] = [['referer', 'https://app.example.com/products/acme-desk-lamp-20260101']];
    expect(anonymise(record({ reqHeaders: referer })).req.headers).toEqual(referer);
  });
});

describe('anonymiser: a GraphQL variable the key walk passes over', () => {
  it('`$pw` passed to a password argument', () => {
    const body = JSON.stringify({ query: 'mutation($pw:String!){login(password:$pw){ok}}', variables: { pw: 'Hunter2!Summer' } });
    expectClean(anonymise(record({ reqHeaders: json, reqBody: body })), ['Hunter2!Summer']);
  });
});

describe('anonymiser: a multipart body read as text', () => {
  const part = (nl: string, name: string, value: string, boundary = 'XyZ') =>
    `--${boundary}${nl}Content-Disposition: form-data; name="${name}"${nl}${nl}${value}${nl}`;
  it.each([
    ['LF-only line ends', 'multipart/form-data; boundary=XyZ', (n: string, v: string) => part('\n', n, v) + '--XyZ--\n'],
    ['a boundary other than the declared one', 'multipart/form-data; boundary=Other', (n: string, v: string) => part('\r\n', n, v) + '--XyZ--\r\n'],
    ['no boundary declared', 'multipart/form-data', (n: string, v: string) => part('\r\n', n, v) + '--XyZ--\r\n'],
  ])('%s', (_, type, body) => {
    for (const [name, value] of [['password', 'Hunter2!Summer'], ['api_key', 'ak_live_93hf83hf8s'], ['cvv', '4821']]) {
      const out = anonymise(record({ reqHeaders: [['content-type', type]], reqBody: body(name!, value!) }));
      expectClean(out, [value!]);
      // the part keeps its framing
      expect(out.req.body.bytes.toString()).toContain(`name="${name}"`);
    }
  });

  it('leaves a part whose name is not a credential', () => {
    const body = '--XyZ\nContent-Disposition: form-data; name="comment"\n\nHunter2 was here\n--XyZ--\n';
    expect(anonymise(record({ reqHeaders: [['content-type', 'multipart/form-data; boundary=XyZ']], reqBody: body })).req.body.bytes.toString()).toBe(body);
  });
});

describe('anonymiser: a gzip file sent without Content-Encoding', () => {
  const ndjson = '{"email":"priya.sharma@acmecorp.in","phone":"+91 98765 43210"}\n{"email":"rahul.verma@example.org"}\n';
  it.each(['application/gzip', 'application/octet-stream', 'application/x-ndjson'])('%s: stored as a gzip file of the anonymised content', (type) => {
    const gz = gzipSync(ndjson);
    const out = anonymise(record({ reqHeaders: [['content-type', type], ['content-length', String(gz.length)]], reqBody: gz }));
    const stored = out.req.body.bytes;
    expect(out.req.headers).toContainEqual(['content-length', String(stored.length)]);
    expect(stored.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const inner = gunzipSync(stored).toString();
    expect(inner.split('\n').length).toBe(ndjson.split('\n').length);
    expect(out.req.body.size).toBe(stored.length);
    for (const raw of ['priya.sharma@acmecorp.in', '98765 43210', 'rahul.verma@example.org']) expect(inner).not.toContain(raw);
    expect(inner).toMatch(/"email":"[^"@]+@[^"]+"/);
  });

  it('drops a gzip file that decodes past the bound (fails closed)', () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 'a'));
    const out = anonymise(record({ reqHeaders: [['content-type', 'application/gzip']], reqBody: bomb }));
    expect(out.req.body.omitted).toBeTruthy();
    expect(out.req.body.bytes.length).toBe(0);
  });

  it('keeps a gzip file with nothing personal byte for byte', () => {
    const gz = gzipSync('{"sku":"ACME-1","qty":2}\n');
    expect(anonymise(record({ reqHeaders: [['content-type', 'application/gzip']], reqBody: gz })).req.body.bytes).toEqual(gz);
  });
});

describe('anonymiser: percent-encoded cookie values stay decodable', () => {
  it.each([
    ['an Express signed session', 'connect.sid=s%3AQ2xhc3NpY1Nlc3Npb25JZDEyMzQ1.Tm90QVJlYWxTaWduYXR1cmUrYWJj%2Bab'],
    ['a JSON cookie', `prefs=${encodeURIComponent('{"theme":"dark","email":"priya.sharma@acmecorp.in"}')}`],
  ])('%s', (_, cookie) => {
    const out = anonymise(record({ reqHeaders: [['cookie', cookie]] }));
    const stored = out.req.headers[0]![1];
    const [name, value] = [stored.slice(0, stored.indexOf('=')), stored.slice(stored.indexOf('=') + 1)];
    expect(name).toBe(cookie.slice(0, cookie.indexOf('=')));
    expect(value).not.toBe(cookie.slice(cookie.indexOf('=') + 1));
    // decodeURIComponent throws on a redrawn escape (`%4W`)
    const decoded = decodeURIComponent(value);
    expect(decoded).not.toContain('priya.sharma@acmecorp.in');
  });
});

describe('anonymiser: a credential holding character references stays well-formed XML', () => {
  const xml: HeaderPair[] = [['content-type', 'text/xml']];
  it.each([
    ['an element', '<login><user>asha</user><password>p&amp;ss&lt;w0rd&gt;2024</password></login>', 'p&amp;ss&lt;w0rd&gt;2024'],
    ['an attribute', '<appSettings><add key="ApiSecret" value="ab&amp;cd&quot;ef&#33;9931" /></appSettings>', 'ab&amp;cd&quot;ef&#33;9931'],
  ])('%s', (_, body, secret) => {
    const out = anonymise(record({ reqHeaders: xml, reqBody: body })).req.body.bytes.toString();
    expect(out).not.toContain(secret);
    expect(out).not.toContain('p&ss');
    // every reference left is one XML defines
    for (const m of out.matchAll(/&([^;\s]{0,10});/g)) expect(m[1]).toMatch(/^(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+)$/);
    expect(out.replace(/>[^<]*</g, '><')).toBe(body.replace(/>[^<]*</g, '><').replace(/value="[^"]*"/, out.match(/value="[^"]*"/)?.[0] ?? ''));
  });
});

describe('anonymiser: credentials named inside a request URL path segment', () => {
  const T = 'Zx81kLmQ0pRt6uVw2yAbq7Nf';
  it('a URL encoded as a segment', () => {
    const url = `/r/${encodeURIComponent(`https://app.example.com/cb?access_token=${T}&x=1`)}`;
    const out = anonymise(record({ url }));
    expectClean(out, [T, encodeURIComponent(T)]);
    expect(decodeURIComponent(out.url.slice(3))).toMatch(/^https:\/\/app\.example\.com\/cb\?access_token=[^&]+&x=1$/);
  });

  it('a raw fragment, kept a fragment', () => {
    const out = anonymise(record({ url: `/callback#access_token=${T}&expires_in=3600&state=af0ifjsldkj` }));
    expectClean(out, [T]);
    expect(out.url).toMatch(/^\/callback#access_token=[^&#%]+&expires_in=3600&state=af0ifjsldkj$/);
  });
});

describe('anonymiser: names about a credential keep their values', () => {
  it('SAML redirect binding: SigAlg kept, Signature pseudonymised', () => {
    const sigAlg = encodeURIComponent('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    const url = `/saml/sso?SAMLRequest=fZJBT8MwDIXv&SigAlg=${sigAlg}&Signature=Q2xhc3NpY1NpZ25hdHVyZTEyMzQ1Njc4OTA`;
    const out = anonymise(record({ url }));
    expect(out.url).toContain(`&SigAlg=${sigAlg}&`);
    expect(out.url).not.toContain('Q2xhc3NpY1NpZ25hdHVyZTEyMzQ1Njc4OTA');
  });

  it('an OAuth token answer: token_type and expires_in kept', () => {
    const body = JSON.stringify({ access_token: 'Zx81kLmQ0pRt6uVw2yAbq7Nf', token_type: 'Bearer', expires_in: 3600, refresh_token_expires_in: 86400 });
    const stored = JSON.parse(anonymise(record({ resHeaders: json, resBody: body })).res!.body.bytes.toString()) as Record<string, unknown>;
    expect(stored.access_token).not.toBe('Zx81kLmQ0pRt6uVw2yAbq7Nf');
    expect(stored).toMatchObject({ token_type: 'Bearer', expires_in: 3600, refresh_token_expires_in: 86400 });
  });

  it('AWS Signature V2 and Twilio webhook parameters', () => {
    const aws = '/?Action=DescribeInstances&SignatureMethod=HmacSHA256&SignatureVersion=2&Signature=Zx81kLmQ0pRt6uVw2yAbq7Nf%3D';
    const out = anonymise(record({ url: aws }));
    expect(out.url).toContain('&SignatureMethod=HmacSHA256&SignatureVersion=2&');
    expect(out.url).not.toContain('Zx81kLmQ0pRt6uVw2yAbq7Nf');
    const twilio = 'AccountSid=AC0123456789abcdef0123456789abcdef&MessageSid=SM0123456789abcdef0123456789abcdef&Body=hello';
    expect(anonymise(record({ reqHeaders: form, reqBody: twilio })).req.body.bytes.toString()).toBe(twilio);
  });

  it('still takes a session id, a signature and a password', () => {
    const body = 'sid=Zx81kLmQ0pRt6uVw2yAbq7Nf&connect.sid=Yk20aLmQ0pRt6uVw2yAbq7Mm&signature=Wq11kLmQ0pRt6uVw2yAbq7Xx&password=Hunter2!Summer';
    expectClean(anonymise(record({ reqHeaders: form, reqBody: body })), ['Zx81kLmQ0pRt6uVw2yAbq7Nf', 'Yk20aLmQ0pRt6uVw2yAbq7Mm', 'Wq11kLmQ0pRt6uVw2yAbq7Xx', 'Hunter2!Summer']);
  });
});

describe('anonymiser: text that names a credential before a link', () => {
  it('keeps the link a link, and still finds its secrets', () => {
    const body = `Reset your password: https://x.example.com/reset-password/${TOKEN}\nOr sign in: https://x.example.com/login?next=%2Fhome&token=Qw12Er34Ty56Ui78\n`;
    const out = anonymise(record({ resHeaders: [['content-type', 'text/plain']], resBody: body })).res!.body.bytes.toString();
    // the link after `password:` keeps its scheme and host; its path is the named value's, redrawn
    expect(out).toMatch(/^Reset your password: https:\/\/x\.example\.com\/[\w.-]{14}\/[\w.-]{28}\nOr sign in: https:\/\/x\.example\.com\/login\?next=%2Fhome&token=/);
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain('Qw12Er34Ty56Ui78');
  });

  it('fails closed on a body of nothing but `curl -u ` instead of reading 512 characters after each', () => {
    const out = anonymise(record({ reqHeaders: [['content-type', 'text/plain']], reqBody: 'curl -u '.repeat(1 << 17) }));
    expect(out.req.body.omitted).toBe('anonymiser-budget');
  });
});

describe('anonymiser: a token in an authentication challenge', () => {
  it('keeps Negotiate and NTLM as schemes only, and a Bearer challenge as it was', () => {
    const token = 'oYG2MIGzoAMKAQChCwYJKoZIgvcSAQICooGeBIGbYIGYBgkqhkiG9xIBAgICAG+BiDCBhaADAgEFoQMCAQ+ieTB3oAMCARKicARu';
    const out = anonymise(record({ resHeaders: [['www-authenticate', `Negotiate ${token}`], ['proxy-authenticate', `NTLM ${token}`], ['www-authenticate', 'Bearer realm="api", error="invalid_token"']] }));
    expect(out.res!.headers).toEqual([['www-authenticate', 'Negotiate'], ['proxy-authenticate', 'NTLM'], ['www-authenticate', 'Bearer realm="api", error="invalid_token"']]);
  });
});

describe('anonymiser: the fourteenth review of these fixes', () => {
  it('takes a credential that is a link, keeping its scheme and host', () => {
    const text: HeaderPair[] = [['content-type', 'text/plain']];
    for (const [line, secret] of [
      ['secret_url=https://hooks.slack.com/services/T0000/B0000/abcdefghijklmnop1234', 'T0000/B0000/abcdefghijklmnop1234'],
      ['API_TOKEN=https://x.io/abcdefghijklmnop1234', 'abcdefghijklmnop1234'],
      ['password=http://hunter2', 'hunter2'],
    ] as const) {
      const out = anonymise(record({ reqHeaders: text, reqBody: `${line}\n` })).req.body.bytes.toString();
      expect(out).not.toContain(secret);
      if (line.includes('.')) expect(out.startsWith(line.slice(0, line.indexOf('/', line.indexOf('//') + 2) + 1))).toBe(true);
    }
  });

  it('leaves a path segment\'s `resource:verb` as it was', () => {
    for (const url of ['/v1/token:refresh', '/v1/auth:login', '/v1/projects/p/secrets/db-password:addVersion', '/v2/apiKeys:lookup']) {
      expect(anonymise(record({ url })).url).toBe(url);
    }
  });

  it('keeps an encoded %23 in a path segment encoded, and reads the real fragment', () => {
    const out = anonymise(record({ url: '/a%23b#access_token=Zx81kLmQ0pRt6uVw2yAbq7Nf&x=1' })).url;
    expect(out).toMatch(/^\/a%23b#access_token=[^&#]+&x=1$/);
    expect(out).not.toContain('Zx81kLmQ0pRt6uVw2yAbq7Nf');
  });

  it('finds an action link in a query or form value', () => {
    expectClean(anonymise(record({ url: `/login?next=/reset-password/${TOKEN}` })), [TOKEN]);
    expectClean(anonymise(record({ url: `/login?next=%2Finvite%2Faccept%2F${TOKEN}` })), [TOKEN]);
    expectClean(anonymise(record({ reqHeaders: form, reqBody: `user=asha&next=%2Freset-password%2F${TOKEN}` })), [TOKEN]);
  });
});

describe('anonymiser: gzip files, reviewed', () => {
  const tgz = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-tgz-'));
    try {
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      const r = spawnSync('tar', ['-czf', 'out.tgz', ...Object.keys(files)], { cwd: dir });
      expect(r.status, String(r.stderr)).toBe(0);
      return readFileSync(join(dir, 'out.tgz'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const gz: HeaderPair[] = [['content-type', 'application/gzip']];

  it('keeps a tar.gz without personal data byte for byte, and drops one with (rewriting it would break the archive)', () => {
    const clean = tgz({ 'a.txt': 'hello world\n', 'b.csv': 'sku,qty\nA1,2\n' });
    const kept = anonymise(record({ reqHeaders: gz, reqBody: clean }));
    expect(kept.req.body.bytes).toEqual(clean);
    const pii = anonymise(record({ reqHeaders: gz, reqBody: tgz({ 'c.csv': 'email,name\npriya.sharma@acmecorp.in,Priya\n' }) }));
    expect(pii.req.body.omitted).toBe('anonymiser-error');
    expect(pii.req.body.bytes.length).toBe(0);
  });

  it('reads a gzip file inside a Content-Encoding, and a UTF-16 one', () => {
    const inner = gzipSync('email: john.smith@example.com password=hunter2secret\n');
    const out = anonymise(record({ reqHeaders: [...gz, ['content-encoding', 'gzip']], reqBody: gzipSync(inner) }));
    expect(gunzipSync(out.req.body.bytes).toString()).not.toMatch(/john\.smith@example\.com|hunter2secret/);
    const wide = gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email: john.smith@example.com\n', 'utf16le')]));
    const w = anonymise(record({ reqHeaders: gz, reqBody: wide }));
    expect(gunzipSync(w.req.body.bytes).toString('utf16le')).not.toContain('john.smith@example.com');
  });

  it('reads no phone in a zero-padded number, and still one after a trunk 0 or an international 00', () => {
    const text: HeaderPair[] = [['content-type', 'text/plain']];
    expect(anonymise(record({ reqHeaders: text, reqBody: 'size 00000000014 mode 00000000644 id 000441234567890' })).req.body.bytes.toString()).toBe('size 00000000014 mode 00000000644 id 000441234567890');
    expectClean(anonymise(record({ reqHeaders: text, reqBody: 'call 09876543210 or 00442079460958' })), ['09876543210', '00442079460958']);
  });
});

describe('anonymiser: multipart read as text, reviewed', () => {
  it('takes every line of a credential part, up to the next boundary', () => {
    const body = '--X\nContent-Disposition: form-data; name="recovery_codes"\n\nabcd-efgh-1234\nijkl-mnop-5678\nqrst-uvwx-9012\n--X--\n';
    const out = anonymise(record({ reqHeaders: [['content-type', 'multipart/form-data; boundary=X']], reqBody: body })).req.body.bytes.toString();
    for (const code of ['abcd-efgh-1234', 'ijkl-mnop-5678', 'qrst-uvwx-9012']) expect(out).not.toContain(code);
    expect(out.startsWith('--X\nContent-Disposition: form-data; name="recovery_codes"\n\n')).toBe(true);
    expect(out.endsWith('\n--X--\n')).toBe(true);
  });

  it('reads a MiB of crafted form-data markers within the budget or fails closed', () => {
    const body = `password=x\n${'form-data; name=aaaaaaaaaaaaaaaa '.repeat(32_768)}`;
    const out = anonymise(record({ reqHeaders: [['content-type', 'text/plain']], reqBody: body }));
    expect(out.req.body.omitted === undefined || out.req.body.omitted === 'anonymiser-budget').toBe(true);
  });
});

describe('anonymiser: challenges and encoded cookies, reviewed', () => {
  it('drops a Negotiate token among several challenges', () => {
    const token = 'oYG2MIGzoAMKAQChCwYJKoZIgvcSAQICooGeBIGbYIGYBgkqhkiG9xIBAgICAG';
    const out = anonymise(record({ resHeaders: [['www-authenticate', `Negotiate ${token}, Basic realm="x"`]] }));
    expect(out.res!.headers).toEqual([['www-authenticate', 'Negotiate, Basic realm="x"']]);
  });

  it('keeps a redaction readable and a literal + a +', () => {
    const a = createRecordAnonymiser({ key: 'k-0123456789', rules: { rules: [{ cookie: 'prefs', action: 'redact' }] } });
    expect(a(record({ reqHeaders: [['cookie', 'prefs=a%3Ab']] })).req.headers).toEqual([['cookie', 'prefs=[redacted]']]);
    const out = anonymise(record({ reqHeaders: [['cookie', 'sess=ab+cd%3Aef']] })).req.headers[0]![1];
    expect(out).toMatch(/^sess=[a-z]{2}\+[a-z]{2}%3A[a-z]{2}$/);
  });
});

describe('anonymiser: the fifteenth review', () => {
  const T = 'Abc123XyZ987Qwe456Rty';
  it('reads a hash route as text: an action link, an OAuth code, named credentials; nothing re-encoded', () => {
    for (const url of [`/s#/reset-password/${T}`, `/app#/callback?code=${T}&state=xyz`, `/cb#access_token=${T}&expires_in=3600`]) {
      const out = anonymise(record({ url }));
      expectClean(out, [T]);
      expect(out.url.length).toBe(url.length);
      expect(out.anonymised.join(' ')).not.toContain(T);
    }
    const kept = '/s#!/users/list?page=2#top';
    expect(anonymise(record({ url: kept })).url).toBe(kept);
    expect(anonymise(record({ url: '/s#!/users/priya.sharma@example.com' })).url).toMatch(/^\/s#!\/users\/[^/%]+@[^/%]+$/);
  });

  it('keeps a query value\'s literal / and ? when it rewrites it', () => {
    const out = anonymise(record({ url: `/login?next=/reset-password/${T}?x=1` })).url;
    expect(out).toMatch(/^\/login\?next=\/reset-password\/[\w.-]{21}\?x=1$/);
  });

  it('reads gzip files nested in gzip files, and a proxy-decoded gzip file stays one', () => {
    const pii = 'email: john.smith@example.com\n';
    const twice = gzipSync(gzipSync(pii));
    const out = anonymise(record({ reqHeaders: gz2, reqBody: twice }));
    expect(gunzipSync(gunzipSync(out.req.body.bytes)).toString()).not.toContain('john.smith@example.com');
    const captured = record({ reqHeaders: [...gz2, ['content-encoding', 'gzip']], reqBody: gzipSync(pii) });
    captured.req.body.decodedFrom = 'gzip';
    const stored = anonymise(captured).req.body;
    expect(stored.decodedFrom).toBe('gzip');
    expect(gunzipSync(stored.bytes).toString()).not.toContain('john.smith@example.com');
  });

  it('finds credential parts in any case and quoting, with a long filename, and keeps an LF-only part\'s framing', () => {
    const lf: HeaderPair[] = [['content-type', 'multipart/form-data; boundary=BND']];
    for (const cd of ['FORM-DATA; name="password"', "form-data; name='password'", `form-data; filename="${'f'.repeat(1500)}.txt"; name="password"`]) {
      const out = anonymise(record({ reqHeaders: lf, reqBody: `--BND\nContent-Disposition: ${cd}\n\nhunter2xyz\n--BND--\n` }));
      expectClean(out, ['hunter2xyz']);
    }
    const empty = `--BND\nContent-Disposition: form-data; name="password"\n\n\n--BND\nContent-Disposition: form-data; name="x"\n\n1\n--BND--\n`;
    expect(anonymise(record({ reqHeaders: lf, reqBody: empty })).req.body.bytes.toString()).toBe(empty);
  });
});
const gz2: HeaderPair[] = [['content-type', 'application/gzip']];
