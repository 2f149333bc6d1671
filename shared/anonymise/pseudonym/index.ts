import { randomBytes } from 'node:crypto';
import type { Kind } from '../detect/kinds.js';
import { detached } from '../detach.js';
import { HmacSha256 } from './hmac.js';
import { phoneKey } from './phone.js';
import { renderCard, renderIpv4, renderJsonNumber, renderPhone, renderVerhoeff, unlikeJsonNumber } from './render-numbers.js';
import {
  renderApiKey,
  renderEmail,
  renderGeneric,
  renderGstin,
  renderIban,
  renderIfsc,
  renderIpv6,
  renderJwt,
  renderPan,
  renderToken,
  renderUpi,
} from './render-text.js';
import { SeededStream } from './shape.js';

export { hasMarker } from './marker.js';

/**
 * Keyed pseudonyms: HMAC-SHA256 under the anonymisation key over the value's
 * normalised form seeds the redrawing of the value in its own shape. The
 * same value (however it is written: `+91 98765 43210`, `9876543210`) gets
 * the same pseudonym under one key, a different one under another key, and
 * the key cannot be recovered from pseudonyms. A pseudonym never equals its
 * input; when no pseudonym of the right shape exists (a one-letter email
 * local part, say) the value is redacted instead.
 */

/** What replaces a value that has no pseudonym of its shape. */
export const REDACTED = '[redacted]';

type Render = (text: string, rng: SeededStream) => string | undefined;

/** What a generic pseudonym `out` of `text` becomes when the last attempt still equals it. */
type Last = (text: string, out: string, rng: SeededStream) => string;

const redactSame: Last = (text, out) => (out === text && text.length > 0 ? REDACTED : out);

const RENDER: Record<Kind, Render> = {
  email: renderEmail,
  upi: renderUpi,
  phone: renderPhone,
  card: renderCard,
  aadhaar: renderVerhoeff,
  vid: renderVerhoeff,
  pan: renderPan,
  gstin: renderGstin,
  ifsc: renderIfsc,
  iban: renderIban,
  ipv4: renderIpv4,
  ipv6: renderIpv6,
  jwt: renderJwt,
  bearer: renderToken,
  apikey: renderApiKey,
};

/** Each cache's fingerprint seed, so one text seen as two kinds is two sightings. */
const RENDER_SEED = Object.fromEntries(Object.keys(RENDER).map((kind, i) => [kind, i + 1])) as Record<Kind, number>;
const GENERIC_SEED = 0x100;
const NUMBER_SEED = 0x200;

const digitsOnly = (s: string) => s.replace(/[^0-9]/g, '');
const alnumUpper = (s: string) => s.replace(/[^0-9A-Za-z]/g, '').toUpperCase();

/** The form a value is keyed on, so that ways of writing one value share a pseudonym. */
export function normalise(kind: Kind | 'generic', text: string): string {
  switch (kind) {
    case 'email':
    case 'upi':
    case 'ipv6':
      return text.toLowerCase();
    case 'phone':
      return phoneKey(text);
    case 'card':
    case 'aadhaar':
    case 'vid':
      return digitsOnly(text);
    case 'pan':
    case 'gstin':
    case 'ifsc':
    case 'iban':
      return alnumUpper(text);
    default:
      return text;
  }
}

const prefixes = new Map<string, string>();

/** What a kind's values are keyed under: `kind\0value`. */
function keyPrefix(kind: string): string {
  let p = prefixes.get(kind);
  if (p === undefined) prefixes.set(kind, (p = `${kind}\u0000`));
  return p;
}

/** Longest value (UTF-16 units) the pseudonym caches keep. */
const CACHE_KEY_MAX = 256;
const CACHE_LIMIT = 50_000;
const ATTEMPTS = 4;
/** Slots of the seen-once filter (a power of two; 256 KiB, zeroed when an anonymiser is made): a value is cached at its second sighting. */
const SEEN_SLOTS = 1 << 16;
/** Misses between two looks at the cache's hit rate. */
const RATE_WINDOW = 4096;
/** Hits per miss above which values are cached at their first sighting (a warm journey, not a stream of new values). */
const REPEATING_HITS = 0.25;

/**
 * A 32-bit FNV-1a hash of `text` under `seed` (never 0, the filter's empty
 * slot). It only decides when a value is worth caching: a collision caches
 * a value one sighting early, nothing else.
 */
function fingerprint(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0 || 1;
}

