import { Option, type Command } from 'commander';
import { createRecordAnonymiser } from '../../../shared/anonymise/index.js';
import { loadRulesFile } from '../../../shared/config/rules.js';
import { parityError } from '../../../shared/errors.js';
import { EXPORT_FORMATS, exportSession, type ExportFormat } from '../../../shared/formats/export.js';
import { IMPORT_FORMATS, importFile, type ImportFormat, type ImportProgress } from '../../../shared/formats/import.js';
import { isStdin, sourceName } from '../../../shared/formats/source.js';
import type { Logger } from '../../../shared/log.js';
import { assertSessionName } from '../../../shared/session/store.js';
import { printJson, settingOptions, withContext } from '../context.js';
import { writeOutFile } from '../out-file.js';

/** `parity sessions export S` and `parity sessions import FILE` (NDJSON, HAR, GoReplay). */

function formatFromName(file: string): ImportFormat | undefined {
  const f = file.toLowerCase().replace(/\.gz$/, '');
  if (f.endsWith('.ndjson') || f.endsWith('.jsonl')) return 'ndjson';
  if (f.endsWith('.har')) return 'har';
  if (f.endsWith('.gor')) return 'gor';
  return undefined;
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

function howFar(p: ImportProgress): string {
  // a pipe's size is not known ahead
  if (p.totalBytes === undefined) return `${mib(p.bytesRead)} read`;
  const pct = p.totalBytes > 0 ? Math.min(100, (100 * p.bytesRead) / p.totalBytes).toFixed(0) : '100';
  return `${mib(p.bytesRead)} of ${mib(p.totalBytes)} (${pct}%)`;
}

/** Progress on stderr: a line rewritten in place on a terminal, a log line every few seconds otherwise. */
function progressReporter(file: string, log: Logger): { update(p: ImportProgress): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let last = Date.now();
  let shown = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < (tty ? 200 : 5000)) return;
      last = now;
      const text = `importing ${file}: ${howFar(p)}, ${p.records} records`;
      if (tty) {
        process.stderr.write(`\r${text}\x1b[K`);
        shown = true;
      } else log.info({ file, bytesRead: p.bytesRead, totalBytes: p.totalBytes, records: p.records }, text);
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

function registerImport(sessions: Command): void {
  const cmd = sessions
    .command('import <file>')
    .description('Import a NDJSON export, a HAR (browser-saved or Parity) or a GoReplay .gor/.gor.gz file into a session; `-` reads standard input')
    .addOption(new Option('--format <format>', 'file format (default: from the file name; needed for standard input)').choices([...IMPORT_FORMATS]))
    .requiredOption('--session <name>', 'session to import into (created when missing, appended to otherwise)')
    .option('--no-anonymise', 'store NDJSON records as they are: only for files made by `parity sessions export`, which are anonymised already')
    .option('--json', 'print a JSON summary');
  settingOptions(cmd, ['anonKey', 'rulesFile', 'maxBodyBytes']);
  cmd.action(async function (this: Command, file: string, opts: { format?: ImportFormat; session: string; anonymise: boolean; json?: boolean }) {
    const format = opts.format ?? (isStdin(file) ? undefined : formatFromName(file));
    if (!format && isStdin(file)) throw parityError('PARITY_ERR_USAGE', 'cannot tell the format of standard input: it has no file name', { hint: 'Pass --format ndjson, har or gor.' });
    if (!format) throw parityError('PARITY_ERR_USAGE', `cannot tell the format of ${file} from its name`, { hint: 'Pass --format ndjson, har or gor.' });
    if (!opts.anonymise && format !== 'ndjson') {
      throw parityError('PARITY_ERR_USAGE', `--no-anonymise applies to NDJSON exports of Parity only, not to ${format} files`, { hint: 'HAR and .gor files hold raw traffic: import them without --no-anonymise.' });
    }
    assertSessionName(opts.session);
    await withContext(this, { logName: 'import' }, async (ctx) => {
      const config = ctx.loaded.config;
      const anonymise = opts.anonymise ? createRecordAnonymiser({ key: config.anonKey, rules: loadRulesFile(config.rulesFile).anonymise }) : null;
      const redis = await ctx.redis();
      const progress = progressReporter(sourceName(file), ctx.log);
      let summary;
      try {
        summary = await importFile({
          file,
          format,
          session: opts.session,
          redis,
          anonymise,
          maxBodyBytes: config.maxBodyBytes,
          streamMaxLen: config.streamMaxLen,
          bodyTtlSeconds: config.retentionSeconds,
          onProgress: (p) => progress.update(p),
          onWarning: (w) => ctx.log.warn({ session: opts.session }, w),
        });
      } finally {
        progress.done();
      }
      if (opts.json) return printJson(summary);
      const extra = summary.gor ? ` (${summary.gor.requestOnly} without a response, ${summary.gor.replayedResponses} replayed responses ignored)` : '';
      process.stdout.write(`imported ${summary.records} records from ${sourceName(file)} into session ${summary.session}${extra} in ${(summary.durationMs / 1000).toFixed(1)} s\n`);
    });
  });
}

function registerExport(sessions: Command): void {
  sessions
    .command('export <session>')
    .description('Export a session as NDJSON (lossless, re-importable) or HAR 1.2 (for browser devtools and HAR viewers)')
    .addOption(new Option('--format <format>', 'output format').choices([...EXPORT_FORMATS]).default('ndjson'))
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--json', 'with --out: print a JSON summary on stdout')
    .action(async function (this: Command, session: string, opts: { format: ExportFormat; out?: string; json?: boolean }) {
      assertSessionName(session);
      if (opts.json && !opts.out) throw parityError('PARITY_ERR_USAGE', '--json needs --out: without it the export itself is written to stdout');
      await withContext(this, { logName: 'export' }, async (ctx) => {
        const redis = await ctx.redis();
        if (!opts.out) {
          // A reader that stops early (`| head`) is not an error; main.ts reports any other failure.
          process.stdout.once('error', (err: NodeJS.ErrnoException) => {
            if (err.code === 'EPIPE') process.exit(0);
          });
          const summary = await exportSession(redis, session, opts.format, process.stdout);
          ctx.log.info(summary, `exported ${summary.records} records`);
          return;
        }
        const summary = await writeOutFile(opts.out, (out) => exportSession(redis, session, opts.format, out));
        if (opts.json) printJson({ ...summary, file: opts.out });
        else process.stderr.write(`exported ${summary.records} records of session ${session} to ${opts.out} (${mib(summary.bytes)})\n`);
      });
    });
}

/** Adds `import` and `export` to the `sessions` command. */
export function registerSessionsIo(sessions: Command): void {
  registerExport(sessions);
  registerImport(sessions);
}
