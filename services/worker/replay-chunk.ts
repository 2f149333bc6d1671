import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Job } from 'bullmq';
import type { RecordAnonymiser } from '../../shared/anonymise/index.js';
import type { Logger } from '../../shared/log.js';
import { nowUs, resyncClock } from '../../shared/record/convert.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { keys } from '../../shared/redis/keys.js';
import { chunkArrivals, type ChunkSpec } from '../../shared/replay/chunk.js';
import type { ChunkJobData, ChunkOutcome, ReplayRunDef, RunState } from '../../shared/replay/run.js';
import { arrivalSchedule, type RecordTimes } from '../../shared/replay/schedule.js';
import { openSetHeaders } from '../../shared/replay/sealed-headers.js';
import { chunkOutcome, countRetriedChunk, endRun, finishChunk, isCancelled, isFinal, loadRunDef, markRunning } from '../../shared/replay/store.js';
import { ChunkRecorder } from './chunk-recorder.js';
import { InFlight } from './exchange.js';
import { closedLoop, openLoop, sleepUntil } from './loops.js';
import type { TargetPools } from './pools.js';
import { RecordSource } from './record-source.js';
import { replayOne, skipUnsendable, type SendContext } from './replay-send.js';
import { selectionWalk } from './selection-walk.js';
import type { DiffThread } from './diff-thread.js';
import { warmUpOnce } from './warm-up.js';

/**
 * Executes one chunk of a replay run: fires its requests on schedule (open
 * model) or with its virtual users (closed model), then stores its stats
 * and outcome. A chunk attempt that dies (worker killed) leaves nothing
 * counted: only the first attempt to finish writes stats and outcome, and a
 * chunk delivered again after that does not fire again.
 */
export interface ReplayWorkerContext {
  redis: Redis;
  pools: TargetPools;
  log: Logger;
  workerId: string;
  runs: RunCache;
  /** Compares answers off the firing loop. */
  diffs: DiffThread;
  /** Anonymises the target's answers as capture did production's (see answers.ts). */
  anonymise: RecordAnonymiser;
  /** ms between checks of the run's cancel flag. */
  cancelPollMs: number;
}

interface RunEntry {
  def: ReplayRunDef;
  records: RecordSource;
  usedAt: number;
  /** Chunks of the run running here (see hold). */
  active: number;
}

/**
 * Run definitions and record caches of the runs this process is working on.
 * A run is forgotten when its last chunk finishes here (drop), when a sweep
 * finds it ended or gone from Redis (its other chunks finished on other
 * workers), or after five minutes unused.
 */
export class RunCache {
  readonly #entries = new Map<string, RunEntry>();
  /**
   * Runs whose definition is being read: the chunks of a run that start
   * together (one per lane) wait for the same entry. Each used to make its
   * own, so each lane decoded its own copy of the records it met
   * (bench:replay: 18,700 records decoded for 28,000 requests over a
   * selection of 10,000).
   */
  readonly #loading = new Map<string, Promise<RunEntry>>();
  #sweeper: NodeJS.Timeout | undefined;
  readonly #sealKey: Buffer | undefined;

  /** `sealKey`: PARITY_SHADOW_KEY, which opens the runs' sealed `--set-header` values. */
  constructor(sealKey?: Buffer) {
    this.#sealKey = sealKey;
  }

  async get(redis: Redis, id: string): Promise<{ def: ReplayRunDef; records: RecordSource }> {
    const e = this.#entries.get(id) ?? (await this.#load(redis, id));
    e.usedAt = Date.now();
    return e;
  }

