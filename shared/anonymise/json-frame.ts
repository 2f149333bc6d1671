import { segmentText, type PathKey } from './json-path.js';
import type { Treatment } from './rules.js';

/**
 * The JSON rewrite's open containers, and the locations (`body$.users[*].email`)
 * of the values in them: one string per distinct location, built only for
 * values that change.
 */

/** An open object or array. */
export interface Frame {
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

/** A container opened at the current position; its first member starts at `memberStart`. */
export function newFrame(obj: boolean, forced: Treatment | undefined, memberStart: number): Frame {
  return {
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
    memberStart,
  };
}

/** Locations in a document, over the rewrite's stack of open containers (shared, not copied). */
export class JsonLocations {
  readonly #text: string;
  readonly #stack: readonly Frame[];
  readonly #prefix: string;
  readonly #byParent = new Map<string, Map<string | -1, string>>();

  constructor(text: string, stack: readonly Frame[], prefix: string) {
    this.#text = text;
    this.#stack = stack;
    this.#prefix = prefix;
  }

  /** The member key (cut out of the text now if it was left in place) or element index of `f`. */
  keyOf(f: Frame): PathKey {
    if (f.lazyKey) {
      f.key = this.#text.slice(f.keyStart, f.keyEnd);
      f.lazyKey = false;
    }
    return f.key;
  }

  path(): PathKey[] {
    return this.#stack.map((f) => this.keyOf(f));
  }

  /** Where the current value sits. */
  value(): string {
    const top = this.#stack.length - 1;
    return top < 0 ? `${this.#prefix}$` : this.#child(this.#container(top), this.keyOf(this.#stack[top]!));
  }

  /** Where a key sits: its object's path and `.(key)`. */
  key(): string {
    return `${this.#container(this.#stack.length - 1)}.(key)`;
  }

  /** The location of the container at stack depth `k` (its keys above it do not change while it is open). */
  #container(k: number): string {
    const f = this.#stack[k]!;
    f.loc ??= k === 0 ? `${this.#prefix}$` : this.#child(this.#container(k - 1), this.keyOf(this.#stack[k - 1]!));
    return f.loc;
  }

  /**
   * `parent`'s location extended by `key`, one string per distinct location
   * (so the change set hashes each once, however many elements share it).
   */
  #child(parent: string, key: PathKey): string {
    let byKey = this.#byParent.get(parent);
    if (!byKey) this.#byParent.set(parent, (byKey = new Map<string | -1, string>()));
    const k = typeof key === 'number' ? -1 : key;
    let loc = byKey.get(k);
    if (loc === undefined) byKey.set(k, (loc = parent + segmentText(key)));
    return loc;
  }
}
