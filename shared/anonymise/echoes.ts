/**
 * A secret taken whole in one place of a record (a credential's value, a
 * cookie, an Authorization token) is often echoed in another, under a name
 * or in words no walker reads: `password=X&confirm=X`, an OAuth error
 * `"Authorization code X has expired"`, a token endpoint's answer, a debug
 * page printing the request. Each such value is noted with what replaced
 * it, and when the record is done its URL, header values and bodies are
 * searched for what is left of it, raw, percent-encoded or JSON-escaped,
 * and that is replaced the same way.
 *
 * Only values that cannot be mistaken for a record's own words are noted:
 * 8 characters at least (a six-digit code may be any number), with a
 * letter and a digit unless 20 long (`password` as a password would
 * otherwise rename every `"password"` key), and at most 32 a record (each
 * costs one search per body). An occurrence counts only between characters
 * that are not letters or digits, so a longer token holding the value stays.
 */

const MIN = 8;
const LONG = 20;
const MAX = 4096;
const PER_RECORD = 32;
const LETTER = /[A-Za-z]/;
const DIGIT = /[0-9]/;

/** Whether a value taken whole is worth searching the rest of the record for. */
export function isEchoable(value: string): boolean {
  if (value.length < MIN || value.length > MAX) return false;
  return value.length >= LONG ? /\S/.test(value) : LETTER.test(value) && DIGIT.test(value);
}

const isWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** A JSON string's content for `s`. */
const jsonEscaped = (s: string) => JSON.stringify(s).slice(1, -1);

export class RecordSecrets {
  /** raw → replacement (undefined: redrawn at the sweep, for a value dropped where it was found). */
  readonly #values = new Map<string, string | undefined>();

  get size(): number {
    return this.#values.size;
  }

  add(raw: string, replacement: string | undefined): void {
    if (this.#values.size >= PER_RECORD || replacement === raw || !isEchoable(raw) || this.#values.has(raw)) return;
    this.#values.set(raw, replacement);
  }

  /**
   * The spellings to search for, each with its replacement: the value, its
   * percent-encoding and its JSON escape, where they differ. `redraw` makes
   * the replacement of a value that had none.
   */
  spellings(redraw: (raw: string) => string): [string, string][] {
    const out: [string, string][] = [];
    for (const [raw, given] of this.#values) {
      const rep = given ?? redraw(raw);
      out.push([raw, rep]);
      const encoded = encodeURIComponent(raw);
      if (encoded !== raw) out.push([encoded, encodeURIComponent(rep)]);
      const escaped = jsonEscaped(raw);
      if (escaped !== raw) out.push([escaped, jsonEscaped(rep)]);
    }
    return out;
  }
}

/** `text` with each bounded occurrence of a spelling replaced; the same string when none is there. */
export function sweepText(text: string, spellings: readonly [string, string][]): string {
  let out = text;
  for (const [find, rep] of spellings) {
    let at = out.indexOf(find);
    if (at < 0) continue;
    let next = '';
    let from = 0;
    for (; at >= 0; at = out.indexOf(find, at + 1)) {
      if (at < from || (at > 0 && isWordChar(out.charCodeAt(at - 1))) || isWordChar(out.charCodeAt(at + find.length))) continue;
      next += out.slice(from, at) + rep;
      from = at + find.length;
    }
    if (from > 0) out = next + out.slice(from);
  }
  return out;
}

/** `bytes` with each bounded occurrence of a spelling (as UTF-8) replaced; the same Buffer when none is there. */
export function sweepBytes(bytes: Buffer, spellings: readonly [string, string][]): Buffer {
  let out = bytes;
  for (const [find, rep] of spellings) {
    const needle = Buffer.from(find);
    let at = out.indexOf(needle);
    if (at < 0) continue;
    const pieces: Buffer[] = [];
    let from = 0;
    for (; at >= 0; at = out.indexOf(needle, at + 1)) {
      if (at < from || (at > 0 && isWordChar(out[at - 1]!)) || isWordChar(out[at + needle.length] ?? 0)) continue;
      pieces.push(out.subarray(from, at), Buffer.from(rep));
      from = at + needle.length;
    }
    if (from > 0) out = Buffer.concat([...pieces, out.subarray(from)]);
  }
  return out;
}
