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

/** A counter watched by `logGrowth`; `stop()` logs what grew since the last line, then stops watching. */
export interface GrowthLog {
  stop(): void;
}

/**
 * Logs a failure counter at most once per `everyMs`: a warning when
 * `count()` grew since the last line, with the growth (`count`) and the total.
 * For failures that can repeat thousands of times a second (Redis full or
 * gone): the log says so once an interval, and the code that counts them
 * does nothing more than count — the counter is read on a timer, which does
 * not keep the process alive.
 */
export function logGrowth(log: Logger, opts: { count: () => number; everyMs: number; msg: string; fields?: Record<string, unknown> }): GrowthLog {
  let logged = opts.count();
  const look = () => {
    const total = opts.count();
    if (total > logged) log.warn({ ...opts.fields, count: total - logged, total }, opts.msg);
    logged = total;
  };
  const timer = setInterval(look, opts.everyMs).unref();
  return {
    stop() {
      clearInterval(timer);
      look();
    },
  };
}
