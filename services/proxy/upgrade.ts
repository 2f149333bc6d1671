import type { ClientRequest, IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { ExchangeSink } from '../../shared/capture/exchange.js';
import type { ProxyEngine } from './engine.js';
import { flowOf, offerCapture, type Flow } from './flow.js';
import { stripHopByHop } from './hop-by-hop.js';
import type { TrafficStats } from './traffic.js';

/**
 * Protocol upgrades (WebSocket): proxied by the engine, recorded as
 * metadata only — the handshake's request and response headers, never
 * frames. The exchange is offered as soon as the upstream answered the
 * handshake; the connection itself may live for hours.
 */

export interface UpgradeContext {
  engine: ProxyEngine;
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  flow: Flow;
  sinks: readonly ExchangeSink[];
  stats: TrafficStats;
}

export function forwardUpgrade(ctx: UpgradeContext): void {
  const { req, socket, flow, sinks, stats } = ctx;
  const protocol = req.headers.upgrade ?? 'unknown';
  if (flow.capture) flow.capture.exchange.upgrade = protocol;
  stripHopByHop(req.headers, true);
  socket.once('close', () => {
    stats.active--;
    // Neither engine reliably closes the upstream half when the client goes (http-proxy 1.18.1 never does).
    flow.upgradedSocket?.destroy();
    if (flow.ttfb < 0 && !flow.error) {
      flow.error = 'client-aborted';
      stats.failures['client-aborted']++;
      flow.proxyReq?.destroy();
    }
    offerCapture(flow, sinks, performance.now());
  });
  ctx.engine.ws(req, socket, ctx.head);
}

/** Watches the upstream side of a handshake (the engine's proxyReqWs event). */
export function watchUpgradeRequest(proxyReq: ClientRequest, req: IncomingMessage, socket: Duplex, sinks: readonly ExchangeSink[]): void {
  const flow = flowOf(req);
  if (!flow) return;
  flow.proxyReq = proxyReq;
  const answered = (res: IncomingMessage) => {
    flow.ttfb = flow.end = performance.now() - flow.t0;
    const c = flow.capture;
    if (!c) return;
    c.exchange.status = res.statusCode ?? 0;
    c.exchange.resHeaders = res.rawHeaders;
    offerCapture(flow, sinks, performance.now());
  };
  proxyReq.once('upgrade', (res: IncomingMessage, upstreamSocket: Duplex) => {
    flow.upgradedSocket = upstreamSocket;
    upstreamSocket.once('close', () => socket.destroy());
    answered(res);
  });
  proxyReq.once('response', answered);
}

/** After the handshake the sockets belong to the protocol: errors just close them. */
export function upgradeAnswered(flow: Flow | undefined): boolean {
  return flow !== undefined && flow.ttfb >= 0;
}
