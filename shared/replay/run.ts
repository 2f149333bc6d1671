import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { DiffMode } from '../diff/types.js';
import { diffRulesSchema, type DiffRules } from '../diff/rules.js';
import { gateThresholdsSchema, type GateThresholds } from '../report/gate.js';
import type { ChunkSpec } from './chunk.js';
import { replayProfileSchema, type ReplayProfile } from './profile.js';
import type { SelectionSpec } from './selection.js';
import type { RequestTransform } from './transform.js';

/**
 * A replay run: everything a worker needs to execute any of its chunks,
 * written once when the run is created (meta hash, field `def`) and never
 * changed after. State lives beside it (see ./store.ts).
 */
export interface ReplayRunDef {
  v: 1;
  id: string;
  session: string;
  /** ms since the epoch. */
  createdAt: number;
  /** The run's shared start time, µs since the epoch: every schedule offset counts from it. */
  startAtUs: number;
  target: string;
  /** Current release: each request also goes here twice (reference and noise). */
  baseline?: string;
  profile: ReplayProfile;
  /** What was selected: the spec, the number of records and the first and last capture times (µs). */
  selection: SelectionSpec & { count: number; firstTs: number; lastTs: number };
  transform: RequestTransform;
  mode: DiffMode;
  rules: DiffRules;
  /** Gate thresholds, checked when the report is built. */
  gate: GateThresholds;
  /** Per request: ms until the answer must be complete. */
  timeoutMs: number;
  /** Most connections one worker opens to the target per chunk slot. */
  connections: number;
  /** A request that starts later than this after its scheduled time is counted late (µs). */
  lateAfterUs: number;
  /** Bytes of each answer body kept for diffing. */
  maxBodyBytes: number;
  /** Bytes of each answer body stored in the results stream. */
  resultBodyBytes: number;
  /** Results stream bound (XADD MAXLEN ~). */
  resultsMaxLen: number;
  lanes: number;
  windowMs: number;
  /** Number of chunks (BullMQ jobs). */
  chunks: number;
  /** Open model: planned arrivals; closed model: 0 (unknown in advance). */
  arrivals: number;
  /** Planned length of the schedule, µs. */
  durationUs: number;
  /**
   * Seconds every key of the run is kept, counted from `createdAt`
   * (PARITY_RUN_RETENTION_SECONDS). Absent from runs created before it was
   * recorded, which keep theirs for 7 days.
   */
  retentionSeconds?: number;
}

/** Lifecycle: queued → running → done | cancelled | failed. */
export type RunState = 'queued' | 'running' | 'done' | 'cancelled' | 'failed';

export const RUN_STATES: readonly RunState[] = ['queued', 'running', 'done', 'cancelled', 'failed'];

export const FINAL_STATES: ReadonlySet<RunState> = new Set(['done', 'cancelled', 'failed']);

/** A run's state as `runs show` prints it. */
export interface RunStatus {
  id: string;
  state: RunState;
  session: string;
  target: string;
  profile: string;
  /** ms since the epoch the run was created (queued). */
  createdAt: number;
  /**
   * ms since the epoch the run's first request was due: the start of its
   * shared clock, or when a worker took its first chunk if none had by then.
   * Absent until then.
   */
  startedAt?: number;
  /** ms since the epoch the last of its chunks recorded its outcome. */
  finishedAt?: number;
  /** Why the run failed. */
  error?: string;
  chunks: ChunkCounts;
  progress: RunProgress;
}

/**
 * A run's chunks by outcome; `done + failed + cancelled + pending = total`.
 * A run in a final state has none pending.
 */
export interface ChunkCounts {
  total: number;
  /** Fired every request (a cancel that came after it finished changes nothing). */
  done: number;
  /** Failed every attempt (or its worker died too often): the run fails. */
  failed: number;
  /** Stopped by a cancel, or never started because of one. */
  cancelled: number;
  /** No outcome yet: waiting in the queue, or running. */
  pending: number;
}

/**
 * Live counters summed over the chunks: a finished chunk's counted attempt
 * (the one its report counts), a running chunk's current attempt. Once the
 * run has ended, `sent + skipped` is the report's `totals.requests`.
 */
