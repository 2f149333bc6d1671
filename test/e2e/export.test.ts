import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keys } from '../../shared/redis/keys.js';
import { runCli } from '../helpers/cli.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

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
    const first = await runCli(['sessions', 'export', 'orig'], { env });
    expect(first.code, first.stderr).toBe(0);
    const file = join(dir, 'orig.ndjson');
    const saved = await runCli(['sessions', 'export', 'orig', '--format', 'ndjson', '--out', file, '--json'], { env });
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
    for (const format of ['ndjson', 'har']) {
      const file = join(dir, `orig.${format}`);
      expect((await runCli(['sessions', 'export', 'orig', '--format', format, '--out', file], { env })).code).toBe(0);
      const back = await runCli(['sessions', 'import', file, '--format', format, '--session', `copy-${format}`, ...(format === 'ndjson' ? ['--no-anonymise'] : [])], { env });
      expect(back.code, back.stderr).toBe(0);
      const shown = JSON.parse((await runCli(['sessions', 'show', `copy-${format}`, '--json'], { env })).stdout);
      expect(shown.session ?? shown).toMatchObject({ upstream });
      const refused = await runCli(['replay', '--session', `copy-${format}`, '--target', upstream], { env });
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/--allow-production-target/);
    }
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

  it('names an unknown session and a --json without --out, with exit 2', async () => {
    const unknown = await runCli(['sessions', 'export', 'never', '--out', join(dir, 'x.har'), '--format', 'har'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/PARITY_ERR_SESSION_NOT_FOUND/);
    expect(readdirSync(dir)).toEqual([]);
    const json = await runCli(['sessions', 'export', 'never', '--json'], { env });
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/--json needs --out/);
  });
});
