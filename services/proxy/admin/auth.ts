import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ERRORS } from '../../../shared/errors.js';

/** Routes a probe may call without the token (they reveal nothing). */
const OPEN_ROUTES = new Set(['/healthz', '/readyz']);

const digest = (s: string) => createHash('sha256').update(s).digest();

/** True for 127.0.0.0/8, ::1 and localhost: the admin plane may run there without a token. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::ffff:127.0.0.1';
}

/**
 * With a token, every admin route but the probes needs
 * `Authorization: Bearer <token>` (compared in constant time).
 * Registered on the root instance, so extensions are covered too.
 */
export function requireBearerToken(app: FastifyInstance, token: string): void {
  const want = digest(token);
  app.addHook('onRequest', async (req, reply) => {
    if (OPEN_ROUTES.has(req.url.split('?')[0]!)) return;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (m && timingSafeEqual(digest(m[1]!.trim()), want)) return;
    const e = ERRORS.PARITY_ERR_UNAUTHORIZED;
    await reply.code(e.http).header('www-authenticate', 'Bearer').send({ error: 'PARITY_ERR_UNAUTHORIZED', message: 'missing or wrong bearer token', hint: e.hint });
  });
}
