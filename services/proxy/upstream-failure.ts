import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExchangeError } from '../../shared/capture/exchange.js';

/**
 * What the client gets (upstream URLs here are already redacted) when the upstream fails: 502 with a short JSON body
 * naming the upstream when it refused or broke the connection, 504 when it
 * was slower than the timeout. A response already under way is cut off
 * (the client sees a truncated body, as it would without the proxy).
 */

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Classifies an upstream error; `timedOut` comes from the proxy's own timer. */
export function upstreamError(err: NodeJS.ErrnoException, timedOut: boolean): ExchangeError {
  if (timedOut) return 'upstream-timeout';
  if (err.code && REFUSED.has(err.code)) return 'upstream-refused';
  return 'upstream-error';
}

function body(kind: ExchangeError, upstream: string, err: NodeJS.ErrnoException): { status: number; json: string } {
  if (kind === 'upstream-timeout') return { status: 504, json: JSON.stringify({ error: 'upstream timeout', upstream, message: `${upstream} did not answer in time` }) };
  const what = kind === 'upstream-refused' ? 'upstream unreachable' : 'upstream error';
  return { status: 502, json: JSON.stringify({ error: what, upstream, code: err.code ?? 'EUNKNOWN', message: `${what}: ${upstream}` }) };
}

export function replyUpstreamFailure(res: ServerResponse, kind: ExchangeError, upstream: string, err: NodeJS.ErrnoException): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const { status, json } = body(kind, upstream, err);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'x-parity-error': kind });
  res.end(json);
}

/** The same for a WebSocket upgrade, written raw on the client socket. */
export function replyUpgradeFailure(socket: Duplex, kind: ExchangeError, upstream: string, err: NodeJS.ErrnoException): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const { status, json } = body(kind, upstream, err);
  const reason = status === 504 ? 'Gateway Timeout' : 'Bad Gateway';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`);
}
