import type { Finding } from './detect/index.js';
import { isDelim, isNumber, isWs, maybeJson, NUMBER } from './json-lex.js';
import { matchJsonPath, segmentText, type PathKey } from './json-path.js';
import { REDACTED } from './pseudonym/index.js';
import type { Treatment } from './rules.js';
import type { Scrub } from './scrub.js';

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

export class JsonSyntaxError extends Error {}

/** JSON nested in strings is rewritten as JSON this many levels deep. */
export const MAX_NESTED_JSON = 3;

/** A string that may hold a JSON object or array (then it is rewritten as JSON when it parses). */
export function looksLikeJson(s: string): boolean {
  return s.length >= 2 && maybeJson(s.charCodeAt(0), s.charCodeAt(s.length - 1));
}

interface Frame {
  obj: boolean;
  /** Current member key (as stored, i.e. renamed) or element index; see lazyKey. */
  key: PathKey;
  /** The key is text[keyStart, keyEnd), not cut out yet: it has no escapes and did not change. */
  lazyKey: boolean;
  keyStart: number;
  keyEnd: number;
  /** Location text of this container itself, built when first needed. */
  loc: string | undefined;
  expectKey: boolean;
  /** Position of the comma before the current member, -1 when none. */
  comma: number;
  dropNextComma: boolean;
  forced: Treatment | undefined;
  pendingKey: { start: number; end: number; json: string } | undefined;
  memberStart: number;
}

/** A finding that crosses a token boundary: the precomputed findings cannot be used. */
class Straddle extends Error {}

/**
 * Rewrites `text`; returns it unchanged (the same string) when nothing was
 * replaced. `found`: findings of a scan of the whole text (see body.ts),
 * handed to each string and number instead of scanning it again.
 */
export function rewriteJson(text: string, scrub: Scrub, locPrefix: string, rulesApply: boolean, found?: readonly Finding[]): string {
  try {
    return new JsonRewrite(text, scrub, locPrefix, rulesApply, found).run();
  } catch (err) {
    if (err instanceof Straddle) return new JsonRewrite(text, scrub, locPrefix, rulesApply, undefined).run();
    throw err;
  }
}

class JsonRewrite {
  readonly #text: string;
  readonly #scrub: Scrub;
  readonly #prefix: string;
  readonly #rules: Scrub['rules']['json'];
  readonly #stack: Frame[] = [];
  readonly #parts: string[] = [];
  #cursor = 0;
  #i = 0;
  #nextBackslash = -1;
  readonly #found: readonly Finding[] | undefined;
  #nextFound = 0;
  /** Characters of skipped values not charged yet (see #clean, #chargeSkipped). */
  #skipped = 0;
  readonly #locations = new Map<string, Map<string | -1, string>>();

  constructor(text: string, scrub: Scrub, prefix: string, rulesApply: boolean, found: readonly Finding[] | undefined) {
    this.#text = text;
    this.#scrub = scrub;
    this.#prefix = prefix;
    this.#found = found;
    this.#rules = rulesApply ? scrub.rules.json.filter((r) => r.side === 'both' || r.side === scrub.side) : [];
  }

  run(): string {
    this.#scrub.charge(this.#text.length);
    try {
      return this.#walk();
    } finally {
      this.#chargeSkipped();
    }
  }

  #walk(): string {
    const text = this.#text;
    const n = text.length;
    const skim = this.#found !== undefined && this.#rules.length === 0 && !text.includes('\\');
    let rootSeen = false;
    while (this.#i < n) {
      if (skim) {
        this.#skim();
        if (this.#i >= n) break;
      }
      const i = this.#i;
      const c = text.charCodeAt(i);
      if (isWs(c)) {
        this.#i++;
        continue;
      }
      const f = this.#stack[this.#stack.length - 1];
      if (c === 125 || c === 93) {
        if (!f || f.obj !== (c === 125)) throw new JsonSyntaxError(`unbalanced ${String.fromCharCode(c)} at ${i}`);
        this.#flushKey(f);
        this.#stack.pop();
        this.#i++;
      } else if (c === 44) {
        if (!f) throw new JsonSyntaxError(`comma outside a container at ${i}`);
        this.#comma(f);
      } else if (f?.obj && f.expectKey) {
        this.#key(f);
      } else {
        if (!f) {
          if (rootSeen) throw new JsonSyntaxError(`text after the JSON value at ${i}`);
          rootSeen = true;
        }
        this.#value(f);
      }
    }
    // a body cut short right after a renamed key: only the innermost open member can still hold one
    this.#flushKey(this.#stack[this.#stack.length - 1]);
    if (this.#parts.length === 0) return text;
    this.#parts.push(text.slice(this.#cursor));
    return this.#parts.join('');
  }

  #keyOf(f: Frame): PathKey {
    if (f.lazyKey) {
      f.key = this.#text.slice(f.keyStart, f.keyEnd);
      f.lazyKey = false;
    }
    return f.key;
  }

