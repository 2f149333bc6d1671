import type { Dispatcher } from 'undici';
import type { RecordAnonymiser } from '../../shared/anonymise/index.js';
import { anonymiseAnswer } from './answers.js';
import { compareExchange, compareStatusOnly } from '../../shared/diff/compare.js';
import { routeTemplate } from '../../shared/diff/route.js';
import type { Answer, ExchangeInput, ExchangeResult } from '../../shared/diff/types.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { boundedBody, type ReplayResult } from '../../shared/replay/result.js';
import type { ReplayRunDef } from '../../shared/replay/run.js';
import { outgoingRequest } from '../../shared/replay/transform.js';
import type { ChunkRecorder } from './chunk-recorder.js';
import type { DiffThread } from './diff-thread.js';
import { dispatchOptions, exchangeWith, type InFlight, type Sent } from './exchange.js';

/**
 * Replays one record at the target (and, with a baseline, twice at the
 * baseline), compares the answer with the reference and counts it: the
 * reference is the recorded production answer, or the first baseline answer
 * with the second one measuring noise.
 */
export interface SendContext {
  def: ReplayRunDef;
  /** Answers go through it before they are compared, counted or stored (see answers.ts). */
  anonymise: RecordAnonymiser;
  target: Side;
  baseline?: Side;
  recorder: ChunkRecorder;
  inFlight: InFlight;
  chunk: number;
  attempt: string;
  diffs: DiffThread;
}

/** Where a chunk sends: the target, or the baseline (which gets a Host of its own, see outgoingRequest). */
export interface Side {
  name: 'target' | 'baseline';
  url: URL;
  dispatcher: Dispatcher;
}

/** The captured production answer, rebuilt as an Answer. */
export function recordedAnswer(r: CaptureRecord): Answer {
  if (!r.res) {
    const error: Answer['error'] = r.error === 'upstream-refused' ? 'refused' : r.error === 'upstream-timeout' ? 'timeout' : 'other';
    return { status: 0, headers: [], body: Buffer.alloc(0), latencyUs: r.timing.totalUs, error };
  }
  const b = r.res.body;
  const answer: Answer = { status: r.res.status, headers: r.res.headers, body: b.bytes, latencyUs: r.timing.totalUs };
  if (b.truncated || b.omitted) answer.truncated = true;
  return answer;
}

/** What a record always needs the same way: its route template, its recorded answer and its request per target (as undici takes it). */
interface Prepared {
  route: string;
  recorded: Answer;
  requests: Map<string, Dispatcher.DispatchOptions>;
}

// A run replays the same records many times (rate profiles cycle through
// the selection) with one transform: prepare each record once (per target).
const prepared = new WeakMap<CaptureRecord, Prepared>();

function prepare(record: CaptureRecord): Prepared {
  let p = prepared.get(record);
  if (!p) prepared.set(record, (p = { route: routeOf(record.method, record.url), recorded: recordedAnswer(record), requests: new Map() }));
  return p;
}

/**
 * Route templates by method and URL, 10,000 at most. Each run decodes and
 * prepares its records anew, and a session's records repeat a few URLs:
 * templating each record's URL again was ~1.9 % of the worker's busy time in
 * bench:replay (10,000 records, 50 URLs, a run every few seconds).
 */
const routes = new Map<string, string>();

function routeOf(method: string, url: string): string {
  const key = `${method} ${url}`; // a method is a token: no space in it
  let route = routes.get(key);
  if (route === undefined) {
    if (routes.size >= 10_000) routes.clear();
    routes.set(key, (route = routeTemplate(method, url)));
  }
  return route;
}

function requestFor(p: Prepared, record: CaptureRecord, side: Side, def: ReplayRunDef): Dispatcher.DispatchOptions {
  // by side, not by URL alone: target and baseline may share one, differing by Host
  const key = side.name === 'target' ? side.url.href : BASELINE + side.url.href;
  let req = p.requests.get(key);
  if (!req) p.requests.set(key, (req = dispatchOptions(side.url.origin, outgoingRequest(record, side.url, def.transform, side.name), def.timeoutMs)));
  return req;
}
const BASELINE = 'baseline ';

function send(ctx: SendContext, side: Side, p: Prepared, record: CaptureRecord): Promise<Sent> {
  const req = requestFor(p, record, side, ctx.def);
  return exchangeWith(side.dispatcher, req, { timeoutMs: ctx.def.timeoutMs, maxBodyBytes: ctx.def.maxBodyBytes, inFlight: ctx.inFlight });
}

