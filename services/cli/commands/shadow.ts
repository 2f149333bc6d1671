import type { Command } from 'commander';
import { loadRulesFile } from '../../../shared/config/rules.js';
import { diffRulesFrom } from '../../../shared/diff/index.js';
import { parityError } from '../../../shared/errors.js';
import { REPORT_FORMATS, type ReportFormat } from '../../../shared/report/index.js';
import { readShadowWindow } from '../../../shared/shadow/stats.js';
import { shadowReport, statusFromReport } from '../../../shared/shadow/status.js';
import { renderStatusText } from '../../../shared/shadow/status-text.js';
import { parseWindow } from '../../../shared/shadow/window.js';
import { printJson, settingOptions, withContext } from '../context.js';
import { emitReport, shadowWindowReport } from './report.js';

/**
 * `parity shadow status [--json] [--since 15m]`: the live per-route view of
 * shadow mode, worst routes first. `parity shadow report [--since 1h]
 * --format text|json|junit|html [--out FILE] [--report DIR]`: the same
 * report a replay run gets, over a window of shadow traffic; exit 1 when
 * the gate's thresholds are exceeded.
 */
export function registerShadow(program: Command): Command {
  const shadow = program.command('shadow').description('Watch shadow mode: live per-route diff statistics and reports over a window');

  shadow
    .command('status')
    .description('Per-route shadow statistics over a recent window, worst routes first')
    .option('--since <when>', 'window start: a duration back from now (30s, 15m, 2h, 1d) or an ISO date', '15m')
    .option('--json', 'print JSON')
    .action(async function (this: Command, opts: { since: string; json?: boolean }) {
      await withContext(this, { logName: 'shadow' }, async (ctx) => {
        const window = parseWindow(opts.since);
        const rules = loadRulesFile(ctx.loaded.config.rulesFile);
        const data = await readShadowWindow(await ctx.redis(), window);
        const status = statusFromReport(window, shadowReport(window, data, { noise: diffRulesFrom(rules, ctx.loaded.config.rulesFile).noise }), data);
        if (opts.json) return printJson(status);
        process.stdout.write(renderStatusText(status));
      });
    });

  const report = shadow
    .command('report')
    .description('A report over a window of shadow traffic, in the formats of replay reports; exit 1 when the gate fails')
    .option('--since <when>', 'window start: a duration back from now (30s, 15m, 2h, 1d) or an ISO date', '1h')
    .option('--format <format>', `one of ${REPORT_FORMATS.join(', ')}`, 'text')
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--report <dir>', 'write every format into a directory');
  settingOptions(report, ['maxDiffRate', 'maxErrorRate', 'maxP99Regression']);
  report.action(async function (this: Command, opts: { since: string; format: string; out?: string; report?: string }) {
    if (!REPORT_FORMATS.includes(opts.format as ReportFormat)) {
      throw parityError('PARITY_ERR_USAGE', `--format "${opts.format}" is not one of ${REPORT_FORMATS.join(', ')}`);
    }
    const window = parseWindow(opts.since);
    await withContext(this, { logName: 'shadow' }, async (ctx) => {
      const built = await shadowWindowReport(await ctx.redis(), ctx.loaded.config, window);
      emitReport(built, { ...opts, format: opts.format as ReportFormat });
      if (built.verdict === 'fail') process.exitCode = 1;
    });
  });

  return shadow;
}
