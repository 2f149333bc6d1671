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
 * 8 to 128 characters with a letter and a digit (`password` as a password
 * would otherwise rename every `"password"` key; a six-digit code may be any
 * number; a row of dashes, a multipart boundary), nothing in them or their
 * replacement a detector finds, at most 32 a record (each costs one search
 * per body), and of cookies only session cookies (a region or a time zone
 * is no secret). An occurrence counts only between characters that are not
 * letters or digits, so a longer token holding the value stays. The search
 * is charged to the record's scan budget.
 */

const MIN = 8;
const MAX = 128;
const PER_RECORD = 32;
const LETTER = /[A-Za-z]/;
const DIGIT = /[0-9]/;

/** Whether a value taken whole is worth searching the rest of the record for (see the module comment). */
export function isEchoable(value: string): boolean {
  return value.length >= MIN && value.length <= MAX && LETTER.test(value) && DIGIT.test(value);
}

const isWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** A JSON string's content for `s`. */
const jsonEscaped = (s: string) => JSON.stringify(s).slice(1, -1);

/** `s` percent-encoded, or undefined when it cannot be (a lone surrogate from an imported record). */
function percentEncoded(s: string): string | undefined {
  try {
    return encodeURIComponent(s);
  } catch {
    return undefined;
  }
}

export class RecordSecrets {
  /** raw → replacement (undefined: redrawn at the sweep, for a value dropped where it was found). */
  readonly #values = new Map<string, string | undefined>();
  readonly #clean: (text: string) => boolean;

  /** `clean`: nothing a detector finds is in the text (values holding some are left to the detectors). */
  constructor(clean: (text: string) => boolean) {
    this.#clean = clean;
  }

  get size(): number {
    return this.#values.size;
  }

  /**
   * Notes `raw`, taken whole and replaced by `replacement`. Not one holding
   * anything a detector finds, nor one whose replacement does: there the
   * detectors do the work, and a pseudonym's detectable part is only
   * listed where it was made (the audit would flag it at the echo).
   */
  add(raw: string, replacement: string | undefined): void {
    if (this.#values.size >= PER_RECORD || replacement === raw || !isEchoable(raw) || this.#values.has(raw)) return;
    if (!this.#clean(raw) || (replacement !== undefined && !this.#clean(replacement))) return;
    this.#values.set(raw, replacement);
  }

  /**
   * The spellings to search for, each with its replacement, longest first
   * (a secret holding a shorter one is replaced whole): the value, its
   * percent-encoding and its JSON escape, where they differ. `redraw` makes
   * the replacement of a value that had none.
   */
  spellings(redraw: (raw: string) => string): [string, string][] {
    const out: [string, string][] = [];
    for (const [raw, given] of this.#values) {
      const rep = given ?? redraw(raw);
      if (given === undefined && !this.#clean(rep)) continue;
      out.push([raw, rep]);
      const encoded = percentEncoded(raw);
      const encodedRep = percentEncoded(rep);
      if (encoded !== undefined && encodedRep !== undefined && encoded !== raw) out.push([encoded, encodedRep]);
      const escaped = jsonEscaped(raw);
      if (escaped !== raw) out.push([escaped, jsonEscaped(rep)]);
    }
    return out.sort((a, b) => b[0].length - a[0].length);
  }
}

/**
 * Where the next search for `find` may start after a match at `at` was
 * refused because a letter or digit precedes it: past the run of letters
 * and digits it starts in, since every later start inside that run is
 * preceded by one too. Keeps the sweep linear on repetitive text.
 */
function pastRun(at: number, length: number, charAt: (i: number) => number): number {
  let i = at;
  while (i < length && isWordChar(charAt(i))) i++;
  return Math.max(i, at + 1);
}

/**
 * `text` with each bounded occurrence of a spelling replaced; the same string
 * when none is there. `charge`: the characters read again past a refused
 * match (the searches themselves are linear, a few per spelling).
 */
export function sweepText(text: string, spellings: readonly [string, string][], charge: (chars: number) => void = () => undefined): string {
  let out = text;
  for (const [find, rep] of spellings) {
    let at = out.indexOf(find);
    if (at < 0) continue;
    const s = out;
    const charAt = (i: number) => s.charCodeAt(i);
    let next = '';
    let from = 0;
    let searched = 0;
    while (at >= 0) {
      if (at > 0 && isWordChar(s.charCodeAt(at - 1))) {
        searched = pastRun(at, s.length, charAt);
        charge(searched - at);
      } else if (isWordChar(s.charCodeAt(at + find.length))) {
        // the next search may read this match's characters again: charged
        searched = at + 1;
        charge(find.length);
      } else {
        next += s.slice(from, at) + rep;
        from = searched = at + find.length;
      }
      at = s.indexOf(find, searched);
    }
    if (from > 0) out = next + s.slice(from);
  }
  return out;
}

/** `bytes` with each bounded occurrence of a spelling (as UTF-8) replaced; the same Buffer when none is there. */
export function sweepBytes(bytes: Buffer, spellings: readonly [string, string][], charge: (chars: number) => void = () => undefined): Buffer {
  let out = bytes;
  for (const [find, rep] of spellings) {
    const needle = Buffer.from(find);
    let at = out.indexOf(needle);
    if (at < 0) continue;
    const b = out;
    const charAt = (i: number) => b[i]!;
    const pieces: Buffer[] = [];
    let from = 0;
    let searched = 0;
    while (at >= 0) {
      if (at > 0 && isWordChar(b[at - 1]!)) {
        searched = pastRun(at, b.length, charAt);
        charge(searched - at);
      } else if (isWordChar(b[at + needle.length] ?? 0)) {
        searched = at + 1;
        charge(needle.length);
      } else {
        pieces.push(b.subarray(from, at), Buffer.from(rep));
        from = searched = at + needle.length;
      }
      at = b.indexOf(needle, searched);
    }
    if (from > 0) out = Buffer.concat([...pieces, b.subarray(from)]);
  }
  return out;
}
