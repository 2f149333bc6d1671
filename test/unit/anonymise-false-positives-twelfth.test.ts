import { describe, expect, it } from 'vitest';
import { luhnValid } from '../../shared/anonymise/checksums.js';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { Pseudonymiser } from '../../shared/anonymise/pseudonym/index.js';
import { ALL_KINDS, findPii } from '../../shared/anonymise/detect/index.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import { testRecord as record } from '../helpers/record.js';
import { expectClean } from '../helpers/leaks.js';

/**
 * The twelfth review's probe of the detectors (2026-12-07): what they
 * rewrote that is no personal data — hex ids and colours read as numbers
 * with an exponent, barcodes and timestamps that pass Luhn, SSH clone URLs,
 * `user@host` taken for a UPI id, PostgREST filters, netmasks — and a JWT
 * whose segments carry base64 padding (AWS ALB's `x-amzn-oidc-data`),
 * stored raw. What is no personal data must be stored byte for byte; what
 * is must not remain, and the audit must agree.
 */

const anonymise = createRecordAnonymiser({ key: 'twelfth-review-fp-key-0123456789' });
const json: HeaderPair[] = [['content-type', 'application/json']];
const text: HeaderPair[] = [['content-type', 'text/plain']];

/** The stored request body of a record with this body. */
const storedBody = (body: string, headers: HeaderPair[] = json) => anonymise(record({ reqHeaders: headers, reqBody: body })).req.body.bytes.toString();
const kinds = (value: string) => findPii(value, ALL_KINDS).map((f) => f.kind);

describe('anonymiser: hex ids and colours are no numbers with an exponent', () => {
  const uuid = '755312e4-72c3-41d5-9ea5-b520fff22701';

  it('keeps a UUID whose first group reads as 7.55e9 in a URL path, a header and JSON', () => {
    const out = anonymise(record({ url: `/v1/payments/${uuid}/refund`, reqHeaders: [...json, ['x-request-id', uuid]], reqBody: JSON.stringify({ id: uuid }) }));
    expect(out.url).toBe(`/v1/payments/${uuid}/refund`);
    expect(out.req.headers).toContainEqual(['x-request-id', uuid]);
    expect(out.req.body.bytes.toString()).toBe(JSON.stringify({ id: uuid }));
    expect(out.anonymised).toEqual([]);
  });

  it('keeps a CSS colour in a stylesheet and in a JSON theme', () => {
    const css = '.btn{color:#8e9;background:#1e3}';
    expect(storedBody(css, [['content-type', 'text/css']])).toBe(css);
    expect(storedBody('{"primary":"#8e9","accent":"#3e8"}')).toBe('{"primary":"#8e9","accent":"#3e8"}');
  });

  it('still reads numbers as formatters write them: a fraction, or a signed exponent', () => {
    const out = anonymise(record({ resHeaders: json, resBody: '{"p":9.87654321E9,"r":"9.87654321E+09"}' }));
    expectClean(out, ['9876543210', '9.87654321E9', '9.87654321E+09']);
  });
});

describe('anonymiser: numbers that pass Luhn but no card network issues', () => {
  const numbers = {
    'an Indian EAN-13 barcode (890)': '8901030100185',
    'a German EAN-13 barcode (400)': '4006381100182',
    'a yyyyMMddHHmmss timestamp': '20241207103009',
    'a yyyyMMddHHmmssSSS timestamp': '20241207103015002',
  };

  it.each(Object.entries(numbers))('keeps %s', (_, n) => {
    expect(luhnValid(n), 'the number passes Luhn').toBe(true);
    const body = `{"gtin":"${n}","n":${n},"line":"barcode ${n} scanned"}`;
    expect(storedBody(body)).toBe(body);
  });

  it.each([
    ['Visa, 16 digits', '4111 1111 1111 1111'],
    ['Visa, 19 digits', '4111111111111111113'],
    ['Mastercard 51-55', '5500 0000 0000 0004'],
    ['Mastercard 2-series', '2221000000000009'],
    ['American Express', '378282246310005'],
    ['Diners Club, 14 digits', '30569309025904'],
    ['Discover', '6011111111111117'],
    ['JCB', '3530111333300000'],
    ['UnionPay, 19 digits', '6212345678901234567'],
    ['RuPay 60', '6070000000000006'],
    ['RuPay 81', '8100000000000007'],
    ['RuPay 508', '5085000000000005'],
  ])('still finds %s', (_, raw) => {
    const digits = raw.replace(/\D/g, '');
    const card = luhnValid(digits) ? raw : fixLuhn(digits);
    expect(kinds(card)).toEqual(['card']);
  });
});

