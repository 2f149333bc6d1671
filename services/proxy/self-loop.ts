import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { listenUrl, type ListenAddress } from '../../shared/config/setting.js';
import { parityError, redactUrl } from '../../shared/errors.js';
import { originPort, sameOrigin } from '../../shared/origin.js';

/** How long the upstream's host name may take to resolve; past it the address check is skipped, as when it does not resolve. */
const LOOKUP_MS = 2000;

/**
 * An upstream that is this proxy's own listener sends every request back to
 * the proxy until its headers overflow. Refused before anything connects or
 * listens, when the upstream names the listener (by any loopback name,
 * scheme or the any-address a listener binds, as `--shadow`'s check compares
 * them: shared/origin.ts) or, on the listener's port, resolves to an address
 * it answers on: any of this machine's (os.networkInterfaces()) for an
 * any-address listener, else its own. The only network call is one DNS
 * lookup of the upstream's host, and only when the ports are equal; a name
 * that does not resolve (in time) is let through, as before.
 */
export async function refuseOwnListener(upstream: URL, listen: ListenAddress): Promise<void> {
  if (listen.port === 0) return;
  const own = listenUrl(listen);
  if (sameOrigin(upstream.href, own)) throw ownListener(upstream, listen);
  if (originPort(upstream) !== listen.port) return;
  const machine = machineAddresses();
  for (const address of await resolve(upstream.hostname)) {
    const url = `http://${isIP(address) === 6 ? `[${address}]` : address}:${listen.port}`;
    if (sameOrigin(url, own) || (machine.has(address) && anyAddress(listen.host, address))) throw ownListener(upstream, listen, address);
  }
}

function ownListener(upstream: URL, listen: ListenAddress, address?: string) {
  const resolved = address ? `; ${address} is an address of this machine` : '';
  return parityError('PARITY_ERR_CONFIG_INVALID', `upstream (--upstream, PARITY_UPSTREAM) ${redactUrl(upstream.origin)} is this proxy's own listener (--listen ${listenUrl(listen).slice('http://'.length)}${resolved}): every request would come back to the proxy, without end`, {
    hint: 'Point --upstream (PARITY_UPSTREAM) at the production app, on another port or host than --listen.',
  });
}

/** Whether a listener on `host` answers at `address`: `::` at every address, `0.0.0.0` at every IPv4 one. */
const anyAddress = (host: string, address: string) => host === '::' || (host === '0.0.0.0' && isIP(address) === 4);

/**
 * An address as os.networkInterfaces() spells it: lower case, no zone
 * (`%eth0`), IPv4 out of its IPv6 mapping (`::ffff:192.0.2.2`, which a URL
 * spells `[::ffff:c000:202]`).
 */
function plain(address: string): string {
  const text = address.toLowerCase().replace(/%.*$/, '');
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text);
  if (hex) return [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)].flatMap((n) => [n >> 8, n & 255]).join('.');
  return text.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

function machineAddresses(): Set<string> {
  try {
    return new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => plain(a.address))));
  } catch {
    return new Set(); // some sandboxes refuse to list interfaces
  }
}

/** The upstream host's addresses; none when it does not resolve within LOOKUP_MS. */
async function resolve(hostname: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<[]>((done) => (timer = setTimeout(() => done([]), LOOKUP_MS)));
  const found = lookup(hostname.replace(/^\[|\]$/g, ''), { all: true }).then(
    (list) => list.map((a) => plain(a.address)),
    () => [],
  );
  try {
    return await Promise.race([found, late]);
  } finally {
    clearTimeout(timer);
  }
}
