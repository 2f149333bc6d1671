import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { isParityError } from '../../shared/errors.js';
import { exportSession } from '../../shared/formats/export.js';
import { importFile, type ImportOptions, type ImportProgress } from '../../shared/formats/import.js';
import { ndjsonLine } from '../../shared/formats/ndjson.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { appendRecords, readRecords, sessionInfo } from '../../shared/session/store.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { anyRecord } from '../fixtures/records.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('session import and export with Redis', () => {
  let t: TestRedis;
  let dir: string;
  beforeEach(async () => {
    t = await testRedis();
    dir = mkdtempSync(join(tmpdir(), 'parity-io-'));
  });
  afterEach(async () => {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (o: Partial<ImportOptions> & Pick<ImportOptions, 'file' | 'format' | 'session'>): ImportOptions => ({
    redis: t.redis,
    anonymise: createRecordAnonymiser({ key: 'test-key-0123456789abcdef' }),
    maxBodyBytes: 1024 * 1024,
    streamMaxLen: 100_000,
    bodyTtlSeconds: 3600,
    ...o,
  });

  async function stored(session: string): Promise<CaptureRecord[]> {
    const out: CaptureRecord[] = [];
    for await (const { record } of readRecords(t.redis, session)) out.push(record);
    return out;
  }

  async function exported(session: string, format: 'ndjson' | 'har'): Promise<string> {
    const sink = new PassThrough();
    const parts: Buffer[] = [];
    sink.on('data', (c: Buffer) => parts.push(c));
    await exportSession(t.redis, session, format, sink);
    sink.end();
    return Buffer.concat(parts).toString('utf8');
  }

  it('NDJSON export then import gives identical records, large bodies included', async () => {
    const records = fc.sample(anyRecord, { numRuns: 40, seed: 42 }).map((r, i) => ({ ...r, session: 'src', id: `rec-${i}` }));
    records[3]!.req.body = { bytes: Buffer.alloc(20_000, 'x'), size: 20_000, truncated: false };
    await appendRecords(t.redis, records, { maxLen: 1000, bodyTtlSeconds: 3600 });
    const file = join(dir, 'src.ndjson');
    writeFileSync(file, await exported('src', 'ndjson'));
    const progress: ImportProgress[] = [];
    const summary = await importFile(options({ file, format: 'ndjson', session: 'copy', anonymise: null, batchRecords: 7, onProgress: (p) => progress.push(p) }));
    expect(summary).toMatchObject({ records: 40, previousRecords: 0, anonymised: false });
    expect(progress.length).toBeGreaterThanOrEqual(6);
    expect(progress.at(-1)).toMatchObject({ records: 40, bytesRead: readFileSync(file).length });
    expect(await stored('copy')).toEqual(records.map((r) => ({ ...r, session: 'copy' })));
    // and the re-export carries the same JSON records but for the session name
    const lines = (text: string) => text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines(await exported('copy', 'ndjson'))).toEqual(lines(await exported('src', 'ndjson')).map((r) => ({ ...r, session: 'copy' })));
  });

  it('HAR export then import gives identical records', async () => {
    const records = fc.sample(anyRecord, { numRuns: 25, seed: 9 }).map((r, i) => ({ ...r, session: 'src', id: `rec-${i}` }));
    await appendRecords(t.redis, records, { maxLen: 1000, bodyTtlSeconds: 3600 });
    const file = join(dir, 'src.har');
    writeFileSync(file, await exported('src', 'har'));
    await importFile(options({ file, format: 'har', session: 'copy', anonymise: null }));
    expect(await stored('copy')).toEqual(records.map((r) => ({ ...r, session: 'copy' })));
  });

  it('imported records go through the anonymiser', async () => {
    await importFile(options({ file: join(fixtures, 'chrome.har'), format: 'har', session: 'h' }));
    await importFile(options({ file: join(fixtures, 'goreplay.gor'), format: 'gor', session: 'g' }));
    const all = JSON.stringify([...(await stored('h')), ...(await stored('g'))].map((r) => [r.req.headers, r.anonymised]));
    expect(all).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(all).not.toContain('7f9a1c2e4b6d8f0a');
    expect(all).not.toContain('s3cr3t-session');
    expect(all).toContain('req.headers.authorization');
  });

  it('marks the upstream a HAR or .gor file was recorded from, for the replay safety check', async () => {
    await importFile(options({ file: join(fixtures, 'chrome.har'), format: 'har', session: 'h' }));
    expect((await sessionInfo(t.redis, 'h')).upstream).toBe('http://127.0.0.1:3000');
    await importFile(options({ file: join(fixtures, 'goreplay.gor.gz'), format: 'gor', session: 'g' }));
    expect((await sessionInfo(t.redis, 'g')).upstream).toBe('http://shop.example.in');
  });

  it('a malformed line stops the import, keeps what came before and says how much that was', async () => {
    const records = fc.sample(anyRecord, { numRuns: 5, seed: 1 }).map((r) => ({ ...r, session: 's' }));
    const lines = records.map(ndjsonLine);
    lines.splice(3, 0, '{"v":1, "this is": not json}\n');
    const file = join(dir, 'bad.ndjson');
    writeFileSync(file, lines.join(''));
    const err = await importFile(options({ file, format: 'ndjson', session: 'partial', anonymise: null, batchRecords: 2 })).catch((e: unknown) => e);
    expect(isParityError(err) && err.code).toBe('PARITY_ERR_IMPORT_MALFORMED');
    expect((err as Error).message).toMatch(/bad\.ndjson: line 4, byte offset \d+: not valid JSON[^;]*; 3 records were imported into session "partial" before it, nothing after it/);
    expect(await stored('partial')).toHaveLength(3);
  });

  it('a failure that is not the file\'s fault also says how much was imported', async () => {
    let n = 0;
    const anonymise = (r: CaptureRecord): CaptureRecord => {
      if (++n === 3) throw new Error('scan budget exceeded');
      return r;
    };
    const err = await importFile(options({ file: join(fixtures, 'goreplay.gor'), format: 'gor', session: 'cut', anonymise, batchRecords: 1 })).catch((e: unknown) => e);
    expect(isParityError(err) && err.code).toBe('PARITY_ERR_INTERNAL');
    expect((err as Error).message).toMatch(/scan budget exceeded; 2 records were imported into session "cut" before it/);
    expect(await stored('cut')).toHaveLength(2);
  });

  it('appends to an existing session and reports what it held before', async () => {
    await importFile(options({ file: join(fixtures, 'goreplay.gor'), format: 'gor', session: 'g' }));
    const second = await importFile(options({ file: join(fixtures, 'goreplay.gor'), format: 'gor', session: 'g' }));
    expect(second).toMatchObject({ records: 5, previousRecords: 5 });
    const ids = (await stored('g')).map((r) => r.id);
    expect(new Set(ids).size).toBe(10);
  });

  it('names a missing file and an unknown session plainly', async () => {
    const missing = await importFile(options({ file: join(dir, 'nope.har'), format: 'har', session: 'x' })).catch((e: unknown) => e);
    expect(isParityError(missing) && missing.code).toBe('PARITY_ERR_FILE');
    const unknown = await exportSession(t.redis, 'never-captured', 'har', new PassThrough()).catch((e: unknown) => e);
    expect(isParityError(unknown) && unknown.code).toBe('PARITY_ERR_SESSION_NOT_FOUND');
  });
});