/** `digits` with its last digit set so that it passes Luhn. */
function fixLuhn(digits: string): string {
  for (let d = 0; d <= 9; d++) {
    const v = digits.slice(0, -1) + d;
    if (luhnValid(v)) return v;
  }
  throw new Error('unreachable');
}

describe('anonymiser: a JWT whose segments carry base64 padding', () => {
  /** base64url with its '=' padding kept, as AWS ALB writes x-amzn-oidc-data. */
  const padded = (o: object) => {
    // JSON may end in spaces: one or two give the base64 its padding
    let json = JSON.stringify(o);
    while (json.length % 3 === 0) json += ' ';
    return Buffer.from(json).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
  };
  const header = padded({ typ: 'JWT', kid: '5f2b1c7e-1111-2222-3333-444455556666', alg: 'ES256', iss: 'https://cognito-idp.ap-south-1.amazonaws.com/ap-south-1_abc', client: '7abc', exp: 1765100000 });
  const payload = padded({ sub: '8f3e2a10-5b6c-4d7e-8f90-a1b2c3d4e5f6', email: 'priya.sharma@acmecorp.in', exp: 1765100000, iss: 'x' });
  const signature = 'MEUCIQDq3kX9Vb7zZg8m0d2Qf4n5K6L7M8N9P0Q1R2S3T4U5VwIgY6Z7a8b9c0d1e2f3g4h5i6j7k8l9m0n1o2p3q4r5s6t7u8==';
  const jwt = `${header}.${payload}.${signature}`;

  it('pads header and payload, as ALB does', () => {
    expect(header.endsWith('=')).toBe(true);
    expect(payload.endsWith('=')).toBe(true);
  });

  it('finds the token in an x-amzn-oidc-data header, keeping its header and shape', () => {
    const out = anonymise(record({ reqHeaders: [['x-amzn-oidc-data', jwt]] }));
    expectClean(out, [payload, payload.slice(10, 40), signature.slice(0, 40)]);
    const stored = out.req.headers.find(([name]) => name === 'x-amzn-oidc-data')![1];
    expect(stored.startsWith(`${header}.`)).toBe(true);
    expect(stored).toHaveLength(jwt.length);
    expect(stored).toMatch(/^[A-Za-z0-9_-]+=+\.[A-Za-z0-9_-]+=+\.[A-Za-z0-9_-]+==$/);
  });

  it('finds the token in a JSON body', () => {
    const out = anonymise(record({ reqHeaders: json, reqBody: JSON.stringify({ oidc: jwt, user: 'u-1' }) }));
    expectClean(out, [payload, payload.slice(10, 40), signature.slice(0, 40)]);
  });
});

describe('anonymiser: SSH clone URLs are no addresses', () => {
  it.each([
    ['GitHub', 'git@github.com:octocat/Hello-World.git'],
    ['GitLab', 'git@gitlab.com:group/proj.git'],
    ['Bitbucket', 'git@bitbucket.org:team/repo.git'],
    ['Azure DevOps', 'git@ssh.dev.azure.com:v3/org/proj/repo'],
  ])('keeps a %s SSH URL', (_, url) => {
    const body = JSON.stringify({ ssh_url: url, clone: `git clone ${url}` });
    expect(storedBody(body)).toBe(body);
  });

  it('still finds an address followed by a colon and a space, or a person named git', () => {
    const out = anonymise(record({ reqHeaders: text, reqBody: 'priya@acmecorp.in: see attached; cc git.ops@acmecorp.in:' }));
    expectClean(out, ['priya@acmecorp.in', 'git.ops@acmecorp.in']);
  });
});

describe('anonymiser: user@host is no UPI id', () => {
  it('keeps local users, kubeconfig users and GitHub Actions refs', () => {
    const body = [
      'ssh root@localhost',
      'psql -U postgres postgres@db',
      'user: kubernetes-admin@kubernetes',
      'uses: actions/checkout@main',
      'uses: actions/setup-node@master',
      'uses: docker/build-push-action@v5',
    ].join('\n');
    expect(storedBody(body, text)).toBe(body);
    expect(storedBody(JSON.stringify({ contexts: [{ name: 'kubernetes-admin@kubernetes', user: 'kubernetes-admin' }] }))).toBe(JSON.stringify({ contexts: [{ name: 'kubernetes-admin@kubernetes', user: 'kubernetes-admin' }] }));
  });

  it('still finds UPI ids at the providers', () => {
    const ids = ['priya.sharma@okaxis', 'asha.k@ybl', 'shop.name@paytm', 'ravi@okhdfcbank', 'meera@ibl', 'kiran.r@axl', 'dev.p@upi', 'neha@ptyes'];
    const out = anonymise(record({ reqHeaders: text, reqBody: `pay to ${ids.join(', ')} today` }));
    expectClean(out, ids);
  });
});

