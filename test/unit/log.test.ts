import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../shared/log.js';

describe('logging', () => {
  it('censors secrets wherever a log object carries them', () => {
    let out = '';
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => ((out += chunk.toString()), cb()) });
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '***' } }, sink);
    log.info({ anonKey: 'k-secret-1', shadowKey: 'k-secret-2', adminToken: 'k-secret-3', config: { redisUrl: 'redis://:k-secret-4@h' }, headers: { authorization: 'Bearer k-secret-5', cookie: 'sid=k-secret-6' } }, 'started');
    expect(out).toContain('started');
    for (let i = 1; i <= 6; i++) expect(out).not.toContain(`k-secret-${i}`);
  });
});
