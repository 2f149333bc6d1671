import { isUtf8 } from 'node:buffer';
import { rewriteJson, JsonSyntaxError } from './json.js';
import { namedRule } from './rules.js';
import type { Scrub } from './scrub.js';

/**
 * Form bodies. URL-encoded: each field is decoded, treated by a form rule
 * or scanned, and re-encoded only when it changed. Multipart: each part's
 * filename is scanned and its content is treated by a form rule, rewritten
 * as JSON when the part says so, or scanned as text (UTF-8, or byte for
 * byte as Latin-1 when it is not UTF-8); delimiters and part headers stay
 * as they were. Locations: `req.body.form.<field>`.
 */

function decodeForm(raw: string, plus = true): string {
  try {
    return decodeURIComponent(plus ? raw.replace(/\+/g, ' ') : raw);
  } catch {
    return raw;
  }
}

const encodeForm = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');

/**
 * A name=value pair's value, scanned. A '+' in a form or query means a
 * space, but clients send a phone's country prefix unencoded
 * (`phone=+447911123456`): decoded as a space the prefix is gone and the
 * number no longer looks like one. So a raw value holding '+' is scanned
 * with '+' read literally first; when that finds something, it is what is
 * written back ('+' kept literal).
 */
export function scanPairValue(raw: string, decoded: string, literal: (raw: string) => string, scrub: Scrub, loc: string): { next: string; literal: boolean } {
  if (raw.includes('+')) {
    const plain = literal(raw);
    const next = scrub.text(plain, loc);
    if (next !== plain) return { next, literal: true };
  }
  return { next: scrub.text(decoded, loc), literal: false };
}

/**
 * URL-encoded fields. Names are scanned too (a field named by an email
 * address) and the field's location uses the scanned name; a pair without
 * '=' is scanned whole, so text that only claims to be a form (a JSON body
 * sent as urlencoded) is never stored unread.
 */
export function scrubUrlencoded(text: string, scrub: Scrub, where: string): string {
  let changed = false;
  const out: string[] = [];
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) {
      const { next, literal } = scanPairValue(pair, decodeForm(pair), (r) => decodeForm(r, false), scrub, `${where}.form`);
      if (next === (literal ? decodeForm(pair, false) : decodeForm(pair))) out.push(pair);
      else {
        changed = true;
        out.push(literal ? encodeURIComponent(next).replace(/%2B/g, '+') : encodeForm(next));
      }
      continue;
    }
    const rawName = pair.slice(0, eq);
    const rawValue = pair.slice(eq + 1);
    const name = decodeForm(rawName);
    const scannedName = scrub.text(name, `${where}.form`);
    const nameOut = scannedName === name ? rawName : encodeForm(scannedName);
    const value = decodeForm(rawValue);
    const loc = `${where}.form.${scannedName}`;
    const rule = namedRule(scrub.rules.form, name, scrub.side);
    let valueOut: string | null = rawValue;
    if (rule) {
      const next = scrub.treat(value, rule, loc);
      valueOut = next === null ? null : next === value ? rawValue : encodeForm(next);
    } else {
      const { next, literal } = scanPairValue(rawValue, value, (r) => decodeForm(r, false), scrub, loc);
      if (literal) valueOut = encodeURIComponent(next).replace(/%2B/g, '+');
      else if (next !== value) valueOut = encodeForm(next);
    }
    if (valueOut === rawValue && nameOut === rawName) out.push(pair);
    else {
      changed = true;
      if (valueOut !== null) out.push(`${nameOut}=${valueOut}`);
    }
  }
  return changed ? out.join('&') : text;
}

/** The boundary named in a multipart Content-Type. */
export function multipartBoundary(contentType: string): string | undefined {
  const m = /boundary=(?:"([^"]{1,200})"|([^\s;]{1,200}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Scans bytes as free text (UTF-8, or Latin-1 byte for byte); the same Buffer when nothing changed. */
function scanBytes(bytes: Buffer, scrub: Scrub, loc: string): Buffer {
  if (bytes.length === 0) return bytes;
  const encoding: BufferEncoding = isUtf8(bytes) ? 'utf8' : 'latin1';
  const text = bytes.toString(encoding);
  const next = scrub.text(text, loc);
  return next === text ? bytes : Buffer.from(next, encoding);
}

