import type { Command } from 'commander';
import { ParityError } from '../../../shared/errors.js';
import { commandContext } from '../context.js';

/**
 * `parity demo` — the whole story on one machine (scripts/demo). Exits 0
 * when the demo ran through, whatever its verdict (staging has regressions
 * by design); 3 when the demo itself could not run.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Capture traffic to a sample production app, replay it at a staging build with planted regressions, and show the verdict')
    .option('--out <dir>', 'where the report and the demo log go', '.parity/demo')
    .option('--requests <n>', 'requests driven through the proxy', '1200')
    .action(async function (this: Command, opts: { out: string; requests: string }) {
      const requests = Number(opts.requests);
      if (!Number.isInteger(requests) || requests < 60 || requests > 100_000) {
        throw new ParityError('PARITY_ERR_USAGE', `--requests must be a whole number from 60 to 100000, got "${opts.requests}"`);
      }
      const ctx = commandContext(this, { logName: 'demo' });
      // loaded here, not with the CLI: the demo's load generator (autocannon) costs every other command ~0.06 s
      const { runDemo } = await import('../../../scripts/demo/run.js');
      await runDemo({ redisUrl: ctx.loaded.config.redisUrl, outDir: opts.out, requests });
      await ctx.close();
    });
}
