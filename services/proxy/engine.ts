import type { EventEmitter } from 'node:events';
import { Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import { createProxyServer as createProxy3 } from 'http-proxy-3';

/**
 * The proxying library behind the data plane. Both http-proxy 1.18.1 and
 * http-proxy-3 are kept selectable so bench:proxy and the client-abort
 * leak test can compare them (docs/decisions.md); the data plane only
 * uses the API they share.
 */
export type EngineName = 'http-proxy' | 'http-proxy-3';

export const DEFAULT_ENGINE: EngineName = 'http-proxy';

/** The shared surface: web/ws plus the proxyReq, proxyRes, proxyReqWs, error and econnreset events. */
export interface ProxyEngine extends EventEmitter {
  web(req: IncomingMessage, res: ServerResponse): void;
  ws(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface EngineOptions {
  upstream: URL;
  /** Sockets kept open to the upstream when idle. */
  maxFreeSockets?: number;
  /** Append this hop to X-Forwarded-For/-Port/-Proto and set X-Forwarded-Host (the engines' `xfwd`); default false. */
  addForwardedHeaders?: boolean;
}

/** A keep-alive agent for the upstream: without one every request pays a TCP handshake (~4x fewer req/s). */
export function upstreamAgent(upstream: URL, maxFreeSockets = 256): HttpAgent {
  const opts = { keepAlive: true, maxFreeSockets, scheduling: 'lifo' as const };
  return upstream.protocol === 'https:' ? new HttpsAgent(opts) : new HttpAgent(opts);
}

export function createEngine(name: EngineName, opts: EngineOptions, agent: HttpAgent): ProxyEngine {
  // Off by default: behind an ingress the app must see its X-Forwarded-* as the ingress wrote them, not
  // `https,http` and this proxy as the client. Host itself goes upstream as the client sent it.
  const options = { target: opts.upstream.href, agent, xfwd: opts.addForwardedHeaders ?? false, changeOrigin: false, ws: true };
  if (name === 'http-proxy-3') return createProxy3(options);
  return httpProxy.createProxyServer(options);
}
