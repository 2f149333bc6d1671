import { hexTokenAt, isBareKey, isCredentialName, keyEnding, mayNameCredential, nameWords, SIBLING_END } from './credentials.js';
import type { Frame, JsonLocations } from './json-frame.js';
import type { JsonSiblings } from './json-siblings.js';
import { matchJsonPath } from './json-path.js';
import { PSEUDONYM } from './headers.js';
import { isPhoneName, mayNamePhone, phoneValueAt } from './phone-name.js';
import { holdsPhone } from './json-lists.js';
import { isWs } from './json-lex.js';
import { isPinName, mayBePostalAt, pinValueAt, postalObject } from './pin.js';
import type { Treatment } from './rules.js';
import type { Scrub } from './scrub.js';

/**
 * Which treatment a JSON value gets, apart from what the detectors find in
 * it: its container's forced one (a rule selected the container), a JSON
 * rule's, or a pseudonym when its key names a credential (`password`,
 * `client_secret`, `accessToken`). JSON that is not the body itself (nested
 * in a string, a multipart part) has a root of its own: only rules for a
 * key at any depth (`$..name`) apply to it (`rulesApply: 'deep'`).
 */
export class JsonTreatments {
  readonly #text: string;
  readonly #where: JsonLocations;
  readonly #prefix: string;
  readonly #rules: Scrub['rules']['json'];
  readonly #siblings: JsonSiblings;
  /** The rule the last call of treatment() matched, if any. */
  #matched: Scrub['rules']['json'][number] | undefined;
  readonly #scrub: Scrub;
  /** The last object read for an address (where it opens), and what it was. */
  #postalOpen = -1;
  #postalWas = false;

  constructor(text: string, scrub: Scrub, prefix: string, rulesApply: boolean | 'deep', where: JsonLocations, siblings: JsonSiblings) {
    this.#text = text;
    this.#scrub = scrub;
    this.#siblings = siblings;
    this.#where = where;
    this.#prefix = prefix;
    const all = scrub.rules.json;
    const mine = all.length === 0 ? all : all.filter((r) => r.side === 'both' || r.side === scrub.side);
    this.#rules = rulesApply === true ? mine : rulesApply === 'deep' ? mine.filter((r) => r.path.segments[0]?.t === 'deep') : [];
  }

  /** No rule applies to the document: values without findings can be skipped unread. */
  get none(): boolean {
    return this.#rules.length === 0;
  }

