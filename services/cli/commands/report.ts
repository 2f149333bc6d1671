import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { Redis } from 'ioredis';
import { loadRulesFile } from '../../../shared/config/rules.js';
import type { Config } from '../../../shared/config/schema.js';
import { diffRulesFrom } from '../../../shared/diff/index.js';
import { errorText, parityError } from '../../../shared/errors.js';
import { gateThresholdsFrom, type GateThresholds } from '../../../shared/report/gate.js';
import type { Report } from '../../../shared/report/types.js';
import { renderReport, REPORT_FORMATS, writeReportDir, type ReportFormat } from '../../../shared/report/write.js';
import { runReport } from '../../../shared/replay/report.js';
import { loadRunDef } from '../../../shared/replay/store.js';
import { readShadowWindow } from '../../../shared/shadow/stats.js';
import { shadowReport } from '../../../shared/shadow/status.js';
import { parseWindow, type ShadowWindow } from '../../../shared/shadow/window.js';
import { settingOptions, withContext } from '../context.js';

/** Fails the command with PARITY_ERR_GATE_FAILED (exit 1) naming the gate's reasons. */
export function assertVerdict(report: Report): void {
  if (report.verdict === 'pass') return;
  const reasons = report.gate.reasons.map((r) => `  - ${r.message}`);
  const shown = reasons.slice(0, 12);
  if (reasons.length > shown.length) shown.push(`  - … and ${reasons.length - shown.length} more (see the report)`);
  const notDone = report.gate.reasons.some((r) => r.rule === 'run-not-done');
  const hint = notDone ? { hint: `Only a run that ended done can pass: wait for it (\`parity runs show ${report.run}\`), or replay again with --wait.` } : undefined;
  throw parityError('PARITY_ERR_GATE_FAILED', `run ${report.run} failed the gate:\n${shown.join('\n')}`, hint);
}

/** Writes every format into `dir` and says where on stderr. */
export function writeReports(dir: string, report: Report): void {
  const paths = writeReportDir(dir, report);
  process.stderr.write(`report written: ${Object.values(paths).join(', ')}\n`);
}

/** Prints (or writes to `out`) the report in `format`, and every format into `dir` when given. */
export function emitReport(report: Report, opts: { format: ReportFormat; out?: string; report?: string }): void {
  const text = renderReport(report, opts.format);
  if (opts.out) {
    try {
      writeFileSync(opts.out, text);
    } catch (err) {
      throw parityError('PARITY_ERR_FILE', `cannot write ${opts.out}: ${errorText(err)}`);
    }
  } else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  if (opts.report) writeReports(opts.report, report);
}

/** The report over shadow traffic in `window` (see parseWindow), gated by the config's thresholds. */
export async function shadowWindowReport(redis: Redis, config: Config, window: ShadowWindow): Promise<Report> {
  const rules = loadRulesFile(config.rulesFile);
  const data = await readShadowWindow(redis, window);
  return shadowReport(window, data, { gate: gateThresholdsFrom(config, rules, config.rulesFile), noise: diffRulesFrom(rules, config.rulesFile).noise });
}

/** `parity report RUN | --shadow-window SINCE --format text|json|junit|html [--out FILE] [--report DIR]`. */
export function registerReport(program: Command): void {
  const cmd = program
    .command('report [run]')
    .description('Build the report of a replay run (or, with --shadow-window, of a window of shadow traffic) from its merged statistics; exits 1 when the gate fails')
    .addOption(new Option('--format <format>', 'text, json, junit or html').choices(REPORT_FORMATS as string[]).default('text'))
    .option('--shadow-window <since>', 'report shadow traffic since this time instead of a run: a duration back from now (15m, 2h, 1d) or an ISO date')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--report <dir>', 'write every format into this directory');
  settingOptions(cmd, ['maxDiffRate', 'maxErrorRate', 'maxP99Regression', 'rulesFile']);
  cmd.action(async function (this: Command, id: string | undefined, opts: { format: ReportFormat; shadowWindow?: string; out?: string; report?: string }) {
    if ((id === undefined) === (opts.shadowWindow === undefined)) {
      throw parityError('PARITY_ERR_USAGE', id === undefined ? 'name a run (parity report RUN) or a shadow window (parity report --shadow-window 1h)' : `give either run ${id} or --shadow-window, not both`);
    }
    // a malformed window is a usage error, told before any Redis is needed
    const window = opts.shadowWindow === undefined ? undefined : parseWindow(opts.shadowWindow, Date.now(), '--shadow-window');
    await withContext(this, { logName: 'report' }, async (ctx) => {
      const { config, sources } = ctx.loaded;
      if (window) {
        const report = await shadowWindowReport(await ctx.redis(), config, window);
        emitReport(report, opts);
        return assertVerdict(report);
      }
      // the run keeps the thresholds it was started with; a flag given here replaces only its own
      // threshold (and --rules-file the rules file's gate section), never the others
      const flagged = (k: 'maxDiffRate' | 'maxErrorRate' | 'maxP99Regression' | 'rulesFile') => sources[k] === 'flag';
      let gate: GateThresholds | undefined;
      if (flagged('maxDiffRate') || flagged('maxErrorRate') || flagged('maxP99Regression') || flagged('rulesFile')) {
        const started = (await loadRunDef(await ctx.redis(), id!)).gate;
        const base = flagged('rulesFile') ? gateThresholdsFrom(config, loadRulesFile(config.rulesFile)) : started;
        gate = {
          ...base,
          maxDiffRate: flagged('maxDiffRate') ? config.maxDiffRate : started.maxDiffRate,
          maxErrorRate: flagged('maxErrorRate') ? config.maxErrorRate : started.maxErrorRate,
          maxP99Regression: flagged('maxP99Regression') ? config.maxP99Regression : started.maxP99Regression,
        };
      }
      const { report } = await runReport(await ctx.redis(), id!, gate);
      emitReport(report, opts);
      assertVerdict(report);
    });
  });
}
