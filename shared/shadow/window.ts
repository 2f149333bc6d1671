import { parityError } from '../errors.js';

/**
 * Shadow statistics are kept in one-minute buckets so that a status, a
 * metric or a report can cover any window inside the retention: a window is
 * the buckets whose minute overlaps it.
 */

export const BUCKET_MS = 60_000;

/** Default window of `parity shadow status`, the /shadow page and the latency gauges. */
export const DEFAULT_WINDOW_MS = 15 * 60_000;

export interface ShadowWindow {
  /** Start, ms since the epoch (inclusive, rounded down to a bucket). */
  since: number;
  /** End, ms since the epoch. */
  until: number;
}

export const bucketStart = (ms: number) => ms - (ms % BUCKET_MS);

/** Bucket start times covering the window, oldest first. */
export function windowBuckets(w: ShadowWindow): number[] {
  const out: number[] = [];
  for (let t = bucketStart(w.since); t <= w.until; t += BUCKET_MS) out.push(t);
  return out;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: a duration back from now (`90s`, `15m`, `2h`, `1d`) or an ISO
 * date. Throws PARITY_ERR_USAGE naming what was wrong and `flag`, the option
 * it came from (`parity report` calls it --shadow-window).
 */
export function parseWindow(since: string | undefined, now = Date.now(), flag = '--since'): ShadowWindow {
  if (since === undefined || since === '') return { since: bucketStart(now - DEFAULT_WINDOW_MS), until: now };
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(since.trim());
  if (m) return { since: bucketStart(now - Number(m[1]) * UNITS[m[2]!]!), until: now };
  const t = Date.parse(since);
  if (Number.isNaN(t) || t > now) {
    throw parityError('PARITY_ERR_USAGE', `${flag} "${since.slice(0, 60)}" is neither a duration (30s, 15m, 2h, 1d) nor a past ISO date`);
  }
  return { since: bucketStart(t), until: now };
}

/** The window as ISO strings, for JSON output. */
export function windowJson(w: ShadowWindow): { since: string; until: string } {
  return { since: new Date(w.since).toISOString(), until: new Date(w.until).toISOString() };
}
