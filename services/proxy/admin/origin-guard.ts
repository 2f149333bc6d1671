import { ERRORS } from '../../../shared/errors.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * What keeps a browser on the proxy's machine from driving the admin plane
 * for another site. Without a token (loopback only) a request must be
 * addressed to a loopback name with the port it arrived on: a page of
 * evil.example whose name was rebound to 127.0.0.1 (DNS rebinding) sends
 * `Host: evil.example`. With or without a token, a request that changes
 * something must not come from another origin: a browser says where a POST
 * comes from in `Origin`, and another site's page cannot forge it. Clients
 * that send no Origin (the CLI, curl, scripts) are not browsers driven by
 * a page and pass. Registered before the token check, on every route.
 */

/** Methods that only read (a cross-site page can send them, but cannot read the answer). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** localhost (a root dot allowed), 127.0.0.0/8 and [::1], as URL.hostname spells them. */
function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** `host[:port]` as a `scheme:` URL reads it (the scheme's default port left out), or undefined when it is not one. */
function parseHost(host: string, scheme = 'http:'): URL | undefined {
  try {
    const url = new URL(`${scheme}//${host}`);
    return url.host === '' || `${url.pathname}${url.search}${url.hash}` !== '/' || url.username || url.password ? undefined : url;
  } catch {
    return undefined;
  }
}

/** Why a loopback plane refuses this Host, or undefined. */
function foreignHost(host: string | undefined, arrivedOn: number | undefined): string | undefined {
  if (host === undefined) return undefined; // HTTP/1.0 without Host: no browser sends that
  const url = parseHost(host);
  if (!url || !isLoopbackName(url.hostname)) return `Host ${JSON.stringify(host.slice(0, 100))} is not a loopback name`;
  if (arrivedOn !== undefined && Number(url.port || 80) !== arrivedOn) return `Host ${JSON.stringify(host.slice(0, 100))} names another port than ${arrivedOn}`;
  return undefined;
}

/** Why this state change comes from another origin, or undefined. */
function foreignOrigin(origin: string | undefined, host: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  const quoted = JSON.stringify(origin.slice(0, 100));
  let from: URL;
  try {
    from = new URL(origin);
  } catch {
    return `Origin ${quoted} is another site's`;
  }
  // the page's host as this request names the plane, read with the page's scheme so that default ports match
  const own = host === undefined ? undefined : parseHost(host, from.protocol);
  if ((from.protocol !== 'http:' && from.protocol !== 'https:') || !own || from.host !== own.host) return `Origin ${quoted} is another site's`;
  return undefined;
}

async function refuse(reply: FastifyReply, why: string, loopbackOnly: boolean): Promise<FastifyReply> {
  const hint = loopbackOnly
    ? 'Open the admin API as http://127.0.0.1:<port> or http://localhost:<port> (a tunnel must keep the port: ssh -L 9090:127.0.0.1:9090), from its own pages or a client that is not a browser; set PARITY_ADMIN_TOKEN to serve other names.'
    : 'Change capture or shadow state from the admin API\'s own pages, or from a client that is not a browser (the CLI, curl) with its bearer token.';
  await reply.code(ERRORS.PARITY_ERR_FOREIGN_ORIGIN.http).send({ error: 'PARITY_ERR_FOREIGN_ORIGIN', message: `the admin API refused a request from another site: ${why}`, hint });
  return reply;
}

/** Adds the Host and Origin checks; `loopbackOnly`: the plane has no token (it then binds to loopback only). */
export function refuseOtherSites(app: FastifyInstance, opts: { loopbackOnly: boolean }): void {
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const host = req.headers.host;
    const why =
      (opts.loopbackOnly ? foreignHost(host, req.socket.localPort) : undefined) ??
      (SAFE_METHODS.has(req.method) ? undefined : foreignOrigin(req.headers.origin, host));
    if (why !== undefined) return refuse(reply, why, opts.loopbackOnly);
  });
}
