import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { ExchangeSink } from '../../shared/capture/exchange.js';
import { errorText } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { Sampler } from '../../shared/sampling/sampler.js';
import { createEngine, upstreamAgent, type EngineName } from './engine.js';
import { captureResponse, flowOf, offerCapture, startCapture, startFlow, type Flow } from './flow.js';
import { stripHopByHop, stripResponseHopByHop } from './hop-by-hop.js';
import type { TrafficStats } from './traffic.js';
import { replyUpgradeFailure, replyUpstreamFailure, upstreamError } from './upstream-failure.js';
import { forwardUpgrade, upgradeAnswered, watchUpgradeRequest } from './upgrade.js';

/**
 * The request path: every request is streamed to the upstream through the
 * proxying engine with a keep-alive agent; sampling is decided first, and
 * only a sampled request gets its bodies teed and an exchange offered to
 * the sinks once the client has its answer.
 */

export interface ForwarderOptions {
  upstream: URL;
  engine: EngineName;
  /** Append this hop to the X-Forwarded-* headers (--add-forwarded-headers); default false: they pass untouched. */
  addForwardedHeaders?: boolean;
  /** Idle ms the upstream may take (connect, headers, between body chunks) before 504 / cut-off. */
  timeoutMs: number;
  maxBodyBytes: number;
  sampler: Sampler;
  sinks: readonly ExchangeSink[];
  /** The capture session at request start (the admin plane may switch it). */
  session: () => string;
  stats: TrafficStats;
  log: Logger;
  /**
   * The shadow marker (`x-parity-shadow: 1`): a request carrying it is a
   * mirrored one (this proxy stands in front of a candidate, or a shadow was
   * pointed back at a proxy). It is forwarded, never captured, so it is
   * neither stored as production traffic nor mirrored again.
   */
  marker?: readonly [string, string];
}

export interface Forwarder {
  onRequest(req: IncomingMessage, res: ServerResponse): void;
  /** `Expect: 100-continue`: forwarded upstream, its 100 relayed to the client. */
  onCheckContinue(req: IncomingMessage, res: ServerResponse): void;
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes idle upstream sockets. */
  close(): void;
}

