import type { RunStatsJson } from '../../shared/diff/stats.js';
import type { DiffRules } from '../../shared/diff/rules.js';
import type { DiffMode, ExchangeInput } from '../../shared/diff/types.js';
import type { HeaderPair } from '../../shared/record/schema.js';

/**
 * Messages between a replay worker's firing loop and its diff thread. The
 * loop only sends, times and records; the thread parses, compares and
 * counts, so a large JSON body never stalls the schedule of other requests.
 */
export type ToDiffThread =
  /** A chunk attempt starts: its rules are compiled once, its stats kept apart. */
  | { type: 'open'; chunk: string; mode: DiffMode; rules: DiffRules }
  /**
   * One exchange to compare and count. `input.rules` is omitted: the chunk's are used. With `keep`,
   * the reply carries the target's answer as anonymised, its body cut to `keep` bytes after (never
   * before) anonymising: a value the cut went through would be too short for the detectors.
   */
  | { type: 'diff'; id: number; chunk: string; input: Omit<ExchangeInput, 'rules' | 'mode'>; lateUs?: number; referenceIsAnswer?: boolean; keep?: number }
  /** The chunk attempt ended: send back its stats and forget it. */
  | { type: 'collect'; id: number; chunk: string };

export type FromDiffThread =
  | { type: 'diffed'; id: number; differences: number; kept?: KeptAnswer }
  | { type: 'collected'; id: number; stats: RunStatsJson | null }
  | { type: 'failed'; id: number; error: string };

/** What the results stream keeps of an anonymised answer: its headers and the first bytes of its body. */
export interface KeptAnswer {
  headers: HeaderPair[];
  body: Uint8Array;
  truncated: boolean;
}
