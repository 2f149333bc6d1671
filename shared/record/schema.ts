import { z } from 'zod';

/**
 * The capture record, version 1: the contract between the proxy, the store,
 * the replayer, import/export and shadow. Two forms:
 *
 * - `CaptureRecord` (in memory and in Redis): bodies are Buffers.
 * - `CaptureRecordJson` (NDJSON export, HTTP APIs): bodies are UTF-8 text or
 *   base64. `captureRecordJson` is its zod schema; `toJson`/`fromJson` convert.
 *
 * Headers are kept as ordered [name, value] pairs (names lower-cased) so that
 * repeated headers (Set-Cookie) and order survive.
 */

export type HeaderPair = [name: string, value: string];

/** A captured body: the bytes kept (decoded from gzip/br/deflate), and what was cut. */
export interface CapturedBody {
  /** The bytes kept, at most PARITY_MAX_BODY_BYTES, decoded when `decodedFrom` is set. */
  bytes: Buffer;
  /** Size in bytes of the full body as it crossed the wire. */
  size: number;
  /** True when `bytes` is a prefix of the body (size past the limit, or a decompression bound). */
  truncated: boolean;
  /** Hex SHA-256 of the full body as it crossed the wire; set when truncated. */
  sha256?: string;
  /** Content-Encoding the kept bytes were decoded from. */
  decodedFrom?: 'gzip' | 'br' | 'deflate';
  /** Why the body was not kept at all (anonymiser budget exceeded, failed closed; upgrade). */
  omitted?: 'anonymiser-budget' | 'anonymiser-error' | 'upgrade' | 'not-captured';
  /** Store-internal: the bytes are kept beside the stream (never set on records handed out). */
  ext?: true;
}

export interface CaptureRecord {
  v: 1;
  /** Time-ordered id, unique across proxies (see newRecordId). */
  id: string;
  session: string;
  /** Capture time (request start), µs since the Unix epoch. */
  ts: number;
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  httpVersion: string;
  /** Host header the client sent (the proxy may rewrite it upstream). */
  host?: string;
  /** Client address, pseudonymised by the anonymiser. */
  clientIp?: string;
  /** Scheme the client used with the proxy. */
  scheme: 'http' | 'https';
  req: { headers: HeaderPair[]; body: CapturedBody };
  /** Null when no response came from upstream (refused, timeout, client abort). */
  res: { status: number; headers: HeaderPair[]; trailers?: HeaderPair[]; body: CapturedBody } | null;
  /** Upstream latency, µs: time to first byte and total. */
  timing: { ttfbUs: number; totalUs: number };
  /** Set for protocol upgrades (WebSocket), recorded as metadata only. */
  upgrade?: string;
  /** Why no response was recorded. */
  error?: 'upstream-refused' | 'upstream-timeout' | 'upstream-error' | 'client-aborted';
  /** Locations the anonymiser changed, e.g. `req.headers.authorization`, `res.body$.user.email`. */
  anonymised: string[];
}

const headerPairs = z.array(z.tuple([z.string(), z.string()]));

export const capturedBodyJson = z.object({
  encoding: z.enum(['utf8', 'base64']),
  data: z.string(),
  size: z.number().int().nonnegative(),
  truncated: z.boolean(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  decodedFrom: z.enum(['gzip', 'br', 'deflate']).optional(),
  omitted: z.enum(['anonymiser-budget', 'anonymiser-error', 'upgrade', 'not-captured']).optional(),
});

export const captureRecordJson = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(64),
  session: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  ts: z.number().int().nonnegative(),
  method: z.string().regex(/^[A-Z][A-Z0-9_-]{0,31}$/i),
  url: z.string().startsWith('/').or(z.literal('*')),
  httpVersion: z.string(),
  host: z.string().optional(),
  clientIp: z.string().optional(),
  scheme: z.enum(['http', 'https']),
  req: z.object({ headers: headerPairs, body: capturedBodyJson }),
  res: z
    .object({
      status: z.number().int().min(100).max(999),
      headers: headerPairs,
      trailers: headerPairs.optional(),
      body: capturedBodyJson,
    })
    .nullable(),
  timing: z.object({ ttfbUs: z.number().nonnegative(), totalUs: z.number().nonnegative() }),
  upgrade: z.string().optional(),
  error: z.enum(['upstream-refused', 'upstream-timeout', 'upstream-error', 'client-aborted']).optional(),
  anonymised: z.array(z.string()),
});

export type CaptureRecordJson = z.infer<typeof captureRecordJson>;
export type CapturedBodyJson = z.infer<typeof capturedBodyJson>;
