import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isParityError } from '../../../shared/errors.js';
import type { AdminContext } from './extensions.js';

const startBody = z.object({ session: z.string().optional() }).strict().nullish();

/**
 * The capture session at run time:
 * - GET  /session/stats  counters of this proxy (proxied, sampled, written, dropped by reason, buffer)
 * - POST /session/start  `{ "session": "name" }` switches the session (optional) and resumes capture
 * - POST /session/stop   pauses capture; traffic flows on untouched
 */
export function sessionRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get('/session/stats', (_req, reply) => reply.send(ctx.control.stats()));

  app.post('/session/start', async (req, reply) => {
    const body = startBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send({ error: 'PARITY_ERR_USAGE', message: 'expected a JSON body like {"session":"name"} or none' });
    try {
      const started = await ctx.control.start(body.data?.session);
      return { ...started, capturing: true };
    } catch (err) {
      if (isParityError(err)) return reply.code(err.httpStatus).send({ error: err.code, message: err.message, hint: err.hint });
      throw err;
    }
  });

  app.post('/session/stop', (_req, reply) => {
    ctx.control.stop();
    return reply.send({ session: ctx.control.session, capturing: false });
  });
}
