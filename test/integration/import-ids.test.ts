import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { importFile, type ImportOptions } from '../../shared/formats/import.js';
import { ndjsonLine } from '../../shared/formats/ndjson.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { appendRecords, readRecords } from '../../shared/session/store.js';
import { testRecord } from '../helpers/record.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

/** Ids a file carries are kept, but never two records with one id: bodies over 4 KiB are stored under it. */
describe('record ids of an import', () => {
  let t: TestRedis;
  let dir: string;
  beforeEach(async () => {
    t = await testRedis();
    dir = mkdtempSync(join(tmpdir(), 'parity-ids-'));
  });
  afterEach(async () => {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (o: Pick<ImportOptions, 'file' | 'session'> & Partial<ImportOptions>): ImportOptions => ({
    format: 'ndjson',
    redis: t.redis,
    anonymise: null,
    maxBodyBytes: 1024 * 1024,
    streamMaxLen: 100_000,
    bodyTtlSeconds: 3600,
    ...o,
  });
  // a body past the 4 KiB kept inline, told apart by its letter
  const record = (id: string, letter: string): CaptureRecord => ({ ...testRecord({ url: `/${letter}`, resBody: letter.repeat(6000) }), id, session: 'src' });
  const bodies = async (session: string) => {
    const out: { id: string; url: string; body: string }[] = [];
    for await (const { record: r } of readRecords(t.redis, session)) out.push({ id: r.id, url: r.url, body: r.res!.body.bytes.toString() });
    return out;
  };
  const file = (records: CaptureRecord[]) => {
    const path = join(dir, 'records.ndjson');
    writeFileSync(path, records.map(ndjsonLine).join(''));
    return path;
  };

  it('two records of a file with one id keep both bodies: the second gets a fresh id, and a warning counts it', async () => {
    const summary = await importFile(options({ file: file([record('dup', 'a'), record('dup', 'b'), record('other', 'c')]), session: 's', batchRecords: 2 }));
    expect(summary.records).toBe(3);
    expect(summary.warnings).toEqual([expect.stringMatching(/^1 record had an id another record of this file or of session "s" already had: given new ids/)]);
    const stored = await bodies('s');
    expect(stored.map((r) => [r.url, r.body])).toEqual([['/a', 'a'.repeat(6000)], ['/b', 'b'.repeat(6000)], ['/c', 'c'.repeat(6000)]]);
    expect(stored[0]!.id).toBe('dup');
    expect(new Set(stored.map((r) => r.id)).size).toBe(3);
  });

  it('a record whose id the session already holds gets a fresh one, and the stored record keeps its body', async () => {
    await appendRecords(t.redis, [{ ...record('taken', 'a'), session: 's' }], { maxLen: 100, bodyTtlSeconds: 3600 });
    const summary = await importFile(options({ file: file([record('taken', 'b'), record('free', 'c')]), session: 's' }));
    expect(summary.warnings).toEqual([expect.stringMatching(/^1 record had an id/)]);
    const stored = await bodies('s');
    expect(stored.map((r) => [r.url, r.body])).toEqual([['/a', 'a'.repeat(6000)], ['/b', 'b'.repeat(6000)], ['/c', 'c'.repeat(6000)]]);
    expect(stored.map((r) => r.id).filter((id) => id === 'taken' || id === 'free')).toEqual(['taken', 'free']);
    expect(new Set(stored.map((r) => r.id)).size).toBe(3);
  });

  it('the same file imported twice through the anonymiser keeps every body too', async () => {
    const path = file([record('r1', 'a'), record('r2', 'b')]);
    const anonymise = createRecordAnonymiser({ key: 'test-key-0123456789abcdef' });
    await importFile(options({ file: path, session: 's', anonymise }));
    const again = await importFile(options({ file: path, session: 's', anonymise }));
    expect(again.warnings).toEqual([expect.stringMatching(/^2 records had ids/)]);
    const stored = await bodies('s');
    expect(stored.map((r) => r.body[0])).toEqual(['a', 'b', 'a', 'b']);
    expect(new Set(stored.map((r) => r.id)).size).toBe(4);
  });

  it('ids that are all different are kept as they are, without a warning', async () => {
    const summary = await importFile(options({ file: file([record('r1', 'a'), record('r2', 'b')]), session: 's' }));
    expect(summary.warnings).toEqual([]);
    expect((await bodies('s')).map((r) => r.id)).toEqual(['r1', 'r2']);
  });
});
