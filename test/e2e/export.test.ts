import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, closeSync, openSync, createReadStream, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newRecordId } from '../../shared/record/convert.js';
import { keys } from '../../shared/redis/keys.js';
import { appendRecords } from '../../shared/session/store.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { testRecord } from '../helpers/record.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

describe('parity sessions export', () => {
  let t: TestRedis;
  let dir: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    t = await testRedis();
    env = { PARITY_REDIS_URL: t.url, PARITY_ANON_KEY: 'e2e-anon-key-0123456789' };
    dir = mkdtempSync(join(tmpdir(), 'parity-export-'));
  });
  afterEach(async () => {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const lines = (text: string) => text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  it('NDJSON on stdout imports back into identical records', async () => {
    expect((await runCli(['sessions', 'import', join(fixtures, 'goreplay.gor'), '--session', 'orig'], { env })).code).toBe(0);
    const file = join(dir, 'orig.ndjson');
    // the same export to stdout and to a file, both at once
    const [first, saved] = await Promise.all([
      runCli(['sessions', 'export', 'orig'], { env }),
      runCli(['sessions', 'export', 'orig', '--format', 'ndjson', '--out', file, '--json'], { env }),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(saved.stdout)).toMatchObject({ session: 'orig', records: 5, file });
    expect(readFileSync(file, 'utf8')).toBe(first.stdout);
    const back = await runCli(['sessions', 'import', file, '--session', 'copy', '--no-anonymise', '--json'], { env });
    expect(JSON.parse(back.stdout)).toMatchObject({ records: 5, anonymised: false });
    const second = await runCli(['sessions', 'export', 'copy'], { env });
    // the first line names the session's upstream (not a record): the copy keeps it
    const [header, ...records] = lines(first.stdout);
    expect(header).toEqual({ _parity: { session: 'orig', upstream: expect.stringMatching(/^https?:\/\//) } });
    expect(lines(second.stdout)).toEqual([{ _parity: { ...(header!._parity as object), session: 'copy' } }, ...records.map((r) => ({ ...r, session: 'copy' }))]);
    expect(readdirSync(dir)).toEqual(['orig.ndjson']);
  });

  it('keeps the upstream through export and import, so replay still refuses the production target', async () => {
    // a session captured by the proxy: its records' Host is the proxy's, its upstream the app's
    expect((await runCli(['sessions', 'import', join(fixtures, 'goreplay.gor'), '--session', 'orig'], { env })).code).toBe(0);
    const upstream = 'http://127.0.0.1:31001';
    await t.redis.hset(keys.sessionMeta('orig'), 'upstream', upstream);
    // each format through its own file and copy, the two side by side (both run to their end before a failure is told)
    const settled = await Promise.allSettled(
      ['ndjson', 'har'].map(async (format) => {
        const file = join(dir, `orig.${format}`);
        expect((await runCli(['sessions', 'export', 'orig', '--format', format, '--out', file], { env })).code).toBe(0);
        const back = await runCli(['sessions', 'import', file, '--format', format, '--session', `copy-${format}`, ...(format === 'ndjson' ? ['--no-anonymise'] : [])], { env });
        expect(back.code, back.stderr).toBe(0);
        const shown = JSON.parse((await runCli(['sessions', 'show', `copy-${format}`, '--json'], { env })).stdout);
        expect(shown.session ?? shown).toMatchObject({ upstream });
        const refused = await runCli(['replay', '--session', `copy-${format}`, '--target', upstream], { env });
        expect(refused.code, refused.stderr).toBe(2);
        expect(refused.stderr).toMatch(/--allow-production-target/);
      }),
    );
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
  });

  it.skipIf(!CHROMIUM)('writes a HAR that a browser replays: Chromium serves the recorded answers from it', async () => {
    expect((await runCli(['sessions', 'import', join(fixtures, 'chrome.har'), '--session', 'web'], { env })).code).toBe(0);
    const file = join(dir, 'web.har');
    const r = await runCli(['sessions', 'export', 'web', '--format', 'har', '--out', file], { env });
    expect(r.code, r.stderr).toBe(0);
    const har = JSON.parse(readFileSync(file, 'utf8'));
    expect(har.log.version).toBe('1.2');
    expect(har.log.entries).toHaveLength(6);
    const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
    try {
      const context = await browser.newContext();
      await context.routeFromHAR(file, { notFound: 'abort' });
      const page = await context.newPage();
      const user = await page.goto('http://127.0.0.1:3000/api/users/1');
      expect(user!.status()).toBe(200);
      expect(JSON.parse(await user!.text()).user.name).toBe('Ananya Iyer');
      const logo = await page.goto('https://cdn.example.in/img/logo.png?v=3');
      expect(logo!.headers()['content-type']).toBe('image/png');
      expect((await logo!.body()).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await browser.close();
    }
  }, 60_000);

  const storeSession = (session: string, n = 3) =>
    appendRecords(t.redis, Array.from({ length: n }, (_, i) => ({ ...testRecord({ url: `/p/${i}` }), id: newRecordId(i), session })), { maxLen: 100, bodyTtlSeconds: 60 });

  it('--out through a symlink replaces the file it names and keeps the link and the file\'s mode', async () => {
    await storeSession('shop');
    writeFileSync(join(dir, 'target.ndjson'), 'old\n');
    chmodSync(join(dir, 'target.ndjson'), 0o640);
    symlinkSync('target.ndjson', join(dir, 'link.ndjson'));
    // a link to a file not written yet: the file is created, as a shell's `>` would
    symlinkSync('later.ndjson', join(dir, 'dangling.ndjson'));
    for (const r of await Promise.all(['link.ndjson', 'dangling.ndjson'].map((name) => runCli(['sessions', 'export', 'shop', '--out', join(dir, name)], { env })))) {
      expect(r.code, r.stderr).toBe(0);
    }
    expect(readlinkSync(join(dir, 'link.ndjson'))).toBe('target.ndjson');
    expect(readlinkSync(join(dir, 'dangling.ndjson'))).toBe('later.ndjson');
    for (const file of ['target.ndjson', 'later.ndjson']) expect(readFileSync(join(dir, file), 'utf8').trimEnd().split('\n')).toHaveLength(3);
    expect(statSync(join(dir, 'target.ndjson')).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(['dangling.ndjson', 'later.ndjson', 'link.ndjson', 'target.ndjson']);
  });

  it('--out a FIFO writes into it and leaves it a FIFO', async () => {
    await storeSession('shop');
    const fifo = join(dir, 'pipe.ndjson');
    execFileSync('mkfifo', [fifo]);
    const read = (async () => {
      const parts: Buffer[] = [];
      for await (const c of createReadStream(fifo) as AsyncIterable<Buffer>) parts.push(c);
      return Buffer.concat(parts).toString('utf8');
    })();
    const r = await runCli(['sessions', 'export', 'shop', '--out', fifo], { env });
    expect(r.code, r.stderr).toBe(0);
    expect((await read).trimEnd().split('\n')).toHaveLength(3);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['pipe.ndjson']);
  });

  // a copy of /dev/full (char 1,7) in the test's own directory: the real one must never be at risk
  const full = (at: string) => {
    try {
      execFileSync('mknod', [at, 'c', '1', '7'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };

  it('--out a device that fails the write reports it with exit 2 and leaves the device in place', async (ctx) => {
    const device = join(dir, 'full');
    if (!full(device)) return ctx.skip(); // mknod needs root
    await storeSession('shop');
    const r = await runCli(['sessions', 'export', 'shop', '--out', device], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_FILE: cannot write .*full: ENOSPC/);
    expect(r.stderr).not.toMatch(/exported \d+ records|\n\s+at /);
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
    expect(readdirSync(dir)).toEqual(['full']);
  });

  it('reports a standard output that cannot be written (`> /dev/full`) with exit 2, not a stack', async () => {
    await storeSession('shop');
    const stdout = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, [`${ROOT}bin/parity.mjs`, 'sessions', 'export', 'shop'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, PARITY_FROM_SOURCE: '1', PARITY_LOG_FORMAT: 'json', ...env },
        stdio: ['ignore', stdout, 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(/PARITY_ERR_FILE: cannot write to standard output: ENOSPC/);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      closeSync(stdout);
    }
  });

  it('names an unknown session and a --json without --out, with exit 2', async () => {
    const [unknown, json] = await Promise.all([
      runCli(['sessions', 'export', 'never', '--out', join(dir, 'x.har'), '--format', 'har'], { env }),
      runCli(['sessions', 'export', 'never', '--json'], { env }),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/PARITY_ERR_SESSION_NOT_FOUND/);
    expect(readdirSync(dir)).toEqual([]);
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/--json needs --out/);
  });
});
