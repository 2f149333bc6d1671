import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { RunStats, type RunStatsJson } from '../diff/stats.js';
import { isParityError, parityError, type ParityError } from '../errors.js';
import { keys } from '../redis/keys.js';
import { parseStoredJson, readTyped } from '../redis/stored.js';
import { describeProfile } from './profile.js';
import {
  chunkOutcomeSchema, FINAL_STATES, PROGRESS_LINE, replayRunDefSchema, RUN_ID, RUN_STATES, runStatsJsonSchema,
  type ChunkOutcome, type ReplayRunDef, type RunProgress, type RunState, type RunStatus,
} from './run.js';

/**
 * Replay runs in Redis. A run's keys share its {hash tag}: the meta hash
 * (definition and state), the selection list, the chunks hash (outcome of
 * each chunk's counted attempt), the stats hash (RunStats JSON per chunk,
 * the counted attempt's: nothing is counted twice), the live progress hash,
 * the cancel flag, the closed model's cursor and the results stream. All of
 * them expire together, at runExpiresAt: whoever creates or writes one sets
 * it, so a report never outlives a part of its run (stats kept 7 days beside
 * a 30-day run read as done with 0 requests). What is read back is checked
 * (run.ts's schemas): a key another program changed is
 * PARITY_ERR_RUN_UNREADABLE naming the run and the key.
 */

/** Retention of runs whose definition does not say (created before it did). */
const UNRECORDED_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * When every key of the run expires, in seconds since the epoch: its
 * retention, counted from its planned end (counted from its creation, a soak
 * longer than the retention lost its keys while it ran).
 */
export function runExpiresAt(def: ReplayRunDef): number {
  const plannedEndMs = Math.max(def.createdAt, (def.startAtUs + def.durationUs) / 1000);
  return Math.ceil(plannedEndMs / 1000) + (def.retentionSeconds ?? UNRECORDED_RETENTION_SECONDS);
}

function runKeys(id: string): string[] {
  return [keys.runMeta(id), keys.runSelection(id), keys.runChunks(id), keys.runStats(id), keys.runProgress(id), keys.runCancel(id), keys.runCursor(id), keys.runResults(id)];
}

/** Writes a new run: definition, selection and index entry, expiring with the run. */
export async function saveRun(redis: Redis, def: ReplayRunDef, selectionIds: readonly string[]): Promise<void> {
  const pipe = redis.multi();
  pipe.del(keys.runSelection(def.id));
  for (let i = 0; i < selectionIds.length; i += 1000) pipe.rpush(keys.runSelection(def.id), ...selectionIds.slice(i, i + 1000));
  pipe.hset(keys.runMeta(def.id), { def: JSON.stringify(def), state: 'queued', createdAt: def.createdAt, chunks: def.chunks });
  pipe.zadd(keys.runs, def.createdAt, def.id);
  for (const k of [keys.runMeta(def.id), keys.runSelection(def.id)]) pipe.expireat(k, runExpiresAt(def));
  await pipe.exec();
}

function assertRunId(id: string): void {
  if (!RUN_ID.test(id)) throw parityError('PARITY_ERR_RUN_NOT_FOUND', `"${id.slice(0, 80)}" is not a run id (they look like r-mabc123-1f2e3d)`);
}

/** PARITY_ERR_RUN_UNREADABLE: `where` (a key, or a field of one) of run `id` is not what Parity wrote. */
function unreadable(id: string, where: string, what: string, cause?: unknown): ParityError {
  return parityError('PARITY_ERR_RUN_UNREADABLE', `run ${id} cannot be read: ${where} ${what}`, {
    ...(cause === undefined ? {} : { cause }),
    hint: `If another Parity version created the run, read it with that version; otherwise delete it (its keys match parity:run:{${id}}:*, and ZREM ${keys.runs} ${id}) or let it expire with its retention.`,
  });
}

/** Reads run `id`'s hash `key`: a key of another type is PARITY_ERR_RUN_UNREADABLE naming it. */
const readHash = <T>(id: string, key: string, read: Promise<T>) => readTyped(read, 'hash', (problem, cause) => unreadable(id, key, problem, cause));

