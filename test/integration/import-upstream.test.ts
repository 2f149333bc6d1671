import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isParityError } from '../../shared/errors.js';
import { harChunks } from '../../shared/formats/har-write.js';
import { importFile, type ImportOptions } from '../../shared/formats/import.js';
import { ndjsonHeaderLine, ndjsonLine } from '../../shared/formats/ndjson.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { markSessionUpstream, sessionInfo } from '../../shared/session/store.js';
import { testRecord } from '../helpers/record.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

/** The upstream an import gives its session: replay's production-target check depends on it. */
describe('the upstream an import gives its session', () => {
  let t: TestRedis;
  let dir: string;
  beforeEach(async () => {
    t = await testRedis();
    dir = mkdtempSync(join(tmpdir(), 'parity-upstream-'));
  });
  afterEach(async () => {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const upstream = 'https://shop.example.in';
  // a capture's Host is the proxy's: the header's upstream must win over it
  const records = (n: number): CaptureRecord[] => Array.from({ length: n }, (_, i) => ({ ...testRecord({ url: `/p/${i}` }), id: `rec-${i}`, host: '127.0.0.1:8080' }));
  const options = (o: Pick<ImportOptions, 'file' | 'format' | 'session'> & Partial<ImportOptions>): ImportOptions => ({
    redis: t.redis,
    anonymise: null,
    maxBodyBytes: 1024 * 1024,
    streamMaxLen: 100_000,
    bodyTtlSeconds: 3600,
    ...o,
  });
  const ndjson = (header: string, n: number) => `${ndjsonHeaderLine({ session: 'src', upstream: header })}${records(n).map(ndjsonLine).join('')}`;

  async function har(n: number): Promise<string> {
    let text = '';
    for await (const c of harChunks(Readable.from(records(n)), 'test', { session: 'src', upstream })) text += c;
    return text;
  }

  it('an NDJSON import that stops at a broken line keeps the upstream its header names', async () => {
    const file = join(dir, 'partial.ndjson');
    writeFileSync(file, `${ndjson(upstream, 1)}{"broken": \n`);
    const err = await importFile(options({ file, format: 'ndjson', session: 'partial' })).catch((e: unknown) => e);
    expect(isParityError(err) && err.code).toBe('PARITY_ERR_IMPORT_MALFORMED');
    expect((err as Error).message).toMatch(/1 record was imported/);
    expect(await sessionInfo(t.redis, 'partial')).toMatchObject({ records: 1, upstream });
  });

  it('a truncated HAR keeps the upstream its log._parity names', async () => {
    const text = await har(3);
    const file = join(dir, 'cut.har');
    writeFileSync(file, text.slice(0, text.lastIndexOf('"_parity"')));
    const err = await importFile(options({ file, format: 'har', session: 'cut' })).catch((e: unknown) => e);
    expect(isParityError(err) && err.code).toBe('PARITY_ERR_IMPORT_MALFORMED');
    expect(await sessionInfo(t.redis, 'cut')).toMatchObject({ records: 2, upstream });
  });

  it('a session that names another upstream keeps it, and the import warns', async () => {
    await markSessionUpstream(t.redis, 'mixed', 'https://other.example.in');
    const file = join(dir, 'src.ndjson');
    writeFileSync(file, ndjson(upstream, 2));
    const seen: string[] = [];
    const summary = await importFile(options({ file, format: 'ndjson', session: 'mixed', onWarning: (w) => seen.push(w) }));
    expect(summary.records).toBe(2);
    expect(seen).toEqual([expect.stringMatching(/session "mixed" keeps its upstream https:\/\/other\.example\.in; the imported records came from https:\/\/shop\.example\.in, which replay will not refuse/)]);
    expect(summary.warnings).toEqual(seen);
    expect((await sessionInfo(t.redis, 'mixed')).upstream).toBe('https://other.example.in');
  });

  it('the same upstream again, or a file that names none, gives no warning', async () => {
    const file = join(dir, 'src.ndjson');
    writeFileSync(file, ndjson(upstream, 2));
    await importFile(options({ file, format: 'ndjson', session: 's' }));
    const again = await importFile(options({ file, format: 'ndjson', session: 's' }));
    writeFileSync(file, records(1).map(ndjsonLine).join(''));
    const bare = await importFile(options({ file, format: 'ndjson', session: 's' }));
    expect([...again.warnings, ...bare.warnings].filter((w) => /upstream/.test(w))).toEqual([]);
    expect((await sessionInfo(t.redis, 's')).upstream).toBe(upstream);
  });

  it('a file that names two upstreams (two exports joined) warns about the second', async () => {
    const file = join(dir, 'joined.ndjson');
    writeFileSync(file, `${ndjson(upstream, 1)}${ndjson('https://two.example.in', 1)}`);
    const summary = await importFile(options({ file, format: 'ndjson', session: 'joined' }));
    expect(summary.warnings).toContainEqual(expect.stringMatching(/second upstream, https:\/\/two\.example\.in, after https:\/\/shop\.example\.in/));
    expect((await sessionInfo(t.redis, 'joined')).upstream).toBe(upstream);
  });
});
