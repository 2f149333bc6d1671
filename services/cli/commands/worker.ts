import type { Command } from 'commander';
import { loadRulesFile } from '../../../shared/config/rules.js';
import { settingOptions, withContext } from '../context.js';

/**
 * `parity worker [--concurrency N]` — takes replay chunks (and shadow jobs) from the queues
 * until SIGTERM or SIGINT, then stops taking new ones, lets the running ones
 * finish and exits 0. Start as many as you like, on any machine that reaches
 * Redis and the target.
 */
export function registerWorker(program: Command): void {
  const cmd = program
    .command('worker')
    .description('Run replay jobs (chunks of runs) and shadow jobs from the queues; start several to scale out')
    .addHelpText('after', '\nLogs one JSON line {"msg":"replay worker ready","worker":...} once it takes jobs.');
  settingOptions(cmd, ['workerConcurrency', 'shadowConcurrency', 'rulesFile']);
  cmd.action(async function (this: Command) {
    await withContext(this, { logName: 'worker' }, async (ctx) => {
      await ctx.redis(); // fail fast (exit 3) when Redis is unreachable, and check its eviction policy
      // loaded here, not with the CLI: undici and the workers' code cost every other command
      const [{ startReplayWorker }, { startShadowWorker }] = await Promise.all([import('../../worker/replay.js'), import('../../worker/shadow.js')]);
      const replay = await startReplayWorker(ctx.loaded.config, ctx.log);
      const { config } = ctx.loaded;
      const shadow = await startShadowWorker({ config, log: ctx.log, rules: loadRulesFile(config.rulesFile), ...(config.rulesFile ? { rulesFile: config.rulesFile } : {}) });
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      ctx.log.info({ signal }, 'stopping: finishing the chunks in hand');
      await Promise.all([replay.close(), shadow.close()]);
    });
    // Every handle is closed by now; should a library keep one open, do not hang the shutdown.
    setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
  });
}
