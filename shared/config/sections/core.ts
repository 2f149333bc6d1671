import { z } from 'zod';
import { setting } from '../setting.js';

/** Settings every process shares: Redis and logging. */
export const coreSettings = {
  redisUrl: setting({
    schema: z
      .string()
      .refine((v) => /^rediss?:\/\//.test(v), 'expected a redis:// or rediss:// URL')
      .default('redis://127.0.0.1:6379'),
    env: 'PARITY_REDIS_URL',
    flag: '--redis <url>',
    doc: 'Redis URL (redis:// or rediss://); the password in it is never logged.',
    secret: true,
  }),
  logLevel: setting({
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    env: 'PARITY_LOG_LEVEL',
    flag: '--log-level <level>',
    doc: 'Log level: trace, debug, info, warn, error, fatal or silent.',
  }),
  logFormat: setting({
    schema: z.enum(['auto', 'json', 'pretty']).default('auto'),
    env: 'PARITY_LOG_FORMAT',
    doc: 'Log format: json, pretty, or auto (pretty on a TTY, JSON otherwise).',
  }),
};
