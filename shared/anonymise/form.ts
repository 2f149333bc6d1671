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

function decodeForm(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

const encodeForm = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');

export function scrubUrlencoded(text: string, scrub: Scrub, where: string): string {
  let changed = false;
  const out: string[] = [];
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    const name = decodeForm(eq < 0 ? pair : pair.slice(0, eq));
    if (eq < 0) {
      out.push(pair);
      continue;
    }
    const value = decodeForm(pair.slice(eq + 1));
    const loc = `${where}.form.${name}`;
    const rule = namedRule(scrub.rules.form, name, scrub.side);
    const next = rule ? scrub.treat(value, rule, loc) : scrub.text(value, loc);
    if (next === value) out.push(pair);
    else {
      changed = true;
      if (next !== null) out.push(`${pair.slice(0, eq)}=${encodeForm(next)}`);
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

/** Rewrites a multipart body; returns the same Buffer when nothing changed. */
export function scrubMultipart(body: Buffer, boundary: string, scrub: Scrub, where: string): Buffer {
  const delimiter = Buffer.from(`--${boundary}`);
  const out: Buffer[] = [];
  let changed = false;
  let at = body.indexOf(delimiter);
  if (at < 0) return body;
  out.push(body.subarray(0, at));
  while (at >= 0) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    const part = body.subarray(at, next < 0 ? body.length : next);
    const rewritten = scrubPart(part, scrub, where);
    if (rewritten !== part) changed = true;
    out.push(rewritten);
    at = next;
  }
  return changed ? Buffer.concat(out) : body;
}

/** One part, from its delimiter up to the next. */
function scrubPart(part: Buffer, scrub: Scrub, where: string): Buffer {
  const headerEnd = part.indexOf(HEADER_END);
  if (headerEnd < 0) return part;
  const head = part.subarray(0, headerEnd + 4).toString('latin1');
  // the content ends before the CRLF that precedes the next delimiter
  const tail = part.length >= 2 && part[part.length - 2] === 13 && part[part.length - 1] === 10 ? 2 : 0;
  const content = part.subarray(headerEnd + 4, part.length - tail);
  const name = /name="([^"]*)"/i.exec(head)?.[1] ?? '';
  const loc = `${where}.form.${name}`;
  let newHead = head;
  const filename = /filename="([^"]*)"/i.exec(head);
  if (filename) {
    const scanned = scrub.text(filename[1]!, `${loc}.filename`);
    if (scanned !== filename[1]) newHead = head.replace(filename[0], `filename="${scanned.replace(/"/g, '')}"`);
  }
  const encoding: BufferEncoding = isUtf8(content) ? 'utf8' : 'latin1';
  const text = content.toString(encoding);
  const rule = namedRule(scrub.rules.form, name, scrub.side);
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
  return Buffer.concat([Buffer.from(newHead, 'latin1'), Buffer.from(next, encoding), part.subarray(part.length - tail)]);
}
