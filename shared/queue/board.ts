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
  // expected and retried, and closing does not wait on a Redis that is gone.
  for (const q of opened) q.on('error', () => undefined);
  app.addHook('onClose', async () => {
    await Promise.all(opened.map((q) => Promise.race([q.close(), new Promise((r) => setTimeout(r, 1000).unref())]).then(() => q.disconnect())));
  });
  await app.register(server.registerPlugin(), { prefix: basePath });
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
