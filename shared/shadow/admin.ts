import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { loadRulesFile } from '../config/rules.js';
import type { Config } from '../config/schema.js';
import { diffRulesFrom } from '../diff/index.js';
import { ERRORS, errorText, isParityError, parityError } from '../errors.js';
import type { Logger } from '../log.js';
import { registerShadowMetrics } from './metrics.js';
import { renderFragment, renderPage } from './page.js';
import type { ShadowGate } from './gate.js';
import { shadowStatus } from './status.js';
import { parseWindow } from './window.js';

/**
 * Shadow mode on the proxy's admin plane, as an admin extension: the live
 * /shadow page (and /shadow.json, the same object as `parity shadow status
 * --json`), the shadow metrics on the proxy's Prometheus registry, and
 * POST /shadow/pause and /shadow/resume, which stop and restart this
 * proxy's mirroring without a restart (while the shadow deployment is
 * being redeployed, say; sampled exchanges are counted as skipped, reason
 * `paused`). Mounted on every proxy: the statistics in Redis are shared,
 * so a proxy without --shadow still shows what the others mirror.
 */

/** ioredis' words for a command that never reached Redis, or whose connection went while it waited. */
const CONNECTION_LOST = /max retries per request|Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|Socket closed/i;

const connectionLost = (err: unknown) => CONNECTION_LOST.test(errorText(err));

function redisAway(why: string) {
  return parityError('PARITY_ERR_REDIS_UNREACHABLE', `cannot read shadow statistics: Redis is not answering (${why})`, {
    hint: `${ERRORS.PARITY_ERR_REDIS_UNREACHABLE.hint} Production is served as before; the statistics come back with Redis.`,
  });
}

/** The parts of the admin plane's context this extension uses. */
export interface ShadowAdminContext {
  config: Config;
  log: Logger;
  redis: Redis;
  metrics: Registry;
}

export interface ShadowAdminExtension {
  name: string;
  plugin: FastifyPluginAsync<{ ctx: ShadowAdminContext }>;
}

/** The extension; `gate` is this proxy's shadow gate when it mirrors. */
export function shadowAdminExtension(gate?: ShadowGate): ShadowAdminExtension {
  const plugin: FastifyPluginAsync<{ ctx: ShadowAdminContext }> = (app, { ctx }) => {
    const noise = diffRulesFrom(loadRulesFile(ctx.config.rulesFile), ctx.config.rulesFile).noise;
    registerShadowMetrics({ redis: ctx.redis, registry: ctx.metrics, noise, ...(gate ? { counters: () => gate.counters(), paused: () => gate.paused } : {}) });

    // a bad window is named as the page's `since` parameter, not the CLI's flag
    const status = async (since: string | undefined) => {
      const window = parseWindow(since, Date.now(), 'the since parameter');
      // while the connection is away its commands would wait for its next reconnect, then fail with ioredis' words
      if (ctx.redis.status !== 'ready') throw redisAway(`the admin API's connection is ${ctx.redis.status}`);
      return shadowStatus(ctx.redis, window, { noise });
    };
    const fail = (err: unknown) => {
      const e = isParityError(err) ? err : connectionLost(err) ? redisAway('the connection was lost') : parityError('PARITY_ERR_REDIS_COMMAND', `cannot read shadow statistics: Redis answered ${errorText(err)}`);
      if (!isParityError(err)) ctx.log.warn({ err: errorText(err) }, 'shadow status failed');
      return { code: e.httpStatus, body: { error: e.code, message: e.message, hint: e.hint } };
    };

    app.get<{ Querystring: { since?: string } }>('/shadow.json', async (req, reply) => {
      try {
        return await status(req.query.since);
      } catch (err) {
        const f = fail(err);
        return reply.code(f.code).send(f.body);
      }
    });

    app.get<{ Querystring: { since?: string; fragment?: string } }>('/shadow', async (req, reply) => {
      const since = req.query.since;
      try {
        const fragment = renderFragment(await status(since), gate?.counters());
        void reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
        return req.query.fragment ? fragment : renderPage(fragment, since ? `since=${encodeURIComponent(since)}` : '');
      } catch (err) {
        const f = fail(err);
        return reply.code(f.code).send(f.body);
      }
    });
    for (const [path, paused] of [
      ['/shadow/pause', true],
      ['/shadow/resume', false],
    ] as const) {
      app.post(path, (_req, reply) => {
        if (!gate) {
          const err = parityError('PARITY_ERR_SHADOW_OFF', 'this proxy does not mirror its traffic: there is no shadow mirroring to pause or resume');
          return reply.code(err.httpStatus).send({ error: err.code, message: err.message, hint: err.hint });
        }
        if (gate.paused !== paused) ctx.log.info({}, paused ? 'shadow mirroring paused' : 'shadow mirroring resumed');
        gate.paused = paused;
        return reply.send({ mirroring: !paused });
      });
    }
    return Promise.resolve();
  };
  return { name: 'shadow', plugin };
}