/** Fires one request due at `scheduledUs` (µs since the epoch) and records its outcome. */
export async function replayOne(ctx: SendContext, i: number, record: CaptureRecord | undefined, scheduledUs: number, method?: string, repeat = false): Promise<void> {
  if (!sendable(record)) {
    skipUnsendable(ctx, i, record, scheduledUs, method);
    return;
  }
  const p = prepare(record);
  let t: Sent;
  let b1: Sent | undefined;
  let b2: Sent | undefined;
  if (ctx.baseline) [t, b1, b2] = await Promise.all([send(ctx, ctx.target, p, record), send(ctx, ctx.baseline, p, record), send(ctx, ctx.baseline, p, record)]);
  else t = await send(ctx, ctx.target, p, record);
  // the run was cancelled: not an outcome of the target, nor (a baseline's answer cut off) a reference error
  if (t.cancelled || b1?.cancelled || b2?.cancelled) return;
  // Answers are anonymised before they are compared, so examples see pseudonyms too: here when the
  // exchange is compared here, on the diff thread when it goes there (which then anonymises what
  // it compares); what the results stream keeps of an offloaded answer is anonymised here (below).
  const offload = (b1 ? b1.answer : p.recorded).body.length + t.answer.body.length + (b2?.answer.body.length ?? 0) >= OFFLOAD_BYTES;
  const target = clean(t.answer, offload, ctx, p);
  const base1 = b1 && clean(b1.answer, offload, ctx, p);
  const base2 = b2 && clean(b2.answer, offload, ctx, p);
  // a request that never got onto a socket (queued for a connection until it timed out or
  // failed) did not start on time either: it is late by as long as it waited
  const lateUs = Math.max(0, (t.neverSent ? t.sentAtUs + t.answer.latencyUs : t.sentAtUs) - scheduledUs);
  const late = lateUs > ctx.def.lateAfterUs;
  const input: ExchangeInput = {
    method: record.method,
    url: record.url,
    reference: base1 ?? p.recorded,
    target,
    mode: ctx.def.mode,
    rules: ctx.def.rules,
    recordId: record.id,
    route: p.route,
  };
  if (base2) input.baselines = [base2];
  // the recorded answer of a record sent before in this run: its latency is one sample, counted once
  else if (repeat) input.referenceRepeated = true;
  const compared = compare(ctx, input, offload, late ? lateUs : undefined);
  const { differences, kept } = 'differences' in compared ? compared : await compared;
  const a = target;
  const result: ReplayResult = {
    chunk: ctx.chunk,
    attempt: ctx.attempt,
    i,
    recordId: record.id,
    method: record.method,
    url: record.url,
    scheduledUs,
    sentAtUs: t.sentAtUs,
    lateUs,
    ttfbUs: t.ttfbUs,
    totalUs: a.latencyUs,
    fromScheduledUs: t.sentAtUs + a.latencyUs - scheduledUs,
    differences,
  };
  if (a.error) {
    result.error = a.error;
    if (t.errorText) result.errorText = t.errorText.slice(0, 200);
  } else {
    const stored = offload ? (kept ?? keptPart(a, ctx, p.recorded.body)) : a;
    result.status = a.status;
    result.headers = stored.headers;
    result.body = boundedBody(stored.body, t.bodySize, ctx.def.resultBodyBytes, stored.truncated);
  }
  if (b1) {
    result.baseline = { status: b1.answer.status, totalUs: b1.answer.latencyUs };
    if (b1.answer.error) result.baseline.error = b1.answer.error;
  }
  ctx.recorder.push(result, late);
}

/**
 * An answer as it is compared here: anonymised, unless it goes to the diff
 * thread (which anonymises it there). A function of the module rather than a
 * closure made per request: under tsx each closure made at run time is also
 * renamed through Object.defineProperty (~2 % of the worker's CPU).
 */
function clean(a: Answer, offload: boolean, ctx: SendContext, p: Prepared): Answer {
  return offload ? a : anonymiseAnswer(a, ctx.anonymise, p.recorded.body);
}

/**
 * Answers this large go to the diff thread: parsing them on the firing loop
 * would hold up every request due meanwhile. Smaller ones are compared here,
 * where it costs a few µs against ~150 µs of CPU to hand one to the thread
 * (bench:replay, docs/decisions.md).
 */
const OFFLOAD_BYTES = 32 * 1024;

/** Real differences found; for an offloaded exchange, also what the results stream keeps of the target's answer (see keptPart). */
interface Compared {
  differences: number;
  kept?: Answer;
}

