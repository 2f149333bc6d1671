import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyTappedBody } from '../../shared/capture/body-tap.js';
import type { Exchange } from '../../shared/capture/exchange.js';
import { StreamAppender } from '../../shared/capture/appender.js';
import { CaptureWriter } from '../../shared/capture/writer.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { nowUs } from '../../shared/record/convert.js';
import { keys } from '../../shared/redis/keys.js';
import { readRecords } from '../../shared/session/store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

function exchange(session: string, i: number): Exchange {
  const body = Buffer.from(`{"i":${i}}`);
  return {
    session,
    ts: nowUs(),
    method: 'GET',
    url: `/w/${i}`,
    httpVersion: '1.1',
    scheme: 'http',
    reqHeaders: ['Host', 'shop.example'],
    reqBody: emptyTappedBody(),
    status: 200,
    resHeaders: ['Content-Type', 'application/json'],
    resBody: { chunks: [body], kept: body.length, size: body.length, truncated: false },
    ttfbUs: 100,
    totalUs: 150,
  };
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

const settings = (redisUrl: string, over: Partial<ConstructorParameters<typeof CaptureWriter>[0]> = {}) => ({
  redisUrl,
  maxBodyBytes: 1 << 20,
  streamMaxLen: 10_000,
  retentionSeconds: 3600,
  bufferMaxRecords: 1000,
  bufferMaxBytes: 1 << 24,
  ...over,
});

describe.each(['thread', 'inline'] as const)('capture writer (%s)', (mode) => {
  let t: TestRedis | undefined;
  let server: RedisServer | undefined;
  let writer: CaptureWriter | undefined;

  afterEach(async () => {
    await writer?.close(500);
    await t?.cleanup();
    await server?.stop();
    writer = undefined;
    t = undefined;
    server = undefined;
  });

  it('writes every exchange offered to the session stream, in order', async () => {
    t = await testRedis();
    writer = new CaptureWriter(settings(t.url, { mode }));
    await until(() => writer!.stats().redisUp);
    for (let i = 0; i < 500; i++) writer.offer(exchange('w', i));
    expect(await until(() => writer!.stats().written === 500)).toBe(true);
    const urls: string[] = [];
    for await (const { record } of readRecords(t.redis, 'w')) urls.push(record.url);
    expect(urls).toEqual(Array.from({ length: 500 }, (_, i) => `/w/${i}`));
    expect(writer.stats()).toMatchObject({ offered: 500, bufferRecords: 0, bufferBytes: 0 });
  });

  it('drops and counts past the buffer bound while Redis is slow, then writes what it kept', async () => {
    server = await startRedisServer();
    writer = new CaptureWriter(settings(server.url, { mode, bufferMaxRecords: 50 }));
    await until(() => writer!.stats().redisUp);
    const admin = new Redis(server.url);
    await admin.client('PAUSE', 1500, 'WRITE'); // Redis answers nothing that writes for 1.5 s
    for (let i = 0; i < 200; i++) writer.offer(exchange('slow', i));
    const during = writer.stats();
    expect(during.dropped['buffer-full']).toBe(150);
    expect(during.bufferRecords).toBe(50);
    expect(await until(() => writer!.stats().written === 50)).toBe(true);
    expect(await admin.xlen(keys.sessionStream('slow'))).toBe(50);
    admin.disconnect();
  });

  it('counts what is still buffered at close as dropped on shutdown when Redis is gone', async () => {
    server = await startRedisServer();
    writer = new CaptureWriter(settings(server.url, { mode }));
    await until(() => writer!.stats().redisUp);
    await server.stop();
    await until(() => !writer!.stats().redisUp);
    for (let i = 0; i < 10; i++) writer.offer(exchange('gone', i));
    const final = await writer.close(500);
    writer = undefined;
    expect(final.dropped.shutdown).toBe(10);
    expect(final.written).toBe(0);
  });
});

describe('stream appender', () => {
  it('trims records older than the retention (MINID ~) and bounds the stream (MAXLEN ~)', async () => {
    const t = await testRedis();
    const stream = keys.sessionStream('old');
    // 500 entries from 1970, then records written now with a 1 h retention
    const pipe = t.redis.pipeline();
    for (let i = 1; i <= 500; i++) pipe.xadd(stream, `${i}-0`, 'r', 'x');
    await pipe.exec();
    const appender = new StreamAppender(t.redis, { maxLen: 100_000, retentionSeconds: 3600 });
    const settled: string[] = [];
    const record = probeRecord;
    appender.push(Array.from({ length: 10 }, (_, i) => ({ record: record(i), settle: (o: string) => settled.push(o) })));
    await appender.drained();
    expect(settled).toEqual(Array(10).fill('written'));
    const first = (await t.redis.xrange(stream, '-', '+', 'COUNT', 1))[0]![0];
    expect(Number(first.split('-')[0])).toBeGreaterThan(Date.now() - 3_600_000);
    expect(await t.redis.xlen(stream)).toBe(10);

    const bounded = new StreamAppender(t.redis, { maxLen: 50, retentionSeconds: 3600, trimEveryMs: 3_600_000 });
    for (let round = 0; round < 5; round++) {
      bounded.push(Array.from({ length: 200 }, (_, i) => ({ record: record(i), settle: () => undefined })));
      await bounded.drained();
    }
    expect(await t.redis.xlen(stream)).toBeLessThan(400); // approximate: whole radix-tree nodes go
    await t.cleanup();
  });
});

/** Niceness of each thread of this process by thread id (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNiceness(): Map<number, number> {
  // not in list order: readdir of /proc sorts names as strings, so tid 10023 comes before pid 9981
  return new Map(
    readdirSync('/proc/self/task').flatMap((tid) => {
      try {
        return [[Number(tid), Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16])] as const];
      } catch {
        return []; // the thread ended meanwhile
      }
    }),
  );
}

describe.skipIf(process.platform !== 'linux')('capture thread priority', () => {
  it('lowers its own priority only, so the request thread goes first on a busy machine', async () => {
    const server = await startRedisServer();
    const main = threadNiceness().get(process.pid)!; // the main thread's tid is the pid
    // 7 more than the process: a niceness no other thread of the test process has
    const mine = main + 7;
    const lowered = () => [...threadNiceness().values()].filter((n) => n === mine);
    const writer = new CaptureWriter(settings(server.url, { mode: 'thread', nice: 7 }));
    try {
      expect(await until(() => lowered().length > 0)).toBe(true);
      expect(lowered()).toHaveLength(1);
      expect(threadNiceness().get(process.pid)).toBe(main);
    } finally {
      await writer.close(500);
      await server.stop();
    }
  });
});

/** A minimal record for the appender. */
function probeRecord(i: number): CaptureRecord {
  return {
    v: 1,
    id: `probe-${i}`,
    session: 'old',
    ts: nowUs(),
    method: 'GET',
    url: `/old/${i}`,
    httpVersion: '1.1',
    scheme: 'http',
    req: { headers: [['host', 'shop.example']], body: { bytes: Buffer.alloc(0), size: 0, truncated: false } },
    res: null,
    timing: { ttfbUs: 1, totalUs: 2 },
    anonymised: [],
  };
}
