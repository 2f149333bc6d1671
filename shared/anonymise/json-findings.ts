import type { Finding } from './detect/index.js';

/** A finding that crosses a token boundary: the precomputed findings cannot be used. */
export class Straddle extends Error {}

/**
 * The findings of one scan of a whole JSON text (see body.ts), handed out
 * token by token as the rewrite walks forward: each string or number gets
 * the findings inside it instead of being scanned again.
 */
export class FindingCursor {
  readonly #all: readonly Finding[];
  #next = 0;

  constructor(all: readonly Finding[]) {
    this.#all = all;
  }

  /** Where the next finding not yet handed out starts; Infinity when none is left. */
  nextStart(): number {
    return this.#next < this.#all.length ? this.#all[this.#next]!.start : Infinity;
  }

  /** The findings inside [start, end), relative to start. Throws Straddle when one crosses either edge. */
  within(start: number, end: number): Finding[] {
    const all = this.#all;
    while (this.#next < all.length && all[this.#next]!.start < start) {
      if (all[this.#next]!.end > start) throw new Straddle();
      this.#next++;
    }
    const out: Finding[] = [];
    while (this.#next < all.length && all[this.#next]!.start < end) {
      const f = all[this.#next++]!;
      if (f.end > end) throw new Straddle();
      out.push({ ...f, start: f.start - start, end: f.end - start });
    }
    return out;
  }
}