function compare(ctx: SendContext, input: ExchangeInput, offload: boolean, lateUs: number | undefined): Compared | Promise<Compared> {
  // A request the thread could not count is counted here by its status (cheap
  // on the loop, unlike its bodies): it was sent, so it must be in the stats.
  // Should the thread have died, collecting its stats fails the attempt anyway.
  if (offload) {
    return ctx.diffs
      .diff(ctx.attempt, input, lateUs, ctx.baseline !== undefined, ctx.def.resultBodyBytes)
      .catch(() => {
        // the thread anonymises what it compares; it failed, so the answers are anonymised here
        // before they are counted: a status that differs keeps an example with their bodies' first KiB
        const safe = anonymisedInput(ctx, input);
        return { differences: count(ctx, safe, compareStatusOnly(safe), lateUs), kept: cut(safe.target, ctx) };
      });
  }
  return { differences: count(ctx, input, compareExchange(input), lateUs) };
}

/** Counts a compared exchange in the chunk's stats; returns its number of real differences. */
function count(ctx: SendContext, input: ExchangeInput, compared: ExchangeResult, lateUs: number | undefined): number {
  ctx.recorder.stats.add(input, compared, lateUs === undefined ? undefined : { lateUs });
  let real = 0;
  for (const d of compared.differences) if (!d.expected) real++;
  return real;
}

/**
 * What the results stream keeps of a large answer the diff thread did not hand back (it failed):
 * the whole answer anonymised here, then cut to its first resultBodyBytes. Never cut first: a value
 * the cut goes through (`…@acmecorp.i`) is too short for the detectors and would stay raw. Costly
 * on the loop, but only when the thread failed.
 */
function keptPart(a: Answer, ctx: SendContext, recordedBody: Buffer): Answer {
  return cut(anonymiseAnswer(a, ctx.anonymise, recordedBody), ctx);
}

/** An anonymised answer cut to its first resultBodyBytes. */
function cut(clean: Answer, ctx: SendContext): Answer {
  if (clean.error || clean.body.length <= ctx.def.resultBodyBytes) return clean;
  return { ...clean, body: Buffer.from(clean.body.subarray(0, ctx.def.resultBodyBytes)), truncated: true };
}

/** An offloaded exchange's answers anonymised here, as the diff thread would have (the recorded answer was at capture). */
function anonymisedInput(ctx: SendContext, input: ExchangeInput): ExchangeInput {
  const recordedBody = ctx.baseline ? undefined : input.reference.body;
  const out: ExchangeInput = { ...input, target: anonymiseAnswer(input.target, ctx.anonymise, recordedBody) };
  if (ctx.baseline) out.reference = anonymiseAnswer(input.reference, ctx.anonymise);
  if (input.baselines) out.baselines = input.baselines.map((b) => anonymiseAnswer(b, ctx.anonymise, recordedBody));
  return out;
}

/** False for a record trimmed from the session after the run was created, or whose request body was not captured whole. */
export function sendable(record: CaptureRecord | undefined): record is CaptureRecord {
  return record !== undefined && !record.req.body.truncated && !record.req.body.omitted;
}

/** Counts the request of a record that is not sendable as skipped. */
export function skipUnsendable(ctx: SendContext, i: number, record: CaptureRecord | undefined, scheduledUs: number, method?: string): void {
  if (record) skip(ctx, i, record, scheduledUs, 'request body was not captured whole');
  else skip(ctx, i, undefined, scheduledUs, 'record no longer in the session', method);
}

/**
 * The route under which records trimmed from the session are counted: their
 * method and URL went with them, and counting them under `GET /` told the
 * report's reader that the site's root was skipped.
 */
export const MISSING_RECORDS_ROUTE = '(records no longer in the session)';

function skip(ctx: SendContext, i: number, record: CaptureRecord | undefined, scheduledUs: number, why: string, method = 'GET'): void {
  const m = record?.method ?? method;
  const url = record?.url ?? '';
  const route = ctx.recorder.stats.route(record ? routeOf(m, url) : MISSING_RECORDS_ROUTE);
  route.requests++;
  route.countSkipped(record ? 'request-body-not-captured' : 'record-missing');
  ctx.recorder.push(
    { chunk: ctx.chunk, attempt: ctx.attempt, i, recordId: record?.id ?? '', method: m, url, scheduledUs, sentAtUs: scheduledUs, lateUs: 0, ttfbUs: 0, totalUs: 0, fromScheduledUs: 0, error: 'skipped', errorText: why, differences: 0 },
    false,
  );
}