/** The JSON of `field` of run `id`'s hash `key`, checked against `schema` (`what` names it in the error). */
const parseField = <T>(id: string, key: string, field: string, text: string, schema: z.ZodType, what: string) =>
  parseStoredJson<T>(text, schema, what, (problem, cause) => unreadable(id, `field "${field}" of ${key}`, problem, cause));

const parseOutcome = (id: string, chunk: string, text: string) => parseField<ChunkOutcome>(id, keys.runChunks(id), chunk, text, chunkOutcomeSchema, 'a chunk outcome');

/** The run's definition; PARITY_ERR_RUN_NOT_FOUND when unknown or expired, PARITY_ERR_RUN_UNREADABLE when not a definition. */
export async function loadRunDef(redis: Redis, id: string): Promise<ReplayRunDef> {
  assertRunId(id);
  const text = await readHash(id, keys.runMeta(id), redis.hget(keys.runMeta(id), 'def'));
  if (!text) throw parityError('PARITY_ERR_RUN_NOT_FOUND', `no run "${id}" in Redis (unknown, or expired after its retention)`);
  const def = parseField<ReplayRunDef>(id, keys.runMeta(id), 'def', text, replayRunDefSchema, 'a run definition');
  // workers write to the keys of def.id: another run's definition must not be run, nor reported, under this id
  if (def.id !== id) throw unreadable(id, `field "def" of ${keys.runMeta(id)}`, `is the definition of run ${def.id.slice(0, 40)}`);
  return def;
}

// ARGV: the new state, how many states it may come from, those states, then
// fields and values set (unless set already) with the move
const TRANSITION = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return nil end
local n = tonumber(ARGV[2])
for i = 3, 2 + n do
  if state == ARGV[i] then
    redis.call('HSET', KEYS[1], 'state', ARGV[1])
    for j = 3 + n, #ARGV, 2 do redis.call('HSETNX', KEYS[1], ARGV[j], ARGV[j + 1]) end
    return ARGV[1]
  end
end
return state`;

/**
 * Moves the run to `to` when it is in one of `from`, with `fields` (finishedAt, error) in the same step: a reader
 * that sees the run failed sees why. Returns the state it ends in.
 */
export async function transition(redis: Redis, id: string, to: RunState, from: readonly RunState[], fields: Record<string, string | number> = {}): Promise<RunState | undefined> {
  const also = Object.entries(fields).flatMap(([k, v]) => [k, String(v)]);
  return ((await redis.eval(TRANSITION, 1, keys.runMeta(id), to, from.length, ...from, ...also)) as RunState | null) ?? undefined;
}

// Writes to the meta hash of a run that is still there: a worker holding an
// expired run's definition must not make a hash without `def` or expiry.
// startedAt keeps the earliest time any chunk gives; an ended run is left alone.
const MARK_RUNNING = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'queued' and state ~= 'running' then return 0 end
local at = redis.call('HGET', KEYS[1], 'startedAt')
if not at or tonumber(ARGV[1]) < tonumber(at) then redis.call('HSET', KEYS[1], 'startedAt', ARGV[1]) end
if state == 'queued' then redis.call('HSET', KEYS[1], 'state', 'running') end
return 1`;

const COUNT_RETRIED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HINCRBY', KEYS[1], 'retriedChunks', 1)`;

/**
 * Called by a worker when the first request of one of the run's chunks is
 * due: the run is running from then, and its `startedAt` is the earliest
 * such time (ms since the epoch) of its chunks.
 */
export async function markRunning(redis: Redis, id: string, atMs = Date.now()): Promise<void> {
  await redis.eval(MARK_RUNNING, 1, keys.runMeta(id), Math.floor(atMs));
}

/** Counts a chunk taken over after its window (the run's `retriedChunks`). */
export async function countRetriedChunk(redis: Redis, id: string): Promise<void> {
  await redis.eval(COUNT_RETRIED, 1, keys.runMeta(id));
}

