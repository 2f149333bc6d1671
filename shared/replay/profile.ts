import { z } from 'zod';
import { parityError } from '../errors.js';

/**
 * Concurrency profiles (SPEC "Concurrency profiles", k6's executor
 * vocabulary). Durations are kept in milliseconds, rates in requests per
 * second. Open-model profiles fire on a schedule whatever the target does;
 * constant-concurrency is the one closed model.
 */
export const PROFILE_KINDS = ['as-recorded', 'constant-rate', 'ramping-rate', 'constant-concurrency', 'spike', 'soak'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

/** One ramping stage: reach `target` req/s linearly over `durationMs`. */
export interface RampStage {
  durationMs: number;
  target: number;
}

export type ReplayProfile =
  /** Original inter-arrival times divided by `speed` (2 = twice as fast). */
  | { kind: 'as-recorded'; speed: number }
  /** `rate` arrivals per second for `durationMs` (default: one pass over the selection). */
  | { kind: 'constant-rate'; rate: number; durationMs?: number }
  /** Rate ramps linearly from `startRate` through each stage's target. */
  | { kind: 'ramping-rate'; startRate: number; stages: RampStage[] }
  /** `vus` virtual users back to back for `durationMs` (closed model). */
  | { kind: 'constant-concurrency'; vus: number; durationMs: number }
  /** `rate`, with `spikeRate` from `spikeAtMs` for `spikeForMs`. */
  | { kind: 'spike'; rate: number; spikeRate: number; spikeAtMs: number; spikeForMs: number; durationMs: number }
  /** The recorded arrival pattern looped for `durationMs`, scaled to `rate` on average (as recorded when absent). */
  | { kind: 'soak'; rate?: number; durationMs: number };

export type OpenProfile = Exclude<ReplayProfile, { kind: 'constant-concurrency' }>;

const positive = z.number().positive().finite();
const nonNegative = z.number().min(0).finite();

/** Validates a profile read back from a run definition. */
export const replayProfileSchema: z.ZodType<ReplayProfile> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('as-recorded'), speed: positive }),
  z.object({ kind: z.literal('constant-rate'), rate: positive, durationMs: positive.optional() }),
  z.object({ kind: z.literal('ramping-rate'), startRate: nonNegative, stages: z.array(z.object({ durationMs: positive, target: nonNegative })).min(1) }),
  z.object({ kind: z.literal('constant-concurrency'), vus: z.number().int().min(1).max(10_000), durationMs: positive }),
  z.object({ kind: z.literal('spike'), rate: nonNegative, spikeRate: positive, spikeAtMs: nonNegative, spikeForMs: positive, durationMs: positive }),
  z.object({ kind: z.literal('soak'), rate: positive.optional(), durationMs: positive }),
]);

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `10s`, `2m`, `1.5h` or a bare number of seconds, in milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2] ?? 's']!;
  return Number.isFinite(ms) ? ms : undefined;
}

/** `10s:50,30s:200,10s:0` → stages; throws a message naming the bad stage. */
export function parseStages(text: string): RampStage[] {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('expected stages like 10s:50,30s:200,10s:0');
  return parts.map((p) => {
    const [d, t, extra] = p.split(':');
    const durationMs = d === undefined ? undefined : parseDuration(d);
    const target = t === undefined || t.trim() === '' ? NaN : Number(t);
    if (extra !== undefined || !durationMs || !Number.isFinite(target) || target < 0) {
      throw new Error(`stage "${p}" is not DURATION:RATE (e.g. 30s:200)`);
    }
    return { durationMs, target };
  });
}

/** The profile flags of `parity replay`, as commander hands them over (strings). */
export interface ProfileFlags {
  profile?: string;
  speed?: string;
  rate?: string;
  duration?: string;
  stages?: string;
  startRate?: string;
  concurrency?: string;
  spikeRate?: string;
  spikeAt?: string;
  spikeFor?: string;
}

