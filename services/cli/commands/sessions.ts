import type { Command } from 'commander';
import { parityError } from '../../../shared/errors.js';
import { recentRecords } from '../../../shared/session/recent.js';
import { deleteSession, listSessions, sessionInfo, type SessionInfo } from '../../../shared/session/store.js';
import { printJson, withContext } from '../context.js';
import { registerSessionsIo } from './sessions-io.js';

const iso = (us?: number) => (us === undefined ? '-' : new Date(Math.floor(us / 1000)).toISOString());

function describe(s: SessionInfo): string {
  return `${s.name.padEnd(24)} ${String(s.records).padStart(9)}  ${iso(s.firstTs)}  ${iso(s.lastTs)}  ${s.upstream ?? '-'}`;
}

/** `parity sessions list | show S | delete S` (export/import: sessions-io.ts). */
export function registerSessions(program: Command): Command {
  const sessions = program.command('sessions').description('List, inspect, delete, export and import capture sessions');

  sessions
    .command('list')
    .description('List stored capture sessions')
    .option('--json', 'print JSON')
    .action(async function (this: Command, opts: { json?: boolean }) {
      await withContext(this, {}, async (ctx) => {
        const list = await listSessions(await ctx.redis());
        if (opts.json) return printJson({ sessions: list });
        if (list.length === 0) return void process.stdout.write('no capture sessions yet: start `parity proxy --upstream URL --session NAME`\n');
        process.stdout.write(`${'SESSION'.padEnd(24)} ${'RECORDS'.padStart(9)}  ${'FIRST'.padEnd(24)}  ${'LAST'.padEnd(24)}  UPSTREAM\n`);
        for (const s of list) process.stdout.write(`${describe(s)}\n`);
      });
    });

  sessions
    .command('show <session>')
    .description('Show a session and its most recent records')
    .option('--json', 'print JSON')
    .option('--last <n>', 'records to list', '10')
    .action(async function (this: Command, name: string, opts: { json?: boolean; last: string }) {
      const last = Number(opts.last);
      if (!/^\d+$/.test(opts.last.trim()) || !Number.isSafeInteger(last)) {
        throw parityError('PARITY_ERR_USAGE', `--last "${opts.last.slice(0, 40)}" is not a whole number of records of 0 or more (e.g. --last 20)`);
      }
      await withContext(this, {}, async (ctx) => {
        const redis = await ctx.redis();
        const info = await sessionInfo(redis, name);
        const recent = await recentRecords(redis, name, last);
        if (opts.json) return printJson({ session: info, recent });
        process.stdout.write(`session ${info.name}: ${info.records} records, ${info.captured} captured in all\n`);
        process.stdout.write(`  upstream ${info.upstream ?? '-'}\n  first    ${iso(info.firstTs)}\n  last     ${iso(info.lastTs)}\n`);
        for (const r of recent) {
          process.stdout.write(`  ${iso(r.ts)}  ${r.method.padEnd(7)} ${String(r.status ?? r.error ?? '-').padEnd(4)} ${(r.totalUs / 1000).toFixed(1).padStart(8)} ms  ${r.url}\n`);
        }
      });
    });

  sessions
    .command('delete <session>')
    .description('Delete a session: its stream, meta and the bodies kept beside it')
    .option('--json', 'print JSON')
    .action(async function (this: Command, name: string, opts: { json?: boolean }) {
      await withContext(this, {}, async (ctx) => {
        const removed = await deleteSession(await ctx.redis(), name);
        if (opts.json) return printJson({ session: name, deleted: true, records: removed });
        process.stdout.write(`deleted session ${name} (${removed} records)\n`);
      });
    });

  registerSessionsIo(sessions);
  return sessions;
}
