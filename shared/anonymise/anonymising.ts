import { escapeLike, findingValue, findPii, type Finding, type Kind } from './detect/index.js';
import { JsonSyntaxError, looksLikeJson, MAX_NESTED_JSON, rewriteJson } from './json.js';
import { scrubNamedCredentials } from './credential-text.js';
import { NUMBER } from './json-lex.js';
import { hasMarker, REDACTED, type Pseudonymiser } from './pseudonym/index.js';
import { isShapeChar } from './pseudonym/shape.js';
import type { CompiledRules, Side, Treatment } from './rules.js';
import { locText, type Loc, type ScanBudget, type Scrub } from './scrub.js';
import { isEchoable, type RecordSecrets } from './echoes.js';

/**
 * The anonymiser's scrub: detector findings in free text get their kind's
 * treatment (a marked pseudonym by default), values selected by rules get
 * the rule's, and every changed location is noted for `record.anonymised`.
 * Strings that hold JSON are rewritten as JSON (three levels deep at most).
 *
 * After replacing numbers inside longer text, and after redrawing values
 * selected by rules, the text is scanned again: new digits next to other
 * digits could make the detectors see a new value; anything they see that
 * is not a marked pseudonym is replaced again, and redacted on the last
 * round, so what the anonymiser stores is clean for `parity audit` by
 * construction.
 */

const ROUNDS = 3;
const NUMERIC: ReadonlySet<Kind> = new Set<Kind>(['phone', 'card', 'aadhaar', 'vid', 'ipv4']);
const DIGIT = /[0-9]/;

export interface AnonymiserContext {
  readonly rules: CompiledRules;
  readonly names: Pseudonymiser;
  /** The record's secrets taken whole, for the sweep of their echoes (none: not noted). */
  readonly secrets?: RecordSecrets;
}

/** Masks all but the last `keep` characters: letters and digits become '*', separators stay. */
export function mask(value: string, keep: number): string {
  const chars = [...value];
  const cut = Math.max(0, chars.length - keep);
  for (let i = 0; i < cut; i++) if (isShapeChar(chars[i]!.codePointAt(0)!)) chars[i] = '*';
  return chars.join('');
}

/**
 * An address with a `\` or `%` just before it or in it: where its local part starts depends on the letters after
 * them (`\n`, `%2F`: at-sign.ts), so a pseudonym's first letters can move that start (`CORP\bob@…` redrawn
 * `CORP\rty@…`). Such text is scanned again, as the audit will read it.
 */
function escapeNear(value: string, f: Finding): boolean {
  if (f.kind !== 'email' && f.kind !== 'upi') return false;
  for (let i = Math.max(0, f.start - 3); i < f.end; i++) {
    const c = value.charCodeAt(i);
    if (c === 92 || c === 37) return true;
  }
  return false;
}

export class Anonymising implements Scrub {
  readonly rules: CompiledRules;
  readonly side: Side;
  readonly #names: Pseudonymiser;
  readonly #changes: Set<string>;
  readonly #budget: ScanBudget;
  readonly #depth: number;
  readonly #secrets: RecordSecrets | undefined;

  constructor(ctx: AnonymiserContext, side: Side, changes: Set<string>, budget: ScanBudget, depth = 0) {
    this.rules = ctx.rules;
    this.#names = ctx.names;
    this.#secrets = ctx.secrets;
    this.side = side;
    this.#changes = changes;
    this.#budget = budget;
    this.#depth = depth;
  }

  charge(chars: number): void {
    this.#budget.charge(chars);
  }

  changed(loc: Loc): void {
    this.#changes.add(locText(loc));
  }

