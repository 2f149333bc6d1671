import type { Finding } from './detect/index.js';
import { afterSeparator, isDelim, isNumber, isPartialScalar, isWs, JsonSyntaxError, JsonText, maybeJson, NUMBER } from './json-lex.js';
import { FindingCursor } from './json-findings.js';
import { lazyKey, newFrame, JsonLocations, type Frame } from './json-frame.js';
import { REDACTED } from './pseudonym/index.js';
import { JsonSplice } from './json-splice.js';
import type { Treatment } from './rules.js';
import type { Scrub } from './scrub.js';
import { JsonTreatments } from './json-treatment.js';
import { JsonSiblings } from './json-siblings.js';
import { keyEnding } from './credentials.js';
import { headerValue } from './headers.js';
import { isPairValue, listOf, mayNameHeader, notePairName } from './json-lists.js';

/**
 * The walk behind rewriteJson (json.ts): one pass over a JSON text that
 * tracks where it is (frames, keys, locations), hands each string, key and
 * number that may hold something to the scrub, and splices the changed
 * ones back into the text.
 */
export class JsonRewrite {
  readonly #text: string;
  readonly #scrub: Scrub;
  readonly #treatments: JsonTreatments;
  /** Members that name a secret a sibling holds; after run(), the objects to walk again (see rewriteJson). */
  readonly siblings: JsonSiblings;
  readonly #holderFirst: ReadonlyMap<number, number> | undefined;
  readonly #stack: Frame[] = [];
  readonly #out: JsonSplice;
  #i = 0;
  readonly #lex: JsonText;
  /** The findings of a scan of the whole text, when one was made. */
  readonly #found: FindingCursor | undefined;
  /** Characters of skipped values not charged yet (see #clean, #chargeSkipped). */
  #skipped = 0;
  readonly #where: JsonLocations;
  // bound once per document: locations are computed only for values that change
  readonly #loc: () => string;
  readonly #keyLoc: () => string;

  /** `holderFirst`: objects a first walk found holding a secret before the member that names it (JsonSiblings). */
  constructor(text: string, scrub: Scrub, prefix: string, rulesApply: boolean | 'deep', found: readonly Finding[] | undefined, holderFirst?: ReadonlyMap<number, number>) {
    this.#text = text;
    this.#lex = new JsonText(text);
    this.#out = new JsonSplice(text);
    this.#scrub = scrub;
    this.#found = found && new FindingCursor(found);
    this.#where = new JsonLocations(text, this.#stack, prefix);
    this.#loc = () => this.#where.value();
    this.#keyLoc = () => this.#where.key();
    this.#holderFirst = holderFirst;
    this.siblings = new JsonSiblings(text, scrub);
    this.#treatments = new JsonTreatments(text, scrub, prefix, rulesApply, this.#where, this.siblings);
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
    const skim = this.#found !== undefined && this.#treatments.none && !text.includes('\\');
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
        this.#out.flushKey(f);
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
    this.#out.flushKey(this.#stack[this.#stack.length - 1]);
    return this.#out.result();
  }

  /**
   * True when text[start, end) (a string's content, a number) holds none of
   * the precomputed findings and cannot hold nested JSON: scrubbing it would
   * only charge its length, so the walk does that and moves on without
   * cutting it out.
   */
  #clean(start: number, end: number): boolean {
    if (!this.#found || this.#found.nextStart() < end) return false;
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
    return this.#found?.within(start, end);
  }

