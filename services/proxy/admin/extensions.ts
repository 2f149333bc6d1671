import type { FastifyPluginAsync } from 'fastify';
import { queueBoardExtension } from '../../../shared/queue/board.js';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../../../shared/config/schema.js';
import type { Logger } from '../../../shared/log.js';
import type { CaptureControl } from '../capture-control.js';

/**
 * Extra fastify plugins mounted on the admin plane (a queue dashboard, a
 * shadow page, ...). Each runs behind the admin plane's auth hook and gets
 * the proxy's context. To add one, append it to ADMIN_EXTENSIONS below (or
 * pass `adminExtensions` to startProxy).
 */

/** What an admin extension can use. Holds secrets (config): never log it whole. */
export interface AdminContext {
  config: Config;
  log: Logger;
  /** The proxy's own Redis connection (may be reconnecting). */
  redis: Redis;
  control: CaptureControl;
  metrics: Registry;
}

export interface AdminExtension {
  /** Shown in logs. */
  name: string;
  /** Registered with `{ ctx }` as options, under `prefix` when given. */
  plugin: FastifyPluginAsync<{ ctx: AdminContext }>;
  prefix?: string;
}

/** Extensions every `parity proxy` mounts, in this order. */
export const ADMIN_EXTENSIONS: AdminExtension[] = [queueBoardExtension];