const KNOBS: Record<ProfileKind, (keyof ProfileFlags)[]> = {
  'as-recorded': ['speed'],
  'constant-rate': ['rate', 'duration'],
  'ramping-rate': ['stages', 'startRate'],
  'constant-concurrency': ['concurrency', 'duration'],
  spike: ['rate', 'spikeRate', 'spikeAt', 'spikeFor', 'duration'],
  soak: ['rate', 'duration'],
};

const FLAG: Record<keyof ProfileFlags, string> = {
  profile: '--profile',
  speed: '--speed',
  rate: '--rate',
  duration: '--duration',
  stages: '--stages',
  startRate: '--start-rate',
  concurrency: '--concurrency',
  spikeRate: '--spike-rate',
  spikeAt: '--spike-at',
  spikeFor: '--spike-for',
};

/**
 * The flags that size a run of this profile, for hints: its own knobs, and
 * the selection's when the run is one pass over it (a hint that named
 * --rate for a ramping-rate or a closed-model run named a flag it refuses).
 */
export function sizingFlags(p: ReplayProfile): string[] {
  const flags = KNOBS[p.kind].map((k) => FLAG[k]);
  const onePass = p.kind === 'as-recorded' || (p.kind === 'constant-rate' && p.durationMs === undefined);
  return onePass ? [...flags, '--from/--to', '--limit'] : flags;
}

/** The profile a set of flags implies when --profile is not given. */
function impliedKind(f: ProfileFlags): ProfileKind {
  if (f.spikeRate !== undefined) return 'spike';
  if (f.stages !== undefined) return 'ramping-rate';
  if (f.concurrency !== undefined) return 'constant-concurrency';
  if (f.rate !== undefined) return 'constant-rate';
  return 'as-recorded';
}

/**
 * Turns `parity replay`'s profile flags into a profile. Every problem is
 * listed at once in one PARITY_ERR_USAGE (exit 2), naming the flag.
 */