/** What one chunk attempt has done so far, as its progress line counts it. */
export type ChunkProgress = Omit<RunProgress, 'planned'>;

const progressLine = (p: ChunkProgress) => `${p.sent} ${p.errors} ${p.late} ${p.skipped}`;

// KEYS: progress, chunks; ARGV: chunk, line, expiry
const WRITE_PROGRESS = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIREAT', KEYS[1], ARGV[3])
return 1`;

/**
 * Live counters of one chunk's current attempt (replaced, never added).
 * Once the chunk has an outcome its line is final (finishChunk): an attempt
 * that is not counted no longer moves the run's progress.
 */
export async function writeProgress(redis: Redis, def: ReplayRunDef, chunk: number, p: ChunkProgress): Promise<void> {
  await redis.eval(WRITE_PROGRESS, 2, keys.runProgress(def.id), keys.runChunks(def.id), String(chunk), progressLine(p), runExpiresAt(def));
}

/**
 * Every chunk's recorded outcome, by chunk number. A field that is no chunk
 * number, or whose value is no outcome, is PARITY_ERR_RUN_UNREADABLE: read
 * as NaN or without an attempt, it would miscount the run without a word.
 */
export async function chunkOutcomes(redis: Redis, id: string): Promise<Map<number, ChunkOutcome>> {
  const key = keys.runChunks(id);
  const outcomes = new Map<number, ChunkOutcome>();
  for (const [chunk, text] of Object.entries(await readHash(id, key, redis.hgetall(key)))) {
    if (!/^\d{1,9}$/.test(chunk)) throw unreadable(id, `field "${chunk.slice(0, 40)}" of ${key}`, 'is not a chunk number');
    outcomes.set(Number(chunk), parseOutcome(id, chunk, text));
  }
  return outcomes;
}

/** The outcome recorded for a chunk: its counted attempt's, if one finished. */
export async function chunkOutcome(redis: Redis, id: string, chunk: number): Promise<ChunkOutcome | undefined> {
  const text = await readHash(id, keys.runChunks(id), redis.hget(keys.runChunks(id), String(chunk)));
  return text ? parseOutcome(id, String(chunk), text) : undefined;
}

// KEYS: chunks, stats, progress, then the run's other keys to expire; ARGV:
// chunk, outcome JSON, stats JSON ('' for none), expiry (s since the epoch),
// progress line ('' for none).
const FINISH = `
local recorded = redis.call('HGET', KEYS[1], ARGV[1])
if not recorded then
  recorded = ARGV[2]
  redis.call('HSET', KEYS[1], ARGV[1], recorded)
  if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]) end
  if ARGV[5] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[5]) else redis.call('HDEL', KEYS[3], ARGV[1]) end
