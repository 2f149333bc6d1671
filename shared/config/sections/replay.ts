import { z } from 'zod';
import { num, setting } from '../setting.js';

/** Settings of replay runs and `parity worker`. */
export const replaySettings = {
  workerConcurrency: setting({
    schema: num().int().min(1).max(256).default(4),
    env: 'PARITY_WORKER_CONCURRENCY',
    flag: '--concurrency <n>',
    doc: 'Chunks one `parity worker` process executes at once.',
  }),
  target: setting({
    schema: z.string().optional(),
    env: 'PARITY_TARGET',
    flag: '--target <url>',
    doc: 'URL of the system a replay is fired at (staging).',
  }),
};
