import type { Command } from 'commander';
import { loadConfig, printableConfig } from '../../../shared/config/load.js';
import { loadRulesFile, RULES_SECTIONS } from '../../../shared/config/rules.js';
import type { Config } from '../../../shared/config/schema.js';
import { settingsTable } from '../../../shared/config/table.js';
import { diffRulesFrom } from '../../../shared/diff/index.js';
import { gateThresholdsFrom } from '../../../shared/report/gate.js';
import { loadShadowPolicy } from '../../../shared/shadow/rules.js';
import { checkProxyConfig } from '../../proxy/start-checks.js';
import { flagValues, printJson, settingOptions, type GlobalOptions } from '../context.js';

/** The rules file `config check` read, and the sections it holds. */
interface CheckedRules {
  file: string;
  sections: string[];
}

/**
 * Runs the checks `parity proxy` makes on the combined settings and the
 * rules file before it listens (checkProxyConfig: the same function, so
 * the same error), then validates the rules sections only workers and
 * reports read (diff, gate, and shadow's, which the proxy reads only with
 * --shadow). Undefined when no rules file is set.
 */
async function checkEffectiveConfig(config: Config): Promise<CheckedRules | undefined> {
  const file = config.rulesFile;
  const rules = loadRulesFile(file);
  await checkProxyConfig(config, rules, file);
  if (!file) return undefined;
  loadShadowPolicy(rules, file);
  diffRulesFrom(rules, file);
  gateThresholdsFrom(config, rules, file);
  return { file, sections: RULES_SECTIONS.filter((section) => section in rules) };
}

/** `parity config check | schema`. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('Validate or describe the configuration');

  const check = config
    .command('check')
    .description('Validate the effective configuration (flags, PARITY_* env, config file), printing every problem at once, with the checks `parity proxy` makes at start, and the rules file as the commands read it')
    .option('--json', 'print the effective configuration as JSON (secrets masked)');
  settingOptions(check, ['rulesFile']).action(async function (this: Command, opts: { json?: boolean }) {
    const g = this.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
    const loaded = loadConfig({ flags: flagValues(g), file: g.config });
    const rules = await checkEffectiveConfig(loaded.config);
    const shown = printableConfig(loaded.config);
    if (opts.json) {
      printJson({ ok: true, file: loaded.file ?? null, config: shown, sources: loaded.sources, rules: rules ?? null });
      return;
    }
    process.stdout.write(`configuration is valid${loaded.file ? ` (file: ${loaded.file})` : ''}\n`);
    for (const [k, v] of Object.entries(shown)) {
      process.stdout.write(`  ${k} = ${JSON.stringify(v) ?? 'unset'}  (${loaded.sources[k as keyof typeof loaded.sources]})\n`);
    }
    if (rules) process.stdout.write(`rules file ${rules.file} is valid (sections: ${rules.sections.join(', ') || 'none'})\n`);
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
