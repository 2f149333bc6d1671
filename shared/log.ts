import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino censors wherever they appear in a log object. Secrets are also
 * kept out of messages at their source (redactUrl, printableConfig); this is
 * the second line of defence.
 */
export const REDACT_PATHS = [
  'anonKey',
  'shadowKey',
  'adminToken',
  'redisUrl',
  'password',
  'token',
  'authorization',
  '*.anonKey',
  '*.shadowKey',
  '*.adminToken',
  '*.redisUrl',
  '*.password',
  '*.token',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
];

export interface LogOptions {
  level?: string;
  /** json, pretty, or auto: pretty on a TTY. */
  format?: 'auto' | 'json' | 'pretty';
  name?: string;
}

/** Logs go to stderr so that `--json` output on stdout stays one document. */
export function createLogger(opts: LogOptions = {}): Logger {
  const pretty = opts.format === 'pretty' || (opts.format !== 'json' && process.stderr.isTTY === true);
  const base = {
    level: opts.level ?? 'info',
    name: opts.name ?? 'parity',
    redact: { paths: REDACT_PATHS, censor: '***' },
  };
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } } });
  }
  return pino(base, pino.destination({ dest: 2, sync: false }));
}

/** A logger that writes nothing, for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