end
for i = 1, #KEYS do redis.call('EXPIREAT', KEYS[i], ARGV[4]) end
return {recorded, redis.call('HLEN', KEYS[1])}`;

/**
 * Records a chunk's finished attempt and its stats together, unless an
 * attempt's outcome is recorded already: the first attempt to finish is
 * the one counted, and a later one (BullMQ delivered the chunk again, or
 * took it over from a worker that was only slow) never replaces its
 * outcome or stats, which must match the results readRunResults counts.
 * The chunk's progress line becomes the counted attempt's `progress` (none
 * without it), so that a run's progress adds up to what its report counts.
 * When every chunk has an outcome, the run ends (done, failed or
 * cancelled). Returns the counted outcome and the run's state once ended.
 */
export async function finishChunk(
  redis: Redis,
  def: ReplayRunDef,
  chunk: number,
  outcome: ChunkOutcome,
  stats?: RunStats,
  progress?: ChunkProgress,
): Promise<{ counted: ChunkOutcome; run: RunState | undefined }> {
  const ks = [keys.runChunks(def.id), keys.runStats(def.id), keys.runProgress(def.id), keys.runResults(def.id), keys.runCursor(def.id)];
  const args = [String(chunk), JSON.stringify(outcome), stats ? JSON.stringify(stats.toJSON()) : '', runExpiresAt(def), progress ? progressLine(progress) : ''];
  const [recorded, finished] = (await redis.eval(FINISH, ks.length, ...ks, ...args)) as [string, number];
  const counted = parseOutcome(def.id, String(chunk), recorded);
  return { counted, run: finished < def.chunks ? undefined : await endRun(redis, def.id) };
}

/** Sets the final state from the chunks' outcomes (first caller wins). */
export async function endRun(redis: Redis, id: string): Promise<RunState | undefined> {
  const outcomes = [...(await chunkOutcomes(redis, id)).values()];
  const cancelled = (await redis.exists(keys.runCancel(id))) > 0;
  const failed = outcomes.find((o) => o.state === 'failed');
  const to: RunState = cancelled ? 'cancelled' : failed ? 'failed' : 'done';
  return transition(redis, id, to, ['queued', 'running'], failed?.error ? { finishedAt: Date.now(), error: failed.error } : { finishedAt: Date.now() });
}

// KEYS: chunks, progress; ARGV: outcome JSON, expiry, chunks [from, to), then the chunks left alone
const CANCEL_CHUNKS = `
local running = {}
for i = 5, #ARGV do running[ARGV[i]] = true end
for c = tonumber(ARGV[3]), tonumber(ARGV[4]) - 1 do
  local f = tostring(c)
  if not running[f] and redis.call('HSETNX', KEYS[1], f, ARGV[1]) == 1 then redis.call('HDEL', KEYS[2], f) end
