import type { Command } from 'commander';
import { loadRulesFile } from '../../../shared/config/rules.js';
import { settingOptions, withContext } from '../context.js';

/**
 * `parity proxy --upstream URL [--listen :8080] [--admin 127.0.0.1:9090]
 * [--session NAME] [--sample 0.1] [--rules FILE] ...` — runs until SIGTERM
 * or SIGINT, then stops accepting, lets requests finish, flushes captured
 * records (bounded) and exits 0.
 */
export function registerProxy(program: Command): void {
  const cmd = program
    .command('proxy')
    .description('Run the capturing reverse proxy in front of a production app')
    .addHelpText('after', '\nLogs one JSON line {"msg":"proxy listening","port":...,"adminPort":...} once both planes listen.');
  settingOptions(cmd, [
    'upstream',
    'listen',
    'adminListen',
    'adminToken',
    'session',
    'sampleRate',
    'rulesFile',
    'maxBodyBytes',
    'upstreamTimeoutMs',
    'maxCapturesPerSecond',
    'addForwardedHeaders',
    'requireRedis',
    'anonKey',
    'shadowTarget',
    'shadowBaseline',
    'shadowMarker',
    'shadowRaw',
    'shadowMaxQueue',
  ]);
  cmd.action(async function (this: Command) {
    await withContext(this, { require: ['upstream'], logName: 'proxy' }, async (ctx) => {
      // loaded here, not with the CLI: fastify, bull-board and the capture thread's code cost every other command ~0.2 s
      const [{ attachShadow }, { ADMIN_EXTENSIONS }, { startProxy }] = await Promise.all([
        import('../../../shared/shadow/attach.js'),
        import('../../proxy/admin/extensions.js'),
        import('../../proxy/proxy.js'),
      ]);
      const { config } = ctx.loaded;
      const rules = loadRulesFile(config.rulesFile);
      const shadow = attachShadow(config, rules, config.rulesFile, ctx.log);
      const proxy = await startProxy({
        config, log: ctx.log, rules, ...(config.rulesFile ? { rulesFile: config.rulesFile } : {}),
        ...(shadow.gate ? { shadowGate: shadow.gate } : {}), adminExtensions: [...ADMIN_EXTENSIONS, ...shadow.adminExtensions],
      });
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      ctx.log.info({ signal }, 'stopping: no new connections, finishing requests, flushing capture');
      await proxy.close({ graceMs: 5000, flushMs: 5000 });
      shadow.stopped();
    });
    // Every handle is closed by now; should a library keep one open, do not hang the shutdown.
    setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
  });
}
