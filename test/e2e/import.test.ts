import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ndjsonHeaderLine, ndjsonLine } from '../../shared/formats/ndjson.js';
import { runCli } from '../helpers/cli.js';
import { testRecord } from '../helpers/record.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('parity sessions import', () => {
  let t: TestRedis;
  let dir: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    t = await testRedis();
    env = { PARITY_REDIS_URL: t.url, PARITY_ANON_KEY: 'e2e-anon-key-0123456789' };
    dir = mkdtempSync(join(tmpdir(), 'parity-import-'));
  });
  afterEach(async () => {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a browser-saved HAR and shows its records', async () => {
    const r = await runCli(['sessions', 'import', join(fixtures, 'chrome.har'), '--format', 'har', '--session', 'browser', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ session: 'browser', format: 'har', records: 6, anonymised: true });
    const show = await runCli(['sessions', 'show', 'browser', '--json', '--last', '6'], { env });
    const info = JSON.parse(show.stdout);
    expect(info.session).toMatchObject({ records: 6, upstream: 'http://127.0.0.1:3000' });
    expect(info.recent.map((x: { url: string }) => x.url)).toContain('/api/search?name=Zo%C3%AB');
  });

  it('imports a .gor.gz file, telling the format from its name', async () => {
    const r = await runCli(['sessions', 'import', join(fixtures, 'goreplay.gor.gz'), '--session', 'goreplay'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^imported 5 records from .*goreplay\.gor\.gz into session goreplay \(1 without a response, 1 replayed responses ignored\)/);
  });

  it('stops at a malformed line with its number, what was imported, exit 2 and no stack trace', async () => {
    const good = await runCli(['sessions', 'import', join(fixtures, 'goreplay.gor'), '--session', 'src'], { env });
    expect(good.code).toBe(0);
    const exp = await runCli(['sessions', 'export', 'src', '--format', 'ndjson'], { env });
    // records only, without the session's header line
    const lines = exp.stdout.trimEnd().split('\n').filter((l) => !l.startsWith('{"_parity"'));
    const file = join(dir, 'broken.ndjson');
    writeFileSync(file, `${lines[0]}\n${lines[1]!.slice(0, 80)}\n${lines[2]}\n`);
    const r = await runCli(['sessions', 'import', file, '--session', 'partial', '--no-anonymise'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_IMPORT_MALFORMED: .*broken\.ndjson: line 2, byte offset \d+: not valid JSON[^;]*; 1 record was imported into session "partial" before it, nothing after it/);
    expect(r.stderr).toMatch(/hint: .*parity sessions delete partial/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a partial import keeps the upstream its export names, so replay still refuses it; another upstream is warned of', async () => {
    const upstream = 'http://127.0.0.1:31002';
    const file = join(dir, 'partial.ndjson');
    writeFileSync(file, `${ndjsonHeaderLine({ session: 'src', upstream })}${ndjsonLine({ ...testRecord(), session: 'src' })}{"broken": \n`);
    const r = await runCli(['sessions', 'import', file, '--session', 'partial', '--no-anonymise'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/1 record was imported into session "partial"/);
    const refused = await runCli(['replay', '--session', 'partial', '--target', upstream], { env });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/PARITY_ERR_PRODUCTION_TARGET/);
    writeFileSync(file, `${ndjsonHeaderLine({ session: 'src', upstream: 'http://127.0.0.1:31003' })}${ndjsonLine({ ...testRecord(), id: 'rec-2', session: 'src' })}`);
    const other = await runCli(['sessions', 'import', file, '--session', 'partial', '--no-anonymise'], { env });
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toMatch(/session \\"partial\\" keeps its upstream http:\/\/127\.0\.0\.1:31002; the imported records came from http:\/\/127\.0\.0\.1:31003/);
  });

  it('refuses a header value with CR LF, naming the entry and the field, with exit 2', async () => {
    const har = JSON.parse(readFileSync(join(fixtures, 'chrome.har'), 'utf8'));
    har.log.entries[1].request.headers.push({ name: 'X-Note', value: 'line1\r\nInjected: header' });
    const file = join(dir, 'injected.har');
    writeFileSync(file, JSON.stringify(har));
    const r = await runCli(['sessions', 'import', file, '--session', 'injected'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_IMPORT_MALFORMED: .*injected\.har: entry 2 \(line 1, byte offset \d+\): request\.headers\.\d+\.value: holds CR, LF or another control character, which no header value may; 1 record was imported/);
    expect(r.stderr).not.toMatch(/Injected|\n\s+at /);
  });

  it('names bad arguments and unreadable files with exit 2', async () => {
    // four CLIs at once: each is refused on its arguments
    const [missing, unknown, raw, badName] = await Promise.all([
      runCli(['sessions', 'import', join(dir, 'nope.har'), '--session', 's'], { env }),
      runCli(['sessions', 'import', join(dir, 'traffic.bin'), '--session', 's'], { env }),
      runCli(['sessions', 'import', join(fixtures, 'chrome.har'), '--session', 's', '--no-anonymise'], { env }),
      runCli(['sessions', 'import', join(fixtures, 'chrome.har'), '--session', 'no spaces'], { env }),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/PARITY_ERR_FILE: cannot read .*nope\.har/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/cannot tell the format .*--format ndjson, har or gor/s);
    expect(raw.code).toBe(2);
    expect(raw.stderr).toMatch(/--no-anonymise applies to NDJSON exports of Parity only/);
    expect(badName.code).toBe(2);
  });

  it('reads standard input as `-` or /dev/stdin, given --format, and says --format is needed without it', async () => {
    const har = readFileSync(join(fixtures, 'chrome.har'), 'utf8');
    // the three CLIs at once, each into a session of its own
    const named = [['dash', '-'], ['devstdin', '/dev/stdin']] as const;
    const [bare, ...imported] = await Promise.all([
      runCli(['sessions', 'import', '-', '--session', 's'], { env, input: har }),
      ...named.map(([name, file]) => runCli(['sessions', 'import', file, '--format', 'har', '--session', name], { env, input: har })),
    ]);
    named.forEach(([name], i) => {
      const r = imported[i]!;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^imported 6 records from standard input into session ${name}`));
    });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/PARITY_ERR_USAGE: cannot tell the format of standard input.*\n.*hint: Pass --format ndjson, har or gor/);
  });

  it('reads a pipe (a FIFO), gzip and all', async () => {
    const fifo = join(dir, 'traffic.gor.gz');
    execFileSync('mkfifo', [fifo]);
    const writing = pipeline(createReadStream(join(fixtures, 'goreplay.gor.gz')), createWriteStream(fifo));
    const r = await runCli(['sessions', 'import', fifo, '--session', 'piped', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    await writing;
    expect(JSON.parse(r.stdout)).toMatchObject({ records: 5, compressed: true, bytesRead: readFileSync(join(fixtures, 'goreplay.gor.gz')).length });
  });

  it('streams a HAR far larger than its heap allows (64 MiB through a 48 MiB heap)', async () => {
    // Loading this file whole would need a 64 MiB string: more than the child's heap.
    const file = join(dir, 'large.har.gz');
    const gz = createGzip({ level: 1 });
    const out = gz.pipe(createWriteStream(file));
    const text = JSON.stringify({ note: 'Ananya Iyer, ananya.iyer@example.in', pad: 'x'.repeat(32 * 1024) });
    const entry = (i: number) =>
      JSON.stringify({
        startedDateTime: new Date(Date.UTC(2026, 10, 20, 9, 0, 0, i)).toISOString(),
        time: 3.5,
        request: { method: 'GET', url: `http://127.0.0.1:3000/api/users/${i % 8}`, httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
        response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [{ name: 'Content-Type', value: 'application/json' }], cookies: [], content: { size: text.length, mimeType: 'application/json', text }, redirectURL: '', headersSize: -1, bodySize: text.length },
        cache: {},
        timings: { send: 0, wait: 3, receive: 0.5 },
      });
    const count = 2000;
    gz.write('{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[');
    for (let i = 0; i < count; i++) if (!gz.write(`${i ? ',' : ''}${entry(i)}`)) await new Promise((r) => gz.once('drain', r));
    gz.end(']}}');
    await finished(out);
    const r = await runCli(['sessions', 'import', file, '--session', 'large', '--json'], { env: { ...env, NODE_OPTIONS: '--max-old-space-size=48' }, timeoutMs: 120_000 });
    expect(r.stderr).not.toMatch(/heap out of memory/);
    expect(r.code, r.stderr.slice(-500)).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ records: count, compressed: true });
  }, 150_000);
});
