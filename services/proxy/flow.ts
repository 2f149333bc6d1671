import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { BodyTap, emptyTappedBody } from '../../shared/capture/body-tap.js';
import type { Exchange, ExchangeError, ExchangeSink } from '../../shared/capture/exchange.js';
import { performance } from 'node:perf_hooks';

/**
 * A flow: the proxy's state for one request, hung on the IncomingMessage.
 * Every request gets the few fields needed for timeouts, aborts and
 * latency; only sampled requests get a Capture (taps and a lean exchange).
 */
export interface Flow {
  /** performance.now() at request start. */
  t0: number;
  /** ms from t0 to upstream response headers; -1 before. */
  ttfb: number;
  /** ms from t0 to the end of the upstream response; -1 before. */
  end: number;
  proxyReq: ClientRequest | undefined;
  /** The upstream socket of an upgraded connection. */
  upgradedSocket?: Duplex;
  timedOut: boolean;
  /** The client sent `Expect: 100-continue`; it is forwarded on the upstream request. */
  expectContinue: boolean;
  error: ExchangeError | undefined;
  capture: Capture | undefined;
}

export interface Capture {
  exchange: Exchange;
  reqTap: BodyTap;
  resTap: BodyTap | undefined;
  offered: boolean;
}

const kFlow = Symbol('parity.flow');
type Carrier = IncomingMessage & { [kFlow]?: Flow };

export function flowOf(req: IncomingMessage): Flow | undefined {
  return (req as Carrier)[kFlow];
}

export function startFlow(req: IncomingMessage, t0: number): Flow {
  const flow: Flow = { t0, ttfb: -1, end: -1, proxyReq: undefined, timedOut: false, expectContinue: false, error: undefined, capture: undefined };
  (req as Carrier)[kFlow] = flow;
  return flow;
}

/** Starts capturing a sampled request: tees its body from here on. */
export function startCapture(flow: Flow, req: IncomingMessage, session: string, maxBodyBytes: number): Capture {
  const reqTap = new BodyTap(maxBodyBytes);
  const exchange: Exchange = {
    session,
    // the flow's start on the same clock the record uses (µs since the epoch), without a second clock read
    ts: Math.round((performance.timeOrigin + flow.t0) * 1000),
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    httpVersion: req.httpVersion,
    scheme: 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http',
    reqHeaders: req.rawHeaders,
    reqBody: reqTap.body,
    ttfbUs: 0,
    totalUs: 0,
  };
  if (req.socket.remoteAddress) exchange.clientIp = req.socket.remoteAddress;
  req.on('data', (c: Buffer) => reqTap.push(c));
  const capture: Capture = { exchange, reqTap, resTap: undefined, offered: false };
  flow.capture = capture;
  return capture;
}

/** Records the upstream's status and headers and tees its body. */
export function captureResponse(capture: Capture, res: IncomingMessage, maxBodyBytes: number): void {
  capture.exchange.status = res.statusCode ?? 0;
  capture.exchange.resHeaders = res.rawHeaders;
  const tap = new BodyTap(maxBodyBytes);
  capture.resTap = tap;
  res.on('data', (c: Buffer) => tap.push(c));
}

/** Completes the exchange and hands it to every sink that still wants it. Once. */
export function offerCapture(flow: Flow, sinks: readonly ExchangeSink[], now: number, trailers?: string[]): void {
  const c = flow.capture;
  if (!c || c.offered) return;
  c.offered = true;
  const e = c.exchange;
  e.reqBody = c.reqTap.finish();
  if (c.resTap) e.resBody = c.resTap.finish();
  else if (e.status !== undefined) e.resBody = emptyTappedBody();
  if (trailers && trailers.length > 0) e.resTrailers = trailers;
  e.ttfbUs = flow.ttfb < 0 ? 0 : Math.round(flow.ttfb * 1000);
  e.totalUs = Math.round(((flow.end < 0 ? now : flow.t0 + flow.end) - flow.t0) * 1000);
  if (flow.error) e.error = flow.error;
  for (const s of sinks) if (s.accepts()) s.offer(e);
}
