import type { Finding } from './detect/index.js';
import type { CompiledRules, Side, Treatment } from './rules.js';

/**
 * A location: a string, or a function computing it only when something is
 * reported there (a JSON path is built only for the few values that change).
 */
export type Loc = string | (() => string);

export function locText(loc: Loc): string {
  return typeof loc === 'string' ? loc : loc();
}

/**
 * What the body, header and URL walkers hand each value to. The anonymiser's
 * scrub replaces personal data; the audit's scrub only reports it. Both see
 * the same values at the same locations, because they share the walkers.
 */
export interface Scrub {
  readonly rules: CompiledRules;
  readonly side: Side;
  /**
   * Free text: returns it with detector findings replaced (the same string
   * when nothing changed). `found`: the findings in `value` when the caller
   * already scanned a larger text holding it (offsets relative to `value`).
   * With `found` empty and a value that cannot hold JSON, text() must only
   * charge the value's length: the JSON walk then skips the call and
   * charges it itself.
   */
  text(value: string, loc: Loc, found?: readonly Finding[]): string;
  /** Notes a location changed by the walker itself (a JSON member dropped or redacted). */
  changed(loc: Loc): void;
  /**
   * A value a rule selected whole; null drops it. `number`: the value is a
   * JSON number's text, and a pseudonym of it must be one too. `echoes`
   * (default true): a pseudonymised string is also replaced where the record
   * repeats it (echoes.ts); false for values that are no secret to search
   * for (a cookie that is not a session's).
   */
  treat(value: string, t: Treatment, loc: Loc, number?: boolean, echoes?: boolean): string | null;
  /** Counts scanned characters against the record's budget (throws BudgetExceeded past it). */
  charge(chars: number): void;
  /**
   * Notes a secret taken whole where it was found, with what replaced it
   * there (none: it was dropped), so that its echoes elsewhere in the
   * record are replaced too (echoes.ts). treat() notes its own.
   */
  secret(raw: string, replacement?: string): void;
}

/**
 * `scrub` with its rules or its text() replaced: everything else goes to
 * `scrub` itself (credential-text.ts reads named credentials first,
 * graphql-vars.ts adds a body's own JSON rules).
 */
export function scrubWith(scrub: Scrub, over: { rules?: CompiledRules; text?: Scrub['text'] }): Scrub {
  return {
    rules: over.rules ?? scrub.rules,
    side: scrub.side,
    text: over.text ?? ((value, loc, found) => scrub.text(value, loc, found)),
    changed: (loc) => scrub.changed(loc),
    treat: (value, t, loc, number, echoes) => scrub.treat(value, t, loc, number, echoes),
    charge: (chars) => scrub.charge(chars),
    secret: (raw, replacement) => scrub.secret(raw, replacement),
  };
}

/** Thrown when a record's scan budget is spent; its bodies are then dropped, never stored unscanned. */
export class BudgetExceeded extends Error {
  constructor() {
    super('anonymiser scan budget exceeded');
    this.name = 'BudgetExceeded';
  }
}

/** A record's scan budget, in characters. */
export class ScanBudget {
  #left: number;

  constructor(chars: number) {
    this.#left = chars;
  }

  charge(chars: number): void {
    this.#left -= chars;
    if (this.#left < 0) throw new BudgetExceeded();
  }

  get spent(): boolean {
    return this.#left < 0;
  }
}
