import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { customerPage } from '../../scripts/bench/anonymise-body.js';
import type { Kind } from '../../shared/anonymise/detect/index.js';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { Pseudonymiser } from '../../shared/anonymise/pseudonym/index.js';
import type { CaptureRecord } from '../../shared/record/schema.js';

/**
 * Pseudonyms are stored and compared across captures, so the anonymiser's
 * output under one key must never change with its implementation: these
 * values were taken from the original createHmac-based code, and every
 * speed-up has to reproduce them byte for byte.
 */

const KEY = 'golden-key-0123456789abcdef';

const PSEUDONYMS: [Kind, string, string][] = [
  ['email', 'alice.smith+tag@example.co.in', 'uhyaw.zgxhy+pky@fqzdarr.co.in'],
  ['email', 'Bob_99@mail.example.org', 'Vvz_72@unol.pjpesib.org'],
  ['email', 'राम@उदाहरण.भारत', 'ॽॏव@ऒधॎयइॼ.भारत'],
  ['email', 'josé@correo.es', 'fztð@qcythl.es'],
  ['email', 'priya.iyer42@gmail.com', 'tmuzg.felo53@gmail.com'],
  ['phone', '+91 98765 43210', '+91 97992 47917'],
  ['phone', '09876543210', '09799247917'],
  ['phone', '+44 20 7946 0958', '+44 20 7526 9428'],
  ['phone', '+1 (415) 555-2671', '+1 (434) 996-2177'],
  ['phone', '0091 98765 43210', '0091 97992 47917'],
  ['card', '4111 1111 1111 1111', '4111 1133 2954 5056'],
  ['card', '5500-0000-0000-0004', '5500-0005-3806-0876'],
  ['card', '378282246310005', '378282090240522'],
  ['iban', 'GB82 WEST 1234 5698 7654 32', 'GB72 WEST 7159 9000 1548 85'],
  ['iban', 'DE89370400440532013000', 'DE25370453345330219812'],
  ['aadhaar', '2345 6789 0124', '4854 0758 1810'],
  ['vid', '9876543210987654', '7936413529459458'],
  ['pan', 'ABCPE1234F', 'RYVPP3890L'],
  ['gstin', '27AAPFU0939F1ZV', '27CAWFC9347A2Z1'],
  ['ifsc', 'SBIN0001234', 'SBIN0506272'],
  ['upi', 'alice@okaxis', 'bvmrj@okaxis'],
  ['upi', '9876543210@ybl', '8768921923@ybl'],
  ['ipv4', '192.168.1.10', '192.168.0.92'],
  ['ipv4', '8.8.8.8', '7.2.1.0'],
  ['ipv6', '2001:db8::ff00:42:8329', '8471:ce9::ac83:23:6a01'],
  ['ipv6', 'FE80::1A2B', 'ED45::2DFF'],
  [
    'jwt',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk',
    'eyJhbGciOiJIUzI1NiJ9.frIdjIUqGoDkNfL1Rl5.dBzfmVmI9ZWPzS75R53sisHCI2a4a_gW3jUKJEWqFr',
  ],
  ['bearer', 'abcdefgh12345678', 'ucpyuint87236137'],
  ['apikey', 'AKIAIOSFODNN7EXAMPLE', 'AKIAOQTBVSPM5XXHOZZQ'],
  ['apikey', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_1mF95SsFqhJYgbewX5gkx7uq'],
  // a keyed message longer than one SHA-256 block
  [
    'email',
    `${'x'.repeat(60)}@${'long-domain-label'.repeat(3)}.example.com`,
    'amvbsqxkngzlscskgrviommxaobaoctygshbqwndklhwyidylyvurtpclcup@oull-jzeerc-pchuqcmcn-egrids-lgsacspab-pfzuwb-aekzy.dkijzim.com',
  ],
];

const GENERIC: [string, string][] = [
  ['Priya Sharma', 'Flsuf Cbffoa'],
  ['ID-7781 x', 'XM-0225 u'],
  ['ünïcödé 12', 'ôqåbáaú 60'],
];

/**
 * Pseudonyms of JSON numbers a rule selected: generic()'s wherever that is a
 * JSON number, so these stayed as they were; where it is not (a leading 0,
 * an exponent's letter redrawn: `1002` → `0067`, stored quoted, a string),
 * the pseudonym has been a number of the same shape since 2026-12 (added then).
 */
const NUMBERS: [string, string][] = [
  ['1003', '5922'],
  ['100000000023', '147411186934'],
  ['12345678', '24630474'],
  ['-12.75', '-20.15'],
  ['1002', '9067'],
  ['6.02e23', '5.35e12'],
];

function record(body: string, type: string): CaptureRecord {
  const bytes = Buffer.from(body);
  return {
    v: 1,
    id: 'golden',
    session: 'unit',
    ts: 1,
    method: 'POST',
    url: '/api/customers?email=alice@example.com',
    httpVersion: '1.1',
    scheme: 'http',
    req: { headers: [['content-type', type]], body: { bytes, size: bytes.length, truncated: false } },
    res: { status: 200, headers: [['content-type', type]], body: { bytes, size: bytes.length, truncated: false } },
    timing: { ttfbUs: 1, totalUs: 2 },
    anonymised: [],
  };
}

const FREE_TEXT = PSEUDONYMS.map(([kind, value], i) => `#${i} ${kind}: ${value}; `).join('call 98765 43210 or +91 98765 43211\n');

/** Digests of the records below as the original code anonymised them. */
const GOLDEN_DIGESTS = [
  '63dfb8a632bb9547d892c5401e7fbc5188ab59df4068cd84ab83561a9645c690',
  '3eb089974b51e3df4506b9d4e8d40649c46cbb73e5105cc51fe64c23ac91b579',
  '63451b7ad7afa4ae7f9230e90b53a0e9d597d9b4808a95ce1bbb4678161dcd8b',
  '3329ef1d626ed15cb655ccb4d54663bcf284c82741c072953d956434b05f8f8f',
  '2346e510f2cd4bed0fedd9a96c0177c92bb416f00a63de7fbd09e20801686902',
];

/** SHA-256 of everything the anonymiser stored: URL, both bodies and the change list. */
function digestOf(out: CaptureRecord): string {
  const h = createHash('sha256');
  h.update(out.url).update('\0').update(out.req.body.bytes).update('\0').update(out.res!.body.bytes).update('\0').update(JSON.stringify(out.anonymised));
  return h.digest('hex');
}

describe('anonymiser output stays byte for byte the same', () => {
  it('pseudonyms of each kind under a fixed key', () => {
    const names = new Pseudonymiser(KEY);
    expect(PSEUDONYMS.map(([kind, value]) => [kind, value, names.of(kind, value)])).toEqual(PSEUDONYMS);
    expect(GENERIC.map(([value]) => [value, names.generic(value)])).toEqual(GENERIC);
    expect(NUMBERS.map(([value]) => [value, names.number(value)])).toEqual(NUMBERS);
    expect(['1003', '100000000023', '12345678', '-12.75'].map((v) => names.generic(v))).toEqual(['5922', '147411186934', '24630474', '-20.15']);
  });

  it('whole records: customer lists, free text, nested JSON and JSON rules', () => {
    const plain = createRecordAnonymiser({ key: KEY });
    const ruled = createRecordAnonymiser({ key: KEY, rules: { rules: [{ json: '$.data[*].name', action: 'pseudonym' }, { json: '$..address', action: 'mask' }] } });
    const nested = JSON.stringify({ payload: customerPage(2048, 3), note: FREE_TEXT });
    const digests = [
      digestOf(plain(record(customerPage(1024, 1), 'application/json'))),
      digestOf(plain(record(customerPage(64 * 1024, 2), 'application/json'))),
      digestOf(plain(record(FREE_TEXT, 'text/plain'))),
      digestOf(plain(record(nested, 'application/json'))),
      digestOf(ruled(record(customerPage(8 * 1024, 4), 'application/json'))),
    ];
    expect(digests).toEqual(GOLDEN_DIGESTS);
  });
});
