import type { FastifyInstance } from 'fastify';
import { metricsWithin } from '../metrics.js';
import type { AdminContext } from './extensions.js';

/** Longest /metrics waits for a metric read from Redis (the shadow metrics). */
const METRICS_REDIS_MS = 1000;
/** Longest it waits for any metric while the proxy's connection to Redis is away. */
const METRICS_LOCAL_MS = 100;

/** /healthz (the process is up), /readyz (Redis answers), /metrics (Prometheus text, never held by Redis). */
export function healthRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get('/healthz', (_req, reply) => reply.send({ ok: true }));

  app.get('/readyz', async (_req, reply) => {
    const redis = await ping(ctx, 1000);
    const capture = ctx.control.stats().capture;
    const ready = redis && capture.redisUp;
    return reply.code(ready ? 200 : 503).send({ ready, redis: redis ? 'up' : 'down', captureRedis: capture.redisUp ? 'up' : 'down' });
  });

  app.get('/metrics', async (_req, reply) => {
    // while the connection is away a Redis-backed metric cannot be read at all: the proxy's own figures are
    // read in microtasks, well within the shorter bound
    const text = await metricsWithin(ctx.metrics, ctx.redis.status === 'ready' ? METRICS_REDIS_MS : METRICS_LOCAL_MS);
    return reply.type(ctx.metrics.contentType).send(text);
  });
}

async function ping(ctx: AdminContext, ms: number): Promise<boolean> {
  if (ctx.redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)));
    return (await Promise.race([ctx.redis.ping(), timeout])) === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
