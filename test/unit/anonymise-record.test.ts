import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { isParityError } from '../../shared/errors.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord } from '../helpers/record.js';

const KEY = 'record-test-key-0123456789';

const record = testRecord;

const anonymise = createRecordAnonymiser({ key: KEY });
const header = (headers: HeaderPair[], name: string) => headers.find(([k]) => k === name)?.[1];

describe('record anonymiser: defaults', () => {
  it('keeps only the scheme of Authorization', () => {
    const out = anonymise(record({ reqHeaders: [['authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig'], ['proxy-authorization', 'Basic dXNlcjpwYXNz']] }));
    expect(header(out.req.headers, 'authorization')).toBe('Bearer');
    expect(header(out.req.headers, 'proxy-authorization')).toBe('Basic');
    expect(out.anonymised).toEqual(expect.arrayContaining(['req.headers.authorization', 'req.headers.proxy-authorization']));
  });

  it('keeps cookie names and attributes and pseudonymises values consistently', () => {
    const a = anonymise(record({ reqHeaders: [['cookie', 'sid=abc123XYZ; theme=dark']], resHeaders: [['set-cookie', 'sid=abc123XYZ; Path=/; HttpOnly; Max-Age=60']] }));
    const cookie = header(a.req.headers, 'cookie')!;
    expect(cookie).toMatch(/^sid=[a-z]{3}\d{3}[A-Z]{3}; theme=[a-z]{4}$/);
    expect(cookie).not.toContain('abc123XYZ');
    const setCookie = header(a.res!.headers, 'set-cookie')!;
    expect(setCookie).toMatch(/; Path=\/; HttpOnly; Max-Age=60$/);
    expect(setCookie.split(';')[0]).toBe(cookie.split(';')[0]);
  });

  it('pseudonymises client addresses and forwarded-for chains', () => {
    const out = anonymise(record({ clientIp: '203.0.113.9', reqHeaders: [['x-forwarded-for', '203.0.113.9, 2001:db8::17']] }));
    expect(out.clientIp).not.toBe('203.0.113.9');
    expect(out.clientIp).toMatch(/^\d{3}\.\d\.\d{3}\.\d$/);
    const xff = header(out.req.headers, 'x-forwarded-for')!;
    expect(xff.split(', ')[0]).toBe(out.clientIp);
    expect(xff).not.toContain('2001:db8::17');
  });

  it('pseudonymises credential-like headers and scans the rest, leaving framing headers alone', () => {
    const out = anonymise(
      record({
        reqHeaders: [
          ['x-api-key', 'k-123456'],
          ['x-user-email', 'alice@example.com'],
          ['content-type', 'multipart/form-data; boundary=9876543210'],
          ['host', '10.0.0.1:8080'],
        ],
      }),
    );
    expect(header(out.req.headers, 'x-api-key')).toMatch(/^[a-z]-\d{6}$/);
    expect(header(out.req.headers, 'x-api-key')).not.toBe('k-123456');
    expect(header(out.req.headers, 'x-user-email')).toMatch(/^[a-z]{5}@example\.com$/);
    expect(header(out.req.headers, 'content-type')).toBe('multipart/form-data; boundary=9876543210');
    expect(header(out.req.headers, 'host')).toBe('10.0.0.1:8080');
  });

  it('scans URL path segments and query parameters', () => {
    const out = anonymise(record({ url: '/users/alice%40example.com/orders/42?phone=%2B91%2098765%2043210&page=2' }));
    expect(out.url).toMatch(/^\/users\/[a-z]{5}%40example\.com\/orders\/42\?phone=%2B91%2090712\w+&page=2$|^\/users\/[a-z]{5}%40example\.com\/orders\/42\?phone=[^&]+&page=2$/);
    expect(out.url).not.toContain('alice');
    expect(decodeURIComponent(out.url)).not.toContain('98765 43210');
    expect(out.anonymised).toEqual(expect.arrayContaining(['req.url.path[1]', 'req.url.query.phone']));
  });

  it('rewrites JSON in place: only changed strings move, everything else byte for byte', () => {
    const body = '{ "id": 12345678901234567890, "email" : "alice@example.com",\n  "amount": 1.50, "tags": ["a", "b"] }';
    const out = anonymise(record({ reqHeaders: [['content-type', 'application/json'], ['content-length', String(body.length)]], reqBody: body }));
    const text = out.req.body.bytes.toString();
    expect(text.replace(/"[a-z]{5}@example\.com"/, '"X"')).toBe(body.replace('"alice@example.com"', '"X"'));
    expect(out.anonymised).toContain('req.body$.email');
  });

  it('stores a body without personal data untouched', () => {
    const r = record({ reqHeaders: [['content-type', 'application/json']], reqBody: '{"ok":true,"n":3}' });
    expect(anonymise(r).req.body).toBe(r.req.body);
  });

  it('handles JSON nested in strings, keys that are personal data, and numbers', () => {
    const body = JSON.stringify({ payload: JSON.stringify({ user: { email: 'bob@corp.example.in' } }), byEmail: { 'carol@example.org': 1 }, mobile: 9876543210 });
    const out = anonymise(record({ reqHeaders: [['content-type', 'application/json']], reqBody: body }));
    const text = out.req.body.bytes.toString();
    for (const raw of ['bob@corp', 'carol@', '9876543210']) expect(text).not.toContain(raw);
    const parsed = JSON.parse(text) as { payload: string; mobile: number };
    expect(typeof parsed.mobile).toBe('number');
    expect(JSON.parse(parsed.payload)).toMatchObject({ user: { email: expect.stringMatching(/^[a-z]{3}@[a-z]{4}\.[a-z]{7}\.in$/) } });
    expect(out.anonymised).toEqual(expect.arrayContaining(['req.body$.payload$.user.email', 'req.body$.byEmail.(key)', 'req.body$.mobile']));
  });

  it('scans GraphQL variables and inline literals', () => {
    const body = JSON.stringify({ query: 'query { user(email: "dave@example.net") { id } }', variables: { phone: '+91 98765 43210' } });
    const text = anonymise(record({ reqHeaders: [['content-type', 'application/json']], reqBody: body })).req.body.bytes.toString();
    expect(text).not.toContain('dave@');
    expect(text).not.toContain('98765 43210');
  });

  it('rewrites urlencoded and multipart forms, keeping delimiters', () => {
    const form = anonymise(record({ reqHeaders: [['content-type', 'application/x-www-form-urlencoded']], reqBody: 'name=Ann&email=ann%40example.com&pan=ABCPE1234F' }));
    const formText = form.req.body.bytes.toString();
    expect(formText).toMatch(/^name=Ann&email=[a-z]{3}%40example\.com&pan=[A-Z]{3}P[A-Z]\d{4}[A-Z]$/);
    const boundary = 'XyZ123';
    const multipart = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="email"',
      '',
      'eve@example.com',
      `--${boundary}`,
      'Content-Disposition: form-data; name="doc"; filename="aadhaar-9876543210.txt"',
      'Content-Type: text/plain',
      '',
      'card 4111 1111 1111 1111',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const out = anonymise(record({ reqHeaders: [['content-type', `multipart/form-data; boundary=${boundary}`]], reqBody: multipart }));
    const text = out.req.body.bytes.toString();
    expect(text.split('\r\n').filter((l) => l.startsWith('--'))).toEqual([`--${boundary}`, `--${boundary}`, `--${boundary}--`]);
    for (const raw of ['eve@', '9876543210', '4111 1111 1111 1111']) expect(text).not.toContain(raw);
    expect(out.anonymised).toEqual(expect.arrayContaining(['req.body.form.email', 'req.body.form.doc.filename', 'req.body.form.doc']));
  });

  it('scans text and binary bodies, keeping a binary body byte length', () => {
    const binary = Buffer.concat([Buffer.from([0xff, 0x00, 0xfe]), Buffer.from(' alice@example.com '), Buffer.from([0x80, 0x81])]);
    const out = anonymise(record({ resHeaders: [['content-type', 'application/octet-stream']], resBody: binary }));
    expect(out.res!.body.bytes.length).toBe(binary.length);
    expect(out.res!.body.bytes.includes('alice@')).toBe(false);
    expect(out.res!.body.bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0x00, 0xfe]));
  });

  it('decodes compressed bodies that were not flagged as decoded', () => {
    const out = anonymise(record({ resHeaders: [['content-encoding', 'gzip'], ['content-type', 'text/plain']], resBody: gzipSync('mail frank@example.com') }));
    expect(out.res!.body.decodedFrom).toBe('gzip');
    expect(out.res!.body.bytes.toString()).toMatch(/^mail [a-z]{5}@example\.com$/);
  });

  it('drops an undecodable compressed body instead of storing it unscanned', () => {
    const out = anonymise(record({ resHeaders: [['content-encoding', 'gzip']], resBody: 'not gzip at all' }));
    expect(out.res!.body).toMatchObject({ omitted: 'anonymiser-error', bytes: Buffer.alloc(0) });
    expect(out.anonymised).toContain('res.body');
  });

  it('keeps size and Content-Length equal to the stored bytes of a rewritten body', () => {
    const body = 'to: राम@उदाहरण.भारत';
    const out = anonymise(record({ reqHeaders: [['content-type', 'text/plain'], ['content-length', String(Buffer.byteLength(body))]], reqBody: body }));
    expect(out.req.body.bytes.toString()).not.toContain('राम');
    expect(out.req.body.size).toBe(out.req.body.bytes.length);
    expect(header(out.req.headers, 'content-length')).toBe(String(out.req.body.bytes.length));
  });

  it('keeps the size of a truncated body (it describes the full original), never a hash of the raw body', () => {
    const r = record({ resBody: 'hello grace@example.com and more' });
    r.res!.body = { ...r.res!.body, size: 5_000_000, truncated: true, sha256: 'a'.repeat(64) };
    const out = anonymise(r);
    expect(out.res!.body).toMatchObject({ size: 5_000_000, truncated: true });
    expect(out.res!.body.sha256).toBeUndefined();
    expect(out.res!.body.bytes.toString()).not.toContain('grace');
  });

  it('fails closed when a record exceeds its scan budget', () => {
    const small = createRecordAnonymiser({ key: KEY, rules: { budget: { scanBytes: 1024 } } });
    const out = small(record({ reqBody: `${'x '.repeat(2000)} heidi@example.com`, url: '/users/heidi@example.com' }));
    expect(out.req.body).toMatchObject({ omitted: 'anonymiser-budget', bytes: Buffer.alloc(0) });
    expect(out.anonymised).toContain('req.body');
    expect(out.url).not.toContain('heidi');
  });

  it('finishes adversarial bodies of 1 MB (linear scanners, bounded work)', { timeout: 30_000 }, () => {
    const MB = 1 << 20;
    const bodies: [string, string][] = [
      ['text/plain', 'a@'.repeat(MB / 2)],
      ['application/json', JSON.stringify({ digits: '9'.repeat(MB), spaced: '1 '.repeat(MB / 4) })],
      ['application/json', `[${'"x@y.co",'.repeat(MB / 9)}"end"]`],
      ['application/x-www-form-urlencoded', 'a=1&'.repeat(MB / 4)],
      // a public JWKS, or a body made to look like one: each `kty` once made the pre-check search the whole body again
      ['application/json', `[${'{"kty":"EC"},'.repeat(MB / 13)}{}]`],
      // keyed elements whose CDATA never closes: each once searched to the body's end
      ['application/xml', '<entry key="password"><![CDATA[a]]]]]]]]]]]]]]]]]]]]]]]]'.repeat(MB / 57)],
      // credentials' objects whose schema members look back for a `type` that is nowhere
      ['application/json', `[${'{"secret":{"properties":{}}},'.repeat(MB / 29)}{}]`],
      ['application/json', `{"secret":{${'"items":[1],'.repeat(MB / 12)}"x":1}}`],
      ['text/plain', 'curl '.repeat(MB / 5)],
      ['application/json', `{"a":"${'-u x:'.repeat(MB / 5)}"}`],
    ];
    for (const [type, body] of bodies) {
      const out = anonymise(record({ reqHeaders: [['content-type', type]], reqBody: body }));
      expect(out.req.body.omitted === undefined || out.req.body.omitted === 'anonymiser-budget').toBe(true);
    }
  });

  it('is deterministic per key and differs across keys; without a key it still anonymises', () => {
    const r = () => record({ url: '/u/alice@example.com' });
    expect(createRecordAnonymiser({ key: KEY })(r()).url).toBe(anonymise(r()).url);
    expect(createRecordAnonymiser({ key: 'another-key-9876543210' })(r()).url).not.toBe(anonymise(r()).url);
    expect(createRecordAnonymiser()(r()).url).not.toContain('alice');
  });
});

