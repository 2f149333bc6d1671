import { connect } from 'node:net';
import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import type { DiffRules } from '../diff/rules.js';
import type { DiffMode } from '../diff/types.js';
import { parityError, redactUrl } from '../errors.js';
import { sameOrigin } from '../origin.js';
import type { GateThresholds } from '../report/gate.js';
import { nowUs } from '../record/convert.js';
import { sessionInfo } from '../session/store.js';
import { planClosedChunks, planOpenChunks, type ChunkSpec } from './chunk.js';
import { sizingFlags, type ReplayProfile } from './profile.js';
import { chunkJobId, newRunId, type ChunkJobData, type ReplayRunDef } from './run.js';
import { arrivalSchedule, recordTimes } from './schedule.js';
import { describeMethods, resolveSelection, type Selection, type SelectionSpec } from './selection.js';
import { saveRun } from './store.js';
import { sealSetHeaders } from './sealed-headers.js';
import type { RequestTransform } from './transform.js';

/** What `parity replay` asks for. */
export interface RunRequest {
  session: string;
  target: string;
  baseline?: string;
  allowProductionTarget?: boolean;
  profile: ReplayProfile;
  selection: SelectionSpec;
  transform: RequestTransform;
  /** PARITY_SHADOW_KEY: when given, `transform.setHeaders` values are stored sealed under it (sealed-headers.ts). */
  sealKey?: Buffer;
  mode: DiffMode;
  rules: DiffRules;
  gate: GateThresholds;
  timeoutMs: number;
  connections: number;
  lateAfterMs: number;
  maxBodyBytes: number;
  resultBodyBytes: number;
  resultsMaxLen: number;
  lanes: number;
  windowMs: number;
  retentionSeconds: number;
  /** ms from creation to the shared start, so workers can take the first chunks in time. Default 2000. */
  startDelayMs?: number;
  /** ms before its window that a chunk becomes available to workers. Default 3000. */
  leadMs?: number;
  /** How the user gave the target and the baseline (`--target`, `PARITY_BASELINE`, …), named in hints. Default: their flags. */
  givenAs?: { target?: string; baseline?: string };
  /** Told what looks like a mistake but is not refused (a method no record has). */
  onWarning?: (message: string) => void;
}

/**
 * Longest run, from its start to its last planned request: a year. Past it
 * (`--speed 1e-9`, `--rate 0.0000001`) the chunks' delays and the keys'
 * expiry overflow what BullMQ and Redis take, and no replay needs it.
 */
const MAX_RUN_US = 366 * 86_400e6;

/** What to do about a target or baseline that does not answer, naming how the user gave it (`--baseline`, `PARITY_BASELINE`, …). */
export function unreachableHint(what: 'target' | 'baseline', givenAs = `--${what}`): string {
  return `Check that the ${what} is running and that the URL from ${givenAs} is right.`;
}

/** Resolves when a TCP connection to the URL's host opens; PARITY_ERR_TARGET_UNREACHABLE otherwise. */
export function checkReachable(url: string, what: 'target' | 'baseline', givenAs?: string, timeoutMs = 3000): Promise<void> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(parityError('PARITY_ERR_TARGET_UNREACHABLE', `cannot connect to the ${what} ${redactUrl(url)}: ${why}`, { hint: unreachableHint(what, givenAs) }));
    };
    socket.setTimeout(timeoutMs, () => fail(`no connection within ${timeoutMs} ms`));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });
}

/**
 * A --methods entry that no record of the session has is most likely a typo,
 * but a custom method is legal HTTP: it is refused only when nothing at all
 * is selected, and otherwise warned about.
 */
function checkMethods(req: RunRequest, selection: Selection): void {
  const absent = (req.selection.methods ?? []).filter((m) => !selection.methods.has(m));
  if (absent.length === 0) return;
  const has = `${absent.length === 1 ? 'method' : 'methods'} ${absent.join(', ')} (its records' methods: ${[...selection.methods].slice(0, 12).join(', ') || 'none'})`;
  if (selection.ids.length === 0) {
    throw parityError('PARITY_ERR_USAGE', `no record of session "${req.session}" has ${has}`, { hint: 'Check the spelling in --methods: a method matches exactly (upper-cased).' });
  }
  req.onWarning?.(`--methods: no record of session "${req.session}" has ${has}; the other methods are replayed`);
}

/**
 * Creates a run: checks safety and reachability, resolves the selection,
 * plans the chunks, stores the run and queues one BullMQ job per chunk,
 * each delayed until shortly before its window.
 */
