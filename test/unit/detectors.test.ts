import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { luhnCheckDigit, verhoeffCheckDigit } from '../../shared/anonymise/checksums.js';
import { ALL_KINDS, findPii, type Kind } from '../../shared/anonymise/detect/index.js';

/** The findings in `text` as `kind:value`. */
const found = (text: string) => findPii(text, ALL_KINDS).map((f) => `${f.kind}:${text.slice(f.start, f.end)}`);
const withLuhn = (payload: string) => payload + luhnCheckDigit(payload);
const withVerhoeff = (payload: string) => payload + verhoeffCheckDigit(payload);
const wrongLast = (s: string) => s.slice(0, -1) + ((Number(s.slice(-1)) + 1) % 10);

const AADHAAR = withVerhoeff('23456789012');
const VID = (() => {
  // a 16-digit Verhoeff number that fails Luhn, so it cannot pass for a card
  for (let i = 0; ; i++) {
    const v = withVerhoeff(String(912345678901230 + i));
    if (withLuhn(v.slice(0, -1)) !== v) return v;
  }
})();

interface Case {
  kind: Kind;
  valid: string[];
  nearMiss: string[];
}

const CASES: Case[] = [
  {
    kind: 'email',
    valid: ['alice.smith+tag@example.co.in', 'Bob_99@mail.example.org', 'राम@उदाहरण.भारत', 'josé@correo.es'],
    nearMiss: ['alice@example.c', '@example.com', 'alice@-.com', 'name@1.2'],
  },
  {
    kind: 'phone',
    valid: ['+91 98765 43210', '+91-98765-43210', '09876543210', '9876543210', '98765 43210', '+44 20 7946 0958', '+1 (415) 555-2671', '0091 98765 43210'],
    nearMiss: ['5876543210', '98765 4321', '1700000000', '+12345'],
  },
  {
    kind: 'card',
    valid: ['4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005', withLuhn('601100000000000')],
    nearMiss: ['4111 1111 1111 1112', withLuhn('111111111111111'), '4111 1111 1111 111'],
  },
  {
    kind: 'iban',
    valid: ['GB82 WEST 1234 5698 7654 32', 'DE89370400440532013000', 'FR1420041010050500013M02606'],
    nearMiss: ['GB82 WEST 1234 5698 7654 33', 'DE8937040044053201300', 'XX89370400440532013000'],
  },
  {
    kind: 'aadhaar',
    valid: [AADHAAR, `${AADHAAR.slice(0, 4)} ${AADHAAR.slice(4, 8)} ${AADHAAR.slice(8)}`],
    nearMiss: [wrongLast(AADHAAR), withVerhoeff('12345678901'), '123456789012'],
  },
  { kind: 'vid', valid: [VID], nearMiss: [wrongLast(VID)] },
  { kind: 'pan', valid: ['ABCPE1234F', 'AAACT1234Z'], nearMiss: ['ABCXE1234F', 'ABCPE12345', 'ABCPE1234FG'] },
  { kind: 'gstin', valid: ['27AAPFU0939F1ZV', '29AAGCB7383J1Z4'], nearMiss: ['27AAPFU0939F1ZW', '27AAPFU0939F1YV'] },
  { kind: 'ifsc', valid: ['SBIN0001234', 'HDFC0ABC123'], nearMiss: ['SBIN1001234', 'SBIN000123'] },
  { kind: 'upi', valid: ['alice@okaxis', '9876543210@ybl', 'shop.name@paytm'], nearMiss: ['a@ybl', 'alice@ok1', 'alice@okaxisbankupihandlelong'] },
  { kind: 'ipv4', valid: ['192.168.1.10', '8.8.8.8', '10.0.0.255'], nearMiss: ['256.1.1.1', '1.2.3', 'v1.2.3.4', '1.2.3.4.5'] },
  { kind: 'ipv6', valid: ['2001:db8::ff00:42:8329', 'fe80::1', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'], nearMiss: ['12:30:45', '::1', '::', 'a:b'] },
  {
    kind: 'jwt',
    valid: ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
    nearMiss: ['eyJhbGciOiJIUzI1NiJ9.only', 'xyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig'],
  },
  {
    kind: 'apikey',
    valid: [
      'AKIAIOSFODNN7EXAMPLE',
      `ghp_${'a1B2'.repeat(9)}`,
      `github_pat_${'x'.repeat(30)}`,
      'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
      'xoxb-123456789012-abcdefghij',
      'rzp_live_ABCDEFGHIJKLMN',
      `AIza${'SyA1'.repeat(8)}abc`,
      `npm_${'a1B2'.repeat(9)}`,
      `hf_${'a1B2'.repeat(8)}xy`,
      `shpat_${'0a1b2c3d'.repeat(4)}`,
      `SG.${'a1B2c3D4e5F6g7H8i9J0kL'}.${'a1B2c3D4e5F6g7H8i9J0kLm1N2o3P4q5R6s7T8u9V0w'}`,
    ],
    nearMiss: ['AKIAIOSFODNN7EXAMPL', `ghp_${'a'.repeat(35)}`, 'sk_live_short', 'rzp_live_ABC', `AIza${'b'.repeat(34)}`, `npm_${'a'.repeat(35)}`, 'SG.short.key', `shpat_${'z'.repeat(32)}`],
  },
];

describe('detectors', () => {
  for (const c of CASES) {
    it(`${c.kind}: finds valid values in text`, () => {
      for (const v of c.valid) expect(found(`value: ${v}, next`), v).toEqual([`${c.kind}:${v}`]);
    });
    it(`${c.kind}: leaves near misses alone`, () => {
      for (const v of c.nearMiss) expect(found(`value: ${v}, next`).filter((f) => f.startsWith(`${c.kind}:`)), v).toEqual([]);
    });
  }

  it('bearer: finds the token after the scheme, not the word', () => {
    expect(found('Authorization: Bearer abcdefgh12345678')).toEqual(['bearer:abcdefgh12345678']);
    expect(found('Bearer short')).toEqual([]);
  });

  it('finds secrets without a digit, an @ or a colon anywhere in the text', () => {
    const secrets = [`AKIA${'QWERTYUIOPASDFGH'}`, `github_pat_${'x'.repeat(30)}`, `ghp_${'aB'.repeat(18)}`, `sk_test_${'abcdefghij'}`, `xapp-${'abcdefghij'}`];
    for (const s of secrets) expect(found(`the key is ${s} here`), s).toEqual([`apikey:${s}`]);
    expect(found('send Bearer abcdefghijklmnop please')).toEqual(['bearer:abcdefghijklmnop']);
  });

  it('a decoy before a secret does not hide it (the prechecks search on past their first hit)', () => {
    const jwt = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.';
    expect(found(`yJ no, then ${jwt} here`)).toEqual([`jwt:${jwt}`]);
    expect(found(`_x_ then sk_live_${'q'.repeat(12)} end`)).toEqual([`apikey:sk_live_${'q'.repeat(12)}`]);
  });

  it('the prechecks never turn away a text a full pattern matches (property)', () => {
    const secrets = CASES.filter((c) => c.kind === 'apikey' || c.kind === 'jwt').flatMap((c) => c.valid.map((v) => [c.kind, v] as const));
    const filler = fc.stringMatching(/^[a-zA-Z_ .,'"{}[\]-]{0,40}$/);
    fc.assert(
      fc.property(fc.constantFrom(...secrets), filler, filler, ([kind, secret], before, after) => {
        const text = `${before} ${secret} ${after}`;
        expect(found(text)).toContain(`${kind}:${secret}`);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves a 12-digit order number that fails Verhoeff alone', () => {
    expect(found(`order ${wrongLast(AADHAAR)} shipped`)).toEqual([]);
  });

  it('does not take parts of identifiers, UUIDs, versions or dates', () => {
    for (const s of ['550e8400-e29b-41d4-a716-446655440000', 'id9876543210', 'build 1.2.3.4-rc1', '2024-05-12T10:00:00Z', 'ts=1700000000000']) {
      expect(found(s), s).toEqual([]);
    }
  });

  it('finds several values in one text and never overlaps them', () => {
    expect(found('mail a.b@example.com or call 98765 43210 / 98765 43211, upi 9876543210@ybl')).toEqual([
      'email:a.b@example.com',
      'phone:98765 43210',
      'phone:98765 43211',
      'upi:9876543210@ybl',
    ]);
  });

  it('honours the set of kinds switched on', () => {
    expect(findPii('alice@example.com 9876543210', new Set(['phone'])).map((f) => f.kind)).toEqual(['phone']);
  });

  describe('adversarial input finishes (linear-time patterns only)', () => {
    const MB = 1 << 20;
    const inputs: [string, string][] = [
      ['a@a@a@...', 'a@'.repeat(MB / 2)],
      ['a long local part without a domain', `${'a'.repeat(MB)}@`],
      ['dotted letters', 'a.'.repeat(MB / 2)],
      ['a long digit run', '9'.repeat(MB)],
      ['digits and spaces', '1 '.repeat(MB / 2)],
      ['digits and wide gaps', '1   '.repeat(MB / 4)],
      ['digit groups with dashes', '1234-'.repeat(MB / 5)],
      ['colons', 'a:'.repeat(MB / 2)],
      ['hex and colons', 'ab:cd:'.repeat(MB / 6)],
      ['JWT prefixes', 'eyJa.'.repeat(MB / 5)],
      ['base64 JSON prefixes', 'eyJ'.repeat(MB / 3)],
      ['short base64 JSON runs', `eyJ${'a1'.repeat(8)} `.repeat(MB / 20)],
      ['base64 of base64 of an email', Buffer.from(`{"a":"${Buffer.from(`{"e":"${'a1@b.in '.repeat(MB / 64)}"}`).toString('base64')}"}`).toString('base64')],
      ['dollar signs', '$2b$'.repeat(MB / 4)],
      ['crypt-like runs', `$6$rounds=5000$${'a'.repeat(600)}`.repeat(MB / 620)],
      ['userinfo-like runs', 'x://u:p'.repeat(MB / 14) + '@h'.repeat(MB / 4)],
      ['Bearer words', 'Bearer '.repeat(MB / 7)],
      ['capital letters', 'A'.repeat(MB)],
      ['PAN-like runs', 'ABCPE1234'.repeat(MB / 9)],
      ['IBAN-like groups', 'GB82 WEST '.repeat(MB / 10)],
    ];
    for (const [name, text] of inputs) {
      it(name, { timeout: 20_000 }, () => {
        expect(Array.isArray(findPii(text, ALL_KINDS))).toBe(true);
      });
    }
  });
});
