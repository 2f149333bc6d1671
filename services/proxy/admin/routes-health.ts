import type { FastifyInstance } from 'fastify';
import type { AdminContext } from './extensions.js';

/** /healthz (the process is up), /readyz (Redis answers), /metrics (Prometheus text). */
export function healthRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get('/healthz', (_req, reply) => reply.send({ ok: true }));

  app.get('/readyz', async (_req, reply) => {
    const redis = await ping(ctx, 1000);
    const capture = ctx.control.stats().capture;
    const ready = redis && capture.redisUp;
    return reply.code(ready ? 200 : 503).send({ ready, redis: redis ? 'up' : 'down', captureRedis: capture.redisUp ? 'up' : 'down' });
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await ctx.metrics.metrics();
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
