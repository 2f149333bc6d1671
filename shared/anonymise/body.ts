import { isUtf8 } from 'node:buffer';
import * as zlib from 'node:zlib';
import { headerValue } from '../record/convert.js';
import type { CapturedBody, HeaderPair } from '../record/schema.js';
import { findPii, type Finding } from './detect/index.js';
import { multipartBoundary, scrubMultipart, scrubUrlencoded } from './form.js';
import { JsonSyntaxError, rewriteJson } from './json.js';
import { credentialNamesIn, mayBeJoinedJson } from './json-credentials.js';
import { withCredentialVariables } from './graphql-vars.js';
import { scrubNamedCredentials } from './credential-text.js';
import { BudgetExceeded, type Scrub } from './scrub.js';

/**
 * A body, by its Content-Type: JSON (and +json types, and bodies that look
 * like JSON), URL-encoded and multipart forms, and everything else as text
 * (UTF-8, or Latin-1 byte for byte when it is not UTF-8, so binary bodies
 * keep their length). GraphQL needs nothing of its own: its variables are
 * JSON and its query is scanned as a string.
 *
 * The proxy stores bodies decoded from gzip/br/deflate with `decodedFrom`
 * set; a body whose headers name a coding but that is not flagged (an
 * imported record) is decoded here first, bounded by `decodedBytes`. A body
 * that does not decode is never stored as it is: the caller drops it.
 */

export class UndecodableBody extends Error {}

type Coding = 'gzip' | 'br' | 'deflate';

/**
 * The body's one content coding; undefined when there is none (or only
 * `identity`/`none`). Codings listed on several header lines count
 * together. Any other coding, or codings stacked (`gzip, gzip`), cannot be
 * read here (zstd needs Node 22), so the body is undecodable: stored as it
 * crossed the wire it would be personal data nobody scanned — unless its
 * bytes are UTF-8 text without NULs, which no compressor writes (a
 * mislabelled plain body: `Content-Encoding: utf-8`, `chunked`).
 */
function codingOf(headers: readonly HeaderPair[], bytes: Buffer): Coding | undefined {
  const codings: string[] = [];
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'content-encoding') continue;
    for (const c of value.toLowerCase().split(',')) {
      const t = c.trim();
      if (t !== '' && t !== 'identity' && t !== 'none') codings.push(t);
    }
  }
  if (codings.length === 0) return undefined;
  const [c] = codings;
  if (codings.length === 1 && (c === 'gzip' || c === 'x-gzip')) return 'gzip';
  if (codings.length === 1 && (c === 'br' || c === 'deflate')) return c;
  if (isUtf8(bytes) && !bytes.includes(0)) return undefined;
  throw new UndecodableBody(`cannot decode a ${codings.join(', ')} body`);
}

/** Bytes that still look compressed in `coding`: the gzip or zlib header, or (brotli has none) not UTF-8 text. */
function stillEncoded(bytes: Buffer, coding: Coding): boolean {
  if (coding === 'gzip') return bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (coding === 'deflate') return bytes.length >= 2 && (bytes[0]! & 0x0f) === 8 && ((bytes[0]! << 8) | bytes[1]!) % 31 === 0;
  return !isUtf8(bytes) && bytes.includes(0);
}