export function createForwarder(opts: ForwarderOptions): Forwarder {
  const agent = upstreamAgent(opts.upstream);
  const engine = createEngine(opts.engine, { upstream: opts.upstream, addForwardedHeaders: opts.addForwardedHeaders ?? false }, agent);
  // origin never carries credentials
  const upstreamName = opts.upstream.origin;
  const { stats, sinks, sampler, maxBodyBytes, marker } = opts;
  const wanted = () => sinks.some((s) => s.accepts());
  const basePath = opts.upstream.pathname.replace(/\/$/, '');

  function begin(req: IncomingMessage, expectContinue: boolean): Flow {
    stats.proxied++;
    stats.active++;
    const flow = startFlow(req, performance.now());
    flow.expectContinue = expectContinue;
    if (marker && req.headers[marker[0]] === marker[1]) stats.marked++;
    else if (wanted() && sampler.decide(req)) {
      stats.sampled++;
      startCapture(flow, req, opts.session(), maxBodyBytes);
    }
    return flow;
  }

  function onRequest(req: IncomingMessage, res: ServerResponse, expectContinue = false): void {
    const flow = begin(req, expectContinue);
    stripHopByHop(req.headers);
    res.once('close', () => {
      stats.active--;
      const now = performance.now();
      if (!res.writableFinished) {
        // the client went away (or the answer was cut): never leave the upstream request running
        flow.proxyReq?.destroy();
        if (!flow.error) {
          flow.error = 'client-aborted';
          stats.failures['client-aborted']++;
        }
      }
      offerCapture(flow, sinks, now, flow.capture?.exchange.resTrailers);
    });
    engine.web(req, res);
  }

  engine.on('proxyReq', (proxyReq: ClientRequest, req: IncomingMessage, res: ServerResponse) => {
    const flow = flowOf(req);
    if (!flow) return;
    flow.proxyReq = proxyReq;
    // The engines join paths their own way (http-proxy collapses `//`, both
    // normalise through URL parsing); the upstream gets the request target
    // exactly as the client sent it. Headers are rendered lazily, so this
    // still applies at the socket event.
    if (!proxyReq.headersSent && req.url?.startsWith('/')) proxyReq.path = basePath + req.url;
    proxyReq.setTimeout(opts.timeoutMs, () => {
      flow.timedOut = true;
      proxyReq.destroy(Object.assign(new Error(`no answer from ${upstreamName} within ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    });
    if (flow.expectContinue) {
      proxyReq.setHeader('expect', '100-continue');
      proxyReq.once('continue', () => res.writeContinue());
      proxyReq.flushHeaders();
    }
  });

  engine.on('proxyRes', (proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse) => {
    const flow = flowOf(req);
    if (!flow) return;
    flow.ttfb = performance.now() - flow.t0;
    stats.onUpstreamLatency(flow.ttfb / 1000);
    stripResponseHopByHop(proxyRes.headers);
    // Connection is hop-by-hop: answer the client's own keep-alive or close, as Node decided it.
    proxyRes.headers.connection = res.shouldKeepAlive ? 'keep-alive' : 'close';
    if (flow.capture) captureResponse(flow.capture, proxyRes, maxBodyBytes);
    // The upstream broke off mid-body: pass the break on rather than leave the client waiting.
    proxyRes.once('close', () => {
      if (proxyRes.complete || res.writableFinished) return;
      if (!flow.error) {
        flow.error = flow.timedOut ? 'upstream-timeout' : 'upstream-error';
        stats.failures[flow.error]++;
      }
      res.destroy();
    });
    // Registered before the engine pipes proxyRes into res, so it runs before res.end().
    proxyRes.once('end', () => {
      flow.end = performance.now() - flow.t0;
      const raw = proxyRes.rawTrailers;
      if (raw.length > 0) {
        const trailers: [string, string][] = [];
        for (let i = 0; i < raw.length; i += 2) trailers.push([raw[i]!, raw[i + 1]!]);
        res.addTrailers(trailers);
        if (flow.capture) flow.capture.exchange.resTrailers = raw;
      }
    });
  });

  engine.on('error', (err: NodeJS.ErrnoException, req: IncomingMessage, target: ServerResponse | Duplex) => {
    const flow = flowOf(req);
    const kind = upstreamError(err, flow?.timedOut ?? false);
    if (flow && !flow.error) flow.error = kind;
    stats.failures[kind]++;
    opts.log.debug({ err: errorText(err), code: err.code, method: req.method, kind }, 'upstream request failed');
    if ('writeHead' in target) replyUpstreamFailure(target, kind, upstreamName, err);
    else if (upgradeAnswered(flow)) target.destroy();
    else {
      replyUpgradeFailure(target, kind, upstreamName, err);
      if (flow) offerCapture(flow, sinks, performance.now());
    }
  });

  engine.on('proxyReqWs', (proxyReq: ClientRequest, req: IncomingMessage, socket: Duplex) => watchUpgradeRequest(proxyReq, req, socket, sinks));

  engine.on('econnreset', (_err: Error, req: IncomingMessage) => {
    const flow = flowOf(req);
    if (flow && !flow.error) {
      flow.error = 'client-aborted';
      stats.failures['client-aborted']++;
    }
  });

  return {
    onRequest: (req, res) => onRequest(req, res),
    onCheckContinue(req, res) {
      // Forwarded without the header so the engine emits proxyReq; the hook above puts it back.
      delete req.headers.expect;
      onRequest(req, res, true);
    },
    onUpgrade(req, socket, head) {
      const flow = begin(req, false);
      stats.upgrades++;
      forwardUpgrade({ engine, req, socket, head, flow, sinks, stats });
    },
    close() {
      agent.destroy();
      engine.removeAllListeners();
    },
  };
}
