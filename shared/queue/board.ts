import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { queues } from '../redis/keys.js';
import { openQueue, type Queue } from './queues.js';

/**
 * bull-board for the replay and shadow queues, as a fastify plugin for the
 * proxy's admin plane:
 *
 *     await app.register(queueBoard, { redisUrl, basePath: '/queues' });
 *
 * It inherits the admin plane's authentication (register it after the auth
 * hook). The queues it opens are closed with the fastify instance.
 */
export interface QueueBoardOptions {
  redisUrl: string;
  /** Where the board is mounted; default `/queues`. */
  basePath?: string;
  /** Read-only board (no retry/clean/remove buttons); default true. */
  readOnly?: boolean;
}

export async function queueBoard(app: FastifyInstance, opts: QueueBoardOptions): Promise<void> {
  const basePath = opts.basePath ?? '/queues';
  const opened: Queue[] = [openQueue(queues.replay, opts.redisUrl), openQueue(queues.shadow, opts.redisUrl)];
  const server = new FastifyAdapter();
  server.setBasePath(basePath);
  createBullBoard({
    queues: opened.map((q) => new BullMQAdapter(q, { readOnlyMode: opts.readOnly ?? true })),
    serverAdapter: server,
    options: { uiConfig: { boardTitle: 'Parity queues' } },
  });
  // The board must never take the proxy down: queue errors (Redis away) are
  // expected and retried, and closing never waits on Redis.
  for (const q of opened) q.on('error', () => undefined);
  app.addHook('onClose', () => Promise.all(opened.map(dropQueue)).then(() => undefined));
  await app.register(server.registerPlugin(), { prefix: basePath });
}

/**
 * Closes a board's queue by dropping its connection, never by QUIT: the
 * board only reads, so a graceful close has nothing to flush, and both
 * graceful ways wait on Redis. Queue.close() sends QUIT, which waits for
 * Redis to answer it: behind a board read kept in ioredis' offline queue
 * while Redis is away (BullMQ's `maxRetriesPerRequest: null` keeps it until
 * Redis is back), or unanswered by a frozen Redis. Queue.disconnect() waits
 * for the connection to have become ready, and then for its `end` event: a
 * connection told to disconnect between two reconnect attempts emits none
 * (bullmq #4585), so that wait never ended. The backend's `close(true)` (its
 * documented force) disconnects at once; the Queue's own close then finds
 * its backend closed. A board read still waiting is left unanswered (the
 * admin plane answered its request already: services/proxy/admin/redis-wait.ts).
 */
async function dropQueue(q: Queue): Promise<void> {
  await q.getBackend().close(true);
  await q.close();
}

/**
 * The board as an admin-plane extension of `parity proxy` (the shape of
 * services/proxy/admin/extensions.ts's AdminExtension): mounted at /queues,
 * behind the admin plane's token when it has one.
 */
export const queueBoardExtension = {
  name: 'queue-board',
  plugin: async (app: FastifyInstance, opts: { ctx: { config: { redisUrl: string } } }): Promise<void> => queueBoard(app, { redisUrl: opts.ctx.config.redisUrl, basePath: '/queues' }),
};
