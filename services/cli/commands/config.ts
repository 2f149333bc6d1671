import type { Command } from 'commander';
import { loadConfig, printableConfig } from '../../../shared/config/load.js';
import { settingsTable } from '../../../shared/config/table.js';
import { flagValues, printJson, type GlobalOptions } from '../context.js';

/** `parity config check | schema`. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('Validate or describe the configuration');

  config
    .command('check')
    .description('Validate the effective configuration (flags, PARITY_* env, config file) and print every problem at once')
    .option('--json', 'print the effective configuration as JSON (secrets masked)')
    .action(function (this: Command, opts: { json?: boolean }) {
      const g = this.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
      const loaded = loadConfig({ flags: flagValues(g), file: g.config });
      const shown = printableConfig(loaded.config);
      if (opts.json) {
        printJson({ ok: true, file: loaded.file ?? null, config: shown, sources: loaded.sources });
        return;
      }
      process.stdout.write(`configuration is valid${loaded.file ? ` (file: ${loaded.file})` : ''}\n`);
      for (const [k, v] of Object.entries(shown)) {
        process.stdout.write(`  ${k} = ${JSON.stringify(v) ?? 'unset'}  (${loaded.sources[k as keyof typeof loaded.sources]})\n`);
      }
    });

  config
    .command('schema')
    .description('Print every setting: name, environment variable, flag, default and meaning')
    .option('--json', 'print as JSON')
    .option('--markdown', 'print as a Markdown table (README)')
    .action((opts: { json?: boolean; markdown?: boolean }) => {
      const rows = settingsTable();
      if (opts.json) return printJson(rows);
      if (opts.markdown) {
        process.stdout.write('| setting | environment | flag | default | meaning |\n|---|---|---|---|---|\n');
        for (const r of rows) process.stdout.write(`| ${r.name} | \`${r.env}\` | ${r.flag ? `\`${r.flag}\`` : ''} | ${r.default === undefined ? '' : `\`${r.default}\``} | ${r.doc} |\n`);
        return;
      }
      for (const r of rows) {
        process.stdout.write(`${r.env.padEnd(32)} ${(r.flag ?? '').padEnd(30)} ${(r.default ?? '-').padEnd(26)} ${r.doc}\n`);
      }
    });
}
