import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { parityError } from '../errors.js';
import { captureRecordJson, type CapturedBody, type CapturedBodyJson, type CaptureRecord, type CaptureRecordJson } from './schema.js';

export function emptyBody(): CapturedBody {
  return { bytes: Buffer.alloc(0), size: 0, truncated: false };
}

function bodyToJson(b: CapturedBody): CapturedBodyJson {
  const utf8 = isUtf8(b.bytes);
  const out: CapturedBodyJson = {
    encoding: utf8 ? 'utf8' : 'base64',
    data: b.bytes.toString(utf8 ? 'utf8' : 'base64'),
    size: b.size,
    truncated: b.truncated,
  };
  if (b.sha256) out.sha256 = b.sha256;
  if (b.decodedFrom) out.decodedFrom = b.decodedFrom;
  if (b.omitted) out.omitted = b.omitted;
  return out;
}

function bodyFromJson(b: CapturedBodyJson): CapturedBody {
  const out: CapturedBody = { bytes: Buffer.from(b.data, b.encoding), size: b.size, truncated: b.truncated };
  if (b.sha256) out.sha256 = b.sha256;
  if (b.decodedFrom) out.decodedFrom = b.decodedFrom;
  if (b.omitted) out.omitted = b.omitted;
  return out;
}

/** The JSON form of a record: UTF-8 bodies as text, others as base64. */
export function toJson(r: CaptureRecord): CaptureRecordJson {
  const { req, res, ...rest } = r;
  return {
    ...rest,
    req: { headers: req.headers, body: bodyToJson(req.body) },
    res: res === null ? null : { ...res, body: bodyToJson(res.body) },
  };
}

/** Validates a JSON-form record and converts it; throws PARITY_ERR_RECORD_INVALID naming the field. */
export function fromJson(data: unknown, where = 'record'): CaptureRecord {
  const parsed = captureRecordJson.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw parityError('PARITY_ERR_RECORD_INVALID', `${where}: ${first.path.join('.') || '(root)'}: ${first.message}`);
  }
  const j = parsed.data;
  const { req, res, ...rest } = j;
  const r: CaptureRecord = {
    ...rest,
    req: { headers: req.headers, body: bodyFromJson(req.body) },
    res: res === null ? null : { ...res, body: bodyFromJson(res.body) },
  };
  return r;
}

let lastUs = 0;
let seq = 0;
const node = randomBytes(3).toString('hex');

/**
 * A time-ordered id: 11 base-36 digits of µs since the epoch, then a
 * per-process random part and a sequence, so ids from many proxies sort by
 * capture time and never collide.
 */
export function newRecordId(tsUs: number): string {
  if (tsUs === lastUs) seq++;
  else {
    lastUs = tsUs;
    seq = 0;
  }
  return `${Math.floor(tsUs).toString(36).padStart(11, '0')}-${node}${seq.toString(36)}`;
}

/** µs since the Unix epoch, from a monotonic clock anchored to the wall clock (see resyncClock). */
let anchorUs = Date.now() * 1000 + 500 - Number(process.hrtime.bigint() / 1000n); // Date.now() floors to the millisecond
export function nowUs(): number {
  return anchorUs + Number(process.hrtime.bigint() / 1000n);
}

/** Drift of nowUs() from the wall clock past which resyncClock moves it (Date.now() has 1 ms steps). */
const RESYNC_AFTER_US = 2000;
/** Reads of the wall clock resyncClock makes at most, keeping the one bracketed most tightly. */
const RESYNC_READS = 5;

/**
 * Moves nowUs() back onto the wall clock when they have drifted more than
 * 2 ms apart; returns the step taken in µs (0 when none). Workers on several
 * machines share a run's start time by their wall clocks, which NTP keeps
 * together: a worker up since before its clock was stepped (NTP's first
 * sync after boot, a VM resumed) would otherwise fire every request early or
 * late by the step. Called when a chunk starts (chunks already running in
 * the process then follow the corrected clock too: one jump of the step,
 * instead of every request off by it).
 *
 * The wall clock is read between two reads of nowUs(), so that a pause of
 * the process (a GC, a busy machine) cannot pass for a step of the clock: the
 * tightest of a few brackets is kept, and the step is taken only when the
 * wall clock lies outside it by more than 2 ms. `wallClock` is for tests.
 */
export function resyncClock(wallClock: () => number = Date.now): number {
  let best = { width: Infinity, drift: 0 };
  for (let i = 0; i < RESYNC_READS && best.width > 1000; i++) {
    const before = nowUs();
    const wallUs = wallClock() * 1000 + 500;
    const after = nowUs();
    if (after - before < best.width) best = { width: after - before, drift: Math.round(wallUs - (before + after) / 2) };
  }
  if (Math.abs(best.drift) <= RESYNC_AFTER_US + best.width / 2) return 0;
  anchorUs += best.drift;
  return best.drift;
}

/** First value of a header in a pair list (names are lower-case). */
export function headerValue(headers: readonly [string, string][], name: string): string | undefined {
  for (const [k, v] of headers) if (k === name) return v;
  return undefined;
}