export class Pseudonymiser {
  readonly #mac: HmacSha256;
  readonly #byKind = new Map<Kind, Map<string, string>>();
  readonly #generic = new Map<string, string>();
  readonly #numbers = new Map<string, string>();
  /** Fingerprints of values seen once and not cached, by slot (direct-mapped; a newer value takes an older one's slot). */
  readonly #seen = new Uint32Array(SEEN_SLOTS);
  /** Cache hits and misses since the last look at the hit rate (#remember). */
  #hits = 0;
  #misses = 0;
  /** Values repeat (the recent hit rate is high): each is cached at its first sighting. */
  #repeating = false;

  /** Without a key, a random one for this process: pseudonyms then link only within the process. */
  constructor(key?: string | Buffer) {
    this.#mac = new HmacSha256(key === undefined ? randomBytes(32) : Buffer.from(key));
  }

  #seed(kind: string, normalised: string): SeededStream {
    return new SeededStream(this.#mac.digestWords(normalised, keyPrefix(kind)));
  }

  /** The pseudonym of a detected value of `kind` (with the marker), or REDACTED. */
  of(kind: Kind, text: string): string {
    let cache = this.#byKind.get(kind);
    if (!cache) this.#byKind.set(kind, (cache = new Map<string, string>()));
    const cached = cache.get(text);
    if (cached !== undefined) {
      this.#hits++;
      return cached;
    }
    const rng = this.#seed(kind === 'vid' ? 'aadhaar' : kind, normalise(kind, text));
    let out: string | undefined;
    for (let i = 0; i < ATTEMPTS && (out === undefined || out === text); i++) out = RENDER[kind](text, rng);
    return this.#remember(cache, text, out === undefined || out === text ? REDACTED : out, RENDER_SEED[kind]);
  }

  /** The pseudonym of a value no detector recognised (selected by a rule): its shape, no marker. */
  generic(text: string): string {
    return this.#shaped(this.#generic, text, renderGeneric, redactSame, GENERIC_SEED);
  }

  /**
   * The pseudonym of a JSON number's text a rule selected (`{"pin":1003}`):
   * a JSON number of the same shape (render-numbers.ts), never the input,
   * never redacted (that would turn it into a string, and replay into a
   * request its target rejects). It is keyed as generic() is, so it is
   * generic()'s pseudonym whenever that one is a JSON number.
   */
  number(text: string): string {
    return this.#shaped(this.#numbers, text, renderJsonNumber, unlikeJsonNumber, NUMBER_SEED);
  }

  /** `text` rendered under the generic key until it differs (ATTEMPTS at most), then `last` settles a pseudonym equal to it. */
  #shaped(cache: Map<string, string>, text: string, render: (text: string, rng: SeededStream) => string, last: Last, seed: number): string {
    const cached = cache.get(text);
    if (cached !== undefined) {
      this.#hits++;
      return cached;
    }
    const rng = this.#seed('generic', text);
    let out = render(text, rng);
    for (let i = 1; i < ATTEMPTS && out === text; i++) out = render(text, rng);
    return this.#remember(cache, text, last(text, out, rng), seed);
  }

  /**
   * A value is cached at its second sighting: most values a record holds
   * are new, and caching each one cost ~15 % of a customer page's time
   * (each copy survives young-generation collections and is promoted, to be
   * collected again later; decisions.md, 2026-12-07). A first sighting only
   * leaves its fingerprint in #seen. While values repeat (a hit for every
   * four misses or more over the last 4,096 misses) they are cached at
   * their first sighting, as before. Caches are bounded: past CACHE_LIMIT
   * values one is simply cleared. A value found in a body is a slice of the
   * body's string, and V8 keeps the whole parent alive for a slice: the key
   * is stored as a copy (detached), so the cache holds values, not the
   * bodies they came from. Long values (which rarely repeat) are not cached
   * at all.
   */
  #remember(cache: Map<string, string>, text: string, value: string, seed: number): string {
    if (++this.#misses >= RATE_WINDOW) {
      this.#repeating = this.#hits >= this.#misses * REPEATING_HITS;
      this.#hits = this.#misses = 0;
    }
    if (text.length > CACHE_KEY_MAX) return value;
    const print = fingerprint(seed, text);
    const slot = print & (SEEN_SLOTS - 1);
    if (this.#seen[slot] !== print && !this.#repeating) {
      this.#seen[slot] = print;
      return value;
    }
    // the fingerprint stays: a value the cache lost when it was cleared is cached again at its next sighting
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(detached(text), value);
    return value;
  }
}
