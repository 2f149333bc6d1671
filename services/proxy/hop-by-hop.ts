import type { IncomingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the
 * message: the proxy drops them on each side and keeps its own upstream
 * connections alive. Everything else passes as sent. `Upgrade` is kept on
 * upgrade requests, `TE: trailers` is kept (it asks for trailers end to end).
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade'];

/** Deletes hop-by-hop headers (and those the Connection header names) in place. */
export function stripHopByHop(headers: IncomingHttpHeaders, keepUpgrade = false): void {
  const connection = headers.connection;
  if (connection) {
    for (const name of connection.toLowerCase().split(',')) {
      const n = name.trim();
      if (n && n !== 'upgrade' && n !== 'close' && n !== 'keep-alive') delete headers[n];
    }
  }
  for (const name of HOP_BY_HOP) {
    if (headers[name] === undefined) continue;
    if (keepUpgrade && (name === 'upgrade' || name === 'connection')) continue;
    if (name === 'te' && String(headers.te).trim().toLowerCase() === 'trailers') continue;
    delete headers[name];
  }
}

/** The response side: `proxyRes.headers` before http-proxy copies them to the client. */
export function stripResponseHopByHop(headers: IncomingHttpHeaders): void {
  if (headers.connection === undefined && headers['keep-alive'] === undefined) return;
  stripHopByHop(headers);
}
