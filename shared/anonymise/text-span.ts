/**
 * Spans of text a walker of free text replaces, and the readers of a value
 * after its name (VALUE) or of an element's text, shared by
 * credential-text.ts, labelled.ts and script-calls.ts.
 */

export interface Span {
  start: number;
  end: number;
}

/**
 * The value at a name's end (sticky). A quoted value needs no closing quote: a body cut by the
 * capture limit has none, and one longer than 4,096 characters has its first 4,096 replaced.
 * `\"…\"` is a value in JSON kept as a string (NDJSON logging a request, `JSON.parse("…")` in a
 * page): `{\"password\":\"…\"}`.
 */
export const VALUE = /"((?:[^"\\\r\n]|\\.){1,4096})"?|\\"((?:[^"\\\r\n]|\\[^"\r\n]){1,4096})(?:\\")?|'([^'\\\r\n]{1,4096})'?|([^\s"'&;,<>{}()[\]\\]{1,4096})|(?:&quot;|&#34;)((?:[^&<>\r\n]|&(?!quot;|#34;)){1,4096})(?:&quot;|&#34;)?/y;

/** The span of what VALUE matched, without its quotes (`"…"`, `\"…\"`, `'…'`, or none). */
export function valueSpan(v: RegExpExecArray): Span {
  const value = v[1] ?? v[2] ?? v[3] ?? v[4] ?? v[5]!;
  const start = v.index + (v[5] !== undefined ? (v.input.startsWith('&quot;', v.index) ? 6 : 5) : v[2] !== undefined ? 2 : v[4] === undefined ? 1 : 0);
  return { start, end: start + value.length };
}

const CDATA_OPEN = '<![CDATA[';

/**
 * The text at `at` up to the next tag, or a CDATA section's content, as a span (spaces around it left out): an
 * element's text once its start tag has been read. Returns where the read stopped: the callers pass over the tags
 * before it, so no text is read twice.
 */
export function elementText(text: string, at: number, spans: Span[]): number {
  let start = at;
  let end: number;
  if (text.startsWith(CDATA_OPEN, at)) {
    start = at + CDATA_OPEN.length;
    // the search stops where the value would: an unclosed section (a body cut short) is not searched to the end once per tag
    end = Math.min(text.length, start + 4096);
    for (let b = text.indexOf(']', start); b >= 0 && b < end; b = text.indexOf(']', b + 1)) {
      if (text.startsWith(']]>', b)) {
        end = b;
        break;
      }
    }
  } else {
    end = at;
    while (end < text.length && end - at < 4096 && text.charCodeAt(end) !== 60) end++;
    while (start < end && /\s/.test(text[start]!)) start++;
  }
  const read = end;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  if (end > start) spans.push({ start, end });
  return read;
}
