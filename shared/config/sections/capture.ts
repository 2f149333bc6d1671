import { z } from 'zod';
import { boolish, httpUrl, listenAddress, num, setting } from '../setting.js';

/** Settings of `parity proxy`: the data plane, the admin plane and capture. */
export const captureSettings = {
  upstream: setting({
    schema: httpUrl.optional(),
    env: 'PARITY_UPSTREAM',
    flag: '--upstream <url>',
    doc: 'URL of the production app the proxy fronts (required by `parity proxy`).',
  }),
  listen: setting({
    schema: listenAddress('0.0.0.0').prefault(8080),
    env: 'PARITY_LISTEN',
    flag: '--listen <addr>',
    doc: 'Proxy data-plane address, host:port or :port.',
  }),
  adminListen: setting({
    schema: listenAddress('127.0.0.1').prefault('127.0.0.1:9090'),
    env: 'PARITY_ADMIN_LISTEN',
    flag: '--admin <addr>',
    doc: 'Admin API address; loopback by default, a token is required beyond it.',
  }),
  adminToken: setting({
    schema: z.string().min(16, 'expected at least 16 characters').optional(),
    env: 'PARITY_ADMIN_TOKEN',
    flag: '--admin-token <token>',
    doc: 'Bearer token for the admin API; required when the admin API binds beyond loopback.',
    secret: true,
  }),
  session: setting({
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 characters from A-Z a-z 0-9 . _ -')
      .default('default'),
    env: 'PARITY_SESSION',
    flag: '--session <name>',
    doc: 'Capture session name (the Redis stream records are appended to).',
  }),
  sampleRate: setting({
    schema: num().min(0).max(1).default(0.1),
    env: 'PARITY_SAMPLE_RATE',
    flag: '--sample <rate>',
    doc: 'Share of requests captured, 0..1 (per-route rules override it).',
  }),
  rulesFile: setting({
    schema: z.string().optional(),
    env: 'PARITY_RULES',
    flag: '--rules <file>',
    doc: 'JSON or YAML file with sampling, anonymisation and shadow rules.',
  }),
  maxBodyBytes: setting({
    schema: num().int().min(0).default(1_048_576),
    env: 'PARITY_MAX_BODY_BYTES',
    flag: '--max-body-bytes <n>',
    doc: 'Bytes of each body kept in a record; past it the record keeps the full size and truncated: true.',
  }),
  upstreamTimeoutMs: setting({
    schema: num().int().min(1).default(30_000),
    env: 'PARITY_UPSTREAM_TIMEOUT_MS',
    flag: '--upstream-timeout <ms>',
    doc: 'Milliseconds the upstream may stay silent (connecting, before answering, between body chunks): 504 before the answer starts, cut off after.',
  }),
  streamMaxLen: setting({
    schema: num().int().min(1).default(1_000_000),
    env: 'PARITY_STREAM_MAXLEN',
    doc: 'Approximate bound on records kept per capture session (XADD MAXLEN ~).',
  }),
  retentionSeconds: setting({
    schema: num().int().min(60).default(7 * 24 * 3600),
    env: 'PARITY_RETENTION_SECONDS',
    doc: 'Time-based retention: records older than this are trimmed (MINID ~); large bodies kept beside the stream expire after it.',
  }),
  bufferMaxRecords: setting({
    schema: num().int().min(1).default(10_000),
    env: 'PARITY_BUFFER_MAX_RECORDS',
    doc: 'Records the proxy holds in memory while Redis is slow or down; past it records are dropped and counted.',
  }),
  bufferMaxBytes: setting({
    schema: num().int().min(1024).default(64 * 1_048_576),
    env: 'PARITY_BUFFER_MAX_BYTES',
    doc: 'Bytes the capture buffer may hold; past it records are dropped and counted.',
  }),
  maxCapturesPerSecond: setting({
    schema: num().min(0).default(0),
    env: 'PARITY_MAX_CAPTURES_PER_SECOND',
    flag: '--max-captures-per-second <n>',
    doc: 'Cap on captured requests per second (0: no cap).',
  }),
  captureNice: setting({
    schema: num().int().min(0).max(19).default(10),
    env: 'PARITY_CAPTURE_NICE',
    doc: 'Steps of niceness the capture thread (recording, anonymising, Redis writes, shadow enqueueing) takes below the proxy process on Linux, so that on a busy machine the request thread goes first; 0 leaves them equal.',
  }),
  addForwardedHeaders: setting({
    schema: boolish.default(false),
    env: 'PARITY_ADD_FORWARDED_HEADERS',
    flag: '--add-forwarded-headers <bool>',
    doc: "Append the proxy's hop to X-Forwarded-For/-Port/-Proto and set X-Forwarded-Host on requests to the upstream, for a proxy no ingress stands in front of (false: they pass as the client sent them).",
  }),
  requireRedis: setting({
    schema: boolish.default(true),
    env: 'PARITY_REQUIRE_REDIS',
    flag: '--require-redis <bool>',
    doc: 'Refuse to start when Redis is unreachable (false: serve anyway and count dropped records).',
  }),
};
