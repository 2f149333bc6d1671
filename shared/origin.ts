/**
 * Whether two URLs reach the same server: the production-target checks of
 * replay (`--allow-production-target`) and shadow (`--shadow` must not be
 * the upstream) compare a target with the captured upstream this way.
 */

/** Names of this host: loopback, and the "any address" a server says it listens on (0.0.0.0, ::). */
const LOOPBACK = new Set(['localhost', '[::1]', '::1', '0.0.0.0', '[::]', '::']);
const isLoopback = (hostname: string) => LOOPBACK.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname) || /^\[::ffff:(?:7f|127\.)/i.test(hostname);

/** A host as a listener is named: loopback names as one, lower case, without the root label's dot (`shop.example.`). */
function hostOf(u: URL): string {
  const name = u.hostname.toLowerCase().replace(/\.$/, '');
  return isLoopback(name) ? 'loopback' : name;
}

/** The port a URL reaches, its scheme's default when it names none. */
export const originPort = (u: URL): number => Number(u.port || (u.protocol === 'https:' ? 443 : 80));

/**
 * Same host and port, whatever the scheme (`http://shop.example:443` reaches
 * the listener `https://shop.example` does), the case, a trailing dot or
 * which loopback name is used. False when either is not a URL.
 */
export function sameOrigin(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return hostOf(x) === hostOf(y) && originPort(x) === originPort(y);
  } catch {
    return false;
  }
}
