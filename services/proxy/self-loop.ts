import { listenUrl, type ListenAddress } from '../../shared/config/setting.js';
import { parityError, redactUrl } from '../../shared/errors.js';
import { sameOrigin } from '../../shared/origin.js';

/**
 * An upstream that is this proxy's own listener (by any loopback name, scheme
 * or the any-address a listener binds, as `--shadow`'s check compares them:
 * shared/origin.ts) sends every request back to the proxy until its headers
 * overflow. Refused before anything connects or listens.
 */
export function refuseOwnListener(upstream: URL, listen: ListenAddress): void {
  if (listen.port === 0 || !sameOrigin(upstream.href, listenUrl(listen))) return;
  throw parityError('PARITY_ERR_CONFIG_INVALID', `upstream (--upstream, PARITY_UPSTREAM) ${redactUrl(upstream.origin)} is this proxy's own listener (--listen ${listen.host}:${listen.port}): every request would come back to the proxy, without end`, {
    hint: 'Point --upstream (PARITY_UPSTREAM) at the production app, on another port or host than --listen.',
  });
}
