import { isCredentialName, mayNameCredential } from './credentials.js';
import { PSEUDONYM } from './headers.js';
import { compileJsonPath } from './json-path.js';
import type { CompiledRules } from './rules.js';
import { scrubWith, type Scrub } from './scrub.js';

/**
 * A GraphQL operation sent as JSON passes credentials as variables:
 * `login(email: $e, password: $p)` with `{"variables":{"p":"…"}}`. A
 * variable whose key the JSON walk takes for a credential's (`$password`)
 * is pseudonymised by its key already; any other (`$p`, and `$pw`, which
 * the walk's look at a key's last three letters passes over) is found here, by the argument (or input
 * field) it is passed to, and its value in `variables` is treated as a
 * credential by a JSON rule made for this body: `$.variables.p`, and
 * `$[*].variables.p` for a batch of operations.
 *
 * Only a body holding a `$` and the word `variables` is read, each `$`
 * found with indexOf (a rare character in JSON, so memchr skips far).
 */

const isIdentChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
const isBlank = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 44;

/** Variables that are passed to an argument or input field named like a credential, and are not so named themselves. */
export function credentialVariables(text: string): string[] {
  if (!text.includes('$') || !text.includes('variables')) return [];
  const out = new Set<string>();
  for (let i = text.indexOf('$'); i >= 0; i = text.indexOf('$', i + 1)) {
    let e = i + 1;
    while (e < text.length && isIdentChar(text.charCodeAt(e))) e++;
    if (e === i + 1) continue;
    // `name: $var`, blanks (and escaped line breaks, `\n` in the JSON string) around the colon
    let j = i - 1;
    while (j >= 0 && (isBlank(text.charCodeAt(j)) || escapedBlank(text, j))) j -= escapedBlank(text, j) ? 2 : 1;
    if (text.charCodeAt(j) !== 58) continue;
    j--;
    while (j >= 0 && (isBlank(text.charCodeAt(j)) || escapedBlank(text, j))) j -= escapedBlank(text, j) ? 2 : 1;
    let s = j + 1;
    while (s > 0 && isIdentChar(text.charCodeAt(s - 1))) s--;
    // `\npassword`: the letter after a backslash belongs to the escape
    if (s > 0 && text.charCodeAt(s - 1) === 92) s++;
    if (s > j) continue;
    const variable = text.slice(i + 1, e);
    if (isCredentialName(text.slice(s, j + 1)) && !(mayNameCredential(variable, 0, variable.length) && isCredentialName(variable))) out.add(variable);
  }
  return [...out];
}

/** `\n`, `\r` or `\t` in a JSON string, ending at j. */
function escapedBlank(text: string, j: number): boolean {
  const c = text.charCodeAt(j);
  return (c === 110 || c === 114 || c === 116) && text.charCodeAt(j - 1) === 92 && text.charCodeAt(j - 2) !== 92;
}

/** `scrub` with a rule per credential variable of the body (itself when there is none). */
export function withCredentialVariables(text: string, scrub: Scrub): Scrub {
  const vars = credentialVariables(text);
  if (vars.length === 0) return scrub;
  const extra: CompiledRules['json'] = vars.flatMap((v) => [`$.variables.${v}`, `$[*].variables.${v}`]).map((p) => ({ path: compileJsonPath(p), side: 'both', treatment: PSEUDONYM }));
  return scrubWith(scrub, { rules: { ...scrub.rules, json: [...extra, ...scrub.rules.json] } });
}
