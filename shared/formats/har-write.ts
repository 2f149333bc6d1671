import type { SessionHeader } from './ndjson.js';
import { isUtf8 } from 'node:buffer';
import { STATUS_CODES } from 'node:http';
import type { Entry, Har, Header, QueryString } from 'har-format';
import { headerValue } from '../record/convert.js';
import type { CapturedBody, CaptureRecord, HeaderPair } from '../record/schema.js';

/**
 * HAR 1.2 export: what Chrome DevTools, Firefox, Charles and other viewers
 * open. Everything a record holds that HAR has no field for (record id, µs
 * timestamps and timings, truncation, anonymised locations...) rides in a
 * `_parity` extension field, so a Parity HAR imports back into the same
 * records; viewers ignore fields starting with "_".
 */

/** Body metadata HAR cannot express. */
export interface HarBodyMeta {
  size: number;
  truncated: boolean;
  sha256?: string;
  decodedFrom?: CapturedBody['decodedFrom'];
  omitted?: CapturedBody['omitted'];
  /** The HAR text is base64 (request bodies, which HAR gives no encoding field). */
  base64?: true;
}

/** The `_parity` extension of a HAR entry. */
export interface HarParityExtension {
  v: 1;
  id: string;
  ts: number;
  /** The record's url when it cannot be rebuilt from the HAR url (e.g. `*`). */
  url?: string;
  /** null when the record had no Host. */
  host: string | null;
  clientIp?: string;
  upgrade?: string;
  error?: CaptureRecord['error'];
  anonymised: string[];
  timing: CaptureRecord['timing'];
  req: HarBodyMeta;
  res?: HarBodyMeta;
  trailers?: HeaderPair[];
}

export type ParityHarEntry = Entry & { _parity?: HarParityExtension };

/** ISO 8601 with microseconds, so as-recorded timestamps survive the trip. */
export function isoMicros(tsUs: number): string {
  const ms = Math.floor(tsUs / 1000);
  const iso = new Date(ms).toISOString(); // ...SS.mmmZ
  const micros = String(Math.floor(tsUs) % 1000).padStart(3, '0');
  return `${iso.slice(0, -1)}${micros}Z`;
}

const harHeaders = (h: HeaderPair[]): Header[] => h.map(([name, value]) => ({ name, value }));

function queryString(url: string): QueryString[] {
  const q = url.indexOf('?');
  if (q < 0) return [];
  return [...new URLSearchParams(url.slice(q + 1)).entries()].map(([name, value]) => ({ name, value }));
}

function bodyMeta(b: CapturedBody, base64: boolean): HarBodyMeta {
  const m: HarBodyMeta = { size: b.size, truncated: b.truncated };
  if (b.sha256) m.sha256 = b.sha256;
  if (b.decodedFrom) m.decodedFrom = b.decodedFrom;
  if (b.omitted) m.omitted = b.omitted;
  if (base64) m.base64 = true;
  return m;
}

/** One HAR entry for a record. */
export function harEntry(r: CaptureRecord): ParityHarEntry {
  const host = r.host ?? 'localhost';
  // A fragment would be cut by HAR readers; such urls ride in _parity.url.
  const path = r.url.startsWith('/') && !r.url.includes('#') ? r.url : '/';
  const reqText = isUtf8(r.req.body.bytes);
  const ext: HarParityExtension = {
    v: 1,
    id: r.id,
    ts: r.ts,
    host: r.host ?? null,
    anonymised: r.anonymised,
    timing: r.timing,
    req: bodyMeta(r.req.body, !reqText),
  };
  if (path !== r.url) ext.url = r.url;
  if (r.clientIp !== undefined) ext.clientIp = r.clientIp;
  if (r.upgrade !== undefined) ext.upgrade = r.upgrade;
  if (r.error !== undefined) ext.error = r.error;
  const reqType = headerValue(r.req.headers, 'content-type') ?? '';
  const entry: ParityHarEntry = {
    startedDateTime: isoMicros(r.ts),
    time: r.timing.totalUs / 1000,
    request: {
      method: r.method,
      url: `${r.scheme}://${host}${path}`,
      httpVersion: `HTTP/${r.httpVersion}`,
      cookies: [],
      headers: harHeaders(r.req.headers),
      queryString: queryString(r.url),
      headersSize: -1,
      bodySize: r.req.body.size,
    },
    response: {
      status: 0,
      statusText: '',
      httpVersion: `HTTP/${r.httpVersion}`,
      cookies: [],
      headers: [],
      content: { size: 0, mimeType: 'x-unknown' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: {
      blocked: -1,
      dns: -1,
      connect: -1,
      ssl: -1,
      send: 0,
      wait: r.timing.ttfbUs / 1000,
      receive: Math.max(0, r.timing.totalUs - r.timing.ttfbUs) / 1000,
    },
    _parity: ext,
  };
  if (r.req.body.bytes.length > 0 || r.req.body.size > 0) {
    entry.request.postData = { mimeType: reqType, text: r.req.body.bytes.toString(reqText ? 'utf8' : 'base64') };
  }
  if (r.res) {
    const resText = isUtf8(r.res.body.bytes);
    const bytes = r.res.body.bytes;
    entry.response = {
      status: r.res.status,
      statusText: STATUS_CODES[r.res.status] ?? '',
      httpVersion: `HTTP/${r.httpVersion}`,
      cookies: [],
      headers: harHeaders(r.res.headers),
      content: {
        size: bytes.length,
        mimeType: headerValue(r.res.headers, 'content-type') ?? 'x-unknown',
        text: bytes.toString(resText ? 'utf8' : 'base64'),
        ...(resText ? {} : { encoding: 'base64' }),
      },
      redirectURL: headerValue(r.res.headers, 'location') ?? '',
      headersSize: -1,
      bodySize: r.res.body.size,
    };
    ext.res = bodyMeta(r.res.body, false);
    if (r.res.trailers) ext.trailers = r.res.trailers;
  }
  return entry;
}

/** The HAR document's opening, up to the entries array. */
export function harPrologue(comment?: string, header?: SessionHeader): string {
  const log: Omit<Har['log'], 'entries'> & { _parity?: SessionHeader } = { version: '1.2', creator: { name: 'Parity', version: '1', comment: 'capture record v1; see _parity on each entry' }, pages: [] };
  if (comment) log.comment = comment;
  // the session's upstream (ndjson.ts): an imported copy keeps replay's production-target check
  if (header?.upstream) log._parity = header;
  const head = JSON.stringify({ log }).slice(0, -2); // drop the closing "}}"
  return `${head},"entries":[\n`;
}

/** Streams a HAR document: prologue, entries separated by commas, epilogue. */
export async function* harChunks(records: AsyncIterable<CaptureRecord>, comment?: string, header?: SessionHeader): AsyncGenerator<string> {
  yield harPrologue(comment, header);
  let first = true;
  for await (const r of records) {
    yield `${first ? '' : ',\n'}${JSON.stringify(harEntry(r))}`;
    first = false;
  }
  yield '\n]}}\n';
}