describe('record anonymiser: URLs and header lines seen clean are not read again', () => {
  it('gives the same output with the cache warm, and never skips a line that holds something', () => {
    const a = createRecordAnonymiser({ key: KEY, rules: { rules: [{ header: 'x-tag', in: 'res', action: 'redact' }] } });
    const fresh = () => createRecordAnonymiser({ key: KEY, rules: { rules: [{ header: 'x-tag', in: 'res', action: 'redact' }] } });
    const records = [
      record({ url: '/api/items?page=2', reqHeaders: [['accept', 'application/json'], ['x-tag', 'blue']], resHeaders: [['x-tag', 'blue']] }),
      record({ url: '/api/items?page=2', reqHeaders: [['accept', 'application/json'], ['x-tag', 'priya.sharma@acmecorp.in']], resHeaders: [['x-tag', 'blue']] }),
      record({ url: '/api/items?page=2&email=priya.sharma@acmecorp.in', reqHeaders: [['accept', 'application/json'], ['x-tag', 'blue']] }),
      record({ url: '/api/items?page=2', reqHeaders: [['x-tag', 'blue'], ['accept', 'application/json']], resHeaders: [['x-tag', 'blue'], ['x-tag', 'green']] }),
    ];
    for (const r of [...records, ...records]) {
      const warm = a(r);
      const cold = fresh()(r);
      expect(warm.url).toBe(cold.url);
      expect(warm.req.headers).toEqual(cold.req.headers);
      expect(warm.res!.headers).toEqual(cold.res!.headers);
      expect(warm.anonymised).toEqual(cold.anonymised);
    }
    // the request's clean x-tag line does not let the response's rule be skipped
    const out = a(records[0]!);
    expect(out.req.headers).toContainEqual(['x-tag', 'blue']);
    expect(out.res!.headers).toEqual([['x-tag', '[redacted]']]);
    expect(a(records[1]!).req.headers[1]![1]).not.toContain('priya');
  });
});

