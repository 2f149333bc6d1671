import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { ERRORS } from '../../../shared/errors.js';

/**
 * The admin plane never waits on Redis for long. Its Redis-backed routes
 * read through connections that queue commands while Redis is away
 * (bull-board's BullMQ queues wait for ever, between reconnect attempts up
 * to 20 s apart), and a frozen Redis answers nothing at all. So: the queue
 * board's API answers 503 at once while the proxy's own connection to Redis
 * is not ready, and any admin request still unanswered after
 * ADMIN_REDIS_WAIT_MS is answered 503 naming Redis (nothing else an admin
 * route does takes that long). The data plane never passes here.
 */

/** Longest an admin request waits (on Redis) before it is answered 503. */
export const ADMIN_REDIS_WAIT_MS = 3000;

/** Routes that read Redis on every request and have no quick answer of their own. */
const REDIS_ROUTES = ['/queues/api/'];

const HINT = `${ERRORS.PARITY_ERR_REDIS_UNREACHABLE.hint} The proxy keeps serving production meanwhile; capture buffers, then drops and counts.`;

async function unreachable(reply: FastifyReply, message: string): Promise<FastifyReply> {
  await reply.code(ERRORS.PARITY_ERR_REDIS_UNREACHABLE.http).header('cache-control', 'no-store').send({ error: 'PARITY_ERR_REDIS_UNREACHABLE', message, hint: HINT });
  return reply;
}

/** Adds both bounds; register after the token check, so that a request without the token is told so first. */
export function boundRedisWaits(app: FastifyInstance, redis: Redis, waitMs = ADMIN_REDIS_WAIT_MS): void {
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (REDIS_ROUTES.some((prefix) => path.startsWith(prefix)) && redis.status !== 'ready') {
      return unreachable(reply, `cannot read ${path}: Redis is not connected (the admin API's connection is ${redis.status})`);
    }
    const timer = setTimeout(() => {
      // the route's own answer, should it come later, is dropped by fastify (reply already sent)
      if (!reply.sent) void unreachable(reply, `cannot answer ${path}: Redis did not answer within ${waitMs / 1000} s (down, restarting or overloaded)`);
    }, waitMs);
    reply.raw.once('close', () => clearTimeout(timer));
  });
}
