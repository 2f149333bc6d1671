import { isCredentialName } from './credentials.js';
import type { Scrub } from './scrub.js';

/**
 * Multipart parts in a body read as text (LF-only line ends, a boundary
 * other than the declared one, none declared): a part whose
 * `Content-Disposition: form-data; name="…"` names a credential has its
 * value — every line of it up to the next boundary, 4,096 characters at
 * most — read as the credential. Found by plain searches, each bounded, and
 * charged to the record's budget: one regex over the whole part cost ~4.5 s
 * a MiB of crafted `form-data;` markers (the fourteenth review).
 */

/** A part header's `name` parameter. */
const PART_NAME = /[; \t]name[ \t]*=[ \t]*["']?([\w.[\]-]{1,64})/i;
/** `form-data` in any case (`FORM-DATA`, `Form-Data`). */
const FORM_DATA = /form-data/gi;
/** Longest header line (a Content-Disposition with a long filename), header lines and value read. */
const LINE_MAX = 8192;
const HEADER_LINES = 8;
const VALUE_MAX = 4096;

/** Where the line that starts at or before `from` ends (its `\r` or `\n`), or -1 past LINE_MAX characters. */
function lineEnd(text: string, from: number): number {
  const nl = text.slice(from, from + LINE_MAX + 1).indexOf('\n');
  const stop = nl < 0 ? (from + LINE_MAX >= text.length ? text.length : -1) : from + nl;
  return stop > from && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
}

/** After the line end at `at` (`\r\n` or `\n`). */
function nextLine(text: string, at: number): number {
  if (text.charCodeAt(at) === 13) at++;
  return text.charCodeAt(at) === 10 ? at + 1 : at;
}

export function namedFormParts(text: string, scrub: Scrub): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  FORM_DATA.lastIndex = 0;
  for (let m = FORM_DATA.exec(text); m; m = FORM_DATA.exec(text)) {
    const i = m.index;
    const end = lineEnd(text, i);
    scrub.charge(Math.min(text.length - i, LINE_MAX));
    if (end < 0) continue;
    const name = PART_NAME.exec(text.slice(i, end));
    if (!name || !isCredentialName(name[1]!)) continue;
    // the blank line that ends the part's headers
    let at = nextLine(text, end);
    let start = -1;
    for (let k = 0; k <= HEADER_LINES && at < text.length && at > end; k++) {
      const c = text.charCodeAt(at);
      if (c === 10 || (c === 13 && text.charCodeAt(at + 1) === 10)) {
        start = nextLine(text, at);
        break;
      }
      const e = lineEnd(text, at);
      if (e < 0) break;
      scrub.charge(e - at);
      at = nextLine(text, e);
    }
    if (start < 0) continue;
    // the value: up to the line break before the next boundary (`--…`)
    const window = text.slice(start, start + VALUE_MAX + 3);
    scrub.charge(window.length);
    const boundary = window.indexOf('\n--');
    let stop = start + (boundary < 0 ? Math.min(window.length, VALUE_MAX) : boundary);
    // a part handed on its own (scrubMultipart) ends with the line break before the next delimiter: not the value's
    if (boundary < 0) while (stop > start && (text.charCodeAt(stop - 1) === 10 || text.charCodeAt(stop - 1) === 13)) stop--;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--;
    if (stop > start) spans.push({ start, end: stop });
    FORM_DATA.lastIndex = Math.max(FORM_DATA.lastIndex, stop);
  }
  return spans;
}
