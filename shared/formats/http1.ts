import type { HeaderPair } from '../record/schema.js';
import { HEADER_NAME, HEADER_VALUE } from './sendable.js';

/**
 * A raw HTTP/1.x message as GoReplay stores it: start line, headers and body
 * bytes. Bodies are de-chunked; a body shorter than announced is kept and
 * marked cut (GoReplay may stop copying a long body).
 */

export interface RawRequest {
  method: string;
  url: string;
  httpVersion: string;
  headers: HeaderPair[];
  body: Buffer;
  /** Size announced by Content-Length (or read, when chunked or unannounced). */
  bodySize: number;
  cut: boolean;
  trailers?: HeaderPair[];
}

export interface RawResponse {
  status: number;
  httpVersion: string;
  headers: HeaderPair[];
  body: Buffer;
  bodySize: number;
  cut: boolean;
  trailers?: HeaderPair[];
}

/** Raised for bytes that are not an HTTP/1.x message; `at` is the offset inside the message. */
export class HttpSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

// the target holds no space or control character: a replay sends it as it is
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\x00-\x20\x7f]+) HTTP\/(\d\.\d)$/;
const STATUS_LINE = /^HTTP\/(\d\.\d) (\d{3})(?: .*)?$/;

function headerEnd(buf: Buffer): { end: number; bodyStart: number } {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { end: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { end: lf, bodyStart: lf + 2 };
  // Headers with no blank line: a message cut inside its head, or without a body.
  return { end: buf.length, bodyStart: buf.length };
}

function parseHeaderLines(lines: string[], offsetOfLine: (i: number) => number): HeaderPair[] {
  const headers: HeaderPair[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && headers.length > 0) {
      // obsolete line folding: a continuation of the previous value
      const last = headers[headers.length - 1]!;
      last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    // the line itself is not quoted: it may hold personal data
    if (!HEADER_NAME.test(name)) throw new HttpSyntaxError(`header line ${i + 1} has no "name: value" form`, offsetOfLine(i));
    // Header values are bytes; UTF-8 is by far the most common meaning of non-ASCII ones.
    const value = line.slice(colon + 1).trim();
    // a CR inside a line, a NUL: a replay could not send it (the line itself is not quoted)
    if (!HEADER_VALUE.test(value)) throw new HttpSyntaxError(`header line ${i + 1}: its value holds CR, LF or another control character`, offsetOfLine(i));
    headers.push([name.toLowerCase(), /[^\x20-\x7e\t]/.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value]);
  }
  return headers;
}

function splitHead(buf: Buffer): { start: string; headers: HeaderPair[]; rest: Buffer } {
  const { end, bodyStart } = headerEnd(buf);
  const head = buf.subarray(0, end).toString('latin1');
  const lines = head.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const starts: number[] = [];
  let pos = 0;
  for (const l of head.split('\n')) {
    starts.push(pos);
    pos += l.length + 1;
  }
  const headers = parseHeaderLines(lines.slice(1), (i) => starts[i + 1] ?? 0);
  return { start: lines[0] ?? '', headers, rest: buf.subarray(bodyStart) };
}

function headerOf(headers: HeaderPair[], name: string): string | undefined {
  for (const [k, v] of headers) if (k === name) return v;
  return undefined;
}

interface Body {
  body: Buffer;
  bodySize: number;
  cut: boolean;
  trailers?: HeaderPair[];
}

function dechunk(rest: Buffer, base: number): Body {
  const parts: Buffer[] = [];
  let pos = 0;
  let size = 0;
  for (;;) {
    const eol = rest.indexOf('\n', pos);
    if (eol < 0) return { body: Buffer.concat(parts), bodySize: size, cut: true };
    const line = rest.subarray(pos, eol).toString('latin1').replace(/\r$/, '');
    const hex = line.split(';')[0]!.trim();
    // the line is not quoted: with the framing broken it is body data
    if (!/^[0-9a-fA-F]{1,15}$/.test(hex)) throw new HttpSyntaxError(`chunk size line (${line.length} characters) is not hexadecimal`, base + pos);
    const n = parseInt(hex, 16);
    pos = eol + 1;
    if (n === 0) {
      const tail = rest.subarray(pos).toString('latin1');
      const trailerLines = tail.split('\n').map((l) => l.replace(/\r$/, ''));
      const blank = trailerLines.indexOf('');
      const trailers = parseHeaderLines(trailerLines.slice(0, blank < 0 ? trailerLines.length : blank), () => base + pos);
      const out: Body = { body: Buffer.concat(parts), bodySize: size, cut: false };
      if (trailers.length) out.trailers = trailers;
      return out;
    }
    const data = rest.subarray(pos, pos + n);
    parts.push(data);
    size += n;
    if (data.length < n) return { body: Buffer.concat(parts), bodySize: size, cut: true };
    pos += n;
    if (rest[pos] === 0x0d) pos++;
    if (rest[pos] === 0x0a) pos++;
  }
}

function readBody(headers: HeaderPair[], rest: Buffer, base: number, bodyless: boolean): Body {
  if (bodyless) return { body: Buffer.alloc(0), bodySize: 0, cut: false };
  const te = headerOf(headers, 'transfer-encoding');
  if (te && /\bchunked\b/i.test(te)) return dechunk(rest, base);
  const cl = headerOf(headers, 'content-length');
  if (cl !== undefined) {
    if (!/^\d{1,15}$/.test(cl.trim())) throw new HttpSyntaxError(`Content-Length (${cl.length} characters) is not a number`, 0);
    const n = Number(cl.trim());
    const body = rest.subarray(0, n);
    return { body, bodySize: n, cut: body.length < n };
  }
  return { body: rest, bodySize: rest.length, cut: false };
}

/** Parses a raw HTTP/1.x request. */
export function parseRequest(buf: Buffer): RawRequest {
  const { start, headers, rest } = splitHead(buf);
  const m = REQUEST_LINE.exec(start);
  // the line is not quoted: its path and query may hold personal data
  if (!m && /^\S+ .+ HTTP\/\d\.\d$/.test(start)) throw new HttpSyntaxError(`request line (${start.length} characters): its target holds a space or a control character, which no URL may`, 0);
  if (!m) throw new HttpSyntaxError(`request line (${start.length} characters) is not "METHOD /path HTTP/1.x"`, 0);
  const base = buf.length - rest.length;
  const body = readBody(headers, rest, base, false);
  const url = /[^\x20-\x7e]/.test(m[2]!) ? Buffer.from(m[2]!, 'latin1').toString('utf8') : m[2]!;
  return { method: m[1]!.toUpperCase(), url, httpVersion: m[3]!, headers, ...body };
}

/** Parses a raw HTTP/1.x response; `method` of its request decides whether a body can follow. */
export function parseResponse(buf: Buffer, method?: string): RawResponse {
  const { start, headers, rest } = splitHead(buf);
  const m = STATUS_LINE.exec(start);
  if (!m) throw new HttpSyntaxError(`status line (${start.length} characters) is not "HTTP/1.x NNN reason"`, 0);
  const status = Number(m[2]);
  const bodyless = method === 'HEAD' || status < 200 || status === 204 || status === 304;
  const base = buf.length - rest.length;
  return { status, httpVersion: m[1]!, headers, ...readBody(headers, rest, base, bodyless) };
}

/** Serialises a request head and body as HTTP/1.1 with Content-Length (used by the .gor writer). */
export function serialiseMessage(startLine: string, headers: HeaderPair[], body: Buffer): Buffer {
  const head = [startLine, ...headers.map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'utf8'), body]);
}
