import type { Finding } from './detect/index.js';
import { maybeJson } from './json-lex.js';
import { Straddle } from './json-findings.js';
import type { Scrub } from './scrub.js';
import { JsonRewrite } from './json-walk.js';
import { namedCredentialsFirst } from './credential-text.js';
import { credentialNamesIn } from './json-credentials.js';

export { JsonSyntaxError } from './json-lex.js';

/**
 * Rewrites JSON text in place: only the strings, keys and numbers that
 * change are replaced; every other byte (spacing, number spelling, key
 * order, escapes) stays as it was, so a body without personal data is
 * stored byte for byte, and big integers never lose precision. Tolerant of
 * a body cut short by the capture limit: what is there is scanned. Throws
 * JsonSyntaxError on anything that is not JSON; callers then scan the text
 * as free text.
 *
 * Keys are scanned too (maps keyed by email address); a renamed key is used
 * in the locations below it, so locations never carry raw data.
 */

/** JSON nested in strings is rewritten as JSON this many levels deep. */
export const MAX_NESTED_JSON = 3;

/** A string that may hold a JSON object or array (then it is rewritten as JSON when it parses). */
export function looksLikeJson(s: string): boolean {
  return s.length >= 2 && maybeJson(s.charCodeAt(0), s.charCodeAt(s.length - 1));
}

/**
 * Rewrites `text`; returns it unchanged (the same string) when nothing was
 * replaced. `found`: findings of a scan of the whole text (see body.ts),
 * handed to each string and number instead of scanning it again. `named`:
 * whether strings name credentials inside them (found here when not given).
 */
export function rewriteJson(text: string, scrub: Scrub, locPrefix: string, rulesApply: boolean | 'deep', found?: readonly Finding[], named?: boolean): string {
  // strings that name credentials inside them (credentialNamesIn) are read with credential-text.ts first
  const s = (named ?? credentialNamesIn(text, true) === 'text') ? namedCredentialsFirst(scrub) : scrub;
  try {
    return walk(text, s, locPrefix, rulesApply, found);
  } catch (err) {
    if (err instanceof Straddle) return walk(text, s, locPrefix, rulesApply, undefined);
    throw err;
  }
}

/**
 * One walk, or two when an object held a secret before the member that
 * names it (`{"value":"…","name":"DB_PASSWORD"}`): the second knows those
 * objects from their start (json-siblings.ts).
 */
function walk(text: string, scrub: Scrub, locPrefix: string, rulesApply: boolean | 'deep', found: readonly Finding[] | undefined): string {
  const first = new JsonRewrite(text, scrub, locPrefix, rulesApply, found);
  const out = first.run();
  const again = first.siblings.holderFirst;
  return again === undefined ? out : new JsonRewrite(text, scrub, locPrefix, rulesApply, found, again).run();
}
