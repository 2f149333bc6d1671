import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendRecords, deleteSession, listSessions, readRecords, sessionInfo } from '../../shared/session/store.js';
import { newRecordId } from '../../shared/record/convert.js';
import { keys } from '../../shared/redis/keys.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { sampleRecord } from '../unit/record.test.js';

describe('session store', () => {
  let t: TestRedis;
  beforeEach(async () => (t = await testRedis()));
  afterEach(async () => t.cleanup());

  it('appends records and reads them back in order, large bodies restored from beside the stream', async () => {
    const big = Buffer.alloc(100_000, 7);
    const records = Array.from({ length: 450 }, (_, i) =>
      sampleRecord({ id: newRecordId(1000 + i), ts: 1000 + i, url: `/r/${i}`, res: i === 3 ? { status: 200, headers: [], body: { bytes: big, size: big.length, truncated: false } } : null }),
    );
    await appendRecords(t.redis, records, { maxLen: 10_000, bodyTtlSeconds: 60 });
    const back = [];
    for await (const r of readRecords(t.redis, 's1', { pageSize: 100 })) back.push(r.record);
    expect(back.map((r) => r.url)).toEqual(records.map((r) => r.url));
    expect(back[3]!.res!.body.bytes.equals(big)).toBe(true);
    const entry = (await t.redis.xrangeBuffer(keys.sessionStream('s1'), '-', '+', 'COUNT', 4))[3]!;
    expect(entry[1][1]!.length).toBeLessThan(2000);
  });

  it('honours a limit and a start id', async () => {
    await appendRecords(t.redis, Array.from({ length: 20 }, (_, i) => sampleRecord({ id: newRecordId(i), url: `/r/${i}` })), { maxLen: 100, bodyTtlSeconds: 60 });
    const first = [];
    for await (const r of readRecords(t.redis, 's1', { limit: 5 })) first.push(r);
    expect(first).toHaveLength(5);
    const rest = [];
    for await (const r of readRecords(t.redis, 's1', { from: `(${first[4]!.streamId}` })) rest.push(r);
    expect(rest).toHaveLength(15);
  });

  it('lists, describes and deletes sessions with their side bodies', async () => {
    const big = Buffer.alloc(10_000, 1);
    await appendRecords(t.redis, [sampleRecord({ req: { headers: [], body: { bytes: big, size: big.length, truncated: false } } })], { maxLen: 100, bodyTtlSeconds: 60 });
    const list = await listSessions(t.redis);
    expect(list.map((s) => s.name)).toEqual(['s1']);
    expect((await sessionInfo(t.redis, 's1')).records).toBe(1);
    expect(await deleteSession(t.redis, 's1')).toBe(1);
    expect(await t.redis.keys('parity:*')).toEqual([]);
    await expect(sessionInfo(t.redis, 's1')).rejects.toMatchObject({ code: 'PARITY_ERR_SESSION_NOT_FOUND' });
  });
});
