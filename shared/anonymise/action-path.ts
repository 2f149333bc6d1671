/**
 * One-time secrets a server takes in a URL's path, after the segment that
 * names the action (`/reset-password/<token>`, `/password/reset/<token>`,
 * `/verify-email/<token>`, `/invite/accept/<token>`, `/unsubscribe/<token>`):
 * an account-takeover secret wherever the link goes. The request URL is read
 * segment by segment (url.ts); a link anywhere else (a Referer, a Location,
 * a JSON string, an HTML or email body) is read here.
 */

/**
 * Action segments, lower-cased and without '-' and '_'. Collections
 * (`tokens`, `sessions`, `invitations`) are not here: what follows them is
 * an id.
 */
const ACTIONS = new Set([
  'reset', 'resetpassword', 'passwordreset', 'verify', 'verifyemail', 'emailverify', 'verification', 'emailverification',
  'confirm', 'confirmemail', 'confirmation', 'magiclink', 'magic', 'invite', 'accept', 'acceptinvite', 'activate', 'activation', 'unsubscribe',
]);

/** What a secret looks like: 16 characters or more of letters, digits, '_', '-' and '.', with letters and digits both (a JWT is one too). */
const TOKEN = /^[\w.-]{16,}$/;

/** `segment` (its matrix parameters aside) names an action. */
export function isAction(segment: string): boolean {
  return ACTIONS.has(segment.split(';', 1)[0]!.toLowerCase().replace(/[-_]/g, ''));
}

/** `value` looks like a random token. */
export function isSecretToken(value: string): boolean {
  return value.length >= 16 && TOKEN.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

/**
 * `/<action>/<token>` in text, tried at a slash: the action's first
 * letters, the rest of its segment, the token (slashes may be escaped, `\/`,
 * in a JSON text read whole). Most slashes fail at the
 * letter after them (a catalogue page's CDN URLs), before any regex runs.
 */
const ACTION_AT = /\/((?:reset|password|verif|email|confirm|magic|invite|accept|activat|unsubscribe)[\w-]{0,24})(?:\\?\/){1,4}([\w.-]{16,4096})/iy;

/** The letters (lower-cased) ACTION_AT's words start with. */
const startsAction = (c: number) => c === 114 || c === 112 || c === 118 || c === 101 || c === 99 || c === 109 || c === 105 || c === 97 || c === 117;

/** The first secret after an action segment at or after `from`: its token's span, or undefined. */
function nextSecret(text: string, from: number): { start: number; end: number } | undefined {
  for (let i = text.indexOf('/', from); i >= 0; i = text.indexOf('/', i + 1)) {
    if (!startsAction(text.charCodeAt(i + 1) | 32)) continue;
    ACTION_AT.lastIndex = i;
    const m = ACTION_AT.exec(text);
    if (m && isAction(m[1]!) && isSecretToken(m[2]!)) return { start: ACTION_AT.lastIndex - m[2]!.length, end: ACTION_AT.lastIndex };
  }
  return undefined;
}

/** Where `text` holds a secret after an action segment: the tokens' spans. */
export function actionPathSecrets(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let s = nextSecret(text, 0); s; s = nextSecret(text, s.end)) out.push(s);
  return out;
}

/** `text` holds a secret after an action segment somewhere (json-credentials.ts: its strings are then read as text). */
export function hasActionPathSecret(text: string): boolean {
  return nextSecret(text, 0) !== undefined;
}
