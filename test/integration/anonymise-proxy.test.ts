import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditRecord } from '../../shared/anonymise/audit.js';
import { luhnCheckDigit, verhoeffCheckDigit } from '../../shared/anonymise/checksums.js';
import { decodeRecord } from '../../shared/record/codec.js';
import { toJson } from '../../shared/record/convert.js';
import { keys } from '../../shared/redis/keys.js';
import { readRecords } from '../../shared/session/store.js';
import { spawnCli, stopChild, waitForOutput } from '../helpers/cli.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

/**
 * Traffic full of planted personal data goes through the real `parity
 * proxy` into a real Redis; then every key in the database is read back
 * (by type, records decoded) and none of the planted values may appear in
 * any form: raw, lower-cased, digits only, URL-encoded.
 */

const CARD = (() => {
  const p = '453914880343646';
  return `${p.slice(0, 4)} ${p.slice(4, 8)} ${p.slice(8, 12)} ${p.slice(12)}${luhnCheckDigit(p)}`;
})();
const AADHAAR = `${'39847261530'}${verhoeffCheckDigit('39847261530')}`;

const PLANTED = {
  email: 'priya.sharma@acme-corp.in',
  phone: '+91 98450 12345',
  card: CARD,
  aadhaar: `${AADHAAR.slice(0, 4)} ${AADHAAR.slice(4, 8)} ${AADHAAR.slice(8)}`,
  pan: 'BNZPM2501F',
  gstin: '27AAPFU0939F1ZV',
  upi: 'priya.s@okhdfcbank',
  iban: 'GB82 WEST 1234 5698 7654 32',
  forwardedIp: '203.0.113.77',
  ipv6: '2001:db8:85a3::8a2e:370:7334',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwcml5YSJ9.Sig-Value_1234567890',
  apiKey: 'sk_live_51HqLyjWDarjtT1zdp7dcABC',
  cookie: 'sess-7f3a9c2e1b',
  upstreamCookie: 'upstream-secret-4242',
  name: 'Priya Sharma',
  customerHeader: 'Customer Kumar',
};

/** Every form a planted value must not take in Redis. */
function forms(v: string): string[] {
  const out = new Set([v, v.toLowerCase(), encodeURIComponent(v), JSON.stringify(v).slice(1, -1)]);
  const digits = v.replace(/\D/g, '');
  if (digits.length >= 10) {
    out.add(digits);
    out.add(digits.slice(-10));
  }
  return [...out];
}

async function upstreamApp(): Promise<TestServer> {
  return startHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/gzip')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(JSON.stringify({ customer: { email: PLANTED.email, phone: PLANTED.phone, pan: PLANTED.pan } })));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `sid=${PLANTED.upstreamCookie}; Path=/; HttpOnly` });
      res.end(JSON.stringify({ ok: true, customer: { name: PLANTED.name, aadhaar: PLANTED.aadhaar, upi: PLANTED.upi, iban: PLANTED.iban }, note: `card ${PLANTED.card} on file` }));
    });
  });
}

/** Everything in the database, as text: raw values of every type, plus records decoded to JSON. */
async function everything(redis: Redis, session: string): Promise<string> {
  const chunks: string[] = [];
  const add = (b: Buffer | string) => {
    const buf = Buffer.isBuffer(b) ? b : Buffer.from(b);
    chunks.push(buf.toString('latin1'), buf.toString('utf8'));
    for (const decode of [gunzipSync]) {
      try {
        chunks.push(decode(buf).toString('utf8'));
      } catch {
        // not compressed
      }
    }
  };
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of found) {
      chunks.push(key);
      const type = await redis.type(key);
      if (type === 'string') add((await redis.getBuffer(key))!);
      else if (type === 'hash') {
        for (const [field, v] of Object.entries(await redis.hgetallBuffer(key))) {
          add(field);
          add(v);
        }
      } else if (type === 'set') for (const v of await redis.smembersBuffer(key)) add(v);
      else if (type === 'list') for (const v of await redis.lrangeBuffer(key, 0, -1)) add(v);
      else if (type === 'zset') for (const v of await redis.zrangeBuffer(key, '0', '-1')) add(v);
      else if (type === 'stream') {
        const entries = (await redis.xrangeBuffer(key, '-', '+')) as [Buffer, Buffer[]][];
        for (const [, fields] of entries) {
          for (let i = 0; i < fields.length; i += 2) {
            add(fields[i + 1]!);
            try {
              chunks.push(JSON.stringify(toJson(decodeRecord(fields[i + 1]!))));
            } catch {
              // not a capture record
            }
          }
        }
      } else throw new Error(`unexpected key type ${type} for ${key}`);
    }
  } while (cursor !== '0');
  for await (const { record } of readRecords(redis, session)) chunks.push(JSON.stringify(toJson(record)));
  return chunks.join('\n');
}

