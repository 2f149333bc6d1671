import type { Command } from 'commander';
import { registerAudit } from './audit.js';
import { registerConfig } from './config.js';
import { registerProxy } from './proxy.js';
import { registerSessions } from './sessions.js';
import { registerShadow } from './shadow.js';

/**
 * Every `parity` subcommand, one file each. Add a line here when adding a
 * command file; keep the order of SPEC's command surface.
 */
export function registerCommands(program: Command): void {
  registerProxy(program);
  registerSessions(program);
  registerShadow(program);
  registerAudit(program);
  registerConfig(program);
}
