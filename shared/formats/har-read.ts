import { sessionHeaderOf, type SessionHeader } from './ndjson.js';
import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
import { z } from 'zod';
import { errorText } from '../errors.js';
import type { CapturedBody, CaptureRecord, HeaderPair } from '../record/schema.js';
import { capturedBody, contentCoding } from './body.js';
import { formBody } from './har-form.js';
import type { HarParityExtension } from './har-write.js';
import { MalformedInput } from './malformed.js';
import { HEADER_NAME, HEADER_NAME_PROBLEM, HEADER_VALUE, HEADER_VALUE_PROBLEM, REQUEST_TARGET, TARGET_PROBLEM } from './sendable.js';

/**
 * HAR import: browser-saved HARs (Chrome, Firefox, Safari) and Parity's own
 * exports. The file is tokenised as it streams and each `log.entries[*]`
 * becomes a record as soon as it closes, so memory holds one entry at a time.
 */

// a record keeps only what a replay can send: HTTP/2 pseudo-headers (:authority) are read and dropped
const headerValue = z.string().regex(HEADER_VALUE, HEADER_VALUE_PROBLEM);
const harHeader = z.object({ name: z.string().refine((n) => HEADER_NAME.test(n.startsWith(':') ? n.slice(1) : n), HEADER_NAME_PROBLEM), value: headerValue });
const harParam = z.object({ name: z.string(), value: z.string().optional(), fileName: z.string().optional(), contentType: headerValue.optional() });
const harBodyMeta = z.object({
  size: z.number().int().nonnegative(),
  truncated: z.boolean(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  decodedFrom: z.enum(['gzip', 'br', 'deflate']).optional(),
  omitted: z.enum(['anonymiser-budget', 'anonymiser-error', 'upgrade', 'not-captured']).optional(),
  base64: z.literal(true).optional(),
});
const parityExt = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(64),
  ts: z.number().int().nonnegative(),
  url: z.string().regex(REQUEST_TARGET, TARGET_PROBLEM).optional(),
  host: headerValue.nullable(),
  clientIp: z.string().optional(),
  upgrade: z.string().optional(),
  error: z.enum(['upstream-refused', 'upstream-timeout', 'upstream-error', 'client-aborted']).optional(),
  anonymised: z.array(z.string()),
  timing: z.object({ ttfbUs: z.number().nonnegative(), totalUs: z.number().nonnegative() }),
  req: harBodyMeta,
  res: harBodyMeta.optional(),
  trailers: z.array(z.tuple([z.string(), z.string()])).optional(),
});

/** The part of a HAR entry import reads; browsers' extra fields pass through unread. */
const harEntry = z.object({
  startedDateTime: z.string(),
  time: z.number().optional(),
  request: z.object({
    method: z.string().regex(/^[A-Z][A-Z0-9_-]{0,31}$/i, 'expected an HTTP method'),
    url: z.string().min(1).regex(REQUEST_TARGET, TARGET_PROBLEM),
    httpVersion: z.string().optional(),
    headers: z.array(harHeader).default([]),
    // the type becomes the Content-Type header when the headers have none
    postData: z.object({ mimeType: headerValue.optional(), text: z.string().optional(), params: z.array(harParam).optional() }).optional(),
    bodySize: z.number().optional(),
  }),
  response: z.object({
    status: z.number().int().min(0).max(999),
    headers: z.array(harHeader).default([]),
    content: z.object({ size: z.number().optional(), text: z.string().optional(), encoding: z.string().optional() }).optional(),
    bodySize: z.number().optional(),
    _error: z.string().nullable().optional(),
  }),
  timings: z.object({ wait: z.number().optional(), receive: z.number().optional() }).partial().optional(),
  _parity: parityExt.optional(),
});
type HarEntry = z.infer<typeof harEntry>;

export interface HarReadOptions {
  /** Bytes of each body kept (PARITY_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Gives each imported record a fresh id (entries without a Parity id). */
  newId: (tsUs: number) => string;
  /** Called with `log._parity` of a Parity export: the session's upstream. */
  onHeader?: (h: SessionHeader) => void;
}

/** `startedDateTime` → µs since the epoch, keeping digits past milliseconds. */
export function parseStartedDateTime(s: string): number | undefined {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) return undefined;
  const frac = /T\d{2}:\d{2}:\d{2}\.(\d+)/.exec(s)?.[1];
  const extraUs = frac && frac.length > 3 ? Number(frac.slice(3, 6).padEnd(3, '0')) : 0;
  return ms * 1000 + extraUs;
}

function httpVersion(v: string | undefined): string {
  const s = (v ?? '').trim().toLowerCase();
  if (s === 'h2' || s === 'h2c') return '2.0';
  if (s === 'h3' || s.startsWith('http/3')) return '3.0';
  const m = /^(?:https?\/)?(\d(?:\.\d)?)$/.exec(s);
  if (!m) return '1.1';
  return m[1]!.includes('.') ? m[1]! : `${m[1]}.0`;
}

