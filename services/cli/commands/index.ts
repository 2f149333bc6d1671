import type { Command } from 'commander';
import { registerAudit } from './audit.js';
import { registerConfig } from './config.js';
import { registerDemo } from './demo.js';
import { registerProxy } from './proxy.js';
import { registerReplay } from './replay.js';
import { registerReport } from './report.js';
import { registerRuns } from './runs.js';
import { registerSessions } from './sessions.js';
import { registerShadow } from './shadow.js';
import { registerWorker } from './worker.js';

/**
 * Every `parity` subcommand, one file each. Add a line here when adding a
 * command file; keep the order of SPEC's command surface.
 */
export function registerCommands(program: Command): void {
  registerProxy(program);
  registerWorker(program);
  registerSessions(program);
  registerReplay(program);
  registerRuns(program);
  registerReport(program);
  registerShadow(program);
  registerAudit(program);
  registerDemo(program);
  registerConfig(program);
}
