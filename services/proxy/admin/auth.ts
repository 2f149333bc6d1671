import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ListenAddress } from '../../../shared/config/setting.js';
import { ERRORS, parityError } from '../../../shared/errors.js';

/** Routes a probe may call without the token (they reveal nothing). */
const OPEN_ROUTES = new Set(['/healthz', '/readyz']);
/** Where a browser signs in with the token (the form posts here). */
export const LOGIN_PATH = '/login';
export const SESSION_COOKIE = 'parity_admin';
const SESSION_MAX_AGE_S = 12 * 3600;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** True for 127.0.0.0/8, ::1 and localhost: the admin plane may run there without a token. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::ffff:127.0.0.1';
}

/** Throws PARITY_ERR_ADMIN_TOKEN_REQUIRED before anything listens. */
export function checkAdminExposure(listen: ListenAddress, token: string | undefined): void {
  if (!token && !isLoopback(listen.host)) {
    throw parityError('PARITY_ERR_ADMIN_TOKEN_REQUIRED', `the admin API would listen on ${listen.host}:${listen.port} without a token`);
  }
}

/**
 * With a token, every admin route but the probes needs it: API clients send
 * `Authorization: Bearer <token>`; a browser, which cannot add that header
 * to a page it navigates to, signs in once on a small form and then carries
 * a session cookie (HttpOnly, SameSite=Strict, 12 h). The cookie holds an
 * HMAC of the token, not the token, so it changes when the token does.
 * Everything is compared in constant time. Registered on the root instance,
 * so extensions (/shadow, /queues) are covered too.
 */
export function requireBearerToken(app: FastifyInstance, token: string): void {
  const want = digest(token);
  const session = createHmac('sha256', token).update('parity admin browser session v1').digest('base64url');
  const wantSession = digest(session);
  const bearerOk = (req: FastifyRequest) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]!.trim()), want);
  };
  const cookieOk = (req: FastifyRequest) => {
    const value = cookie(req.headers.cookie, SESSION_COOKIE);
    return value !== undefined && timingSafeEqual(digest(value), wantSession);
  };

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (OPEN_ROUTES.has(path) || path === LOGIN_PATH || bearerOk(req) || cookieOk(req)) return;
    const e = ERRORS.PARITY_ERR_UNAUTHORIZED;
    if (req.method === 'GET' && wantsHtml(req)) {
      await reply.code(e.http).header('www-authenticate', 'Bearer').type('text/html; charset=utf-8').send(loginPage(req.url, false));
      return reply;
    }
    await reply.code(e.http).header('www-authenticate', 'Bearer').send({ error: 'PARITY_ERR_UNAUTHORIZED', message: 'missing or wrong bearer token', hint: e.hint });
    return reply;
  });

  app.get(LOGIN_PATH, async (req, reply) => reply.type('text/html; charset=utf-8').send(loginPage(safeNext((req.query as Record<string, unknown>).next), false)));

  app.post(LOGIN_PATH, async (req, reply) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(form.next);
    const given = typeof form.token === 'string' ? form.token : '';
    if (!timingSafeEqual(digest(given), want)) {
      return reply.code(ERRORS.PARITY_ERR_UNAUTHORIZED.http).type('text/html; charset=utf-8').send(loginPage(next, true));
    }
    return reply
      .code(303)
      .header('set-cookie', `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_S}`)
      .header('location', next)
      .send();
  });
}

function wantsHtml(req: FastifyRequest): boolean {
  return /\btext\/html\b/.test(req.headers.accept ?? '');
}

/** A same-site path to go back to after signing in; anything else goes to /shadow. */
function safeNext(v: unknown): string {
  return typeof v === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(v) ? v : '/shadow';
}

function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The sign-in form: self-contained, no script, no network. */
function loginPage(next: string, failed: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parity admin — sign in</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#222}
input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box;margin:.3rem 0 .8rem}button{font:inherit;padding:.4rem 1rem}
.err{color:#b00020}</style></head>
<body><h1>Parity admin</h1>
<p>This admin API needs its token (PARITY_ADMIN_TOKEN). Signing in sets a session cookie for this browser, valid 12 hours.</p>
${failed ? '<p class="err" role="alert">That token is not right.</p>' : ''}
<form method="post" action="${LOGIN_PATH}">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${escapeHtml(safeNext(next))}">
<button type="submit">Sign in</button>
</form></body></html>
`;
}