  #load(redis: Redis, id: string): Promise<RunEntry> {
    let loading = this.#loading.get(id);
    if (!loading) {
      loading = loadRunDef(redis, id)
        .then((stored) => {
          const def = openSetHeaders(stored, this.#sealKey);
          const e: RunEntry = { def, records: new RecordSource(redis, id, def.session), usedAt: Date.now(), active: 0 };
          this.#entries.set(id, e);
          this.#evict();
          return e;
        })
        .finally(() => this.#loading.delete(id));
      this.#loading.set(id, loading);
    }
    return loading;
  }

  /** Marks a chunk of `id` as running here until the returned function is called: a sweep leaves the run alone meanwhile. */
  hold(id: string): () => void {
    const e = this.#entries.get(id);
    if (!e) return () => undefined;
    e.active++;
    return () => {
      e.active--;
      e.usedAt = Date.now();
    };
  }

  /**
   * Forgets a run whose chunks have all finished. Each run kept up to 20,000
   * decoded records for five minutes after its last chunk: in bench:replay
   * the worker's heap after each major GC grew 63 → 70 → 83 → 95 MB over four
   * runs back to back, and marking that heap took steps of up to 12 ms off
   * the firing loop.
   */
  drop(id: string): void {
    this.#entries.delete(id);
  }

  /** Runs the sweep every `everyMs` (the timer does not keep the process alive). */
  startSweeping(redis: Redis, everyMs = 10_000): void {
    this.#sweeper ??= setInterval(() => void this.sweep(redis).catch(() => undefined), everyMs);
    this.#sweeper.unref();
  }

  stopSweeping(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  /**
   * Forgets the runs no chunk here is running that have ended (done, failed,
   * cancelled) or whose keys expired: only the worker finishing a run's last
   * chunk learns it directly, and the others held its records until a new
   * run came along five minutes later — or for good on an idle worker.
   */
  async sweep(redis: Redis): Promise<void> {
    this.#evict();
    const idle = [...this.#entries].filter(([, e]) => e.active === 0).map(([id]) => id);
    if (idle.length === 0) return;
    const pipe = redis.pipeline();
    for (const id of idle) pipe.hget(keys.runMeta(id), 'state');
    const replies = (await pipe.exec()) ?? [];
    idle.forEach((id, k) => {
      const [err, state] = replies[k] ?? [];
      if (err) return;
      const e = this.#entries.get(id);
      if (e?.active === 0 && (state === null || isFinal(state as RunState))) this.#entries.delete(id);
    });
  }

  /** How many runs are cached (for tests). */
  get size(): number {
    return this.#entries.size;
  }

  #evict(): void {
    const old = Date.now() - 5 * 60_000;
    for (const [id, e] of this.#entries) if (e.active === 0 && e.usedAt < old) this.#entries.delete(id);
  }
}

export async function runReplayChunk(ctx: ReplayWorkerContext, job: Job<ChunkJobData>): Promise<ChunkOutcome['state']> {
  const { def, records } = await ctx.runs.get(ctx.redis, job.data.run);
  const release = ctx.runs.hold(job.data.run);
  try {
    return await runHeldChunk(ctx, job, def, records);
  } finally {
    release();
  }
}

async function runHeldChunk(ctx: ReplayWorkerContext, job: Job<ChunkJobData>, def: ReplayRunDef, records: RecordSource): Promise<ChunkOutcome['state']> {
  const { run, spec } = job.data;
  const attempt = `${ctx.workerId}.${job.attemptsStarted}.${randomBytes(3).toString('hex')}`;
  const outcome = (state: ChunkOutcome['state']): ChunkOutcome => ({ state, attempt, worker: ctx.workerId, at: Date.now() });
  // BullMQ delivers a chunk again when the job of an attempt that finished
  // was not completed (its lock lost meanwhile): that attempt is counted,
  // and firing again would only send its requests twice.
  // That attempt may also have died between recording the run's last chunk and ending the run:
  // ending it is idempotent, so the redelivery finishes the job.
  const recorded = await chunkOutcome(ctx.redis, run, spec.index);
  const step = resyncClock();
  if (step !== 0) ctx.log.warn({ stepMs: step / 1000 }, 'the wall clock moved since this worker started: its replay clock follows it');
  if (recorded) {
    if ((await ctx.redis.hlen(keys.runChunks(run))) >= def.chunks) await endRun(ctx.redis, run);
    return recorded.state;
  }
  if (await isCancelled(ctx.redis, run)) return (await finishChunk(ctx.redis, def, spec.index, outcome('cancelled'))).counted.state;

  // A chunk taken over from a dead worker is past its window: it keeps its
  // requests' spacing from now on, rather than firing them all at once. Its
  // requests are still timed against the run's schedule (openChunk): they
  // did not start on time, and the report counts them late.
  let anchorUs = def.startAtUs;
  if (job.attemptsStarted > 1 && nowUs() > def.startAtUs + spec.startUs + 1_000_000) {
    anchorUs = nowUs() - spec.startUs;
    await countRetriedChunk(ctx.redis, run);
  }

  const abort = new AbortController();
  const started = markRunningWhenDue(ctx, run, anchorUs + spec.startUs);
  const poll = setInterval(() => {
    isCancelled(ctx.redis, run).then(
      (yes) => yes && abort.abort(),
      () => undefined,
    );
  }, ctx.cancelPollMs);
  const recorder = new ChunkRecorder(ctx.redis, def, spec.index, ctx.log);
  recorder.start();
  // a closed-model lane: one connection per user (two at the baseline, which gets each request
  // twice at once), kept from window to window (TargetPools); a baseline sharing the target's
  // address (told apart by Host) has connections of its own
  const users = spec.vus ?? Infinity;
  const scope = spec.vus !== undefined ? `${run} ${spec.lane} ` : '';
  const target = ctx.pools.acquire(new URL(def.target).origin, Math.min(def.connections, users), `${scope}target`);
  const baseline = def.baseline ? ctx.pools.acquire(new URL(def.baseline).origin, Math.min(def.connections, 2 * users), `${scope}baseline`) : undefined;
  const inFlight = new InFlight(abort.signal);
  ctx.diffs.open(attempt, def.mode, def.rules);
  const send: SendContext = { def, anonymise: ctx.anonymise, target: { name: 'target', url: new URL(def.target), dispatcher: target.pool }, recorder, inFlight, chunk: spec.index, attempt, diffs: ctx.diffs };
  if (baseline && def.baseline) send.baseline = { name: 'baseline', url: new URL(def.baseline), dispatcher: baseline.pool };
  try {
    if (spec.vus !== undefined) await closedChunk(ctx, def, spec, anchorUs, records, send);
    else await openChunk(ctx, def, spec, anchorUs, records, send);
  } finally {
    clearTimeout(started);
    clearInterval(poll);
    inFlight.close();
    await recorder.stop();
    target.release();
    baseline?.release();
    // skipped and small answers were counted on this thread, large ones on the diff thread
    recorder.stats.merge(await ctx.diffs.collect(attempt));
  }
  const state = abort.signal.aborted ? 'cancelled' : 'done';
  if (recorder.dropped > 0) ctx.log.warn({ run, chunk: spec.index, dropped: recorder.dropped }, 'some results were not written to the results stream (stats count them)');
  const finished = await finishChunk(ctx.redis, def, spec.index, outcome(state), recorder.stats, recorder);
  if (finished.counted.attempt !== attempt) ctx.log.warn({ run, chunk: spec.index, counted: finished.counted.attempt }, 'another attempt of this chunk finished first: this one is not counted');
  // the chunk that completes the run learns it here: its records are of no more use to this process
  if (finished.run) ctx.runs.drop(run);
  return finished.counted.state;
}

/**
 * Marks the run running when this chunk's first request is due, or at once
 * when that has passed (the chunk was taken late): the run's `startedAt` is
 * when its shared clock started, not when a worker took its first chunk up
 * to PARITY_REPLAY_START_DELAY_MS ahead to load records and warm up.
 */
function markRunningWhenDue(ctx: ReplayWorkerContext, run: string, dueUs: number): NodeJS.Timeout {
  const atMs = Math.max(dueUs, nowUs()) / 1000;
  return setTimeout(() => {
    markRunning(ctx.redis, run, atMs).catch((err: unknown) => ctx.log.warn({ run, err: (err as Error).message }, 'marking the run running failed'));
  }, atMs - Date.now());
}

/** Capture times of the selection as far as this chunk knows them: first, last and its own records. */
function chunkTimes(def: ReplayRunDef, loaded: Map<number, CaptureRecord>): RecordTimes {
  const n = def.selection.count;
  return { length: n, at: (k) => (k === 0 ? def.selection.firstTs : k === n - 1 ? def.selection.lastTs : (loaded.get(k)?.ts ?? def.selection.firstTs)) };
}

async function openChunk(ctx: ReplayWorkerContext, def: ReplayRunDef, spec: ChunkSpec, anchorUs: number, records: RecordSource, send: SendContext): Promise<void> {
  if (def.profile.kind === 'constant-concurrency') return;
  const loaded = new Map<number, CaptureRecord>();
  const schedule = arrivalSchedule(def.profile, chunkTimes(def, loaded));
  const indices = [...chunkArrivals(spec, def.lanes)];
  // paced to end a second before the window opens, leaving time for the warm-up
  const loadedBy = anchorUs + spec.startUs - 1_000_000;
  for (const [k, r] of await records.get(indices.map((i) => schedule.recordIndex(i)), loadedBy)) loaded.set(k, r);
  const arrivals = indices.map((i) => ({ i, dueUs: anchorUs + schedule.offsetUs(i) }));
  if (arrivals[0]) await warmUpOnce(ctx, def, [...loaded.values()], arrivals[0].dueUs);
  // fired at their (possibly re-anchored) due times, timed against the run's schedule
  // an arrival past the selection's length sends a record again (constant-rate, soak, spike cycle the selection)
  const n = def.selection.count;
  await openLoop(arrivals, send.inFlight.signal, (a) => replayOne(send, a.i, loaded.get(schedule.recordIndex(a.i)), def.startAtUs + schedule.offsetUs(a.i), undefined, a.i >= n));
}

/**
 * Waits until the same lane's chunk of the previous window has recorded its
 * outcome, so that its users' last requests are answered before this chunk's
 * users start and the run never has more than N requests in flight. A
 * predecessor that does not finish in time (its worker died) is not waited
 * for past its window's end plus one request timeout.
 */
async function afterPredecessor(ctx: ReplayWorkerContext, def: ReplayRunDef, spec: ChunkSpec, anchorUs: number, signal: AbortSignal): Promise<void> {
  if (def.profile.kind !== 'constant-concurrency') return;
  const lanes = Math.max(1, Math.min(def.lanes, def.profile.vus));
  const previous = spec.index - lanes;
  if (previous < 0) return;
  const deadline = anchorUs + spec.startUs + def.timeoutMs * 1000 + 1_000_000;
  while (!signal.aborted && nowUs() < deadline) {
    if (await ctx.redis.hexists(keys.runChunks(def.id), String(previous))) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function closedChunk(ctx: ReplayWorkerContext, def: ReplayRunDef, spec: ChunkSpec, anchorUs: number, records: RecordSource, send: SendContext): Promise<void> {
  await sleepUntil(anchorUs + spec.startUs, send.inFlight.signal);
  await afterPredecessor(ctx, def, spec, anchorUs, send.inFlight.signal);
  let seq = 0;
  const claim = selectionWalk(ctx.redis, def, records, (record) => skipUnsendable(send, seq++, record, nowUs()));
  await closedLoop(spec.vus ?? 1, anchorUs + spec.endUs, send.inFlight.signal, claim, (c) => replayOne(send, seq++, c.record, nowUs(), undefined, c.repeat));
}
