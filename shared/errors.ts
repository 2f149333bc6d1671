/**
 * The one list of errors a Parity user can meet. Each entry has a stable code
 * (never reused), an exit code for the CLI (SPEC: 1 gate failed, 2 usage or
 * configuration, 3 runtime), an HTTP status for the admin plane, a message
 * template and a hint saying what to do. A test checks that every code appears
 * in README's error table (`npm run docs` regenerates it).
 *
 * Messages never carry secrets: pass URLs through `redactUrl` first.
 */

export type ExitCode = 1 | 2 | 3;

export interface ErrorDef {
  /** CLI exit code. */
  readonly exit: ExitCode;
  /** HTTP status when the admin plane answers with this error. */
  readonly http: number;
  /** One-line summary for the README table. */
  readonly summary: string;
  /** What to do about it. */
  readonly hint: string;
}

const def = (exit: ExitCode, http: number, summary: string, hint: string): ErrorDef => ({ exit, http, summary, hint });

export const ERRORS = {
  PARITY_ERR_USAGE: def(2, 400, 'A command was called with unknown or missing arguments.', 'Run `parity <command> --help` for the accepted arguments.'),
  PARITY_ERR_CONFIG_INVALID: def(2, 400, 'One or more settings are invalid; every problem is listed with its setting, source and expectation.', 'Fix the settings named above; `parity config schema` lists every setting with its default.'),
  PARITY_ERR_CONFIG_FILE: def(2, 400, 'The config file or the rules file could not be read or parsed.', 'Check the path given with --config (or parity.config.json/.yaml in the working directory) and its syntax.'),
  PARITY_ERR_REDIS_UNREACHABLE: def(3, 503, 'Redis did not answer at the configured URL.', 'Start one with `redis-server` or set PARITY_REDIS_URL (or --redis) to a reachable Redis.'),
  PARITY_ERR_REDIS_AUTH: def(2, 503, 'Redis refused the credentials: a wrong user or password (WRONGPASS), or none given to a Redis that requires one (NOAUTH).', 'Check the password in PARITY_REDIS_URL (or --redis, or redisUrl in the config file): redis://:PASSWORD@host:6379, or redis://USER:PASSWORD@host:6379 for an ACL user.'),
  PARITY_ERR_REDIS_COMMAND: def(3, 503, 'Redis answered a command with an error.', 'Check the Redis server log; Parity needs Redis >= 6.2 with `maxmemory-policy noeviction`.'),
  PARITY_ERR_SESSION_NOT_FOUND: def(2, 404, 'No capture session with that name exists in Redis.', 'Run `parity sessions list` to see the stored sessions.'),
  PARITY_ERR_SESSION_NAME: def(2, 400, 'A session name is not valid.', 'Use 1-64 characters from A-Z, a-z, 0-9, dot, underscore and dash.'),
  PARITY_ERR_RECORD_INVALID: def(2, 400, 'A capture record does not match the record schema.', 'Records must follow the v1 capture record schema (shared/record/schema.ts); re-export them with `parity sessions export`.'),
  PARITY_ERR_LISTEN: def(3, 500, 'A listening address could not be bound.', 'Choose a free port with --listen / --admin (or PARITY_LISTEN / PARITY_ADMIN_LISTEN).'),
  PARITY_ERR_ADMIN_TOKEN_REQUIRED: def(2, 400, 'The admin API would bind beyond loopback without a token.', 'Set PARITY_ADMIN_TOKEN, or bind the admin API to 127.0.0.1.'),
  PARITY_ERR_UNAUTHORIZED: def(2, 401, 'An admin API request lacked the bearer token or carried a wrong one.', 'Send `Authorization: Bearer <PARITY_ADMIN_TOKEN>`; in a browser, sign in at /login.'),
  PARITY_ERR_FOREIGN_ORIGIN: def(2, 403, 'An admin API request came from another site: a Host that is not loopback on a plane without a token, or a foreign Origin on a change.', 'Use the admin API from its own pages, the CLI or curl, as http://127.0.0.1:<port>; set PARITY_ADMIN_TOKEN to serve other names.'),
  PARITY_ERR_RUN_NOT_FOUND: def(2, 404, 'No replay run with that id exists.', 'Run `parity runs list` to see the known runs.'),
  PARITY_ERR_PRODUCTION_TARGET: def(2, 400, 'The replay target is the upstream the session was captured from.', 'Replay at staging, or pass --allow-production-target if you really mean it.'),
  PARITY_ERR_TARGET_UNREACHABLE: def(3, 502, 'The replay or shadow target did not accept connections.', 'Check that the target is running and that the URL given with --target, --baseline or --shadow is right.'),
  PARITY_ERR_RUN_FAILED: def(3, 500, 'A replay run failed: one of its chunks failed every attempt.', 'Run `parity runs show RUN` for the failing chunk and read the `parity worker` logs.'),
  PARITY_ERR_RUN_CANCELLED: def(3, 500, 'The replay run was cancelled before it finished.', 'Start a new run; `parity report RUN` still reports what the cancelled run did.'),
  PARITY_ERR_GATE_FAILED: def(1, 200, 'The release gate failed: differences, errors or latency over the thresholds.', 'Read the report; loosen --max-diff-rate / --max-error-rate / --max-p99-regression only for expected changes.'),
  PARITY_ERR_IMPORT_MALFORMED: def(2, 400, 'An imported file is malformed at the given line or byte offset.', 'Fix or truncate the file at the offset named; nothing after it was imported.'),
  PARITY_ERR_FILE: def(2, 400, 'A file named on the command line could not be read or written.', 'Check the path and its permissions.'),
  PARITY_ERR_REDIS_BINARY_MISSING: def(3, 500, 'No Redis answered and no redis-server binary was found to start one.', 'Install Redis (`apt-get install redis-server`, `brew install redis`) or set PARITY_REDIS_URL.'),
  PARITY_ERR_SHADOW_KEY: def(2, 400, 'Raw shadow mirroring was asked for without a valid sealing key.', 'Set PARITY_SHADOW_KEY (32 bytes: `openssl rand -hex 32`) on every proxy and worker, or leave PARITY_SHADOW_RAW off to mirror anonymised requests.'),
  PARITY_ERR_SHADOW_OFF: def(2, 409, 'Shadow mirroring was paused or resumed on a proxy that does not mirror.', 'Start the proxy with --shadow URL (or PARITY_SHADOW_TARGET) to mirror its traffic.'),
  PARITY_ERR_SHADOW_SEAL: def(3, 500, 'A sealed raw shadow request could not be opened: wrong key or altered data.', 'Give proxies and workers the same PARITY_SHADOW_KEY; the request is dropped and counted, production is not affected.'),
  PARITY_ERR_RUN_SEALED: def(3, 500, "A worker could not open a run's sealed --set-header values: it has no PARITY_SHADOW_KEY, or another one.", 'Start `parity worker` with the PARITY_SHADOW_KEY that `parity replay` had when it created the run.'),
  PARITY_ERR_AUDIT_FOUND_PII: def(1, 200, '`parity audit` found values in a stored session that still look like raw personal data.', 'Add anonymise rules for the locations listed (or re-import through the anonymiser), then delete the session with `parity sessions delete` and capture again.'),
  PARITY_ERR_DEMO_FAILED: def(3, 500, 'The demo could not run through (a process did not start, or traffic failed).', 'Read the demo log named in the message; check that redis-server is installed and ports on 127.0.0.1 are free.'),
  PARITY_ERR_RUN_UNREADABLE: def(3, 500, "A replay run's data in Redis is not what Parity wrote: a key of the wrong type, or a value that is not valid JSON of the expected shape.", "The run cannot be read as it is: if another Parity version created it, read it with that version; otherwise delete its keys (`redis-cli --scan --pattern 'parity:run:{RUN}:*'`) or let them expire with the run's retention."),
  PARITY_ERR_INTERNAL: def(3, 500, 'An unexpected internal error.', 'Re-run with PARITY_DEBUG=1 to print the stack, and report it at the project tracker.'),
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

/** Base of every error Parity raises on purpose. */
export class ParityError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly httpStatus: number;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ParityError';
    this.code = code;
    this.exitCode = ERRORS[code].exit;
    this.httpStatus = ERRORS[code].http;
    this.hint = options?.hint ?? ERRORS[code].hint;
  }

  /** `code: message` and the hint on its own line, as the CLI prints it. */
  describe(): string {
    return `${this.code}: ${this.message}\n  hint: ${this.hint}`;
  }
}

export function parityError(code: ErrorCode, message: string, options?: { cause?: unknown; hint?: string }): ParityError {
  return new ParityError(code, message, options);
}

export function isParityError(err: unknown): err is ParityError {
  return err instanceof ParityError;
}

/** Query parameters that carry a secret in a URL (`redis://host/?password=…`, `?token=…`). */
const SECRET_PARAM = /([?&](?:password|pass|pwd|token|secret|key|api_?key|access_?token)=)[^&#]*/gi;

/** The URL with any password (and username) and secret query parameters replaced, fit for logs, errors and what is stored. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    // nothing to hide: the URL as given (new URL() would add a trailing slash)
    if (!u.username && !u.password) return url.replace(SECRET_PARAM, '$1***');
    if (u.password) u.password = '***';
    if (u.username && u.password) u.username = '***';
    return u.toString().replace(SECRET_PARAM, '$1***');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@').replace(SECRET_PARAM, '$1***');
  }
}

/** A short text for an unknown thrown value, without a stack. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