/**
 * Rewrites a multipart body; returns the same Buffer when nothing changed.
 * Only the delimiters are kept unread: whatever does not parse as a part
 * (a preamble, an epilogue, a part cut short in its headers, a body whose
 * boundary is not the one declared, LF-only line ends) is scanned as text.
 */
export function scrubMultipart(body: Buffer, boundary: string, scrub: Scrub, where: string): Buffer {
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  if (at < 0) return scanBytes(body, scrub, where);
  const preamble = body.subarray(0, at);
  const out: Buffer[] = [scanBytes(preamble, scrub, where)];
  let changed = out[0] !== preamble;
  while (at >= 0) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    const part = body.subarray(at, next < 0 ? body.length : next);
    const rewritten = scrubPart(part, delimiter.length, scrub, where);
    if (rewritten !== part) changed = true;
    out.push(rewritten);
    at = next;
  }
  return changed ? Buffer.concat(out) : body;
}

/** The quoted value of a Content-Disposition parameter. */
const param = (head: string, name: string) => new RegExp(`(?:^|[;\\s])${name}="([^"]*)"`, 'i').exec(head);

/** One part, from its delimiter up to the next. */
function scrubPart(part: Buffer, delimiterLength: number, scrub: Scrub, where: string): Buffer {
  // the delimiter, a closing "--", transport padding and the line end stay as they are
  let at = delimiterLength;
  const closing = part[at] === 45 && part[at + 1] === 45;
  if (closing) at += 2;
  while (part[at] === 32 || part[at] === 9) at++;
  if (part[at] === 13) at++;
  if (part[at] === 10) at++;
  const lead = part.subarray(0, at);
  const rest = part.subarray(at);
  const headerEnd = closing ? -1 : rest.indexOf(HEADER_END);
  if (headerEnd < 0) {
    const scanned = scanBytes(rest, scrub, `${where}.form`);
    return scanned === rest ? part : Buffer.concat([lead, scanned]);
  }
  const headBytes = rest.subarray(0, headerEnd + 4);
  const headEncoding: BufferEncoding = isUtf8(headBytes) ? 'utf8' : 'latin1';
  const head = headBytes.toString(headEncoding);
  const rawName = param(head, 'name');
  const name = rawName ? scrub.text(rawName[1]!, `${where}.form`) : '';
  const loc = `${where}.form.${name}`;
  let newHead = rawName && name !== rawName[1] ? head.replace(rawName[0], rawName[0].replace(`"${rawName[1]}"`, `"${name.replace(/"/g, '')}"`)) : head;
  const filename = param(newHead, 'filename');
  if (filename) {
    const scanned = scrub.text(filename[1]!, `${loc}.filename`);
    if (scanned !== filename[1]) newHead = newHead.replace(filename[0], filename[0].replace(`"${filename[1]}"`, `"${scanned.replace(/"/g, '')}"`));
  }
  // the other header lines (and a filename*= parameter) as free text
  newHead = newHead
    .split('\r\n')
    .map((line) => {
      if (!/^content-disposition:/i.test(line)) return line === '' ? line : scrub.text(line, `${loc}.headers`);
      const star = /filename\*=([^;]*)/i.exec(line);
      return star ? line.replace(star[1]!, scrub.text(star[1]!, `${loc}.filename`)) : line;
    })
    .join('\r\n');
  // the content ends before the CRLF that precedes the next delimiter
  const tail = rest.length >= 2 && rest[rest.length - 2] === 13 && rest[rest.length - 1] === 10 ? 2 : 0;
  const content = rest.subarray(headerEnd + 4, rest.length - tail);
  const encoding: BufferEncoding = isUtf8(content) ? 'utf8' : 'latin1';
  const text = content.toString(encoding);
  const rule = rawName ? namedRule(scrub.rules.form, rawName[1]!, scrub.side) : undefined;
  let next: string | null;
  if (rule) next = scrub.treat(text, rule, loc);
  else if (/content-type:\s*application\/(?:[\w.+-]*\+)?json/i.test(head)) {
    try {
      next = rewriteJson(text, scrub, loc, false);
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
      next = scrub.text(text, loc);
    }
  } else next = scrub.text(text, loc);
  if (next === text && newHead === head) return part;
  if (next === null) return Buffer.alloc(0);
  return Buffer.concat([lead, Buffer.from(newHead, headEncoding), Buffer.from(next, encoding), rest.subarray(rest.length - tail)]);
}
