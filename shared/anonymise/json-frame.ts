import { detached } from './detach.js';
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
  /** Location of this container itself, found when first needed. */
  loc: LocNode | undefined;
  expectKey: boolean;
  /** Position of the comma before the current member, -1 when none. */
  comma: number;
  dropNextComma: boolean;
  forced: Treatment | undefined;
  pendingKey: { start: number; end: number; json: string } | undefined;
  memberStart: number;
  /** Where the container opens (its `{` or `[`). */
  open: number;
  /** Members a sibling said hold a secret (json-sibling-kinds.ts: HOLDS_VALUE, HOLDS_CODE, …), 0 for none. */
  sibling: number;
  /** What an array's elements or an object's members are, read from where the container sits (json-lists.ts): 0 for most. */
  list: number;
  /** A LIST_PAIR array's name, its first element (lower case). */
  pairName: string | undefined;
}

/** The member's key is text[start, end), clean: read from the text only when a location needs it. */
export function lazyKey(f: Frame, start: number, end: number): void {
  f.lazyKey = true;
  f.keyStart = start;
  f.keyEnd = end;
  f.pendingKey = undefined;
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
    open: memberStart - 1,
    sibling: 0,
    list: 0,
    pairName: undefined,
  };
}

/**
 * A location in the tree of every location seen in this process: one string
 * per distinct location, built once (so the change set hashes each once,
 * however many values and documents share it). Keys are copied before they
 * are kept: a key cut out of a body would keep the whole body alive. The
 * tree is bounded; past LOC_NODES it starts again.
 */
interface LocNode {
  readonly loc: string;
  kids: Map<string | -1 | -2, LocNode> | undefined;
}

const LOC_NODES = 20_000;
/**
 * Depth past which a location is written as its container's at this depth and `..*` (anything below it): a location
 * is as long as its depth and one is kept per changed value, so a document nested 40,000 deep built gigabytes of them.
 */
export const LOC_DEPTH = 64;
const roots = new Map<string, LocNode>();
let nodes = 0;


function rootOf(prefix: string): LocNode {
  let node = roots.get(prefix);
  if (node === undefined) {
    if (++nodes > LOC_NODES) {
      roots.clear();
      nodes = 1;
    }
    roots.set(detached(prefix), (node = { loc: detached(`${prefix}$`), kids: undefined }));
  }
  return node;
}

function childOf(parent: LocNode, key: PathKey): LocNode {
  const k = typeof key === 'number' ? -1 : key;
  let node = parent.kids?.get(k);
  if (node === undefined) {
    if (++nodes > LOC_NODES) {
      roots.clear();
      nodes = 1;
    }
    node = { loc: detached(parent.loc + segmentText(key)), kids: undefined };
    (parent.kids ??= new Map()).set(typeof k === 'string' ? detached(k) : k, node);
  }
  return node;
}

/** Anything below `parent` (`$.a.b..*`). */
function deepOf(parent: LocNode): LocNode {
  let node = parent.kids?.get(-2);
  if (node === undefined) {
    node = { loc: detached(`${parent.loc}..*`), kids: undefined };
    (parent.kids ??= new Map()).set(-2, node);
  }
  return node;
}

/** Locations in a document, over the rewrite's stack of open containers (shared, not copied). */
export class JsonLocations {
  readonly #text: string;
  readonly #stack: readonly Frame[];
  readonly #prefix: string;

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
    if (top < 0) return rootOf(this.#prefix).loc;
    return top >= LOC_DEPTH ? deepOf(this.#container(LOC_DEPTH)).loc : childOf(this.#container(top), this.keyOf(this.#stack[top]!)).loc;
  }

  /** Where a key sits: its object's path and `.(key)`. */
  key(): string {
    return `${this.#container(this.#stack.length - 1).loc}.(key)`;
  }

  /** The location of the container at stack depth `k` (its keys above it do not change while it is open). */
  #container(k: number): LocNode {
    const f = this.#stack[k]!;
    if (k > LOC_DEPTH) return (f.loc ??= deepOf(this.#container(LOC_DEPTH)));
    f.loc ??= k === 0 ? rootOf(this.#prefix) : childOf(this.#container(k - 1), this.keyOf(this.#stack[k - 1]!));
    return f.loc;
  }
}
