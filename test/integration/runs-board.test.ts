import { createServer, type Socket } from 'node:net';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queueBoard } from '../../shared/queue/board.js';
import { openQueue } from '../../shared/queue/queues.js';
import { queues } from '../../shared/redis/keys.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';
import { settles, until } from '../helpers/wait.js';

describe('bull-board on the admin plane', () => {
  let t: TestRedis;
  beforeEach(async () => (t = await testRedis()));
  afterEach(async () => t.cleanup());

  it('serves the replay and shadow queues at /queues, read-only', async () => {
    const q = openQueue(queues.replay, t.url);
    await q.add('chunk', { run: 'r-x', spec: {} }, { jobId: 'r-x-c0', delay: 60_000 });
    const app = Fastify({ logger: false });
    await app.register(queueBoard, { redisUrl: t.url });
    try {
      const page = await app.inject({ method: 'GET', url: '/queues' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      const api = await app.inject({ method: 'GET', url: '/queues/api/queues?activeQueue=replay&status=delayed' });
      expect(api.statusCode).toBe(200);
      const body = api.json();
      const names = body.queues.map((x: { name: string }) => x.name).sort();
      expect(names).toEqual(['replay', 'shadow']);
      const replay = body.queues.find((x: { name: string }) => x.name === 'replay');
      expect(replay.readOnlyMode).toBe(true);
      expect(replay.counts.delayed).toBe(1);
      expect(await t.redis.keys('parity:{bull}:replay:*')).not.toHaveLength(0);
    } finally {
      await app.close();
      await q.close();
    }
  });
});

describe("the queue board's close", () => {
  it('ends with Redis up, its queues used', async () => {
    const t = await testRedis();
    const app = Fastify({ logger: false });
    await app.register(queueBoard, { redisUrl: t.url });
    expect((await app.inject({ method: 'GET', url: '/queues/api/queues' })).statusCode).toBe(200);
    expect(await settles(app.close())).toBe('settled');
    await t.cleanup();
  });

  it('ends with Redis away, its queues between two reconnect attempts', async () => {
    // where Redis should be, a server that drops every connection: each queue connects, is dropped and
    // waits to reconnect (BullMQ's retryStrategy: 1 s at least), as while Redis restarts
    const accepted = new Set<Socket>();
    const away = createServer((socket) => {
      accepted.add(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => away.listen(0, '127.0.0.1', resolve));
    const app = Fastify({ logger: false });
    try {
      await app.register(queueBoard, { redisUrl: `redis://127.0.0.1:${(away.address() as { port: number }).port}` });
      await until('both queues to have been dropped once', () => accepted.size >= 2, 25_000, 20);
      expect(await settles(app.close())).toBe('settled');
    } finally {
      away.close();
    }
  }, 60_000);
});

describe('the proxy admin plane', () => {
  let t: TestRedis;
  beforeEach(async () => (t = await testRedis()));
  afterEach(async () => t.cleanup());

  it('mounts the queue board behind its bearer token', async () => {
    const { buildAdminApp } = await import('../../services/proxy/admin/server.js');
    const { ADMIN_EXTENSIONS } = await import('../../services/proxy/admin/extensions.js');
    const { loadConfig } = await import('../../shared/config/load.js');
    const { silentLogger } = await import('../../shared/log.js');
    const config = loadConfig({ env: { PARITY_REDIS_URL: t.url, PARITY_ADMIN_TOKEN: 'a-long-enough-admin-token' } }).config;
    const ctx = { config, log: silentLogger, redis: t.redis, control: {}, metrics: {} } as unknown as Parameters<typeof buildAdminApp>[0];
    const app = await buildAdminApp(ctx, ADMIN_EXTENSIONS);
    try {
      expect((await app.inject({ method: 'GET', url: '/queues' })).statusCode).toBe(401);
      const ok = await app.inject({ method: 'GET', url: '/queues/api/queues', headers: { authorization: 'Bearer a-long-enough-admin-token' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().queues.map((x: { name: string }) => x.name).sort()).toEqual(['replay', 'shadow']);
    } finally {
      await app.close();
    }
  });
});
