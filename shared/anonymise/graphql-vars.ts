import { isCredentialName, mayNameCredential } from './credentials.js';
import { PSEUDONYM } from './headers.js';
import { JsonSyntaxError, looksLikeJson, rewriteJson } from './json.js';
import { compileJsonPath } from './json-path.js';
import type { CompiledRules } from './rules.js';
import { locText, scrubWith, type Scrub } from './scrub.js';

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
 *
 * The same operation also comes outside a JSON body: by GET or in a form
 * (`query=…&variables=…`, form.ts reads the query first) and in an Apollo
 * multipart upload's `operations` part (JSON, often without a Content-Type).
 */

const isIdentChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
const isBlank = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 44;

/** Variables that are passed to an argument or input field named like a credential, and are not so named themselves. */
export function credentialVariables(text: string, withVariables = true): string[] {
  if (!text.includes('$') || (withVariables && !text.includes('variables'))) return [];
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

const pseudonymRules = (paths: readonly string[]): CompiledRules['json'] => paths.map((p) => ({ path: compileJsonPath(p), side: 'both', treatment: PSEUDONYM }));
const operationPaths = (vars: readonly string[]) => vars.flatMap((v) => [`$.variables.${v}`, `$[*].variables.${v}`]);

/** `scrub` with a rule per credential variable of the body (itself when there is none). */
export function withCredentialVariables(text: string, scrub: Scrub): Scrub {
  const vars = credentialVariables(text);
  if (vars.length === 0) return scrub;
  return scrubWith(scrub, {
    rules: { ...scrub.rules, json: [...pseudonymRules(operationPaths(vars)), ...scrub.rules.json] },
    // `"variables":"{\"p\":…}"`, the variables sent as a JSON string (express-graphql takes them so)
    text: (value, loc, found) => {
      if (looksLikeJson(value)) {
        const at = locText(loc);
        if (at.endsWith('.variables')) {
          try {
            return rewriteOperationJson(value, vars, 'variables', scrub, at);
          } catch (err) {
            if (!(err instanceof JsonSyntaxError)) throw err;
          }
        }
      }
      return scrub.text(value, loc, found);
    },
  });
}

/**
 * JSON that is not the body's own, read as an operation's: with the rules
 * for a key at any depth, as any nested JSON, plus one per credential
 * variable, rooted at this JSON. `root`: whether it is the variables object
 * itself (`?variables=…`, whose operation is in `query=`) or a whole
 * operation or batch (a multipart `operations` part). Throws
 * JsonSyntaxError when it is not JSON.
 */
export function rewriteOperationJson(text: string, vars: readonly string[], root: 'variables' | 'operation', scrub: Scrub, loc: string): string {
  scrub.charge(text.length);
  const own = pseudonymRules(root === 'variables' ? vars.map((v) => `$.${v}`) : operationPaths(vars));
  const rules = { ...scrub.rules, json: [...own, ...scrub.rules.json.filter((r) => r.path.segments[0]?.t === 'deep')] };
  return rewriteJson(text, scrubWith(scrub, { rules }), loc, true);
}
