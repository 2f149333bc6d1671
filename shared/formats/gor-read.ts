import type { CaptureRecord, HeaderPair } from '../record/schema.js';
import { capturedBody, contentCoding } from './body.js';
import { gorMessages, type GorMessage } from './gor-split.js';
import { HttpSyntaxError, parseRequest, parseResponse, type RawRequest, type RawResponse } from './http1.js';
import { MalformedInput } from './malformed.js';

/**
 * GoReplay (.gor) import: type 1 (request) and type 2 (original response)
 * messages paired by id into records; type 3 (replayed response) ignored.
 * Timestamps are nanoseconds; a type 2 message carries the round trip as a
 * fourth field (GoReplay ≥ 1.0) or, in older files, as its third.
 */

export interface GorReadOptions {
  maxBodyBytes: number;
  newId: (tsUs: number) => string;
  /** Requests waiting for their response before they are imported without one. Default 10,000. */
  pendingLimit?: number;
  /** Bytes of waiting requests held before the oldest is imported without a response. Default 64 MiB. */
  pendingBytes?: number;
}

/** What an import saw besides records. */
export interface GorStats {
  messages: number;
  /** Requests imported without a response (the file had none for them). */
  requestOnly: number;
  /** Type 2 messages whose request was not in the file (or already paired). */
  orphanResponses: number;
  /** Type 3 messages, ignored. */
  replayedResponses: number;
}

interface Pending {
  id: string;
  tsNs: bigint;
  req: RawRequest;
  bytes: number;
  res?: { raw: RawResponse; totalUs: number };
}

const HEADER = /^([123]) (\S+) (\d{1,20})(?: (-?\d{1,20}))?(?: .*)?$/;

function header(msg: GorMessage): { type: string; id: string; ts: bigint; latency?: bigint; payload: Buffer; payloadAt: number } {
  const nl = msg.data.indexOf(0x0a);
  const line = msg.data.subarray(0, nl < 0 ? msg.data.length : nl).toString('latin1').replace(/\r$/, '');
  const m = HEADER.exec(line);
  if (!m) throw new MalformedInput({ item: `message ${msg.index}`, offset: msg.offset }, `header line ${JSON.stringify(line.slice(0, 80))} is not "<type 1|2|3> <id> <timestamp ns> [<latency ns>]"`);
  const out: ReturnType<typeof header> = { type: m[1]!, id: m[2]!, ts: BigInt(m[3]!), payload: msg.data.subarray(nl + 1), payloadAt: msg.offset + nl + 1 };
  if (m[4] !== undefined && m[4] !== '-1') out.latency = BigInt(m[4]);
  return out;
}

/** The header's value; several lines of it joined with ', ' (stacked content codings are then seen as such). */
function valueOf(headers: HeaderPair[], name: string): string | undefined {
  const values = headers.filter(([k]) => k === name).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(', ');
}

function syntax(msg: GorMessage, payloadAt: number, kind: string, id: string, err: unknown): never {
  if (err instanceof HttpSyntaxError) throw new MalformedInput({ item: `message ${msg.index} (${kind} ${id})`, offset: payloadAt + err.at }, err.message);
  throw err;
}

function toRecord(p: Pending, opts: GorReadOptions): CaptureRecord {
  const ts = Number(p.tsNs / 1000n);
  const limit = opts.maxBodyBytes;
  const req = p.req;
  const r: CaptureRecord = {
    v: 1,
    id: opts.newId(ts),
    session: '',
    ts,
    method: req.method,
    url: req.url.startsWith('/') || req.url === '*' ? req.url : absolutePath(req.url),
    httpVersion: req.httpVersion,
    scheme: 'http',
    req: { headers: req.headers, body: capturedBody({ bytes: req.body, size: req.bodySize, cut: req.cut, coding: contentCoding(valueOf(req.headers, 'content-encoding')) }, limit) },
    res: null,
    timing: { ttfbUs: p.res?.totalUs ?? 0, totalUs: p.res?.totalUs ?? 0 },
    anonymised: [],
  };
  const host = valueOf(req.headers, 'host');
  if (host) r.host = host;
  if (p.res) {
    const raw = p.res.raw;
    const body = capturedBody({ bytes: raw.body, size: raw.bodySize, cut: raw.cut, coding: contentCoding(valueOf(raw.headers, 'content-encoding')) }, limit);
    r.res = { status: raw.status, headers: raw.headers, body };
    if (raw.trailers) r.res.trailers = raw.trailers;
  }
  return r;
}

/** A proxy-style absolute-form request target (`GET http://host/path`) → its path. */
function absolutePath(target: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(target);
  const path = m?.[1] ?? '';
  return path.startsWith('/') ? path : `/${path}`;
}

/** Streams the records of a .gor file in request order. */
export async function* readGor(source: AsyncIterable<Buffer>, opts: GorReadOptions, stats: GorStats): AsyncGenerator<CaptureRecord> {
  const limit = opts.pendingLimit ?? 10_000;
  const byteLimit = opts.pendingBytes ?? 64 * 1024 * 1024;
  let queue: Pending[] = [];
  let head = 0;
  let held = 0;
  const byId = new Map<string, Pending>();

  const release = function* (force: boolean): Generator<CaptureRecord> {
    while (head < queue.length) {
      const p = queue[head]!;
      const over = queue.length - head > limit || held > byteLimit;
      if (!p.res && !force && !over) break;
      head++;
      held -= p.bytes;
      if (byId.get(p.id) === p) byId.delete(p.id);
      if (!p.res) stats.requestOnly++;
      yield toRecord(p, opts);
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };

  for await (const msg of gorMessages(source)) {
    stats.messages++;
    const h = header(msg);
    if (h.type === '3') {
      stats.replayedResponses++;
      continue;
    }
    if (h.type === '1') {
      let req: RawRequest;
      try {
        req = parseRequest(h.payload);
      } catch (err) {
        syntax(msg, h.payloadAt, 'request', h.id, err);
      }
      const p: Pending = { id: h.id, tsNs: h.ts, req, bytes: msg.data.length };
      queue.push(p);
      held += p.bytes;
      byId.set(h.id, p);
    } else {
      const p = byId.get(h.id);
      if (!p || p.res) {
        stats.orphanResponses++;
        continue;
      }
      let raw: RawResponse;
      try {
        raw = parseResponse(h.payload, p.req.method);
      } catch (err) {
        syntax(msg, h.payloadAt, 'response', h.id, err);
      }
      let latency: bigint;
      if (h.latency !== undefined) latency = h.latency;
      else latency = h.ts >= p.tsNs ? h.ts - p.tsNs : h.ts; // old files: the third field is the round trip
      const totalUs = Number((latency < 0n ? 0n : latency) / 1000n);
      p.res = { raw, totalUs };
      p.bytes += msg.data.length;
      held += msg.data.length;
      byId.delete(h.id);
    }
    yield* release(false);
  }
  yield* release(true);
}