  /** The treatment of the value about to be read in frame `f` (undefined for the root), which starts at `at`. */
  of(f: Frame | undefined, at: number): Treatment | undefined {
    if (f?.forced) return f.forced === PSEUDONYM ? this.#inNamed(f, at) : f.forced;
    this.#matched = undefined;
    if (this.#rules.length > 0) {
      const p = this.#where.path();
      // as long as the depth, per value: a deep document with rules is charged for it
      this.#scrub.charge(p.length);
      for (const r of this.#rules) {
        if (!matchJsonPath(r.path, p)) continue;
        this.#matched = r;
        return r.treatment;
      }
    }
    if (f !== undefined && f.list !== 0 && holdsPhone(f, this.#text, at)) return PSEUDONYM;
    if (!f?.obj) return undefined;
    // a sibling's secret (a Kubernetes Secret's `data`) is a map of any names: all of it is pseudonymised
    if (f.sibling !== 0 && this.#siblings.holds(f, at)) return HELD;
    return this.suspectKey(f) && this.#namesCredential(f, at) ? PSEUDONYM : undefined;
  }

  /**
   * The treatment of a value, starting at `at`, right inside what a credential's name holds (frame `f`): a scalar that
   * describes the credential (`{"otp":{"length":6,"ttl":300}}`) is scanned like any value; a container stays forced
   * (INHERITED, every member of it: `{"secrets":{"items":[{"value":…}]}}`), or is named anew when its own key names a
   * credential (`{"auth":{"token":{"type":"Bearer",…}}}`).
   */
  #inNamed(f: Frame, at: number): Treatment | undefined {
    const c = this.#text.charCodeAt(at);
    if (c !== 123 && c !== 91) {
      return f.obj && this.#describes(f, at) ? undefined : PSEUDONYM;
    }
    if (!f.obj) return INHERITED;
    const key = f.lazyKey ? this.#text.slice(f.keyStart, f.keyEnd) : String(f.key);
    // a schema's list of types or of required names; not its `properties` or `items` (they may hold an `example`, a
    // `default`, or be no schema at all: `{"secrets":{"type":"array","items":[{"value":…}]}}`)
    if (c === 91 && (key === 'type' || key === 'required')) return undefined;
    return this.suspectKey(f) && this.#namesCredential(f, at) ? PSEUDONYM : INHERITED;
  }

  /** The current member of `f`, a credential's object, describes it (DESCRIBING, COUNTING), its value starting at `at`. */
  #describes(f: Frame, at: number): boolean {
    const key = f.lazyKey ? this.#text.slice(f.keyStart, f.keyEnd) : String(f.key);
    // a key in capitals names an entry of a map (`{"secrets":{"STATUS":"…"}}`, an environment), not a describing member
    if (key.length > 24 || key === key.toUpperCase()) return false;
    const name = key.toLowerCase().replace(/[-_]/g, '');
    if (DESCRIBING.has(name)) return true;
    const c = this.#text.charCodeAt(at);
    // a count is a number (or a flag), never the code or key itself (`{"otp":{"digits":"482913"}}`)
    return COUNTING.has(name) && ((c >= 48 && c <= 57) || c === 116 || c === 102);
  }

  /**
   * The current member's key, or a sibling (`{"name":"DB_PASSWORD","value":…}`), names a credential: its value, which
   * starts at `at`, is pseudonymised whole. A bare `pin` does when its value is 4 to 8 digits outside an address (pin.ts).
   */
  credentialKey(f: Frame, at: number): boolean {
    if (f.sibling !== 0 && this.#siblings.holds(f, at)) return true;
    // small, so that the walk's fast lane, which asks for every number and container, can inline it; the rest is rare
    return this.suspectKey(f) && this.#namesCredential(f, at);
  }

  /** The current member's key, which ends like a credential's, names one (or is a bare `pin` holding a PIN). */
  #namesCredential(f: Frame, at: number): boolean {
    const name = f.lazyKey ? this.#text.slice(f.keyStart, f.keyEnd) : String(f.key);
    return (isCredentialName(name) && !countsTokens(name, this.#text, at) && !(name === 'token' && logprobToken(this.#text, f.memberStart, at))) || (isPinName(name) && pinValueAt(this.#text, at) && !(mayBePostalAt(name, this.#text, at) && this.#postal(f))) || (isBareKey(name) && hexTokenAt(this.#text, at)) || (isPhoneName(name) && phoneValueAt(this.#text, at));
  }

  /** The object `f` is an address (pin.ts), read once per object and charged to the budget. */
  #postal(f: Frame): boolean {
    if (this.#postalOpen !== f.open) {
      const { postal, read } = postalObject(this.#text, f.open);
      this.#scrub.charge(read);
      this.#postalOpen = f.open;
      this.#postalWas = postal;
    }
    return this.#postalWas;
  }

  /**
   * Where a value dropped or redacted with treatment `t` is listed: under the
   * rule's own path (`$.byName.*`) when a rule did it, so its key, which
   * nothing scanned, never reaches the change list; else at `loc`.
   */
  changedAt(t: Treatment, loc: () => string): string {
    return this.#matched !== undefined && t === this.#matched.treatment ? `${this.#prefix}${this.#matched.path.source}` : loc();
  }

  /**
   * The current member's string value, text[start, end), is left to the
   * walk: its key or a sibling names a credential, or it may itself name a
   * sibling's secret. The fast lane's one look per value: a table lookup of
   * the key's last letters, and no more for most keys.
   */
  leftToWalk(f: Frame, start: number, end: number): boolean {
    const ending = f.lazyKey ? keyEnding(this.#text, f.keyStart, f.keyEnd) : typeof f.key === 'string' ? keyEnding(f.key, 0, f.key.length) : 0;
    if (ending === 0) return f.sibling !== 0 && this.#siblings.holds(f, start - 1);
    return this.credentialKey(f, start - 1) || ((ending & SIBLING_END) !== 0 && this.#siblings.mayName(f, start, end));
  }

  /** The current member's key may name a credential (a quick look at its last letters). */
  suspectKey(f: Frame): boolean {
    if (f.lazyKey) return mayNameCredential(this.#text, f.keyStart, f.keyEnd) || mayNamePhone(this.#text, f.keyStart, f.keyEnd);
    return typeof f.key === 'string' && (mayNameCredential(f.key, 0, f.key.length) || mayNamePhone(f.key, 0, f.key.length));
  }
}

/**
 * A language model's token counts and limits (`prompt_tokens`, `max_tokens`, Gemini's `maxOutputTokens`) and a
 * tokenizer's ids (`"tokens":[15496,995]`): numbers under a name whose last word is `tokens`. A push service's
 * `tokens` are strings; no credential is a number there. Redrawn, `max_tokens` went past a model's limit in replay.
 */
function countsTokens(name: string, text: string, at: number): boolean {
  let c = text.charCodeAt(at);
  if (c === 91) {
    let i = at + 1;
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13 || text.charCodeAt(i) === 9) i++;
    c = text.charCodeAt(i);
  }
  if (!((c >= 48 && c <= 57) || c === 45)) return false;
  const words = nameWords(name);
  if (words[words.length - 1] !== 'tokens') return false;
  // a bare `tokens` list is a tokenizer's; `…_tokens` is a count only after a model's words (`backup_tokens`,
  // `mfa_tokens` hold one-time codes as numbers)
  return words.length === 1 ? text.charCodeAt(at) === 91 : MODEL_COUNTS.has(words[words.length - 2]!);
}

/**
 * A language model's output token with its log probability (OpenAI's `logprobs.content[]` and `top_logprobs[]`:
 * `{"token":"Hello","logprob":-0.31,"bytes":[…]}`): text the model wrote, no credential. Redrawn, every token of a
 * chat answer with logprobs became gibberish. The `token` member, whose value starts at `at` and whose key at
 * `member`, has a `logprob` member right beside it in its own object: the next one, or the one before it holding a
 * number (`{"logprob":-0.02,"token":" world"}`).
 */
function logprobToken(text: string, member: number, at: number): boolean {
  if (text.charCodeAt(at) !== 34) return false;
  // the token's end, escapes read, within 256 characters (a body of `{"token":…}` objects is not searched to its end from each)
  let i = at + 1;
  while (i - at <= 256 && i < text.length && text.charCodeAt(i) !== 34) i += text.charCodeAt(i) === 92 ? 2 : 1;
  if (text.charCodeAt(i) !== 34 || i - at > 256) return false;
  i++;
  while (isWs(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === 44) {
    i++;
    while (isWs(text.charCodeAt(i))) i++;
    if (text.startsWith('"logprob"', i)) return true;
  }
  let b = member - 1;
  while (b > 0 && (isWs(text.charCodeAt(b)) || text.charCodeAt(b) === 44)) b--;
  const end = b + 1;
  while (b > 0 && isNumberChar(text.charCodeAt(b))) b--;
  if (b === end - 1) return false;
  while (b > 0 && isWs(text.charCodeAt(b))) b--;
  if (text.charCodeAt(b) !== 58) return false;
  b--;
  while (b > 0 && isWs(text.charCodeAt(b))) b--;
  return text.startsWith('"logprob"', b - 8);
}

/** A character of a JSON number. */
const isNumberChar = (c: number) => (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;

/** The word before `tokens` in a language model's counts and limits (OpenAI, Anthropic, Gemini, Bedrock, Ollama). */
const MODEL_COUNTS = new Set(['prompt', 'completion', 'total', 'input', 'output', 'cached', 'cache', 'reasoning', 'max', 'audio', 'prediction', 'num', 'context', 'text', 'image', 'candidates', 'thoughts', 'tool', 'used', 'remaining', 'eval']);

/** A sibling's secret, pseudonymised whole with everything under it (see of()). */
const HELD: Treatment = { ...PSEUDONYM };
/** A container inside what a credential's name holds: pseudonymised whole with everything under it (see #inNamed). */
const INHERITED: Treatment = { ...PSEUDONYM };

/**
 * Members of an object under a credential's name that describe the credential rather than hold it: its type,
 * format, where a cookie applies, when it was made, and — JSON Schema's and OpenAPI's keywords — how it is
 * documented (`"password":{"type":"string","format":"password","minLength":8}`, a security scheme
 * `{"type":"apiKey","in":"header","name":"X-API-Key"}`: every `/openapi.json` names `password` and `token`). They
 * were redrawn with the rest: types became gibberish, dates impossible dates, `"/"` became `[redacted]`. They are
 * scanned like any value (an address in one is still found), when they hold a scalar, in the object the name holds
 * itself: a container stays forced (`properties`, `items` — AppSync's `{"listSecrets":{"items":[…]}}`). A schema's `default`,
 * `example`, `const` and `enum`, and a member named `name`, stay pseudonymised: they may hold the secret (ARM's
 * `defaultValue`, Terraform's `default`) or a person. Not applied to a sibling's secret (HELD: a Secret's `data`
 * is a map of any names) nor to a container a rule selects. Names as normalised: lower case, without '_' and '-'.
 */
const DESCRIBING = new Set([
  'type', 'kind', 'format', 'alg', 'algorithm', 'scheme', 'bearerformat', 'in', 'provider', 'issuer', 'status', 'scope', 'scopes',
  'path', 'domain', 'samesite', 'secure', 'httponly', 'createdat', 'updatedat', 'expiresat', 'expiration', 'creationtimestamp', 'apiversion',
  'title', 'description', 'pattern', '$ref', 'required', 'nullable', 'readonly', 'writeonly', 'deprecated',
  'openidconnecturl', 'tokenurl', 'authorizationurl', 'refreshurl',
]);
/** …and those that count or bound it, when they hold a number or a flag (`{"otp":{"length":6,"ttlSeconds":300}}`). */
const COUNTING = new Set([
  'length', 'minlength', 'maxlength', 'min', 'max', 'minimum', 'maximum', 'digits', 'size', 'ttl', 'ttlseconds', 'expiresin',
  'expiry', 'exp', 'iat', 'nbf', 'maxage', 'timeout', 'attempts', 'maxattempts', 'retries', 'count', 'limit', 'interval', 'period',
  'window', 'step', 'version',
]);
