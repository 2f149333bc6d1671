import Fastify, { type FastifyInstance } from 'fastify';
import type { ListenAddress } from '../../../shared/config/setting.js';
import { errorText, parityError } from '../../../shared/errors.js';
import { checkAdminExposure, requireBearerToken } from './auth.js';
import { refuseOtherSites } from './origin-guard.js';
import { boundRedisWaits } from './redis-wait.js';
import type { AdminContext, AdminExtension } from './extensions.js';
import { healthRoutes } from './routes-health.js';
import { sessionRoutes } from './routes-session.js';

/**
 * The admin plane: a fastify app on PARITY_ADMIN_LISTEN, loopback by
 * default. Beyond loopback it refuses to start without a token
 * (PARITY_ERR_ADMIN_TOKEN_REQUIRED); with a token every route but the
 * probes needs it, extensions included. Requests from another site (a
 * rebound Host without a token, a cross-origin state change) are refused
 * first (origin-guard.ts).
 */

export async function buildAdminApp(ctx: AdminContext, extensions: readonly AdminExtension[]): Promise<FastifyInstance> {
  // Closing cuts admin requests still in flight rather than wait for them (a slow client could hold the
  // proxy's stop); the queue board drops its Redis connections (shared/queue/board.ts): nothing waits.
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true });
  refuseOtherSites(app, { loopbackOnly: !ctx.config.adminToken });
  if (ctx.config.adminToken) requireBearerToken(app, ctx.config.adminToken);
  boundRedisWaits(app, ctx.redis);
  healthRoutes(app, ctx);
  sessionRoutes(app, ctx);
  for (const ext of extensions) {
    await app.register(ext.plugin, { ctx, ...(ext.prefix ? { prefix: ext.prefix } : {}) });
    ctx.log.debug({ extension: ext.name }, 'admin extension mounted');
  }
  return app;
}

export async function startAdminPlane(ctx: AdminContext, listen: ListenAddress, extensions: readonly AdminExtension[]): Promise<{ app: FastifyInstance; port: number }> {
  checkAdminExposure(listen, ctx.config.adminToken);
  const app = await buildAdminApp(ctx, extensions);
  try {
    await app.listen({ host: listen.host, port: listen.port });
  } catch (err) {
    await app.close();
    throw parityError('PARITY_ERR_LISTEN', `cannot listen on ${listen.host}:${listen.port} (admin API): ${errorText(err)}`);
  }
  const addr = app.server.address();
  return { app, port: typeof addr === 'object' && addr ? addr.port : listen.port };
}
