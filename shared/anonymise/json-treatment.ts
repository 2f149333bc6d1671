import { hexTokenAt, isBareKey, isCredentialName, keyEnding, mayNameCredential, SIBLING_END } from './credentials.js';
import type { Frame, JsonLocations } from './json-frame.js';
import { isWs, JsonText } from './json-lex.js';
import type { JsonSiblings } from './json-siblings.js';
import { matchJsonPath } from './json-path.js';
import { PSEUDONYM } from './headers.js';
import { isPhoneName, mayNamePhone, phoneValueAt } from './phone-name.js';
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
    // in an object under a credential's name, what describes the credential is not it (`{"otp":{"length":6,"ttl":300}}`)
    if (f?.forced) return f.forced === PSEUDONYM && f.obj && describesCredential(f.lazyKey ? this.#text.slice(f.keyStart, f.keyEnd) : String(f.key)) ? undefined : f.forced;
    this.#matched = undefined;
    if (this.#rules.length > 0) {
      const p = this.#where.path();
      for (const r of this.#rules) {
        if (!matchJsonPath(r.path, p)) continue;
        this.#matched = r;
        return r.treatment;
      }
    }
    if (!f?.obj || !this.credentialKey(f, at)) return undefined;
    // an object that describes a credential (a schema's `"password":{"type":"string",…}`) holds none
    if (this.#text.charCodeAt(at) === 123) {
      const { schema, read } = schemaObject(this.#text, at);
      this.#scrub.charge(read);
      if (schema) return undefined;
    }
    return PSEUDONYM;
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
    return isCredentialName(name) || (isPinName(name) && pinValueAt(this.#text, at) && !(mayBePostalAt(name, this.#text, at) && this.#postal(f))) || (isBareKey(name) && hexTokenAt(this.#text, at)) || (isPhoneName(name) && phoneValueAt(this.#text, at));
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
 * Members of an object under a credential's name that describe the credential rather than hold it: its type,
 * format, size, lifetime, counts, where a cookie applies, when it was made (`{"session":{"cookie":{"name":"sid",
 * "maxAge":86400,"path":"/"}}}`, `{"token":{"type":"Bearer","expiresIn":3600}}`, a Secret's `metadata`). They were
 * redrawn with the rest: dates became impossible dates, `"/"` became `[redacted]`. They are scanned like any value
 * (an address in one is still found); a rule that selects a container still treats all of it. Names as
 * normalised: lower case, without '_' and '-'.
 */
const DESCRIBING = new Set([
  'type', 'kind', 'format', 'alg', 'algorithm', 'scheme', 'in', 'name', 'provider', 'issuer', 'status', 'version', 'scope', 'scopes',
  'length', 'minlength', 'maxlength', 'min', 'max', 'digits', 'size', 'ttl', 'ttlseconds', 'expiresin', 'expiry', 'exp', 'iat', 'nbf',
  'maxage', 'timeout', 'attempts', 'maxattempts', 'retries', 'count', 'limit', 'interval', 'period', 'window', 'step',
  'path', 'domain', 'samesite', 'secure', 'httponly', 'createdat', 'updatedat', 'expiresat', 'creationtimestamp', 'created', 'updated',
]);
const describesCredential = (key: string) => key.length <= 24 && DESCRIBING.has(key.toLowerCase().replace(/[-_]/g, ''));

/** JSON Schema's types, and OpenAPI's security scheme types (`"ApiKeyAuth":{"type":"apiKey","in":"header",…}`). */
const SCHEMA_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'object', 'array', 'null', 'apiKey', 'http', 'oauth2', 'openIdConnect', 'mutualTLS']);
/** The most members schemaObject reads: a schema has a few; past that the object is a credential's. */
const SCHEMA_MEMBERS = 64;

/**
 * Whether the object opening at text[open] is a JSON Schema or OpenAPI
 * description of a value (`{"type":"string","format":"password","minLength":8}`,
 * `{"$ref":"#/components/schemas/Token"}`, a security scheme): a `type` of
 * JSON Schema's (or a list of them) or a `$ref`, and no `value` member
 * (Terraform's output `{"type":"string","sensitive":true,"value":"…"}` holds
 * one). Every OpenAPI document (`/openapi.json`) names `password` and
 * `token` properties; forcing a pseudonym on them redrew every type, format
 * and length. `read`: the characters read, for the scan budget.
 */
function schemaObject(text: string, open: number): { schema: boolean; read: number } {
  const lex = new JsonText(text);
  let typed = false;
  let i = open + 1;
  for (let members = 0; members < SCHEMA_MEMBERS; members++) {
    while (i < text.length && (isWs(text.charCodeAt(i)) || text.charCodeAt(i) === 44)) i++;
    if (i >= text.length || text.charCodeAt(i) !== 34) return { schema: typed && text.charCodeAt(i) === 125, read: i - open };
    const key = lex.readString(i);
    i = key.end;
    while (i < text.length && (isWs(text.charCodeAt(i)) || text.charCodeAt(i) === 58)) i++;
    if (key.content === 'value') return { schema: false, read: i - open };
    if (key.content === 'type' || key.content === '$ref') typed ||= key.content === '$ref' ? text.charCodeAt(i) === 34 : schemaType(lex, text, i);
    i = lex.skipValue(i);
  }
  return { schema: false, read: i - open };
}

/** The value at text[i] is one of SCHEMA_TYPES, or a list of them (`["string","null"]`). */
function schemaType(lex: JsonText, text: string, i: number): boolean {
  if (text.charCodeAt(i) === 34) return SCHEMA_TYPES.has(lex.readString(i).content);
  if (text.charCodeAt(i) !== 91) return false;
  let any = false;
  for (let j = i + 1; j < text.length; ) {
    const c = text.charCodeAt(j);
    if (isWs(c) || c === 44) j++;
    else if (c === 93) return any;
    else if (c !== 34) return false;
    else {
      const s = lex.readString(j);
      if (!SCHEMA_TYPES.has(s.content)) return false;
      any = true;
      j = s.end;
    }
  }
  return false;
}
