import { z } from 'zod';
import { boolish, num, setting, targetUrl } from '../setting.js';

/** `name: value` or `name=value`; shared/shadow/options.ts splits it. */
export const MARKER_PATTERN = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*[:=]\s*(.*?)\s*$/;
const headerSpec = z.string().regex(MARKER_PATTERN, 'expected "header-name: value"');

/** 32 bytes given as 64 hex digits or base64; checked here, decoded by shared/shadow/seal. */
const aesKey = z.string().refine((v) => /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, 'base64').length === 32, 'expected 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)');

/** Settings of shadow mode: the proxy side (what is mirrored, where) and the worker side. */
export const shadowSettings = {
  shadowTarget: setting({
    schema: targetUrl.optional(),
    env: 'PARITY_SHADOW_TARGET',
    flag: '--shadow <url>',
    doc: 'URL of the shadow deployment sampled live requests are mirrored to (turns shadow mode on in `parity proxy`).',
  }),
  shadowBaseline: setting({
    schema: targetUrl.optional(),
    env: 'PARITY_SHADOW_BASELINE',
    flag: '--shadow-baseline <url>',
    doc: 'URL of a second shadow running the current release; each mirrored request goes to it twice so that noisy fields are told from real differences.',
  }),
  shadowMarker: setting({
    schema: headerSpec.default('x-parity-shadow: 1'),
    env: 'PARITY_SHADOW_MARKER',
    flag: '--shadow-marker <header>',
    doc: 'Header added to every shadow request so the candidate can suppress side effects, as "name: value".',
  }),
  shadowRaw: setting({
    schema: boolish.default(false),
    env: 'PARITY_SHADOW_RAW',
    flag: '--shadow-raw <bool>',
    doc: 'Mirror the raw request (real credentials) instead of the anonymised one; it is sealed with PARITY_SHADOW_KEY, expires after PARITY_SHADOW_RAW_TTL_SECONDS and is deleted once processed.',
  }),
  shadowKey: setting({
    schema: aesKey.optional(),
    env: 'PARITY_SHADOW_KEY',
    doc: 'AES-256-GCM key (64 hex digits or base64 of 32 bytes) sealing raw shadow requests, and replay runs\' --set-header values at rest; only proxies, workers and `parity replay` hold it. No flag, so it never shows in a process list; never logged.',
    secret: true,
  }),
  shadowRawTtlSeconds: setting({
    schema: num().int().min(1).max(3600).default(60),
    env: 'PARITY_SHADOW_RAW_TTL_SECONDS',
    doc: 'Seconds a sealed raw shadow request may wait in Redis before it expires unprocessed.',
  }),
  shadowMaxQueue: setting({
    schema: num().int().min(1).default(10_000),
    env: 'PARITY_SHADOW_MAX_QUEUE',
    flag: '--shadow-max-queue <n>',
    doc: 'Mirrored requests waiting in the shadow queue (read every 250 ms) past which the proxy drops new shadow work and counts it.',
  }),
  shadowTimeoutMs: setting({
    schema: num().int().min(1).default(10_000),
    env: 'PARITY_SHADOW_TIMEOUT_MS',
    doc: 'Milliseconds a worker waits for the shadow target (and the baseline) before counting the request as an error.',
  }),
  shadowConcurrency: setting({
    schema: num().int().min(1).max(1024).default(32),
    env: 'PARITY_SHADOW_CONCURRENCY',
    flag: '--shadow-concurrency <n>',
    doc: 'Mirrored requests one `parity worker` process has in flight at once (each job carries up to 256).',
  }),
  shadowRetentionSeconds: setting({
    schema: num().int().min(300).default(24 * 3600),
    env: 'PARITY_SHADOW_RETENTION_SECONDS',
    doc: 'Seconds per-route shadow statistics are kept (one-minute buckets); a shadow report can cover any window inside it.',
  }),
};