export interface RunProgress {
  /** Requests planned (open model), 0 when unknown (closed model). */
  planned: number;
  /** Requests fired at the target, answered or not; those a cancel cut off in flight are not counted. */
  sent: number;
  /** Requests not sent: the record was gone from the session, or its request body not captured whole. */
  skipped: number;
  /** Sent requests the target did not answer: refused, reset, timed out. */
  errors: number;
  /** Requests that started more than PARITY_LATE_AFTER_MS after their scheduled time. */
  late: number;
}

/** What a chunk's finished attempt leaves in the run's chunks hash. */
export interface ChunkOutcome {
  state: 'done' | 'failed' | 'cancelled';
  /** Attempt token: results stream entries of other attempts are not counted. */
  attempt: string;
  worker: string;
  /** ms since the epoch. */
  at: number;
  error?: string;
}

/** `r-` + base-36 time + random: sortable, short, safe inside a {hash tag}. */
export function newRunId(nowMs = Date.now()): string {
  return `r-${nowMs.toString(36)}-${randomBytes(3).toString('hex')}`;
}

export const RUN_ID = /^r-[0-9a-z]{6,12}-[0-9a-f]{6}$/;

/*
 * What a run's keys hold, checked when read back (store.ts): a value Parity
 * did not write (a hand edit, another program, a half-restored backup) is
 * refused naming its key, rather than failing deep in a reader. Objects are
 * loose: a newer Parity may add fields.
 */
const count = z.number().int().nonnegative();
const finite = z.number().finite();
const header = z.tuple([z.string(), z.string()]);

/** The stored run definition (meta hash, field `def`). */
export const replayRunDefSchema = z.looseObject({
  v: z.literal(1),
  id: z.string().regex(RUN_ID),
  session: z.string().min(1),
  createdAt: finite,
  startAtUs: finite,
  target: z.string().min(1),
  baseline: z.string().min(1).optional(),
  profile: replayProfileSchema,
  selection: z.looseObject({ count, firstTs: finite, lastTs: finite }),
  transform: z.looseObject({ setHeaders: z.array(header), removeHeaders: z.array(z.string()), rewritePaths: z.array(header) }),
  mode: z.enum(['status', 'shape', 'exact']),
  rules: diffRulesSchema,
  gate: gateThresholdsSchema,
  timeoutMs: finite,
  connections: count,
  lateAfterUs: finite,
  maxBodyBytes: count,
  resultBodyBytes: count,
  resultsMaxLen: count,
  lanes: count,
  windowMs: finite,
  chunks: count,
  arrivals: count,
  durationUs: finite,
  retentionSeconds: count.optional(),
});

/** A chunk's outcome (chunks hash). */
export const chunkOutcomeSchema = z.looseObject({
  state: z.enum(['done', 'failed', 'cancelled']),
  attempt: z.string(),
  worker: z.string(),
  at: finite,
  error: z.string().optional(),
});

/** A chunk's progress line (progress hash): `sent errors late skipped`, three numbers from workers older than `skipped`. */
export const PROGRESS_LINE = /^\d+ \d+ \d+( \d+)?$/;

const counts = z.record(z.string(), count);
/** A LatencyHistogram's JSON: [index gap, count] pairs. */
const histogram = z.array(count);
const preview = z.looseObject({ status: z.number(), body: z.string() });
const example = z.looseObject({ key: z.string(), method: z.string(), url: z.string(), reference: preview, target: preview, differences: z.array(z.looseObject({ field: z.string(), kind: z.string() })) });

/** A chunk's RunStats JSON (stats hash). */
export const runStatsJsonSchema = z.looseObject({
  v: z.literal(1),
  routes: z.record(
    z.string(),
    z.looseObject({
      requests: count, compared: count, noiseSampled: count, late: count,
      errors: counts, skipped: counts, targetStatus: counts, referenceStatus: counts,
      fields: z.array(z.tuple([z.string(), z.string(), count, count, count, z.array(example)])),
      fieldOverflow: count,
      signatures: z.array(z.tuple([z.string(), count])),
      signatureOverflow: count,
      examples: z.array(example),
      targetLatency: histogram,
      referenceLatency: histogram,
    }),
  ),
  lateness: histogram,
});

/** BullMQ job id of a chunk (BullMQ forbids `:` in custom ids). */
export const chunkJobId = (run: string, chunk: number) => `${run}-c${chunk}`;

/** Data of a replay chunk job: the run and the chunk; the rest is in the run's definition. */
export interface ChunkJobData {
  run: string;
  spec: ChunkSpec;
}