/** Decodes with a bound; a body past the bound fails closed (budget), a corrupt one as undecodable. */
function decode(bytes: Buffer, coding: Coding, limit: number): Buffer {
  const opts = { maxOutputLength: limit, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  try {
    if (coding === 'gzip') return zlib.gunzipSync(bytes, opts);
    if (coding === 'br') return zlib.brotliDecompressSync(bytes, { maxOutputLength: limit, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
    const wrapped = bytes.length >= 2 && (bytes[0]! & 0x0f) === 8 && ((bytes[0]! << 8) | bytes[1]!) % 31 === 0;
    return wrapped ? zlib.inflateSync(bytes, opts) : zlib.inflateRawSync(bytes, opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new BudgetExceeded();
    throw new UndecodableBody(`cannot decode ${coding} body`);
  }
}

/** The body as text, and bytes cut off mid-character at its end (a truncated UTF-8 body). */
function asText(bytes: Buffer, truncated: boolean): { text: string; encoding: BufferEncoding; tail: Buffer } {
  if (isUtf8(bytes)) return { text: bytes.toString('utf8'), encoding: 'utf8', tail: Buffer.alloc(0) };
  if (truncated) {
    for (let cut = 1; cut <= 3 && cut < bytes.length; cut++) {
      const head = bytes.subarray(0, bytes.length - cut);
      if (isUtf8(head)) return { text: head.toString('utf8'), encoding: 'utf8', tail: bytes.subarray(bytes.length - cut) };
    }
  }
  return { text: bytes.toString('latin1'), encoding: 'latin1', tail: Buffer.alloc(0) };
}

/**
 * A body in UTF-16 is read as UTF-16 and written back the same way: read as
 * Latin-1 its ASCII letters sit between NUL bytes and no detector sees
 * them. UTF-16 means a Content-Type naming it (utf-16, -le, -be, ucs-2) or a
 * byte-order mark; the byte order comes from the mark, else from the name,
 * else from which bytes of the first 4 KiB are NUL. A body labelled UTF-16
 * without a single NUL byte in its first 4 KiB and no mark is not UTF-16
 * (ASCII text mislabelled): it is read the ordinary way. UTF-32 bodies are
 * not read at all (UndecodableBody).
 */
function utf16Of(type: string, bytes: Buffer): { decode(): { text: string; encoding: BufferEncoding; tail: Buffer }; encode(text: string): Buffer } | undefined {
  const charset = /;\s*charset\s*=\s*"?([\w.:-]+)/i.exec(type)?.[1]?.toLowerCase();
  if (charset && /^(?:utf-?32|ucs-?4)/.test(charset)) throw new UndecodableBody(`cannot read a ${charset} body`);
  const bomBe = bytes[0] === 0xfe && bytes[1] === 0xff;
  const bomLe = bytes[0] === 0xff && bytes[1] === 0xfe;
  const named = charset !== undefined && /^(?:utf-?16(?:le|be)?|ucs-?2|unicode)$/.test(charset);
  if (!named && !bomBe && !bomLe) return undefined;
  let be = bomBe || (!bomLe && charset?.endsWith('be') === true);
  if (!bomBe && !bomLe) {
    let even = 0;
    let odd = 0;
    for (let i = 0; i < Math.min(bytes.length, 4096); i++) {
      if (bytes[i] !== 0) continue;
      if (i % 2 === 0) even++;
      else odd++;
    }
    if (even + odd === 0) return undefined;
    if (!charset?.endsWith('le') && !charset?.endsWith('be')) be = even > odd;
  }
  const bom = bomBe || bomLe ? bytes.subarray(0, 2) : Buffer.alloc(0);
  const whole = (b: Buffer) => b.subarray(0, b.length & ~1);
  const swap = (b: Buffer) => (be ? Buffer.from(whole(b)).swap16() : whole(b));
  const content = bytes.subarray(bom.length);
  const odd = content.subarray(content.length & ~1);
  return {
    decode: () => ({ text: swap(content).toString('utf16le'), encoding: 'utf16le', tail: odd }),
    encode: (text) => Buffer.concat([bom, swap(Buffer.from(text, 'utf16le')), odd]),
  };
}

const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\b|^text\/json\b/i;

/**
 * Without escapes, a JSON text's strings, keys and numbers are bounded by
 * characters no detector reads across (quotes, commas, colons, brackets),
 * so one scan of the whole text finds what scanning each value finds: the
 * walk then reuses those findings, and is skipped when there are none and
 * no JSON rule applies (most bodies hold no personal data at all).
 */
function wholeTextFindings(text: string, scrub: Scrub): Finding[] | undefined {
  if (text.includes('\\')) return undefined;
  scrub.charge(text.length);
  return findPii(text, scrub.rules.kinds);
}

function scrubJsonOrText(text: string, given: Scrub, where: string, declared: boolean): string {
  const first = text.trimStart().charCodeAt(0);
  if (declared || first === 123 || first === 91) {
    const scrub = withCredentialVariables(text, given);
    const found = wholeTextFindings(text, scrub);
    const clean = found?.length === 0 && scrub.rules.json.length === 0;
    // a login request, a token answer, a list of API keys: names are looked at even when no detector found anything
    const names = credentialNamesIn(text, found === undefined || clean);
    if (clean && names === 'none' && !mayBeJoinedJson(text)) return text;
    try {
      // strings that name credentials inside them are each read (no findings handed down: none is skipped)
      return rewriteJson(text, scrub, where, true, names === 'text' ? undefined : found, names === 'text');
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
    }
  }
  return given.text(scrubNamedCredentials(text, given, where), where);
}

/** gzip's magic and its one method (deflate): a gzip file sent as the content itself (`application/gzip`, an upload). */
const isGzipFile = (bytes: Buffer) => bytes.length >= 10 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 8;
/** Content types of a gzip file or an archive sent as the content itself. */
const GZIP_FILE_TYPE = /^\s*application\/(?:gzip|x-gzip|x-tar|x-gtar|x-compressed|octet-stream)\b/i;
/** gzip files inside gzip files read through. */
const GZIP_DEPTH = 3;

/** The content's bytes with personal data replaced (the same Buffer when nothing changed), read as `type` says. */
function scrubContent(bytes: Buffer, type: string, truncated: boolean, scrub: Scrub, where: string, decodedBytes: number): Buffer {
  const boundary = /^multipart\//i.test(type) ? multipartBoundary(type) : undefined;
  // a part that is a gzip file (`curl -F file=@export.ndjson.gz`) is read as one
  if (boundary) return scrubMultipart(bytes, boundary, scrub, where, (part, loc) => (isGzipFile(part) ? scrubGzipFile(part, '', false, scrub, loc, decodedBytes) : undefined));
  const wide = utf16Of(type, bytes);
  const { text, encoding, tail } = wide ? wide.decode() : asText(bytes, truncated);
  const out = /^application\/x-www-form-urlencoded\b/i.test(type) ? scrubUrlencoded(text, scrub, where) : scrubJsonOrText(text, scrub, where, JSON_TYPE.test(type));
  return out === text ? bytes : wide ? wide.encode(out) : tail.length === 0 ? Buffer.from(out, encoding) : Buffer.concat([Buffer.from(out, encoding), tail]);
}

/**
 * A gzip file (an NDJSON export, a log upload) is read decoded, under the
 * same bound as a Content-Encoding, and compressed again when anything in it
 * changed, so what is stored is still a gzip file. Its content is read as
 * text (UTF-16 by its byte-order mark); one holding binary data (a tar
 * archive: NUL bytes, or not UTF-8) is kept as it came when nothing in it
 * is found, and dropped when something is (rewriting digits inside an
 * archive's headers breaks the archive). A file that does not decode is
 * read as bytes; past the bound it fails closed.
 */
function scrubGzipFile(bytes: Buffer, type: string, truncated: boolean, scrub: Scrub, where: string, decodedBytes: number, depth = 1): Buffer {
  let inner: Buffer;
  try {
    inner = zlib.gunzipSync(bytes, { maxOutputLength: decodedBytes, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new BudgetExceeded();
    return scrubContent(bytes, type, truncated, scrub, where, decodedBytes);
  }
  scrub.charge(inner.length);
  // a gzip file of a gzip file: read through, three deep at most (deeper, it is dropped: never stored unread)
  if (isGzipFile(inner)) {
    if (depth >= GZIP_DEPTH) throw new UndecodableBody(`a gzip file nested more than ${GZIP_DEPTH} deep`);
    const out = scrubGzipFile(inner, type, truncated, scrub, where, decodedBytes, depth + 1);
    return out === inner ? bytes : zlib.gzipSync(out);
  }
  const bom = (inner[0] === 0xff && inner[1] === 0xfe) || (inner[0] === 0xfe && inner[1] === 0xff);
  const binary = !bom && (inner.includes(0) || !isUtf8(inner));
  // the content's own charset, when the Content-Type names one (`application/gzip; charset=utf-16le` is rare but said)
  const out = scrubContent(inner, /;\s*charset=/i.test(type) ? `text/plain${type.slice(type.indexOf(';'))}` : '', truncated, scrub, where, decodedBytes);
  if (out === inner) return bytes;
  if (binary) throw new UndecodableBody('a gzip file of binary data holds personal data');
  return zlib.gzipSync(out);
}

/**
 * Returns the body with personal data replaced (the same object when
 * nothing changed). Throws BudgetExceeded or UndecodableBody: the caller
 * then drops the body.
 */
export function scrubBody(body: CapturedBody, headers: readonly HeaderPair[], scrub: Scrub, where: string, decodedBytes: number): CapturedBody {
  if (body.bytes.length === 0) return body;
  // an omitted body stores no bytes: an imported record that says otherwise does not get them stored unread
  if (body.omitted) return { ...body, bytes: Buffer.alloc(0) };
  let bytes = body.bytes;
  let decodedFrom = body.decodedFrom;
  const type = headerValue(headers, 'content-type') ?? '';
  const coding = decodedFrom ? undefined : codingOf(headers, bytes);
  if (coding) {
    bytes = decode(bytes, coding, decodedBytes);
    decodedFrom = coding;
  } else if (decodedFrom && !(decodedFrom === 'gzip' && GZIP_FILE_TYPE.test(type)) && stillEncoded(bytes, decodedFrom)) {
    // flagged as decoded but still compressed (an imported record, or codings stacked on two header
    // lines): decoded here once more, or dropped when it does not decode; under a gzip file's own type
    // (`application/gzip`) the bytes are the content, read as a gzip file below
    bytes = decode(bytes, decodedFrom, decodedBytes);
  }
  scrub.charge(bytes.length);
  // a gzip file as the content itself (`application/gzip`, an upload), under a Content-Encoding or not
  const next = isGzipFile(bytes) ? scrubGzipFile(bytes, type, body.truncated, scrub, where, decodedBytes) : scrubContent(bytes, type, body.truncated, scrub, where, decodedBytes);
  if (next === body.bytes) return body;
  const out: CapturedBody = { ...body, bytes: next };
  if (decodedFrom) out.decodedFrom = decodedFrom;
  // size describes what is stored once the anonymiser rewrote a complete body
  if (!out.truncated) out.size = next.length;
  return out;
}
