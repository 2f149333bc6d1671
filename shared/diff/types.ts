import type { HeaderPair } from '../record/schema.js';
import type { DiffRules } from './rules.js';

/**
 * - `status`: status codes only.
 * - `shape`: status, the JSON structure (keys, types, null vs value, array
 *   element shapes), content type and removed headers. The default when the
 *   reference is a recorded production answer.
 * - `exact`: values too, every header not ignored, text and binary bodies.
 */
export type DiffMode = 'status' | 'shape' | 'exact';

/** One HTTP answer as seen by the replayer or shadow worker (or rebuilt from a captured record's response). */
export interface Answer {
  status: number;
  headers: HeaderPair[];
  body: Buffer;
  /** Total latency, µs. */
  latencyUs: number;
  /** Set when no answer came; status, headers and body are then meaningless. */
  error?: 'refused' | 'reset' | 'timeout' | 'other';
  /** True when `body` is only a prefix of the real body (capture limit): the body is then not compared. */
  truncated?: boolean;
}

/** One request's answers to compare. */
export interface ExchangeInput {
  method: string;
  /** Path and query. */
  url: string;
  /** Recorded production answer, or baseline #1 when running with a baseline. */
  reference: Answer;
  target: Answer;
  /** Further baseline answers to the same request; their differences with `reference` are noise. */
  baselines?: Answer[];
  mode: DiffMode;
  rules: DiffRules;
  /** Capture record id, kept with examples. */
  recordId?: string;
  /** `routeTemplate(method, url)` when the caller has it already (a replay computes it once per record). */
  route?: string;
  /**
   * The reference is a recorded answer this run compared before (a profile that cycles the selection): its latency
   * is not counted again, so the latency gate's sample counts are production's samples, not copies of them.
   */
  referenceRepeated?: boolean;
}

/**
 * Kinds of difference:
 * `new-5xx` (target 5xx where the reference was not), `status`, `content-type`,
 * `type` (JSON type changed, or JSON no longer parses), `null` (null vs value),
 * `missing` (in the reference, not in the target), `added`, `value`,
 * `header-removed`, `header-added`, `header-value`, `body` (text or binary body differs).
 */
export type DiffKind =
  | 'new-5xx'
  | 'status'
  | 'content-type'
  | 'type'
  | 'null'
  | 'missing'
  | 'added'
  | 'value'
  | 'header-removed'
  | 'header-added'
  | 'header-value'
  | 'body';

export const DIFF_KINDS: readonly DiffKind[] = ['new-5xx', 'status', 'content-type', 'type', 'null', 'missing', 'added', 'value', 'header-removed', 'header-added', 'header-value', 'body'];

/** One difference between two answers. */
export interface FieldDifference {
  /** Where, concretely: `$.items[3].price`, `$.users[id=7].name`, `status`, `headers.cache-control`, `body`. */
  path: string;
  /** The path differences are counted under: array positions as `[*]`. */
  field: string;
  kind: DiffKind;
  /** Short JSON text of the reference's value (absent when missing). */
  reference?: string;
  /** Short JSON text of the target's value (absent when missing). */
  target?: string;
  /** Declared as intentionally changed by an `expected` rule. */
  expected?: true;
  /** For `body`: a bounded line diff (`-` reference, `+` target, `@@` position). */
  lines?: string[];
}

/** What comparing one exchange found. */
export interface ExchangeResult {
  route: string;
  /** Differences between reference and target, after ignore rules. */
  differences: FieldDifference[];
  /** Differences among the baseline answers (reference vs each of `baselines`): the noise seen on this request. */
  noise: FieldDifference[];
  /** True when this request had baseline answers to measure noise with. */
  noiseSampled: boolean;
  statusChanged: boolean;
  new5xx: boolean;
  /** Set when the target gave no answer. */
  targetError?: Answer['error'];
  /**
   * Set when not everything was compared: the reference has no answer, a body
   * was truncated (then only status and headers were), or comparing threw
   * (then only the status was: see compareExchange).
   */
  skipped?: 'reference-error' | 'body-truncated' | 'compare-failed';
  /** More differences were found than kept (100 per exchange). */
  clipped?: number;
}
