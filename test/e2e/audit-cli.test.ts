import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { newRecordId } from '../../shared/record/convert.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { appendRecords } from '../../shared/session/store.js';
import { runCli } from '../helpers/cli.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

function record(session: string, i: number, body: string): CaptureRecord {
  const bytes = Buffer.from(body);
  return {
    v: 1,
    id: newRecordId(1_700_000_000_000_000 + i),
    session,
    ts: 1_700_000_000_000_000 + i,
    method: 'POST',
    url: `/users/${i}?email=user${i}@example.com`,
    httpVersion: '1.1',
    scheme: 'http',
    clientIp: '203.0.113.7',
    req: { headers: [['content-type', 'application/json'], ['authorization', 'Bearer s3cr3t-token-value']], body: { bytes, size: bytes.length, truncated: false } },
    res: { status: 200, headers: [['content-type', 'application/json']], body: { bytes, size: bytes.length, truncated: false } },
    timing: { ttfbUs: 10, totalUs: 20 },
    anonymised: [],
  };
}

// large enough to be kept beside the stream (> 4 KiB)
const body = JSON.stringify({ user: { phone: '+91 98765 43210', pan: 'ABCPE1234F' }, filler: 'x'.repeat(6000) });
const append = (t: TestRedis, records: CaptureRecord[]) => appendRecords(t.redis, records, { maxLen: 1000, bodyTtlSeconds: 60 });

describe('parity audit', () => {
  let t: TestRedis;
  beforeEach(async () => (t = await testRedis()));
  afterEach(async () => t.cleanup());

  it('exits 1 and lists record and location for raw personal data, never the values', async () => {
    const records = [0, 1].map((i) => record('raw', i, body));
    await append(t, records);
    // the JSON and the text report at once
    const [r, text] = await Promise.all([runCli(['audit', 'raw', '--json'], { env: { PARITY_REDIS_URL: t.url } }), runCli(['audit', 'raw'], { env: { PARITY_REDIS_URL: t.url } })]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { records: number; clean: boolean; findings: { record: string; location: string; kind: string }[] };
    expect(report).toMatchObject({ records: 2, clean: false });
    expect(report.findings).toEqual(
      expect.arrayContaining([
        { record: records[0]!.id, location: 'req.url.query.email', kind: 'email' },
        { record: records[0]!.id, location: 'req.headers.authorization', kind: 'credentials' },
        { record: records[1]!.id, location: 'res.body$.user.phone', kind: 'phone' },
        { record: records[1]!.id, location: 'req.body$.user.pan', kind: 'pan' },
        { record: records[1]!.id, location: 'clientIp', kind: 'ipv4' },
      ]),
    );
    expect(r.stderr).toMatch(/PARITY_ERR_AUDIT_FOUND_PII/);
    for (const raw of ['98765 43210', 'ABCPE1234F', 'user0@', 's3cr3t', '203.0.113.7']) {
      expect(r.stdout).not.toContain(raw);
      expect(r.stderr).not.toContain(raw);
    }
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/session raw: 2 records scanned, \d+ findings \(/);
    expect(text.stdout).toContain(`${records[0]!.id}`);
  });

  it('exits 0 for a session the anonymiser wrote, pseudonyms and all', async () => {
    const anonymise = createRecordAnonymiser({ key: 'e2e-audit-key-0123456789' });
    await append(t, [0, 1, 2].map((i) => anonymise(record('clean', i, body))));
    const r = await runCli(['audit', 'clean', '--json'], { env: { PARITY_REDIS_URL: t.url } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ session: 'clean', records: 3, clean: true, findings: [] });
  });

  it('names a missing session and exits 2', async () => {
    const r = await runCli(['audit', 'nope'], { env: { PARITY_REDIS_URL: t.url } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_SESSION_NOT_FOUND/);
  });
});
