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
  };
  return { def, status, report: buildReport(meta, stats, gate ?? def.gate, { noise: def.rules.noise }) };
}

/** True when the target answered nothing at all because every connection was refused. */
export function targetNeverAnswered(report: Report): boolean {
  const t = report.totals;
  if (t.requests === 0 || t.errors < t.requests) return false;
  return report.routes.every((r) => Object.keys(r.errorKinds).every((k) => k === 'refused'));
}