describe('anonymisation through the real proxy', () => {
  let t: TestRedis;
  let upstream: TestServer;
  beforeEach(async () => {
    t = await testRedis();
    upstream = await upstreamApp();
  });
  afterEach(async () => {
    await upstream.close();
    await t.cleanup();
  });

  it('leaves none of the planted values in Redis, in any form', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-anon-'));
    const rulesFile = join(dir, 'rules.json');
    writeFileSync(rulesFile, JSON.stringify({ anonymise: { rules: [{ json: '$.customer.name', action: 'pseudonym' }, { header: 'x-customer-name', action: 'redact' }] } }));
    const proxy = spawnCli(
      ['proxy', '--upstream', upstream.url, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--session', 'pii', '--sample', '1', '--redis', t.url, '--rules', rulesFile, '--anon-key', 'integration-anon-key-0123456789'],
      {},
    );
    try {
      const line = await waitForOutput(proxy, /\{[^\n]*"msg":"proxy listening"[^\n]*\}/, 30_000);
      const { port } = JSON.parse(line) as { port: number };
      const base = `http://127.0.0.1:${port}`;
      const common = {
        authorization: `Bearer ${PLANTED.jwt}`,
        cookie: `session=${PLANTED.cookie}; theme=dark`,
        'x-forwarded-for': `${PLANTED.forwardedIp}, ${PLANTED.ipv6}`,
        'x-customer-name': PLANTED.customerHeader,
        'x-api-key': PLANTED.apiKey,
      };
      const boundary = 'PlantedBoundary7MA4YWxk';
      const sends = [
        request(`${base}/users/${encodeURIComponent(PLANTED.email)}/profile?phone=${encodeURIComponent(PLANTED.phone)}&pan=${PLANTED.pan}`, { headers: common }),
        request(`${base}/orders`, {
          method: 'POST',
          headers: { ...common, 'content-type': 'application/json' },
          body: JSON.stringify({ customer: { name: PLANTED.name, email: PLANTED.email, gstin: PLANTED.gstin }, payment: { card: PLANTED.card, upi: PLANTED.upi }, meta: JSON.stringify({ ip: PLANTED.forwardedIp, key: PLANTED.apiKey }) }),
        }),
        request(`${base}/graphql`, {
          method: 'POST',
          headers: { ...common, 'content-type': 'application/json' },
          body: JSON.stringify({ query: `mutation { verify(aadhaar: "${PLANTED.aadhaar}") { ok } }`, variables: { iban: PLANTED.iban, phone: PLANTED.phone } }),
        }),
        request(`${base}/login`, {
          method: 'POST',
          headers: { ...common, 'content-type': 'application/x-www-form-urlencoded' },
          body: `email=${encodeURIComponent(PLANTED.email)}&phone=${encodeURIComponent(PLANTED.phone)}&upi=${encodeURIComponent(PLANTED.upi)}`,
        }),
        request(`${base}/upload`, {
          method: 'POST',
          headers: { ...common, 'content-type': `multipart/form-data; boundary=${boundary}` },
          body: [
            `--${boundary}`,
            'Content-Disposition: form-data; name="pan"',
            '',
            PLANTED.pan,
            `--${boundary}`,
            `Content-Disposition: form-data; name="doc"; filename="${PLANTED.pan}.txt"`,
            'Content-Type: text/plain',
            '',
            `aadhaar ${PLANTED.aadhaar} iban ${PLANTED.iban} ip ${PLANTED.ipv6}`,
            `--${boundary}--`,
            '',
          ].join('\r\n'),
        }),
        request(`${base}/notes`, { method: 'POST', headers: { ...common, 'content-type': 'text/plain' }, body: `Contact me at ${PLANTED.email} or ${PLANTED.phone}; token ${PLANTED.jwt}` }),
        request(`${base}/gzip/customer`, { headers: { ...common, 'accept-encoding': 'gzip' } }),
      ];
      for (const r of await Promise.all(sends)) {
        expect(r.statusCode).toBe(200);
        await r.body.arrayBuffer();
      }
      const deadline = Date.now() + 20_000;
      while ((await t.redis.xlen(keys.sessionStream('pii'))) < sends.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await t.redis.xlen(keys.sessionStream('pii'))).toBe(sends.length);
    } finally {
      await stopChild(proxy);
    }

    const stored = await everything(t.redis, 'pii');
    const lower = stored.toLowerCase();
    // the records are really there, with pseudonyms in the original shapes
    expect(stored).toMatch(/"url":"\/users\/[a-z]{5}\.[a-z]{6}%40[a-z]{4}-[a-z]{4}\.in\/profile\?phone=/);
    expect(stored).toMatch(/\["authorization","Bearer"\]/);
    for (const [what, value] of Object.entries(PLANTED)) {
      for (const form of forms(value)) {
        expect(stored.includes(form) || lower.includes(form.toLowerCase()), `${what} found in Redis as "${form}"`).toBe(false);
      }
    }
    // what the proxy stored passes the audit; the gzip answer was decoded and scanned, not kept compressed
    for await (const { record } of readRecords(t.redis, 'pii')) {
      expect(auditRecord(record)).toEqual([]);
      if (record.url === '/gzip/customer') {
        expect(record.res!.body.decodedFrom).toBe('gzip');
        expect(record.res!.body.bytes.toString()).toMatch(/"email":"[a-z]{5}\.[a-z]{6}@[a-z]{4}-[a-z]{4}\.in"/);
      }
    }
  });
});
