import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendRecords } from '../../shared/session/store.js';
import { newRecordId } from '../../shared/record/convert.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { sampleRecord } from '../unit/record.test.js';

describe('parity sessions', () => {
  let t: TestRedis;
  beforeEach(async () => (t = await testRedis()));
  afterEach(async () => t.cleanup());

  it('lists, shows and deletes a stored session with --json', async () => {
    await appendRecords(t.redis, [0, 1, 2].map((i) => sampleRecord({ id: newRecordId(i), session: 'shop', url: `/p/${i}` })), { maxLen: 100, bodyTtlSeconds: 60 });
    const env = { PARITY_REDIS_URL: t.url };
    // the two reads at once, the delete after them
    const [list, show] = await Promise.all([runCli(['sessions', 'list', '--json'], { env }), runCli(['sessions', 'show', 'shop', '--json', '--last', '2'], { env })]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).sessions).toMatchObject([{ name: 'shop', records: 3 }]);
    expect(JSON.parse(show.stdout).recent.map((r: { url: string }) => r.url)).toEqual(['/p/1', '/p/2']);
    const del = await runCli(['sessions', 'delete', 'shop', '--json'], { env });
    expect(JSON.parse(del.stdout)).toEqual({ session: 'shop', deleted: true, records: 3 });
  });

  it('stops quietly when its reader closes the pipe early (`parity sessions list | head`)', async () => {
    await appendRecords(t.redis, [0, 1, 2].map((i) => sampleRecord({ id: newRecordId(i), session: `s${i}`, url: `/p/${i}` })), { maxLen: 100, bodyTtlSeconds: 60 });
    // the text and the JSON listing at once
    const ended = await Promise.all(
      [['sessions', 'list'], ['sessions', 'list', '--json']].map((args) => {
        const child = spawnCli(args, { env: { PARITY_REDIS_URL: t.url } });
        child.stdout!.destroy();
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        return new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
      }),
    );
    for (const { code, stderr } of ended) {
      expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
      expect(code).toBe(0);
    }
  });

  it('names a missing session and exits 2', async () => {
    const r = await runCli(['sessions', 'show', 'nope'], { env: { PARITY_REDIS_URL: t.url } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PARITY_ERR_SESSION_NOT_FOUND: no session "nope"/);
  });

  it('says Redis is unreachable with exit 3 and without the password', async () => {
    const r = await runCli(['sessions', 'list'], { env: { PARITY_REDIS_URL: 'redis://:hunter2secret@127.0.0.1:1' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/PARITY_ERR_REDIS_UNREACHABLE: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: connect ECONNREFUSED/);
    expect(r.stderr).not.toContain('hunter2secret');
  });
});
