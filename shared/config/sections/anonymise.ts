import { z } from 'zod';
import { setting } from '../setting.js';

/** Settings of the anonymiser (shared/anonymise), applied inside the proxy. */
export const anonymiseSettings = {
  anonKey: setting({
    schema: z.string().min(16, 'expected at least 16 characters').optional(),
    env: 'PARITY_ANON_KEY',
    flag: '--anon-key <secret>',
    doc: 'Secret for keyed pseudonyms (HMAC-SHA256); never logged. Without it a random per-process key is used and pseudonyms do not link across restarts.',
    secret: true,
  }),
};