export function profileFromFlags(f: ProfileFlags): ReplayProfile {
  const problems: string[] = [];
  let kind: ProfileKind;
  if (f.profile === undefined) kind = impliedKind(f);
  else if ((PROFILE_KINDS as readonly string[]).includes(f.profile)) kind = f.profile as ProfileKind;
  else {
    throw parityError('PARITY_ERR_USAGE', `--profile "${f.profile}" is not one of ${PROFILE_KINDS.join(', ')}`);
  }
  for (const key of Object.keys(FLAG) as (keyof ProfileFlags)[]) {
    if (key !== 'profile' && f[key] !== undefined && !KNOBS[kind].includes(key)) {
      problems.push(`${FLAG[key]} does not apply to the ${kind} profile (its knobs: ${KNOBS[kind].map((k) => FLAG[k]).join(', ')})`);
    }
  }
  const number = (key: keyof ProfileFlags, opts: { required?: boolean; min?: number; max?: number; int?: boolean } = {}): number | undefined => {
    const raw = f[key];
    if (raw === undefined) {
      if (opts.required) problems.push(`the ${kind} profile needs ${FLAG[key]}`);
      return undefined;
    }
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < (opts.min ?? 0) || n > (opts.max ?? Infinity) || (opts.int && !Number.isInteger(n)) || (opts.min === undefined && n <= 0)) {
      const range = `${opts.min === undefined ? '> 0' : `>= ${opts.min}`}${opts.max === undefined ? '' : ` and <= ${opts.max}`}`;
      problems.push(`${FLAG[key]} expects a ${opts.int ? 'whole ' : ''}number ${range}, got "${raw}"`);
      return undefined;
    }
    return n;
  };
  const duration = (key: keyof ProfileFlags, required: boolean): number | undefined => {
    const raw = f[key];
    if (raw === undefined) {
      if (required) problems.push(`the ${kind} profile needs ${FLAG[key]} (e.g. 30s, 5m)`);
      return undefined;
    }
    const ms = parseDuration(raw);
    if (ms === undefined || (ms <= 0 && key !== 'spikeAt')) {
      problems.push(`${FLAG[key]} expects a duration like 500ms, 30s, 5m or 1h, got "${raw}"`);
      return undefined;
    }
    return ms;
  };

  let profile: ReplayProfile | undefined;
  switch (kind) {
    case 'as-recorded': {
      const speed = number('speed') ?? 1;
      profile = { kind, speed };
      break;
    }
    case 'constant-rate': {
      const rate = number('rate', { required: true });
      const durationMs = duration('duration', false);
      if (rate !== undefined) profile = durationMs === undefined ? { kind, rate } : { kind, rate, durationMs };
      break;
    }
    case 'ramping-rate': {
      const startRate = number('startRate', { min: 0 }) ?? 0;
      let stages: RampStage[] | undefined;
      if (f.stages === undefined) problems.push('the ramping-rate profile needs --stages (e.g. 10s:50,30s:200,10s:0)');
      else {
        try {
          stages = parseStages(f.stages);
        } catch (err) {
          problems.push(`--stages: ${(err as Error).message}`);
        }
      }
      if (stages) profile = { kind, startRate, stages };
      break;
    }
    case 'constant-concurrency': {
      const vus = number('concurrency', { required: true, min: 1, max: 10_000, int: true });
      const durationMs = duration('duration', true);
      if (vus !== undefined && durationMs !== undefined) profile = { kind, vus, durationMs };
      break;
    }
    case 'spike': {
      const rate = number('rate', { required: true, min: 0 });
      const spikeRate = number('spikeRate', { required: true });
      const spikeAtMs = duration('spikeAt', true);
      const spikeForMs = duration('spikeFor', true);
      const durationMs = duration('duration', true);
      if (rate !== undefined && spikeRate !== undefined && spikeAtMs !== undefined && spikeForMs !== undefined && durationMs !== undefined) {
        if (spikeAtMs + spikeForMs > durationMs) problems.push(`the spike (--spike-at ${f.spikeAt} + --spike-for ${f.spikeFor}) must end within --duration ${f.duration}`);
        else profile = { kind, rate, spikeRate, spikeAtMs, spikeForMs, durationMs };
      }
      break;
    }
    case 'soak': {
      const rate = number('rate');
      const durationMs = duration('duration', true);
      if (durationMs !== undefined) profile = rate === undefined ? { kind, durationMs } : { kind, rate, durationMs };
      break;
    }
  }
  if (problems.length > 0 || !profile) {
    throw parityError('PARITY_ERR_USAGE', `invalid replay profile:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      hint: 'Run `parity replay --help`; profiles and their knobs are listed in README ("Replay").',
    });
  }
  return profile;
}

/** A one-line description, e.g. `constant-rate 200/s for 30s`. */
export function describeProfile(p: ReplayProfile): string {
  const d = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
  switch (p.kind) {
    case 'as-recorded':
      return `as-recorded at ${p.speed}x`;
    case 'constant-rate':
      return `constant-rate ${p.rate}/s${p.durationMs ? ` for ${d(p.durationMs)}` : ' for one pass'}`;
    case 'ramping-rate':
      return `ramping-rate from ${p.startRate}/s: ${p.stages.map((s) => `${d(s.durationMs)}:${s.target}`).join(',')}`;
    case 'constant-concurrency':
      return `constant-concurrency ${p.vus} for ${d(p.durationMs)}`;
    case 'spike':
      return `spike ${p.rate}/s, ${p.spikeRate}/s at ${d(p.spikeAtMs)} for ${d(p.spikeForMs)}, ${d(p.durationMs)} in all`;
    case 'soak':
      return `soak ${p.rate ? `${p.rate}/s` : 'as recorded'} for ${d(p.durationMs)}`;
  }
}