describe('record anonymiser: rules', () => {
  it('applies each selector and action', () => {
    const a = createRecordAnonymiser({
      key: KEY,
      rules: {
        rules: [
          { header: 'x-user-*', action: 'redact' },
          { cookie: 'theme', action: 'drop' },
          { query: 'token', action: 'drop' },
          { query: 'name', action: 'pseudonym' },
          { json: '$.users[*].name', action: 'pseudonym' },
          { json: '$.users[*].secret', action: 'drop' },
          { json: '$..ssn', action: 'redact' },
          { form: 'password', action: 'drop' },
          { path: '/accounts/:account/**', action: 'mask', keep: 2 },
          { text: 'card', action: 'mask', keep: 4 },
        ],
      },
    });
    const body = JSON.stringify({ users: [{ secret: 's1', name: 'Ann Lee', card: '4111 1111 1111 1111' }, { name: 'Bob', secret: 's2', x: { ssn: '123' } }] });
    const out = a(
      record({
        url: '/accounts/ACC123456/statements?token=t0k&name=Zed&x=1',
        reqHeaders: [['x-user-id', 'u-1'], ['cookie', 'theme=dark; sid=q'], ['content-type', 'application/json']],
        reqBody: body,
      }),
    );
    expect(header(out.req.headers, 'x-user-id')).toBe('[redacted]');
    expect(header(out.req.headers, 'cookie')).toMatch(/^sid=[a-z]$/);
    expect(out.url).toMatch(/^\/accounts\/\*\*\*\*\*\*\*56\/statements\?name=[A-Z][a-z]{2}&x=1$/);
    const users = (JSON.parse(out.req.body.bytes.toString()) as { users: Record<string, unknown>[] }).users;
    expect(users[0]).toEqual({ name: expect.stringMatching(/^[A-Z][a-z]{2} [A-Z][a-z]{2}$/), card: '**** **** **** 1111' });
    expect(users[1]).toEqual({ name: expect.stringMatching(/^[A-Z][a-z]{2}$/), x: { ssn: '[redacted]' } });
    const form = a(record({ reqHeaders: [['content-type', 'application/x-www-form-urlencoded']], reqBody: 'user=a&password=hunter2' }));
    expect(form.req.body.bytes.toString()).toBe('user=a');
  });

  it('takes an empty anonymise section (YAML null) as the defaults', () => {
    expect(createRecordAnonymiser({ key: KEY, rules: null })(record({ url: '/u/alice@example.com' })).url).not.toContain('alice');
  });

  it('can switch detectors off and choose their action', () => {
    const a = createRecordAnonymiser({ key: KEY, rules: { detectors: ['email'], action: 'redact' } });
    const out = a(record({ reqBody: 'ivan@example.com 9876543210' }));
    expect(out.req.body.bytes.toString()).toBe('[redacted] 9876543210');
  });

  it('rejects a bad rules section with every problem named', () => {
    let error: unknown;
    try {
      createRecordAnonymiser({ rules: { detectors: ['email', 'ssn'], rules: [{ header: 'a', json: '$.b', action: 'pseudonym' }, { json: 'users.email', action: 'hide' }], extra: 1 } });
    } catch (err) {
      error = err;
    }
    expect(isParityError(error)).toBe(true);
    const msg = (error as Error).message;
    expect(msg).toMatch(/rules\.anonymise\.detectors\.1/);
    expect(msg).toMatch(/exactly one of header, cookie, query, json, form, path, text/);
    expect(msg).toMatch(/rules\.anonymise\.rules\.1\.json \(from file\): a JSON path starts with \$/);
    expect(msg).toMatch(/rules\.anonymise\.rules\.1\.action \(from file\): expected one of drop, redact, mask, pseudonym/);
    expect(msg).toMatch(/Unrecognized key: \\?"extra/);
    expect((error as { exitCode: number }).exitCode).toBe(2);
  });
});
