import type { Command } from 'commander';
import { auditRecord, type AuditFinding, type AuditKind } from '../../../shared/anonymise/audit.js';
import { parityError } from '../../../shared/errors.js';
import { readRecords, sessionInfo } from '../../../shared/session/store.js';
import { printJson, withContext } from '../context.js';

/** Findings printed in the terminal summary; --json lists them all. */
const SHOWN = 50;

export interface AuditReport {
  session: string;
  records: number;
  clean: boolean;
  /** Findings per kind. */
  kinds: Partial<Record<AuditKind, number>>;
  findings: AuditFinding[];
}

/**
 * `parity audit SESSION [--json]`: re-scans every stored record with every
 * detector and exits 1 when anything still looks like raw personal data,
 * naming record and location (never the value). See shared/anonymise/audit.ts
 * for how pseudonyms are told apart.
 */
export function registerAudit(program: Command): Command {
  return program
    .command('audit <session>')
    .description('Scan a stored session for residual personal data (exit 1 when any is found)')
    .option('--json', 'print JSON')
    .action(async function (this: Command, session: string, opts: { json?: boolean }) {
      await withContext(this, { logName: 'audit' }, async (ctx) => {
        const redis = await ctx.redis();
        await sessionInfo(redis, session);
        const report: AuditReport = { session, records: 0, clean: true, kinds: {}, findings: [] };
        for await (const { record } of readRecords(redis, session)) {
          report.records++;
          for (const f of auditRecord(record)) {
            report.findings.push(f);
            report.kinds[f.kind] = (report.kinds[f.kind] ?? 0) + 1;
          }
        }
        report.clean = report.findings.length === 0;
        if (opts.json) printJson(report);
        else printSummary(report);
        if (!report.clean) {
          throw parityError('PARITY_ERR_AUDIT_FOUND_PII', `${report.findings.length} values in ${report.records} records of session "${session}" still look like raw personal data`);
        }
      });
    });
}

function printSummary(r: AuditReport): void {
  const out = process.stdout;
  if (r.clean) {
    out.write(`session ${r.session}: ${r.records} records scanned, no raw personal data found\n`);
    return;
  }
  const kinds = Object.entries(r.kinds)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  out.write(`session ${r.session}: ${r.records} records scanned, ${r.findings.length} findings (${kinds})\n`);
  for (const f of r.findings.slice(0, SHOWN)) out.write(`  ${f.record.padEnd(22)} ${f.location.padEnd(40)} ${f.kind}\n`);
  if (r.findings.length > SHOWN) out.write(`  ... and ${r.findings.length - SHOWN} more (--json lists them all)\n`);
}
