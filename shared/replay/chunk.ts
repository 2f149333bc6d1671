import { parityError } from '../errors.js';
import type { ArrivalSchedule } from './schedule.js';

/**
 * How a run is split into BullMQ jobs. Time is cut into windows; each window
 * is split into `lanes` interleaved stripes (lane L takes the window's
 * arrivals i with i mod lanes = L), so that at any moment `lanes` chunks are
 * firing and a run scales out over as many workers. A chunk is one
 * (window, lane): jobs carry chunks, never single requests (a no-op BullMQ
 * worker caps near 11–15k jobs/s).
 */
export interface ChunkSpec {
  /** 0-based, unique in the run; part of the BullMQ job id. */
  index: number;
  lane: number;
  /** Open model: arrivals [from, to) of the schedule, taking i ≡ lane (mod lanes). */
  from: number;
  to: number;
  /** µs from the run's start at which the chunk's first request fires. */
  startUs: number;
  /** µs from the run's start at which the chunk's last request fires (closed model: stops). */
  endUs: number;
  /** Closed model: virtual users this chunk runs. */
  vus?: number;
}

export interface ChunkPlanOptions {
  /** Length of a window of schedule time (µs). */
  windowUs: number;
  /** Interleaved stripes per window. */
  lanes: number;
  /** Most arrivals in one chunk; a busy window is cut short past lanes × this. */
  maxPerChunk: number;
  /** Most chunks (BullMQ jobs) a run may have. Default MAX_RUN_CHUNKS. */
  maxChunks?: number;
  /** Flags that size the run, named when it has too many chunks (sizingFlags). Default --duration, --rate. */
  sizing?: readonly string[];
}

/**
 * Most chunks of one run: a 24 h soak at 10,000 req/s is ~430,000. Past it,
 * a typo (`--duration 10000h`) planned chunks until the CLI ran out of heap
 * and died with V8's stack, or queued millions of jobs into Redis.
 */
export const MAX_RUN_CHUNKS = 500_000;

function tooManyChunks(max: number, sizing: readonly string[] = ['--duration', '--rate']): Error {
  return parityError('PARITY_ERR_USAGE', `the run would be cut into more than ${max} chunks (BullMQ jobs, one per window and lane): plan a smaller run with ${[...sizing, '--lanes'].join(', ')}`);
}

/** Chunks of an open-model schedule; chunks with no arrival are left out. */
export function planOpenChunks(schedule: ArrivalSchedule, opts: ChunkPlanOptions): ChunkSpec[] {
  const chunks: ChunkSpec[] = [];
  const lanes = Math.max(1, Math.floor(opts.lanes));
  const cap = Math.max(1, opts.maxPerChunk) * lanes;
  const maxChunks = opts.maxChunks ?? MAX_RUN_CHUNKS;
  // each chunk holds at most maxPerChunk arrivals: refused before a single window is planned
  if (schedule.count > maxChunks * Math.max(1, opts.maxPerChunk)) throw tooManyChunks(maxChunks, opts.sizing);
  let from = 0;
  while (from < schedule.count) {
    if (chunks.length > maxChunks) throw tooManyChunks(maxChunks, opts.sizing);
    const windowStart = schedule.offsetUs(from);
    let to = from + 1;
    while (to < schedule.count && to - from < cap && schedule.offsetUs(to) < windowStart + opts.windowUs) to++;
    for (let lane = 0; lane < lanes; lane++) {
      const first = firstInLane(from, lane, lanes);
      if (first >= to) continue;
      const last = to - 1 - ((((to - 1 - lane) % lanes) + lanes) % lanes);
      chunks.push({ index: chunks.length, lane, from, to, startUs: schedule.offsetUs(first), endUs: schedule.offsetUs(last) });
    }
    from = to;
  }
  if (chunks.length > maxChunks) throw tooManyChunks(maxChunks, opts.sizing);
  return chunks;
}

/** First arrival ≥ from with i ≡ lane (mod lanes). */
export function firstInLane(from: number, lane: number, lanes: number): number {
  return from + ((((lane - from) % lanes) + lanes) % lanes);
}

/** The arrivals of a chunk, in order. */
export function* chunkArrivals(chunk: ChunkSpec, lanes: number): Generator<number> {
  for (let i = firstInLane(chunk.from, chunk.lane, lanes); i < chunk.to; i += lanes) yield i;
}

/** Number of arrivals in a chunk. */
export function chunkSize(chunk: ChunkSpec, lanes: number): number {
  const first = firstInLane(chunk.from, chunk.lane, lanes);
  return first >= chunk.to ? 0 : Math.floor((chunk.to - 1 - first) / lanes) + 1;
}

/**
 * Chunks of a closed-model run: `vus` virtual users for `durationUs`, cut
 * into windows; each window's users are spread over the lanes.
 */
export function planClosedChunks(vus: number, durationUs: number, opts: Omit<ChunkPlanOptions, 'maxPerChunk'>): ChunkSpec[] {
  const chunks: ChunkSpec[] = [];
  const lanes = Math.max(1, Math.min(Math.floor(opts.lanes), vus));
  const maxChunks = opts.maxChunks ?? MAX_RUN_CHUNKS;
  if (Math.ceil(durationUs / opts.windowUs) * lanes > maxChunks) throw tooManyChunks(maxChunks, opts.sizing);
  for (let start = 0; start < durationUs; start += opts.windowUs) {
    const end = Math.min(durationUs, start + opts.windowUs);
    for (let lane = 0; lane < lanes; lane++) {
      const share = Math.floor(vus / lanes) + (lane < vus % lanes ? 1 : 0);
      chunks.push({ index: chunks.length, lane, from: 0, to: 0, startUs: start, endUs: end, vus: share });
    }
  }
  return chunks;
}