  text(value: string, loc: Loc, found?: readonly Finding[]): string {
    if (value.length === 0) return value;
    this.#budget.charge(value.length);
    if (this.#depth < MAX_NESTED_JSON && looksLikeJson(value)) {
      try {
        const nested = new Anonymising({ rules: this.rules, names: this.#names, secrets: this.#secrets }, this.side, this.#changes, this.#budget, this.#depth + 1);
        return rewriteJson(value, nested, locText(loc), 'deep');
      } catch (err) {
        if (!(err instanceof JsonSyntaxError)) throw err;
      }
    }
    // JSON nested deeper than it is walked: the credentials it names are still read (its detectors below)
    const named = this.#depth >= MAX_NESTED_JSON && looksLikeJson(value) ? scrubNamedCredentials(value, this, loc) : value;
    const out = this.#scrubFindings(named, named === value ? found : undefined);
    if (out !== value) this.#changes.add(locText(loc));
    return out;
  }

  secret(raw: string, replacement?: string): void {
    this.#secrets?.add(raw, replacement);
  }

  treat(value: string, t: Treatment, loc: Loc, number = false, echoes = true): string | null {
    this.#changes.add(locText(loc));
    switch (t.action) {
      case 'drop':
        return null;
      case 'redact':
        return REDACTED;
      case 'mask':
        return mask(value, t.keep);
      case 'pseudonym': {
        const out = this.#pseudonymWhole(value, number);
        // its echoes elsewhere in the record get the same pseudonym (a string's: a number's echo is any number)
        if (echoes && !number && this.#secrets && isEchoable(value)) this.#secrets.add(value, out);
        return out;
      }
    }
  }

  /**
   * A value selected by a rule: a kind's pseudonym when it is one detected
   * value, else its shape redrawn. A JSON number's (`number`) stays a JSON
   * number (`{"pin":1003}` is never stored as `{"pin":"0430"}`, which a
   * target checking for an integer rejects in replay): a detected value's
   * pseudonym keeps its first digit, and otherwise the digits are redrawn
   * as a number's.
   */
  #pseudonymWhole(value: string, number: boolean): string {
    if (value.length === 0) return value;
    this.#budget.charge(value.length);
    const found = findPii(value, this.rules.kinds);
    const only = found.length === 1 ? found[0]! : undefined;
    if (only && only.start === 0 && only.end === value.length) {
      const named = escapeLike(only, this.#names.of(only.kind, findingValue(value, only)));
      if (!number || NUMBER.test(named)) return named;
    }
    return this.#redrawn(value, found, number);
  }

  /** A value selected whole that is not one detected value: the detected values' pseudonyms kept, the rest redrawn. */
  #redrawn(value: string, found: readonly Finding[], number: boolean): string {
    if (found.length > 0 && !(found.length === 1 && found[0]!.start === 0 && found[0]!.end === value.length)) {
      // keep the detected values' pseudonyms (with markers) and redraw the rest
      let out = '';
      let at = 0;
      for (const f of found) {
        out += this.#names.generic(value.slice(at, f.start)) + escapeLike(f, this.#names.of(f.kind, findingValue(value, f)));
        at = f.end;
      }
      out = this.#settle(out + this.#names.generic(value.slice(at)));
      if (!number || NUMBER.test(out)) return out;
    }
    return this.#settle(number ? this.#names.number(value) : this.#names.generic(value));
  }

  #replacement(kind: Kind, raw: string): string {
    const t = this.rules.byKind.get(kind)!;
    switch (t.action) {
      case 'drop':
        return '';
      case 'redact':
        return REDACTED;
      case 'mask':
        return mask(raw, t.keep);
      case 'pseudonym':
        return this.#names.of(kind, raw);
    }
  }

  #replaceAll(text: string, found: readonly Finding[], last: boolean): string {
    let out = '';
    let at = 0;
    for (const f of found) {
      out += text.slice(at, f.start) + (last ? REDACTED : escapeLike(f, this.#replacement(f.kind, findingValue(text, f))));
      at = f.end;
    }
    return out + text.slice(at);
  }

  #scrubFindings(value: string, known: readonly Finding[] | undefined): string {
    const found = known ?? findPii(value, this.rules.kinds);
    if (found.length === 0) return value;
    const out = this.#replaceAll(value, found, false);
    // Pseudonyms keep every character class, kept part and check character, so
    // the detectors see the same values again — except where new digits next to
    // other digits could make a longer number pass a checksum: a number's, or an
    // address's (`4111 1111 1111 11119.alice@example.com`) — and where a finding
    // won over a longer one it overlapped (`A-@sk_live_…alice@example.com`: the
    // UPI id `A-@sk` wins, and the rest of the address is still to be replaced).
    return found.some((f) => f.decoded || f.spills || escapeNear(value, f) || ((f.start > 0 || f.end < value.length) && (NUMERIC.has(f.kind) || DIGIT.test(value.slice(f.start, f.end))))) ? this.#settle(out) : out;
  }

  /** Rescans replaced text until nothing unmarked is left (see the module comment). */
  // (an address beside an escape: see escapeNear)
  #settle(text: string): string {
    let out = text;
    for (let round = 1; round <= ROUNDS; round++) {
      this.#budget.charge(out.length);
      const left = findPii(out, this.rules.kinds).filter((f) => !hasMarker(findingValue(out, f)));
      if (left.length === 0) return out;
      out = this.#replaceAll(out, left, round === ROUNDS);
    }
    return out;
  }
}
