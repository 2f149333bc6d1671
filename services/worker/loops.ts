import { nowUs } from '../../shared/record/convert.js';

/**
 * The two ways a chunk fires requests. Open model: each arrival fires at its
 * scheduled time whether or not earlier requests have answered, so a slow
 * target never slows the arrivals (late starts are measured, not hidden).
 * Closed model: virtual users each send the next request as soon as their
 * previous one is answered.
 */

/** One scheduled request of an open-model chunk. */
export interface Arrival {
  /** Arrival index in the run's schedule. */
  i: number;
  /** µs since the epoch it is due. */
  dueUs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves at `atUs` (µs since the epoch) or when `signal` aborts. */
export async function sleepUntil(atUs: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const left = (atUs - nowUs()) / 1000;
    if (left <= 0) return;
    await sleep(Math.min(left, 250));
  }
}

/**
 * Fires each arrival at its due time. Timers wake at most ~1 ms early or
 * late; within the last millisecond the loop yields with setImmediate rather
 * than sleeping, which keeps lateness well under a millisecond at the cost
 * of a brief spin. Resolves when every request fired has settled.
 *
 * A `fire` that rejects lost its request, so the attempt cannot be counted:
 * no further arrival fires, and once those in flight settle the loop
 * rejects with the first failure (the chunk is then retried whole).
 */
export function openLoop(arrivals: readonly Arrival[], signal: AbortSignal, fire: (a: Arrival) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let inFlight = 0;
    let done = false;
    let failure: Error | undefined;
    const stopped = () => signal.aborted || failure !== undefined;
    const settle = () => {
      if (done || inFlight > 0 || (next < arrivals.length && !stopped())) return;
      done = true;
      if (failure) reject(failure);
      else resolve();
    };
    const onSettled = () => {
      inFlight--;
      settle();
    };
    const onFailed = (err: unknown) => {
      failure ??= err instanceof Error ? err : new Error(String(err));
      onSettled();
    };
    const tick = () => {
      if (stopped()) return settle();
      const now = nowUs();
      while (next < arrivals.length && arrivals[next]!.dueUs <= now) {
        inFlight++;
        fire(arrivals[next++]!).then(onSettled, onFailed);
      }
      if (next >= arrivals.length) return settle();
      const waitMs = (arrivals[next]!.dueUs - now) / 1000;
      if (waitMs >= 1.5) setTimeout(tick, Math.min(Math.floor(waitMs - 0.5), 250));
      else setImmediate(tick);
    };
    signal.addEventListener('abort', () => settle(), { once: true });
    tick();
  });
}

/**
 * Runs `vus` virtual users until `endUs` (µs since the epoch): each takes the
 * next item from `claim` (a value, or a promise of one) and fires it, back to
 * back. A user stops early when `claim` has nothing more to give.
 *
 * When one user fails (its claim or fire rejects), the others stop after
 * their current request and the loop rejects only once all have settled:
 * otherwise they kept sending until the window ended, beside the retry of
 * the chunk and after the attempt had released its pool and recorder.
 */
export async function closedLoop<T>(vus: number, endUs: number, signal: AbortSignal, claim: () => T | undefined | Promise<T | undefined>, fire: (item: T) => Promise<void>): Promise<void> {
  let failure: Error | undefined;
  const stopped = () => signal.aborted || failure !== undefined;
  const user = async () => {
    try {
      while (!stopped() && nowUs() < endUs) {
        // a claim answered at once (most are: from a block read ahead) is not awaited: no turn of the microtask queue per request
        const claimed = claim();
        const item = claimed instanceof Promise ? await claimed : claimed;
        if (item === undefined || stopped()) return;
        await fire(item);
      }
    } catch (err) {
      failure ??= err instanceof Error ? err : new Error(String(err));
    }
  };
  await Promise.all(Array.from({ length: vus }, user));
  if (failure) throw failure;
}