  #path(): PathKey[] {
    return this.#stack.map((f) => this.#keyOf(f));
  }

  /** The location of the container at stack depth `k` (its keys above it do not change while it is open). */
  #containerLocation(k: number): string {
    const f = this.#stack[k]!;
    f.loc ??= k === 0 ? `${this.#prefix}$` : this.#child(this.#containerLocation(k - 1), this.#keyOf(this.#stack[k - 1]!));
    return f.loc;
  }

  /**
   * `parent`'s location extended by `key`, one string per distinct location
   * (so the change set hashes each once, however many elements share it).
   */
  #child(parent: string, key: PathKey): string {
    let byKey = this.#locations.get(parent);
    if (!byKey) this.#locations.set(parent, (byKey = new Map<string | -1, string>()));
    const k = typeof key === 'number' ? -1 : key;
    let loc = byKey.get(k);
    if (loc === undefined) byKey.set(k, (loc = parent + segmentText(key)));
    return loc;
  }

  // bound once per document: locations are computed only for values that change
  readonly #loc: () => string = this.#valueLocation.bind(this);
  readonly #keyLoc: () => string = this.#keyLocation.bind(this);

  #valueLocation(): string {
    const top = this.#stack.length - 1;
    return top < 0 ? `${this.#prefix}$` : this.#child(this.#containerLocation(top), this.#keyOf(this.#stack[top]!));
  }

  /**
   * True when text[start, end) (a string's content, a number) holds none of
   * the precomputed findings and cannot hold nested JSON: scrubbing it would
   * only charge its length, so the walk does that and moves on without
   * cutting it out.
   */
  #clean(start: number, end: number): boolean {
    const all = this.#found;
    if (!all || (this.#nextFound < all.length && all[this.#nextFound]!.start < end)) return false;
    return end - start < 2 || !maybeJson(this.#text.charCodeAt(start), this.#text.charCodeAt(end - 1));
  }

  /** What scrubbing a clean value costs: its length against the budget (see #chargeSkipped). */
  #skip(chars: number): void {
    this.#skipped += chars;
  }

  /**
   * Charges what skipped values owe, before the scrub is handed anything
   * and when the walk ends however it ends: a budget overrun then stops the
   * walk before the same value as when each was charged on its own.
   */
  #chargeSkipped(): void {
    const owed = this.#skipped;
    if (owed === 0) return;
    this.#skipped = 0;
    this.#scrub.charge(owed);
  }

  /** The precomputed findings inside [start, end), relative to start; undefined when there are none to use. */
  #within(start: number, end: number): Finding[] | undefined {
    const all = this.#found;
    if (!all) return undefined;
    while (this.#nextFound < all.length && all[this.#nextFound]!.start < start) {
      if (all[this.#nextFound]!.end > start) throw new Straddle();
      this.#nextFound++;
    }
    const out: Finding[] = [];
    while (this.#nextFound < all.length && all[this.#nextFound]!.start < end) {
      const f = all[this.#nextFound++]!;
      if (f.end > end) throw new Straddle();
      out.push({ kind: f.kind, start: f.start - start, end: f.end - start });
    }
    return out;
  }

  /** Where a key sits: its object's path and `.(key)`. */
  #keyLocation(): string {
    return `${this.#containerLocation(this.#stack.length - 1)}.(key)`;
  }

  #replace(start: number, end: number, with_: string): void {
    this.#parts.push(this.#text.slice(this.#cursor, start), with_);
    this.#cursor = end;
  }

  #comma(f: Frame): void {
    const i = this.#i;
    if (f.dropNextComma) {
      this.#replace(i, i + 1, '');
      f.dropNextComma = false;
      f.comma = -1;
    } else f.comma = i;
    if (f.obj) f.expectKey = true;
    else f.key = (f.key as number) + 1;
    f.memberStart = i + 1;
    this.#i++;
  }

  #key(f: Frame): void {
    const text = this.#text;
    if (text.charCodeAt(this.#i) !== 34) throw new JsonSyntaxError(`expected a key at ${this.#i}`);
    const start = this.#i;
    const close = this.#closingQuote(start);
    let i: number;
    f.memberStart = start;
    if (close >= 0 && this.#nextBackslash > close && this.#clean(start + 1, close)) {
      this.#skip(close - start - 1);
      f.lazyKey = true;
      f.keyStart = start + 1;
      f.keyEnd = close;
      f.pendingKey = undefined;
      i = close + 1;
    } else {
      const s = this.#readString(start);
      this.#chargeSkipped();
      const renamed = this.#scrub.text(s.content, this.#keyLoc, this.#within(start + 1, s.closed ? s.end - 1 : s.end));
      f.key = renamed;
      f.lazyKey = false;
      f.pendingKey = renamed !== s.content ? { start, end: s.end, json: JSON.stringify(renamed) } : undefined;
      i = s.end;
    }
    while (i < text.length && isWs(text.charCodeAt(i))) i++;
    if (i < text.length && text.charCodeAt(i) !== 58) throw new JsonSyntaxError(`expected : at ${i}`);
    f.expectKey = false;
    this.#i = i + 1;
  }

  #flushKey(f: Frame | undefined): void {
    if (f?.pendingKey) {
      this.#replace(f.pendingKey.start, f.pendingKey.end, f.pendingKey.json);
      f.pendingKey = undefined;
    }
  }

  #treatment(f: Frame | undefined): Treatment | undefined {
    if (f?.forced) return f.forced;
    if (this.#rules.length === 0) return undefined;
    const p = this.#path();
    for (const r of this.#rules) if (matchJsonPath(r.path, p)) return r.treatment;
    return undefined;
  }

  #value(f: Frame | undefined): void {
    const text = this.#text;
    const i = this.#i;
    const c = text.charCodeAt(i);
    const t = this.#treatment(f);
    if (t && (t.action === 'drop' || t.action === 'redact')) {
      const end = this.#skipValue(i);
      if (t.action === 'drop') this.#drop(f, i, end);
      else {
        this.#flushKey(f);
        this.#replace(i, end, JSON.stringify(REDACTED));
      }
      this.#chargeSkipped();
      this.#scrub.changed(this.#loc);
      this.#i = end;
      return;
    }
    this.#flushKey(f);
    if (c === 123 || c === 91) {
      this.#open(c === 123, t);
      return;
    }
    if (c === 34) {
      const close = this.#closingQuote(i);
      if (!t && close >= 0 && this.#nextBackslash > close && this.#clean(i + 1, close)) {
        this.#skip(close - i - 1);
        this.#i = close + 1;
        return;
      }
      const s = this.#readString(i);
      const known = this.#within(i + 1, s.closed ? s.end - 1 : s.end);
      this.#chargeSkipped();
      const out = t ? this.#scrub.treat(s.content, t, this.#loc) : this.#scrub.text(s.content, this.#loc, known);
      if (out !== s.content) {
        const json = out === null ? 'null' : JSON.stringify(out);
        this.#replace(i, s.end, s.closed ? json : json.slice(0, -1));
      }
      this.#i = s.end;
      return;
    }
    let end = i;
    while (end < text.length && !isDelim(text.charCodeAt(end))) end++;
    if (end === i) throw new JsonSyntaxError(`unexpected character at ${i}`);
    if (isNumber(text, i, end)) {
      // numbers under four characters hold nothing a detector finds
      if (!t && (end - i < 4 || this.#clean(i, end))) {
        if (end - i >= 4) this.#skip(end - i);
      } else {
        const token = text.slice(i, end);
        const known = this.#within(i, end);
        this.#chargeSkipped();
        const out = t ? this.#scrub.treat(token, t, this.#loc) : this.#scrub.text(token, this.#loc, known);
        if (out !== token) this.#replace(i, end, out === null ? 'null' : NUMBER.test(out) ? out : JSON.stringify(out));
      }
    } else if (!this.#literal(i, end) && end < text.length) {
      throw new JsonSyntaxError(`unexpected token at ${i}`);
    }
    this.#i = end;
  }

  /** Opens the object or array at #i. */
  #open(obj: boolean, forced: Treatment | undefined): Frame {
    const f: Frame = {
      obj,
      key: obj ? '' : 0,
      lazyKey: false,
      keyStart: 0,
      keyEnd: 0,
      loc: undefined,
      expectKey: obj,
      comma: -1,
      dropNextComma: false,
      forced,
      pendingKey: undefined,
      memberStart: this.#i + 1,
    };
    this.#stack.push(f);
    this.#i++;
    return f;
  }

  /**
   * The walk's fast lane, taken when no rule applies and the text has no
   * escapes (so its findings are known): from #i, inside a container, it
   * moves over punctuation, containers and clean keys and values (see
   * #clean) with the same effect as the general steps, and stops at the
   * first token it cannot pass that way (one holding a finding, a syntax
   * error, a body cut short, the root) for the general steps to take.
   * About six times faster than the general steps on clean values.
   */
  #skim(): void {
    const text = this.#text;
    const n = text.length;
    const found = this.#found!;
    const nextAt = this.#nextFound < found.length ? found[this.#nextFound]!.start : Infinity;
    let f = this.#stack[this.#stack.length - 1];
    let i = this.#i;
    let skipped = 0;
    while (i < n && f !== undefined && f.pendingKey === undefined) {
      const c = text.charCodeAt(i);
      if (isWs(c)) {
        i++;
      } else if (c === 34) {
        const q = text.indexOf('"', i + 1);
        if (q < 0 || nextAt < q || (q - i > 2 && maybeJson(text.charCodeAt(i + 1), text.charCodeAt(q - 1)))) break;
        const length = q - i - 1;
        if (f.obj && f.expectKey) {
          let j = q + 1;
          while (j < n && isWs(text.charCodeAt(j))) j++;
          if (j < n && text.charCodeAt(j) !== 58) break;
          f.memberStart = i;
          f.lazyKey = true;
          f.keyStart = i + 1;
          f.keyEnd = q;
          f.expectKey = false;
          i = j + 1;
        } else i = q + 1;
        skipped += length;
      } else if (c === 44) {
        if (f.obj) f.expectKey = true;
        else f.key = (f.key as number) + 1;
        f.comma = i;
        f.memberStart = i + 1;
        i++;
      } else if (c === 125 || c === 93) {
        if (f.obj !== (c === 125)) break;
        this.#stack.pop();
        f = this.#stack[this.#stack.length - 1];
        i++;
      } else if (f.obj && f.expectKey) {
        break;
      } else if (c === 123 || c === 91) {
        this.#i = i;
        f = this.#open(c === 123, undefined);
        i = this.#i;
      } else {
        let end = i;
        while (end < n && !isDelim(text.charCodeAt(end))) end++;
        if (isNumber(text, i, end)) {
          if (end - i >= 4) {
            if (nextAt < end) break;
            skipped += end - i;
          }
        } else if (!this.#literal(i, end)) break;
        i = end;
      }
    }
    this.#i = i;
    this.#skipped += skipped;
  }

  /** Removes the member or element [start, end); the root becomes null. */
  #drop(f: Frame | undefined, start: number, end: number): void {
    if (!f) return this.#replace(start, end, 'null');
    f.pendingKey = undefined;
    if (f.comma >= 0) this.#replace(f.comma, end, '');
    else {
      this.#replace(f.memberStart, end, '');
      f.dropNextComma = true;
    }
  }

  /** true, false or null at text[i, end). */
  #literal(i: number, end: number): boolean {
    const n = end - i;
    const text = this.#text;
    return (n === 4 && (text.startsWith('true', i) || text.startsWith('null', i))) || (n === 5 && text.startsWith('false', i));
  }

  /**
   * The closing quote of the string opening at `at` when no backslash
   * comes before it (else -1; #readString handles escapes and a string cut
   * short). Keeps #nextBackslash at the first backslash after `at`.
   */
  #closingQuote(at: number): number {
    const text = this.#text;
    if (this.#nextBackslash <= at) {
      const b = text.indexOf('\\', at + 1);
      this.#nextBackslash = b < 0 ? Infinity : b;
    }
    const q = text.indexOf('"', at + 1);
    return q >= 0 && q < this.#nextBackslash ? q : -1;
  }

  /** A string token at `at` (its opening quote): its end (after the closing quote) and content. */
  #readString(at: number): { end: number; content: string; closed: boolean } {
    const text = this.#text;
    let j = at + 1;
    let q: number;
    for (;;) {
      q = text.indexOf('"', j);
      if (q < 0) break;
      let b = q - 1;
      while (text.charCodeAt(b) === 92) b--;
      if ((q - 1 - b) % 2 === 0) break;
      j = q + 1;
    }
    const closed = q >= 0;
    const end = closed ? q + 1 : text.length;
    if (this.#nextBackslash <= at) {
      const b = text.indexOf('\\', at + 1);
      this.#nextBackslash = b < 0 ? Infinity : b;
    }
    const raw = text.slice(at + 1, closed ? q : text.length);
    if (this.#nextBackslash >= end) return { end, content: raw, closed };
    try {
      return { end, content: JSON.parse(closed ? text.slice(at, end) : `"${raw.replace(/\\(u[0-9a-fA-F]{0,3})?$/, '')}"`) as string, closed };
    } catch {
      throw new JsonSyntaxError(`bad string at ${at}`);
    }
  }

  /** End of the value starting at `at` (a container is skipped whole). */
  #skipValue(at: number): number {
    const text = this.#text;
    const c = text.charCodeAt(at);
    if (c === 34) return this.#readString(at).end;
    let j = at;
    if (c !== 123 && c !== 91) {
      while (j < text.length && !isDelim(text.charCodeAt(j))) j++;
      return j;
    }
    let depth = 0;
    while (j < text.length) {
      const d = text.charCodeAt(j);
      if (d === 34) {
        j = this.#readString(j).end;
        continue;
      }
      if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return j;
  }
}