function pairs(h: { name: string; value: string }[]): HeaderPair[] {
  // HTTP/2 pseudo-headers (:authority, :path...) are not headers a replay can send.
  return h.filter((x) => !x.name.startsWith(':')).map((x) => [x.name.toLowerCase(), x.value]);
}

function fromMeta(bytes: Buffer, m: z.infer<typeof harBodyMeta>): CapturedBody {
  const b: CapturedBody = { bytes, size: m.size, truncated: m.truncated };
  if (m.sha256) b.sha256 = m.sha256;
  if (m.decodedFrom) b.decodedFrom = m.decodedFrom;
  if (m.omitted) b.omitted = m.omitted;
  return b;
}

function errorOf(status: number, harError: string | null | undefined): CaptureRecord['error'] | undefined {
  if (status !== 0) return undefined;
  const e = harError ?? '';
  if (/ABORTED|CANCELED/i.test(e)) return 'client-aborted';
  if (/REFUSED/i.test(e)) return 'upstream-refused';
  if (/TIMED_OUT|TIMEOUT/i.test(e)) return 'upstream-timeout';
  return 'upstream-error';
}

/** Converts one validated HAR entry; throws a plain Error naming what is wrong. */
export function recordFromHarEntry(e: HarEntry, opts: HarReadOptions): CaptureRecord {
  const p: HarParityExtension | undefined = e._parity;
  const ts = p?.ts ?? parseStartedDateTime(e.startedDateTime);
  // messages never quote a value from the file: it may be personal data (they name the field)
  if (ts === undefined || ts < 0) throw new Error(`startedDateTime (${e.startedDateTime.length} characters) is not an ISO 8601 date`);
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/i.exec(e.request.url);
  if (!m && !e.request.url.startsWith('/')) throw new Error(`request.url (${e.request.url.length} characters) is neither an absolute URL nor a path`);
  const scheme = m?.[1]?.toLowerCase() === 'https' || m?.[1]?.toLowerCase() === 'wss' ? 'https' : 'http';
  const urlHost = m?.[2]?.replace(/^[^@]*@/, '');
  let url = m ? m[3] || '/' : e.request.url.replace(/#.*$/, '');
  if (!url.startsWith('/')) url = `/${url}`;
  if (p?.url) url = p.url;

  const reqHeaders = pairs(e.request.headers);
  const post = e.request.postData;
  // the body's type as the HAR gives it, when the headers do not: the anonymiser reads a form by it
  // (password=... in postData.params was scanned as plain text, and its name-based rule never applied)
  if (post?.mimeType && (post.text !== undefined || post.params) && !reqHeaders.some(([k]) => k.toLowerCase() === 'content-type')) reqHeaders.push(['content-type', post.mimeType]);
  const reqBytes = post?.text === undefined && post?.params?.length ? formBody(post.params, reqHeaders) : Buffer.from(post?.text ?? '', p?.req.base64 ? 'base64' : 'utf8');
  const reqBody = p ? fromMeta(reqBytes, p.req) : capturedBody({ bytes: reqBytes, size: Math.max(e.request.bodySize ?? 0, reqBytes.length) }, opts.maxBodyBytes);

  const record: CaptureRecord = {
    v: 1,
    id: p?.id ?? opts.newId(ts),
    session: '',
    ts,
    method: e.request.method.toUpperCase(),
    url,
    httpVersion: httpVersion(e.request.httpVersion),
    scheme,
    req: { headers: reqHeaders, body: reqBody },
    res: null,
    timing: timing(e),
    anonymised: p ? [...p.anonymised] : [],
  };
  const host = p ? p.host : (reqHeaders.find(([k]) => k === 'host')?.[1] ?? urlHost);
  if (host) record.host = host;
  if (p?.clientIp !== undefined) record.clientIp = p.clientIp;
  if (p?.upgrade !== undefined) record.upgrade = p.upgrade;

  const status = e.response.status;
  const error = p ? p.error : errorOf(status, e.response._error);
  if (error) record.error = error;
  if (status >= 100) {
    const headers = pairs(e.response.headers);
    const c = e.response.content;
    const bytes = Buffer.from(c?.text ?? '', c?.encoding === 'base64' ? 'base64' : 'utf8');
    let body: CapturedBody;
    if (p?.res) body = fromMeta(bytes, p.res);
    else {
      // Browsers save the decoded body; its size on the wire is bodySize (when known).
      const wireSize = e.response.bodySize !== undefined && e.response.bodySize >= 0 ? e.response.bodySize : (c?.size ?? bytes.length);
      const coding = bytes.length > 0 ? contentCoding(headers.find(([k]) => k === 'content-encoding')?.[1]) : undefined;
      body = capturedBody({ bytes, size: coding ? bytes.length : wireSize }, opts.maxBodyBytes);
      if (coding) {
        // The wire bytes are not in the HAR: their size is known, their hash is not.
        body.decodedFrom = coding;
        body.size = wireSize;
        delete body.sha256;
      }
      if (c?.text === undefined && (c?.size ?? 0) > 0) {
        body.omitted = 'not-captured';
        body.truncated = true;
      }
    }
    record.res = { status, headers, body };
    if (p?.trailers) record.res.trailers = p.trailers;
  } else if (status !== 0) {
    throw new Error(`response.status ${status} is not an HTTP status`);
  }
  return record;
}

function timing(e: HarEntry): CaptureRecord['timing'] {
  if (e._parity) return { ...e._parity.timing };
  const total = Math.round(Math.max(0, e.time ?? 0) * 1000);
  const receive = Math.round(Math.max(0, e.timings?.receive ?? 0) * 1000);
  return { ttfbUs: Math.max(0, total - receive), totalUs: total };
}

const POSITION = /position "?(\d+)"?/;

/** Streams the records of a HAR file. */
export async function* readHar(source: AsyncIterable<Buffer>, opts: HarReadOptions): AsyncGenerator<CaptureRecord> {
  const tokenizer = new Tokenizer();
  // Only the entries themselves: a path on the array would keep every entry in it.
  const parser = new TokenParser({ paths: ['$.log.entries.*', '$.log._parity'], keepStack: false });
  let ready: unknown[] = [];
  let sawEntries = false;
  let failure: { offset: number; message: string } | undefined;
  let lastOffset = 0;
  let linesBefore = 0;
  let chunkStart = 0;
  let chunk: Buffer = Buffer.alloc(0);
  let entryNo = 0;

  parser.onValue = ({ value, key }) => {
    if (key === '_parity') {
      const header = sessionHeaderOf({ _parity: value });
      if (header) opts.onHeader?.(header);
      return;
    }
    ready.push(value);
  };
  // Keys of the open containers, to tell a HAR with no entries from JSON that is not a HAR.
  const path: (string | undefined)[] = [];
  let key: string | undefined;
  let previous: TokenType | undefined;
  const track = (token: TokenType, value: unknown) => {
    if (token === TokenType.STRING) key = value as string;
    else if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) {
      path.push(previous === TokenType.COLON ? key : undefined);
      if (token === TokenType.LEFT_BRACKET && path.length === 3 && path[1] === 'log' && path[2] === 'entries') sawEntries = true;
    } else if (token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET) path.pop();
    previous = token;
  };
  const fail = (offset: number, message: string) => {
    failure ??= { offset, message };
  };
  parser.onError = (err) => fail(lastOffset, err.message);
  tokenizer.onError = (err) => fail(Number(POSITION.exec(err.message)?.[1] ?? lastOffset), err.message);
  tokenizer.onToken = (t) => {
    lastOffset = t.offset;
    if (parser.isEnded) return fail(t.offset, 'content after the end of the HAR document');
    track(t.token, t.value);
    parser.write(t);
  };
  parser.onEnd = () => undefined;

  const lineAt = (offset: number): number => {
    let line = linesBefore + 1;
    if (offset >= chunkStart) {
      const upto = Math.min(offset - chunkStart, chunk.length);
      for (let i = chunk.indexOf(0x0a); i >= 0 && i < upto; i = chunk.indexOf(0x0a, i + 1)) line++;
    }
    return line;
  };
  const raise = (f: { offset: number; message: string }): never => {
    // the parser's message quotes the token it did not expect (`Unexpected STRING ("priya@…")`): not kept
    const message = f.message.replace(/ at chunk position.*$/, '').replace(/ \(.*\) in state /s, ' in state ');
    throw new MalformedInput({ line: lineAt(f.offset), offset: f.offset }, `not valid JSON: ${message}`);
  };

  const convert = function* (): Generator<CaptureRecord> {
    const values = ready;
    ready = [];
    for (const v of values) {
      entryNo++;
      const where = { item: `entry ${entryNo}`, line: lineAt(lastOffset), offset: lastOffset };
      const parsed = harEntry.safeParse(v);
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        throw new MalformedInput(where, `${i.path.join('.') || '(entry)'}: ${i.message}`);
      }
      let r: CaptureRecord;
      try {
        r = recordFromHarEntry(parsed.data, opts);
      } catch (err) {
        throw new MalformedInput(where, errorText(err));
      }
      yield r;
    }
  };

  for await (const data of source) {
    chunk = data;
    try {
      tokenizer.write(data);
    } catch (err) {
      fail(lastOffset, errorText(err));
    }
    if (failure) raise(failure);
    yield* convert();
    for (let i = data.indexOf(0x0a); i >= 0; i = data.indexOf(0x0a, i + 1)) linesBefore++;
    chunkStart += data.length;
  }
  chunk = Buffer.alloc(0);
  if (!parser.isEnded) {
    const at = chunkStart;
    if (at === 0) throw new MalformedInput({ line: 1, offset: 0 }, 'the file is empty');
    fail(at, 'the file ends in the middle of the HAR document (truncated?)');
  }
  if (failure) raise(failure);
  if (!sawEntries) throw new MalformedInput({ offset: 0 }, 'no log.entries array: this is JSON but not a HAR file');
}
