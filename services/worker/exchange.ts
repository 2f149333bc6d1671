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
  /** The request failed before it went onto a socket (it waited for a connection, or could not get one). */
  neverSent?: true;
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

/** A request an InFlight tracks; the links of the InFlight's list live on it. */
interface Pending {
  deadlineUs: number;
  fail(err: Error): void;
  prevPending: Pending | undefined;
  nextPending: Pending | undefined;
}

/**
 * The requests a chunk has in flight. One sweep timer per chunk enforces
 * timeouts (to within 50 ms) and one abort listener cancels them all: a
 * timer and a listener per request cost measurably at thousands per second.
 * They are kept in a list linked through the requests themselves, in the
 * order they were added: a Set cost ~0.5 % of the worker's CPU in
 * bench:replay (hashing each new request, rehashing as it filled and
 * emptied).
 */
export class InFlight {
  #first: Pending | undefined;
  #last: Pending | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly signal: AbortSignal;

  constructor(signal: AbortSignal, sweepMs = 50) {
    this.signal = signal;
    this.#timer = setInterval(() => this.#sweep(), sweepMs);
    signal.addEventListener('abort', () => this.#failAll(() => new CancelledError('run cancelled')), { once: true });
  }

  /** Adds a request not in any InFlight. */
  add(p: Pending): void {
    p.prevPending = this.#last;
    p.nextPending = undefined;
    if (this.#last) this.#last.nextPending = p;
    else this.#first = p;
    this.#last = p;
  }

  /** Takes out a request added here (once). */
  delete(p: Pending): void {
    const { prevPending: prev, nextPending: next } = p;
    if (prev) prev.nextPending = next;
    else if (this.#first === p) this.#first = next;
    else return; // not in the list
    if (next) next.prevPending = prev;
    else this.#last = prev;
    p.prevPending = p.nextPending = undefined;
  }

  #sweep(): void {
    const now = nowUs();
    // fail() takes p out of the list: its successor is read first
    for (let p = this.#first, next: Pending | undefined; p; p = next) {
      next = p.nextPending;
      if (p.deadlineUs <= now) p.fail(new TimeoutError(`no complete answer within the timeout`));
    }
  }

  #failAll(err: () => Error): void {
    const all: Pending[] = [];
    for (let p = this.#first; p; p = p.nextPending) all.push(p);
    for (const p of all) p.fail(err());
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
  for (const k in raw) {
    const v = raw[k];
    if (v === undefined) continue;
    if (typeof v === 'string') out.push([k, v]);
    else for (const one of v) out.push([k, one]);
  }
  return out;
}

/** Without an InFlight: starts the timer and abort listener of one request; undefined when it is cancelled already. */
function track(p: Pending, opts: ExchangeOptions): (() => void) | undefined {
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

/** What undici is given to send `req` to `origin`; the same for every send of one request (see exchangeWith). */
export function dispatchOptions(origin: string, req: OutgoingRequest, timeoutMs: number): Dispatcher.DispatchOptions {
  return { origin, method: req.method, path: req.path, headers: req.headers, body: req.body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
}

/** Sends one request and collects its answer; never rejects. */
export function exchange(dispatcher: Dispatcher, origin: string, req: OutgoingRequest, opts: ExchangeOptions): Promise<Sent> {
  return exchangeWith(dispatcher, dispatchOptions(origin, req, opts.timeoutMs), opts);
}

/**
 * Sends a request built once by dispatchOptions (undici does not change it)
 * and collects its answer; never rejects. A replay sends each record many
 * times: building the options once per record spares an object per request.
 */
export function exchangeWith(dispatcher: Dispatcher, request: Dispatcher.DispatchOptions, opts: ExchangeOptions): Promise<Sent> {
  return new Promise((resolve) => new Exchange(dispatcher, request, opts, resolve));
}

/**
 * One exchange's state and its undici handler in one object: its methods
 * live on the prototype, so a request allocates no closures for them (at
 * tens of thousands of requests a second, closures and their garbage showed
 * in the worker's CPU profile).
 */
class Exchange implements Dispatcher.DispatchHandler, Pending {
  readonly deadlineUs: number;
  readonly #opts: ExchangeOptions;
  readonly #resolve: (s: Sent) => void;
  #sentAtUs: number;
  #ttfbUs = 0;
  #status = 0;
  #headers: HeaderPair[] | undefined;
  /** The answer's Content-Encoding as [name, value], when it has one. */
  #coding: string[] | undefined;
  /** The body's first chunk; the further ones in #more (made only for them: most small answers come in one). */
  #first: Buffer | undefined;
  #more: Buffer[] | undefined;
  #kept = 0;
  #size = 0;
  #settled = false;
  #started = false;
  #controller: Dispatcher.DispatchController | undefined;
  /** With an InFlight the exchange is in it until it finishes (no closure per request to take it out). */
  #inFlight: InFlight | undefined;
  /** Its neighbours in the InFlight's list. */
  prevPending: Pending | undefined;
  nextPending: Pending | undefined;
  /** Without one: clears its own timer and abort listener. */
  #untrack: (() => void) | undefined;

  constructor(dispatcher: Dispatcher, request: Dispatcher.DispatchOptions, opts: ExchangeOptions, resolve: (s: Sent) => void) {
    const queuedAt = nowUs();
    this.#sentAtUs = queuedAt;
    this.deadlineUs = queuedAt + opts.timeoutMs * 1000;
    this.#opts = opts;
    this.#resolve = resolve;
    const inFlight = opts.inFlight;
    if (inFlight) {
      if (!inFlight.signal.aborted) {
        inFlight.add(this);
        this.#inFlight = inFlight;
      }
    } else this.#untrack = track(this, opts);
    if (!this.#inFlight && !this.#untrack) {
      this.#finish(new CancelledError('cancelled before it was sent'));
      return;
    }
    dispatcher.dispatch(request, this);
  }

  fail(err: Error): void {
    this.#controller?.abort(err);
    this.#finish(err);
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.#controller = c;
    this.#sentAtUs = nowUs();
    this.#started = true;
    if (this.#settled) c.abort(new Error('already settled'));
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, h: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200 && statusCode !== 101) return; // informational answers precede the real one
    this.#status = statusCode;
    this.#headers = headerPairs(h);
    const ce = h['content-encoding']; // undici lower-cases names
    this.#coding = ce === undefined ? undefined : ['content-encoding', typeof ce === 'string' ? ce : (ce[0] ?? '')];
    this.#ttfbUs = nowUs() - this.#sentAtUs;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#size += chunk.length;
    const max = this.#opts.maxBodyBytes;
    if (this.#kept < max) {
      const part = this.#kept + chunk.length > max ? chunk.subarray(0, max - this.#kept) : chunk;
      if (!this.#first) this.#first = part;
      else (this.#more ??= []).push(part);
      this.#kept += part.length;
    }
  }

  onResponseEnd(): void {
    this.#finish();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.#finish(err);
  }

  #finish(error?: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#inFlight) this.#inFlight.delete(this);
    else this.#untrack?.();
    const end = nowUs();
    const sentAtUs = this.#sentAtUs;
    if (error !== undefined) {
      const sent: Sent = {
        answer: { status: 0, headers: [], body: Buffer.alloc(0), latencyUs: end - sentAtUs, error: errorKind(error) },
        sentAtUs,
        ttfbUs: 0,
        bodySize: this.#size,
        errorText: errorText(error),
      };
      if (error instanceof CancelledError) sent.cancelled = true;
      if (!this.#started) sent.neverSent = true;
      this.#resolve(sent);
      return;
    }
    const first = this.#first;
    const body = !first ? Buffer.alloc(0) : !this.#more ? first : Buffer.concat([first, ...this.#more], this.#kept);
    const headers = this.#headers ?? [];
    const answer: Answer = { status: this.#status, headers, body, latencyUs: end - sentAtUs };
    if (this.#size > this.#kept) answer.truncated = true;
    const sent: Sent = { answer, sentAtUs, ttfbUs: this.#ttfbUs, bodySize: this.#size };
    const coding = contentCoding(this.#coding);
    if (!coding || body.length === 0) return this.#resolve(sent);
    decodeBody(body, coding, this.#opts.maxBodyBytes).then(
      (decoded) => {
        if (decoded) {
          answer.body = decoded.bytes;
          if (decoded.truncated) answer.truncated = true;
        }
        this.#resolve(sent);
      },
      () => this.#resolve(sent),
    );
  }
}