export async function createRun(redis: Redis, queue: Queue<ChunkJobData>, req: RunRequest): Promise<ReplayRunDef> {
  const info = await sessionInfo(redis, req.session);
  // The baseline may be production itself (the current release, as Diffy
  // runs it); the candidate under test may not, unless the user insists.
  if (info.upstream && !req.allowProductionTarget && sameOrigin(req.target, info.upstream)) {
    throw parityError('PARITY_ERR_PRODUCTION_TARGET', `the target ${redactUrl(req.target)} is ${redactUrl(info.upstream)}, the upstream session "${req.session}" was captured from`);
  }
  // Unknown is not safe: a proxy names its upstream with every batch, so only a file that said nowhere
  // (NDJSON without an export's `_parity` line) or a meta hash lost before that fix leaves it out.
  if (!info.upstream && !req.allowProductionTarget) {
    throw parityError('PARITY_ERR_PRODUCTION_TARGET', `session "${req.session}" names no upstream, so whether the target ${redactUrl(req.target)} is the production app it was captured from cannot be checked`, {
      hint: 'If the target is not production, pass --allow-production-target. A session names its upstream when a proxy captured it or its import file said where it came from (a Parity export, a HAR, GoReplay with Host headers).',
    });
  }
  await checkReachable(req.target, 'target', req.givenAs?.target);
  if (req.baseline) await checkReachable(req.baseline, 'baseline', req.givenAs?.baseline);

  const selection = await resolveSelection(redis, req.session, req.selection);
  checkMethods(req, selection);
  if (selection.ids.length === 0) {
    throw parityError('PARITY_ERR_USAGE', `no record of session "${req.session}" matches the selection (${selection.scanned} records looked at)`, {
      hint: 'Loosen --from/--to, --methods, --filter or --exclude; `parity sessions show S` lists recent records.',
    });
  }
  // a production baseline is sent every selected request twice more (replay-send.ts: twice, to tell noise
  // from differences): reads are harmless, writes would happen again
  if (req.baseline && info.upstream && !req.allowProductionTarget && selection.unsafe.size > 0 && sameOrigin(req.baseline, info.upstream)) {
    throw parityError('PARITY_ERR_PRODUCTION_TARGET', `the baseline ${redactUrl(req.baseline)} is ${redactUrl(info.upstream)}, the upstream session "${req.session}" was captured from, and the selection holds requests that change state (${describeMethods(selection.unsafe)}): production would receive each twice more`, {
      hint: 'Keep them out with --methods GET,HEAD, or pass --allow-production-target if production may take them again.',
    });
  }
  const windowUs = req.windowMs * 1000;
  const sizing = sizingFlags(req.profile);
  let chunks: ChunkSpec[];
  let arrivals = 0;
  let durationUs: number;
  if (req.profile.kind === 'constant-concurrency') {
    durationUs = req.profile.durationMs * 1000;
    chunks = planClosedChunks(req.profile.vus, durationUs, { windowUs, lanes: req.lanes, sizing });
  } else {
    const schedule = arrivalSchedule(req.profile, recordTimes(selection.ts));
    arrivals = schedule.count;
    durationUs = arrivals > 0 ? schedule.offsetUs(arrivals - 1) : 0;
    chunks = planOpenChunks(schedule, { windowUs, lanes: req.lanes, maxPerChunk: 2000, sizing });
  }
  if (chunks.length === 0) throw parityError('PARITY_ERR_USAGE', `the ${req.profile.kind} profile plans no request for this selection`, { hint: `Plan more requests with ${sizing.join(', ')}.` });
  if (!(durationUs <= MAX_RUN_US)) {
    const days = Number.isFinite(durationUs) ? `${Math.round(durationUs / 86_400e6)} days` : 'for ever';
    throw parityError('PARITY_ERR_USAGE', `the ${req.profile.kind} profile plans a run that lasts ${days}, past the limit of ${MAX_RUN_US / 86_400e6} days`, {
      hint: `Plan a shorter run with ${sizing.join(', ')}.`,
    });
  }

  const createdAt = Date.now();
  const id = newRunId(createdAt);
  const def: ReplayRunDef = {
    v: 1,
    id,
    session: req.session,
    createdAt,
    startAtUs: nowUs() + (req.startDelayMs ?? 2000) * 1000,
    target: req.target,
    profile: req.profile,
    selection: { ...req.selection, count: selection.ids.length, firstTs: selection.ts[0]!, lastTs: selection.ts[selection.ts.length - 1]! },
    transform: req.sealKey ? sealSetHeaders(req.transform, req.sealKey, id) : req.transform,
    mode: req.mode,
    rules: req.rules,
    gate: req.gate,
    timeoutMs: req.timeoutMs,
    connections: req.connections,
    lateAfterUs: req.lateAfterMs * 1000,
    maxBodyBytes: req.maxBodyBytes,
    resultBodyBytes: req.resultBodyBytes,
    resultsMaxLen: req.resultsMaxLen,
    lanes: req.lanes,
    windowMs: req.windowMs,
    chunks: chunks.length,
    arrivals,
    durationUs,
    retentionSeconds: req.retentionSeconds,
  };
  if (req.baseline) def.baseline = req.baseline;
  await saveRun(redis, def, selection.ids);

  const leadUs = (req.leadMs ?? 3000) * 1000;
  const now = nowUs();
  const jobs = chunks.map((spec) => ({
    name: 'chunk',
    data: { run: def.id, spec },
    opts: {
      jobId: chunkJobId(def.id, spec.index),
      delay: Math.max(0, Math.floor((def.startAtUs + spec.startUs - leadUs - now) / 1000)),
      attempts: 3,
      backoff: { type: 'fixed', delay: 500 },
      removeOnComplete: true,
      removeOnFail: { age: req.retentionSeconds },
    },
  }));
  for (let i = 0; i < jobs.length; i += 500) await queue.addBulk(jobs.slice(i, i + 500));
  return def;
}
