import type { Redis } from 'ioredis';
import { buildReport } from '../report/build.js';
import type { GateThresholds } from '../report/gate.js';
import type { Report } from '../report/types.js';
import type { ReplayRunDef, RunStatus } from './run.js';
import { loadRunDef, mergedStats, runStatus } from './store.js';

/**
 * The report of a run from the merged statistics of its chunks, gated with
 * the thresholds the run was created with (or `gate` when given).
 */
export async function runReport(redis: Redis, id: string, gate?: GateThresholds): Promise<{ def: ReplayRunDef; status: RunStatus; report: Report }> {
  const def = await loadRunDef(redis, id);
  const [status, stats] = await Promise.all([runStatus(redis, id), mergedStats(redis, id)]);
  const meta = {
    run: id,
    session: def.session,
    target: def.target,
    reference: def.baseline ?? `recorded answers of session ${def.session}`,
    mode: def.mode,
    ...(status.startedAt !== undefined ? { startedAt: status.startedAt } : {}),
    ...(status.finishedAt !== undefined ? { endedAt: status.finishedAt } : {}),
    state: status.state,
  };
  const report = buildReport(meta, stats, gate ?? def.gate, { noise: def.rules.noise });
  failIfNotDone(report, status);
  failIfNothingSent(report);
  return { def, status, report };
}

/**
 * A run that has not ended, or did not end done, tested only part of its
 * selection: its gate fails (`parity report` on a running or cancelled run
 * printed PASS and exited 0, so a CI job that reported without `--wait`
 * passed on half a run).
 */
function failIfNotDone(report: Report, status: RunStatus): void {
  if (status.state === 'done') return;
  const { done, total } = status.chunks;
  const sent = status.progress.sent;
  const message =
    status.state === 'cancelled'
      ? `the run was cancelled after ${sent} requests (${done} of ${total} chunks done): a cancelled run does not pass`
      : status.state === 'failed'
        ? `the run failed (${status.error ?? 'a chunk failed every attempt'}): a failed run does not pass`
        : `the run is still ${status.state} (${done} of ${total} chunks done, ${sent} requests sent): report it once it has ended (\`parity runs show ${status.id}\`, or \`parity replay … --wait\`)`;
  report.gate.reasons.push({ rule: 'run-not-done', value: done, threshold: total, message });
  report.verdict = 'fail';
}

/** Skips of requests that were never sent: the record was gone, or its request body not captured whole. */
const UNSENT_SKIPS = ['record-missing', 'request-body-not-captured'];

/**
 * A run none of whose requests reached the target tested nothing: its gate
 * fails rather than pass on zero comparisons (a session trimmed under a
 * running replay, or uploads captured only in part, passed CI with exit 0).
 */
function failIfNothingSent(report: Report): void {
  const t = report.totals;
  const unsent = UNSENT_SKIPS.reduce((n, k) => n + (t.skipped[k] ?? 0), 0);
  if (t.requests - unsent > 0) return;
  const why = UNSENT_SKIPS.filter((k) => t.skipped[k]).map((k) => `${k} ×${t.skipped[k]}`).join(', ');
  const message = t.requests === 0 ? 'no request reached the target: the run sent none' : `no request reached the target: all ${t.requests} were skipped (${why})`;
  report.gate.reasons.push({ rule: 'nothing-sent', value: 0, threshold: 1, message });
  report.verdict = 'fail';
}

/** True when the target answered nothing at all because every connection was refused. */
export function targetNeverAnswered(report: Report): boolean {
  const t = report.totals;
  if (t.requests === 0 || t.errors < t.requests) return false;
  return report.routes.every((r) => Object.keys(r.errorKinds).every((k) => k === 'refused'));
}
