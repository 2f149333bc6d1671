import type { Frame } from './json-frame.js';

/**
 * The JSON rewrite's output: the text with replaced spans spliced in, in
 * order; only the changed spans are copied until the end.
 */
export class JsonSplice {
  readonly #text: string;
  readonly #parts: string[] = [];
  #cursor = 0;

  constructor(text: string) {
    this.#text = text;
  }

  /** text[start, end) becomes `with_` (spans come in order, never overlapping). */
  replace(start: number, end: number, with_: string): void {
    this.#parts.push(this.#text.slice(this.#cursor, start), with_);
    this.#cursor = end;
  }

  /** Writes the renamed key of `f`'s current member, if it has one waiting (its value was kept). */
  flushKey(f: Frame | undefined): void {
    if (f?.pendingKey) {
      this.replace(f.pendingKey.start, f.pendingKey.end, f.pendingKey.json);
      f.pendingKey = undefined;
    }
  }

  /** Removes the member or element [start, end) of `f`; the root becomes null. */
  drop(f: Frame | undefined, start: number, end: number): void {
    if (!f) return this.replace(start, end, 'null');
    f.pendingKey = undefined;
    if (f.comma >= 0) this.replace(f.comma, end, '');
    else {
      this.replace(f.memberStart, end, '');
      f.dropNextComma = true;
    }
  }

  /** The text with every replacement; the same string when there was none. */
  result(): string {
    if (this.#parts.length === 0) return this.#text;
    this.#parts.push(this.#text.slice(this.#cursor));
    return this.#parts.join('');
  }
}