describe('anonymiser: PostgREST filters keep their operator', () => {
  it('pseudonymises the address after `eq.` and keeps the filter', () => {
    const out = anonymise(record({ url: '/rest/v1/users?email=eq.asha.k@example.in&select=id,name' }));
    expectClean(out, ['asha.k@example.in', 'asha.k']);
    expect(out.url).toMatch(/^\/rest\/v1\/users\?email=eq\.[a-z]{4}\.[a-z]@[a-z]{7}\.in&select=id,name$/);
  });

  it('reads each condition of an `or` group, `not.` and `ilike.` too', () => {
    const out = anonymise(record({ url: '/rest/v1/users?or=(email.eq.asha.k@example.in,phone.eq.9876543210)&email=not.eq.ravi.m@acmecorp.in&alt=ilike.meera@acmecorp.in' }));
    expectClean(out, ['asha.k@example.in', '9876543210', 'ravi.m@acmecorp.in', 'meera@acmecorp.in']);
    expect(out.url).toMatch(/^\/rest\/v1\/users\?or=\(email\.eq\.[a-z]{4}\.[a-z]@[a-z]{7}\.in,phone\.eq\.[0-9]{10}\)&email=not\.eq\.[a-z]{4}\.[a-z]@[a-z]{8}\.in&alt=ilike\.[a-z]{5}@[a-z]{8}\.in$/);
  });
});

describe('anonymiser: netmasks and unspecified addresses are no IPv4 addresses', () => {
  it('keeps 0.0.0.0, 255.255.255.255 and contiguous netmasks', () => {
    const body = '{"netmask":"255.255.255.0","mask16":"255.255.0.0","p2p":"255.255.255.252","bind":"0.0.0.0","broadcast":"255.255.255.255","route":"0.0.0.0/0"}';
    expect(storedBody(body)).toBe(body);
  });

  it('still finds addresses beside them, and a mask that is not contiguous is an address', () => {
    const out = anonymise(record({ reqHeaders: json, reqBody: '{"ip":"10.20.30.40","netmask":"255.255.255.0","odd":"255.0.255.0"}' }));
    expectClean(out, ['10.20.30.40', '255.0.255.0']);
    expect(out.req.body.bytes.toString()).toContain('"netmask":"255.255.255.0"');
  });
});

describe('anonymiser: what the review of the twelfth fixes found missed', () => {
  const anon = createRecordAnonymiser({ key: 'twelfth-review-fix-key-0123456789' });
  const jsonHeaders: HeaderPair[] = [['content-type', 'application/json']];
  it.each([
    ['Borica', '2205111111111112'],
    ['Uzcard', '8600111111111110'],
    ['T-Union', '3111111111111111111'],
    ["JCB's 15 digits", '213111111111116'],
  ])('finds a %s card', (_, card) => {
    expectClean(anon(record({ reqHeaders: jsonHeaders, reqBody: `{"pan":"${card}"}` })), [card]);
  });

  it.each(['fbpe', 'goaxb', 'tmb', 'dhani'])('finds a UPI id at @%s', (psp) => {
    expectClean(anon(record({ reqHeaders: jsonHeaders, reqBody: `{"vpa":"priya.sharma@${psp}"}` })), [`priya.sharma@${psp}`]);
  });

  it('finds a Telegram token with an 11-digit bot id', () => {
    const token = '73095182645:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ';
    expectClean(anon(record({ url: `/bot${token}/getMe` })), [token]);
  });
});

describe('anonymiser: an address that starts like a filter', () => {
  it('draws no pseudonym that starts like one, so every pseudonym is found whole again', () => {
    const names = new Pseudonymiser('filter-prefix-key-0123456789');
    for (let i = 0; i < 3000; i++) {
      const local = `${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + ((i * 7) % 26))}.x${i}`;
      const out = names.of('email', `${local}@acme-corp.co.in`);
      expect(findPii(out, ALL_KINDS)).toMatchObject([{ kind: 'email', start: 0, end: out.length }]);
    }
  });

  it('reads cs. and is. as part of an address', () => {
    const anon = createRecordAnonymiser({ key: 'twelfth-review-fix-key-0123456789' });
    expectClean(anon(record({ url: '/u?email=cs.student@uni.example.edu&x=is.kumar@acme.in' })), ['cs.student', 'is.kumar']);
  });
});
