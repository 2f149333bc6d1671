import { newRecordId } from '../record/convert.js';
import type { CapturedBody, CaptureRecord, HeaderPair } from '../record/schema.js';
import { bodyBytes, type ExchangeBatch, type WireBody, type WireExchange } from './batch.js';
import { contentCoding, decodeBody } from './decode.js';

/**
 * Turns a lean exchange into a CaptureRecord (v1): header pairs with
 * lower-case names, bodies decoded from gzip/br/deflate within the body
 * limit, a time-ordered id. Runs on the capture thread, never on the
 * request path; the anonymiser runs after it.
 */

export function headerPairs(raw: readonly string[]): HeaderPair[] {
  const out: HeaderPair[] = new Array<HeaderPair>(raw.length >> 1);
  for (let i = 0; i < raw.length; i += 2) out[i >> 1] = [raw[i]!.toLowerCase(), raw[i + 1]!];
  return out;
}

async function capturedBody(batch: ExchangeBatch, w: WireBody, rawHeaders: readonly string[] | undefined, limit: number): Promise<CapturedBody> {
  const wire = bodyBytes(batch, w);
  const body: CapturedBody = { bytes: wire, size: w.size, truncated: w.truncated };
  if (w.sha256) body.sha256 = w.sha256;
  const coding = contentCoding(rawHeaders);
  if (!coding || limit === 0) return body;
  const decoded = await decodeBody(wire, coding, limit);
  if (!decoded) return body; // not decodable: keep the bytes as they crossed the wire
  body.bytes = decoded.bytes;
  body.decodedFrom = coding;
  if (decoded.truncated) body.truncated = true;
  return body;
}

export async function finishExchange(batch: ExchangeBatch, e: WireExchange, maxBodyBytes: number): Promise<CaptureRecord> {
  const record: CaptureRecord = {
    v: 1,
    id: newRecordId(e.ts),
    session: e.session,
    ts: e.ts,
    method: e.method,
    url: e.url,
    httpVersion: e.httpVersion,
    scheme: e.scheme,
    req: { headers: headerPairs(e.reqHeaders), body: await capturedBody(batch, e.reqBody, e.reqHeaders, maxBodyBytes) },
    res: null,
    timing: { ttfbUs: e.ttfbUs, totalUs: e.totalUs },
    anonymised: [],
  };
  const host = hostOf(record.req.headers);
  if (host !== undefined) record.host = host;
  if (e.clientIp) record.clientIp = e.clientIp;
  if (e.status !== undefined && e.resHeaders) {
    record.res = { status: e.status, headers: headerPairs(e.resHeaders), body: await capturedBody(batch, e.resBody ?? emptyWire, e.resHeaders, maxBodyBytes) };
    if (e.resTrailers && e.resTrailers.length > 0) record.res.trailers = headerPairs(e.resTrailers);
  }
  if (e.upgrade) {
    record.upgrade = e.upgrade;
    record.req.body.omitted = 'upgrade';
    if (record.res) record.res.body.omitted = 'upgrade';
  }
  if (e.error) record.error = e.error;
  return record;
}

const emptyWire: WireBody = { off: 0, len: 0, size: 0, truncated: false };

function hostOf(headers: HeaderPair[]): string | undefined {
  for (const [k, v] of headers) if (k === 'host') return v;
  return undefined;
}
