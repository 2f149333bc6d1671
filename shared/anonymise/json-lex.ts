/**
 * The characters and tokens of JSON text, read in place (without cutting
 * them out) by the JSON rewrite.
 */

// U+FEFF: a byte-order mark before the JSON text is read as white space
export const isWs = (c: number) => c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff;
export const isDelim = (c: number) => isWs(c) || c === 44 || c === 125 || c === 93 || c === 58;
export const isDigit = (c: number) => c >= 48 && c <= 57;

/** True when text[i, end) is a JSON number (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?), read without cutting it out. */
export function isNumber(text: string, i: number, end: number): boolean {
  if (text.charCodeAt(i) === 45) i++;
  if (i >= end || !isDigit(text.charCodeAt(i))) return false;
  if (text.charCodeAt(i++) !== 48) while (i < end && isDigit(text.charCodeAt(i))) i++;
  if (i < end && text.charCodeAt(i) === 46) {
    if (++i >= end || !isDigit(text.charCodeAt(i))) return false;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
  }
  if (i < end && (text.charCodeAt(i) | 32) === 101) {
    i++;
    if (i < end && (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45)) i++;
    if (i >= end || !isDigit(text.charCodeAt(i))) return false;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
  }
  return i === end;
}

export const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A text starting with `a` and ending with `z` may be a JSON object or array. */
export const maybeJson = (a: number, z: number) => (a === 123 && z === 125) || (a === 91 && z === 93);

export class JsonSyntaxError extends Error {}

/**
 * JSON text read token by token in place. Remembers where the next
 * backslash is, so strings without escapes are taken as they stand.
 */
export class JsonText {
  readonly text: string;
  #nextBackslash = -1;

  constructor(text: string) {
    this.text = text;
  }

  /** true, false or null at text[i, end). */
  literal(i: number, end: number): boolean {
    const n = end - i;
    const text = this.text;
    return (n === 4 && (text.startsWith('true', i) || text.startsWith('null', i))) || (n === 5 && text.startsWith('false', i));
  }

  /**
   * The closing quote of the string opening at `at` when no backslash
   * comes before it (else -1; readString handles escapes and a string cut
   * short). Keeps #nextBackslash at the first backslash after `at`.
   */
  closingQuote(at: number): number {
    const text = this.text;
    if (this.#nextBackslash <= at) {
      const b = text.indexOf('\\', at + 1);
      this.#nextBackslash = b < 0 ? Infinity : b;
    }
    const q = text.indexOf('"', at + 1);
    return q >= 0 && q < this.#nextBackslash ? q : -1;
  }

  /** A string token at `at` (its opening quote): its end (after the closing quote) and content. */
  readString(at: number): { end: number; content: string; closed: boolean } {
    const text = this.text;
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
      return { end, content: JSON.parse(closed ? text.slice(at, end) : `"${withoutDanglingEscape(raw)}"`) as string, closed };
    } catch {
      throw new JsonSyntaxError(`bad string at ${at}`);
    }
  }

  /** End of the value starting at `at` (a container is skipped whole). */
  skipValue(at: number): number {
    const text = this.text;
    const c = text.charCodeAt(at);
    if (c === 34) return this.readString(at).end;
    let j = at;
    if (c !== 123 && c !== 91) {
      while (j < text.length && !isDelim(text.charCodeAt(j))) j++;
      return j;
    }
    let depth = 0;
    while (j < text.length) {
      const d = text.charCodeAt(j);
      if (d === 34) {
        j = this.readString(j).end;
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

/** A string cut short by the capture limit, without an escape cut in half at its end (`\\` is whole, `\` or `\u00` is not). */
function withoutDanglingEscape(raw: string): string {
  const u = /\\u[0-9a-fA-F]{0,3}$/.exec(raw);
  const at = u ? u.index : raw.length;
  let n = 0;
  while (n < at && raw.charCodeAt(at - 1 - n) === 92) n++;
  if (u) return (n % 2 === 0) ? raw.slice(0, at) : raw;
  return n % 2 === 1 ? raw.slice(0, -1) : raw;
}

/**
 * A number or literal must follow '[', ',' or ':' (or open the text): values
 * without commas between them (`4111 1111 1111 1111`) would each be scanned
 * alone and read as nothing, so they are not JSON.
 */
export function afterSeparator(text: string, at: number): boolean {
  let before = at - 1;
  while (before >= 0 && isWs(text.charCodeAt(before))) before--;
  const prev = before < 0 ? -1 : text.charCodeAt(before);
  return prev === -1 || prev === 91 || prev === 44 || prev === 58;
}

/** The start of a number or of true, false or null: what a body cut short may end with. */
export const isPartialScalar = (token: string) => /^(?:-?[0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]*)?|t(?:r(?:ue?)?)?|f(?:a(?:l(?:se?)?)?)?|n(?:u(?:ll?)?)?)$/.test(token);
