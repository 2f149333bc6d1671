import { z } from 'zod';
import { setting } from '../setting.js';

/** Settings every process shares: Redis and logging. */
export const coreSettings = {
  redisUrl: setting({
    schema: z
      .string()
      .superRefine((v, ctx) => {
        const problem = redisUrlProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default('redis://127.0.0.1:6379'),
    env: 'PARITY_REDIS_URL',
    flag: '--redis <url>',
    doc: 'Redis URL, redis[s]://[[user]:password@]host[:port][/db], checked in full at start-up; the password in it is never logged or echoed.',
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

const REDIS_URL_FORM = 'redis[s]://[[user]:password@]host[:port][/db], e.g. redis://127.0.0.1:6379';

/**
 * What is wrong with a Redis URL, or undefined: checked here in full, so that
 * a bad one fails `parity config check` instead of every command later
 * ("Invalid URL" from ioredis). The message never repeats any of the URL, which
 * may hold a password.
 */
export function redisUrlProblem(v: string): string | undefined {
  const m = /^rediss?:\/\/([^/?#]*)/i.exec(v);
  if (!m) return `expected a redis:// or rediss:// URL: ${REDIS_URL_FORM}`;
  const wrong = (why: string) => `${why}; expected ${REDIS_URL_FORM}`;
  // a / ? or # in the password ends the authority early, and the rest reads as path, query or fragment
  const rest = v.slice(m[0].length);
  const escapeThem = 'a / ? or # in the password must be written as %2F, %3F or %23';
  if (/^[^?]*@/.test(rest)) return wrong(escapeThem);
  // the authority after any user:password@, checked by hand to say which part is wrong
  const hostPort = m[1]!.slice(m[1]!.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[') && !hostPort.includes(']')) return wrong('the IPv6 address has no closing ]');
  const port = /:([^:\]]*)$/.exec(hostPort)?.[1];
  if (port !== undefined && port !== '' && (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    return wrong(rest.includes('@') ? escapeThem : 'the port must be a number from 1 to 65535');
  }
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return wrong('it does not parse as a URL (an IPv6 host goes in [], special characters of the password as %XX)');
  }
  if (!url.hostname) return wrong('it names no host');
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) return wrong('the path can only be a database number');
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return wrong('the user or password holds a % that starts no %XX escape (write % as %25)');
  }
  return undefined;
}