end
redis.call('EXPIREAT', KEYS[1], ARGV[2])
return redis.call('HLEN', KEYS[1])`;

/** The run's state; undefined when it is gone. */
export async function runState(redis: Redis, id: string): Promise<RunState | undefined> {
  return ((await redis.hget(keys.runMeta(id), 'state')) as RunState | null) ?? undefined;
}

/**
 * Cancels a run: sets its cancel flag (running chunks see it within a poll
 * interval and stop), then counts every chunk without an outcome as
 * cancelled — but those `stillRunning` names, asked once the flag is set (a
 * chunk that starts later sees the flag and stops at once): each of those
 * records its own outcome and what it sent when it stops, and the last one
 * ends the run. The run ends (cancelled) once every chunk has an outcome,
 * so its counts are final when it reads cancelled. Returns its state.
 */
export async function cancelRun(redis: Redis, id: string, stillRunning: () => Promise<Iterable<number>> = () => Promise.resolve([])): Promise<RunState | undefined> {
  const def = await loadRunDef(redis, id);
  await redis.set(keys.runCancel(id), String(Date.now()), 'EXAT', runExpiresAt(def));
  const state = await runState(redis, id);
  if (state === undefined || isFinal(state)) return state;
  const running = [...(await stillRunning())].map(String);
  const outcome = JSON.stringify({ state: 'cancelled', attempt: 'none', worker: 'none', at: Date.now() } satisfies ChunkOutcome);
  let recorded = 0;
  for (let from = 0; from < def.chunks; from += 1000) {
    const to = Math.min(def.chunks, from + 1000);
    recorded = (await redis.eval(CANCEL_CHUNKS, 2, keys.runChunks(id), keys.runProgress(id), outcome, runExpiresAt(def), from, to, ...running)) as number;
  }
  return recorded >= def.chunks ? endRun(redis, id) : runState(redis, id);
}

export async function isCancelled(redis: Redis, id: string): Promise<boolean> {
  return (await redis.exists(keys.runCancel(id))) > 0;
}

/** State, chunk outcomes and live progress of a run. */
export async function runStatus(redis: Redis, id: string): Promise<RunStatus> {
  const def = await loadRunDef(redis, id);
  const hash = (key: string) => readHash(id, key, redis.hgetall(key));
  const [meta, outcomes, progress] = await Promise.all([hash(keys.runMeta(id)), chunkOutcomes(redis, id), hash(keys.runProgress(id))]);
  checkMeta(id, meta);
  const counts = { total: def.chunks, done: 0, failed: 0, cancelled: 0, pending: def.chunks };
  for (const outcome of outcomes.values()) {
    counts[outcome.state]++;
    counts.pending--;
  }
  const p: RunProgress = { planned: def.arrivals, sent: 0, skipped: 0, errors: 0, late: 0 };
  for (const [chunk, line] of Object.entries(progress)) {
    if (!PROGRESS_LINE.test(line)) throw unreadable(id, `field "${chunk}" of ${keys.runProgress(id)}`, `is "${line.slice(0, 40)}", not a progress line ("sent errors late skipped")`);
    // lines of workers from before the skipped count have three numbers
    const [s, e, l, k] = line.split(' ').map(Number);
    p.sent += s ?? 0;
    p.errors += e ?? 0;
    p.late += l ?? 0;
    p.skipped += k ?? 0;
  }
  const status: RunStatus = {
    id,
    state: (meta.state ?? 'queued') as RunState,
    session: def.session,
    target: def.target,
    profile: describeProfile(def.profile),
    createdAt: def.createdAt,
    chunks: counts,
    progress: p,
  };
  if (meta.startedAt) status.startedAt = Number(meta.startedAt);
  if (meta.finishedAt) status.finishedAt = Number(meta.finishedAt);
  if (meta.error) status.error = meta.error;
  return status;
}

/** The meta hash's own fields (beside `def`): a state Parity knows, times that are numbers. */
function checkMeta(id: string, meta: Record<string, string>): void {
  const where = (field: string) => `field "${field}" of ${keys.runMeta(id)}`;
  if (meta.state !== undefined && !(RUN_STATES as readonly string[]).includes(meta.state)) {
    throw unreadable(id, where('state'), `is "${meta.state.slice(0, 40)}", not one of ${RUN_STATES.join(', ')}`);
  }
  for (const field of ['startedAt', 'finishedAt']) {
    const v = meta[field];
    if (v !== undefined && !Number.isFinite(Number(v))) throw unreadable(id, where(field), `is "${v.slice(0, 40)}", not a time in ms`);
  }
}

export const isFinal = (s: RunState) => FINAL_STATES.has(s);

/**
 * The newest runs first; index entries of expired runs are dropped. A run
 * that cannot be read (PARITY_ERR_RUN_UNREADABLE) is left out and kept in
 * the index, and told to `onUnreadable`.
 */
export async function listRuns(redis: Redis, limit = 50, onUnreadable?: (id: string, err: ParityError) => void): Promise<RunStatus[]> {
  const ids = await redis.zrevrange(keys.runs, 0, limit - 1);
  const out: RunStatus[] = [];
  for (const id of ids) {
    const status = await runStatus(redis, id).catch((err: unknown) => {
      if (isParityError(err) && err.code === 'PARITY_ERR_RUN_NOT_FOUND') return undefined;
      if (!isParityError(err) || err.code !== 'PARITY_ERR_RUN_UNREADABLE') throw err;
      onUnreadable?.(id, err);
      return null;
    });
    // expired, left without its definition, or damaged: one such run must not fail the whole list
    if (status) out.push(status);
    else if (status === undefined) await redis.zrem(keys.runs, id);
  }
  return out;
}

/** Merges the stats of every finished chunk (one entry per chunk: its counted attempt's). */
export async function mergedStats(redis: Redis, id: string): Promise<RunStats> {
  const all = new RunStats();
  const key = keys.runStats(id);
  for (const [chunk, text] of Object.entries(await readHash(id, key, redis.hgetall(key)))) {
    all.merge(RunStats.fromJSON(parseField<RunStatsJson>(id, key, chunk, text, runStatsJsonSchema, "a chunk's statistics")));
  }
  return all;
}

/** Deletes every key of a run. */
export async function deleteRun(redis: Redis, id: string): Promise<void> {
  await redis.multi().unlink(...runKeys(id)).zrem(keys.runs, id).exec();
}