  #comma(f: Frame): void {
    const i = this.#i;
    if (f.dropNextComma) {
      this.#out.replace(i, i + 1, '');
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
    const close = this.#lex.closingQuote(start);
    let i: number;
    f.memberStart = start;
    if (close >= 0 && this.#clean(start + 1, close)) {
      this.#skip(close - start - 1);
      lazyKey(f, start + 1, close);
      i = close + 1;
    } else {
      const s = this.#lex.readString(start);
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

  #value(f: Frame | undefined): void {
    const text = this.#text;
    const i = this.#i;
    const c = text.charCodeAt(i);
    const t = this.#treatments.of(f, i);
    if (t && (t.action === 'drop' || t.action === 'redact')) {
      const end = this.#lex.skipValue(i);
      if (t.action === 'drop') this.#out.drop(f, i, end);
      else {
        this.#out.flushKey(f);
        this.#out.replace(i, end, JSON.stringify(REDACTED));
      }
      this.#chargeSkipped();
      this.#scrub.changed(this.#treatments.changedAt(t, this.#loc));
      this.#i = end;
      return;
    }
    this.#out.flushKey(f);
    if (c === 123 || c === 91) {
      if (c === 91 && f?.obj && !t) this.siblings.noteLast(f, i);
      this.#open(c === 123, t);
      return;
    }
    if (c === 34) {
      const close = this.#lex.closingQuote(i);
      const pair = f !== undefined && f.pairName !== undefined && !f.obj;
      if (!t && !pair && close >= 0 && this.#clean(i + 1, close)) {
        if (f?.obj) this.siblings.note(f, text, i + 1, close);
        else if (f !== undefined && mayNameHeader(f, this.#stack[this.#stack.length - 2])) notePairName(f, text.slice(i + 1, close));
        this.#skip(close - i - 1);
        this.#i = close + 1;
        return;
      }
      const s = this.#lex.readString(i);
      if (f?.obj) this.siblings.note(f, s.content, 0, s.content.length);
      else if (f !== undefined && mayNameHeader(f, this.#stack[this.#stack.length - 2])) notePairName(f, s.content);
      const known = this.#within(i + 1, s.closed ? s.end - 1 : s.end);
      this.#chargeSkipped();
      const out = t
        ? this.#scrub.treat(s.content, t, this.#loc)
        : pair && s.content !== '' && isPairValue(f, text, s.end, s.closed)
          ? headerValue(f.pairName!, s.content, this.#scrub, this.#loc)
          : this.#scrub.text(s.content, this.#loc, known);
      if (out !== s.content) {
        const json = out === null ? 'null' : JSON.stringify(out);
        this.#out.replace(i, s.end, s.closed ? json : json.slice(0, -1));
      }
      this.#i = s.end;
      return;
    }
    let end = i;
    while (end < text.length && !isDelim(text.charCodeAt(end))) end++;
    if (end === i) throw new JsonSyntaxError(`unexpected character at ${i}`);
    if (!afterSeparator(text, i)) throw new JsonSyntaxError(`a value without a comma before it at ${i}`);
    if (isNumber(text, i, end)) {
      // numbers under four characters hold nothing a detector finds
      if (!t && (end - i < 4 || this.#clean(i, end))) {
        if (end - i >= 4) this.#skip(end - i);
      } else {
        const token = text.slice(i, end);
        const known = this.#within(i, end);
        this.#chargeSkipped();
        const out = t ? this.#scrub.treat(token, t, this.#loc, true) : this.#scrub.text(token, this.#loc, known);
        if (out !== token) this.#out.replace(i, end, out === null ? 'null' : NUMBER.test(out) ? out : JSON.stringify(out));
      }
    } else if (!this.#lex.literal(i, end) && (end < text.length || !isPartialScalar(text.slice(i, end)))) {
      // at the end of a body cut short only the start of a number or literal is JSON; anything
      // else (`priya@acmecorp.in` sent as JSON) is not, and the body is read as text
      throw new JsonSyntaxError(`unexpected token at ${i}`);
    }
    this.#i = end;
  }

  /** Opens the object or array at #i. */
  #open(obj: boolean, forced: Treatment | undefined): Frame {
    const parent = this.#stack[this.#stack.length - 1];
    const f = newFrame(obj, forced, this.#i + 1);
    if (parent !== undefined && forced === undefined) f.list = listOf(parent, obj, this.#text);
    if (this.#holderFirst !== undefined) f.sibling = this.#holderFirst.get(this.#i) ?? 0;
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
    const nextAt = this.#found!.nextStart();
    let f = this.#stack[this.#stack.length - 1];
    let i = this.#i;
    let skipped = 0;
    // a container a treatment was forced on (a credential's object), or read by where it sits (json-lists.ts), is walked
    // value by value
    while (i < n && f !== undefined && f.pendingKey === undefined && f.forced === undefined && f.list === 0) {
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
          lazyKey(f, i + 1, q);
          f.expectKey = false;
          i = j + 1;
        } else {
          // the value of a key that names a credential, or a sibling's, is left to the walk (see JsonTreatments.of)
          if (f.obj && (!f.lazyKey || f.sibling !== 0 || keyEnding(text, f.keyStart, f.keyEnd) !== 0) && this.#treatments.leftToWalk(f, i + 1, q)) break;
          // the first string of an array in an array may name a header (json-lists.ts)
          if (!f.obj && f.key === 0 && length >= 3 && this.#stack.length >= 2 && !this.#stack[this.#stack.length - 2]!.obj) break;
          i = q + 1;
        }
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
      } else if (f.obj && this.#treatments.credentialKey(f, i)) {
        break;
      } else if (c === 123 || c === 91) {
        if (c === 91 && f.obj) this.siblings.noteLast(f, i);
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
        } else if (!this.#lex.literal(i, end)) break;
        i = end;
      }
    }
    this.#i = i;
    this.#skipped += skipped;
  }
}
