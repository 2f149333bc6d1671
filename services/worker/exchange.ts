import type { Dispatcher } from 'undici';
import { contentCoding, decodeBody } from '../../shared/capture/decode.js';
import type { Answer } from '../../shared/diff/types.js';
import { errorText } from '../../shared/errors.js';
import { nowUs } from '../../shared/record/convert.js';
import type { HeaderPair } from '../../shared/record/schema.js';
import type { OutgoingRequest } from '../../shared/replay/transform.js';

/**
 * One replayed HTTP exchange over an undici dispatcher, timed in µs: when
 * the request actually went onto a socket (undici's request start, after any
 * wait for a free connection), the first response byte, and the end. Bodies
 * are read up to a bound and decoded from gzip/br/deflate the way capture
 * decodes production's answer, so the two compare like for like.
 */
export interface Sent {
  answer: Answer;
  /** µs since the epoch at which the request started on a socket (or failed before). */
  sentAtUs: number;
  ttfbUs: number;
  /** Full size of the body as it crossed the wire. */
  bodySize: number;
  /** The run was cancelled while this request was in flight. */
  cancelled?: true;
  /** Short error text when `answer.error` is set. */
  errorText?: string;
}

export interface ExchangeOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  /** The chunk's requests in flight: times them out and aborts them on cancel (cheapest at high rates). */
  inFlight?: InFlight;
  /** Without `inFlight`: aborts this request when it fires (the request then gets its own timer). */
  signal?: AbortSignal;
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

class CancelledError extends Error {
  override name = 'CancelledError';
}

interface Pending {
  deadlineUs: number;
  fail(err: Error): void;
}

/**
 * The requests a chunk has in flight. One sweep timer per chunk enforces
 * timeouts (to within 50 ms) and one abort listener cancels them all: a
 * timer and a listener per request cost measurably at thousands per second.
 */
export class InFlight {
  readonly #pending = new Set<Pending>();
  readonly #timer: NodeJS.Timeout;
  readonly signal: AbortSignal;

  constructor(signal: AbortSignal, sweepMs = 50) {
    this.signal = signal;
    this.#timer = setInterval(() => this.#sweep(), sweepMs);
    signal.addEventListener('abort', () => this.#failAll(() => new CancelledError('run cancelled')), { once: true });
  }

  add(p: Pending): void {
    this.#pending.add(p);
  }

  delete(p: Pending): void {
    this.#pending.delete(p);
  }

  #sweep(): void {
    const now = nowUs();
    for (const p of this.#pending) if (p.deadlineUs <= now) p.fail(new TimeoutError(`no complete answer within the timeout`));
  }

  #failAll(err: () => Error): void {
    for (const p of [...this.#pending]) p.fail(err());
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

/** Sorts an undici error into the kinds a report counts. */
export function errorKind(err: unknown): NonNullable<Answer['error']> {
  if (err instanceof TimeoutError) return 'timeout';
  const code = (err as { code?: string } | undefined)?.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') return 'reset';
  return 'other';
}

function headerPairs(raw: Record<string, string | string[] | undefined>): HeaderPair[] {
  const out: HeaderPair[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) out.push([k, one]);
    else out.push([k, v]);
  }
  return out;
}

/** Starts the timeout and cancellation of one request; undefined when it is cancelled already. */
function track(p: Pending, opts: ExchangeOptions): (() => void) | undefined {
  const inFlight = opts.inFlight;
  if (inFlight) {
    if (inFlight.signal.aborted) return undefined;
    inFlight.add(p);
    return () => inFlight.delete(p);
  }
  const signal = opts.signal;
  if (signal?.aborted) return undefined;
  const timer = setTimeout(() => p.fail(new TimeoutError(`no complete answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
  const onAbort = () => p.fail(new CancelledError('cancelled'));
  signal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
}

/** Sends one request and collects its answer; never rejects. */
export function exchange(dispatcher: Dispatcher, origin: string, req: OutgoingRequest, opts: ExchangeOptions): Promise<Sent> {
  return new Promise((resolve) => {
    const queuedAt = nowUs();
    let sentAtUs = queuedAt;
    let ttfbUs = 0;
    let status = 0;
    let headers: HeaderPair[] = [];
    const chunks: Buffer[] = [];
    let kept = 0;
    let size = 0;
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;

    const pending: Pending = {
      deadlineUs: queuedAt + opts.timeoutMs * 1000,
      fail: (err) => {
        controller?.abort(err);
        finish(err);
      },
    };
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      untrack?.();
      const end = nowUs();
      if (error !== undefined) {
        const sent: Sent = {
          answer: { status: 0, headers: [], body: Buffer.alloc(0), latencyUs: end - sentAtUs, error: errorKind(error) },
          sentAtUs,
          ttfbUs: 0,
          bodySize: size,
          errorText: errorText(error),
        };
        if (error instanceof CancelledError) sent.cancelled = true;
        resolve(sent);
        return;
      }
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, kept);
      const answer: Answer = { status, headers, body, latencyUs: end - sentAtUs };
      if (size > kept) answer.truncated = true;
      const coding = contentCoding(headers.flat());
      if (!coding || body.length === 0) return resolve({ answer, sentAtUs, ttfbUs, bodySize: size });
      decodeBody(body, coding, opts.maxBodyBytes).then(
        (decoded) => {
          if (decoded) {
            answer.body = decoded.bytes;
            if (decoded.truncated) answer.truncated = true;
          }
          resolve({ answer, sentAtUs, ttfbUs, bodySize: size });
        },
        () => resolve({ answer, sentAtUs, ttfbUs, bodySize: size }),
      );
    };
    const untrack = track(pending, opts);
    if (!untrack) return finish(new CancelledError('cancelled before it was sent'));

    dispatcher.dispatch(
      { origin, method: req.method, path: req.path, headers: req.headers, body: req.body, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs },
      {
        onRequestStart(c) {
          controller = c;
          sentAtUs = nowUs();
          if (settled) c.abort(new Error('already settled'));
        },
        onResponseStart(_c, statusCode, h) {
          if (statusCode < 200 && statusCode !== 101) return; // informational answers precede the real one
          status = statusCode;
          headers = headerPairs(h);
          ttfbUs = nowUs() - sentAtUs;
        },
        onResponseData(_c, chunk) {
          size += chunk.length;
          if (kept < opts.maxBodyBytes) {
            const part = kept + chunk.length > opts.maxBodyBytes ? chunk.subarray(0, opts.maxBodyBytes - kept) : chunk;
            chunks.push(part);
            kept += part.length;
          }
        },
        onResponseEnd() {
          finish();
        },
        onResponseError(_c, err) {
          finish(err);
        },
      },
    );
  });
}
