import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { Redis } from 'ioredis';
import { openQueue } from '../../../shared/queue/queues.js';
import { queues } from '../../../shared/redis/keys.js';
import { cancelRunEverywhere } from '../../../shared/replay/cancel.js';
import type { ChunkJobData, RunStatus } from '../../../shared/replay/run.js';
import { isFinal, listRuns, runStatus } from '../../../shared/replay/store.js';
import { errorText, isParityError, parityError } from '../../../shared/errors.js';
import { printJson, withContext } from '../context.js';

const iso = (ms?: number) => (ms === undefined ? '-' : new Date(ms).toISOString());

function progressText(s: RunStatus): string {
  const p = s.progress;
  return `${p.sent}${p.planned ? `/${p.planned}` : ''} sent, ${p.skipped ? `${p.skipped} skipped, ` : ''}${p.errors} errors, ${p.late} late`;
}

function describe(s: RunStatus): string {
  return `${s.id.padEnd(22)} ${s.state.padEnd(9)} ${s.session.padEnd(16)} ${progressText(s).padEnd(40)} ${s.profile}`;
}

/**
 * Polls a run until it reaches a final state, drawing a progress bar on a TTY
 * (a line every 5 s otherwise). A run reads cancelled only once each of its
 * chunks has recorded what it did, so the last status is final.
 */
export async function waitForRun(redis: Redis, id: string, opts: { progress: boolean; pollMs?: number; redisGraceMs?: number }): Promise<RunStatus> {
  const tty = opts.progress && process.stderr.isTTY === true;
  let bar: SingleBar | undefined;
  let lastLine = 0;
  const samples: { at: number; sent: number }[] = [];
  const poll = () => pollThroughOutage(() => runStatus(redis, id), id, opts.redisGraceMs ?? 30_000);
  let status = await poll();
  for (;;) {
    const now = Date.now();
    samples.push({ at: now, sent: status.progress.sent });
    while (samples.length > 2 && now - samples[0]!.at > 3000) samples.shift();
    const first = samples[0]!;
    const rate = now > first.at ? Math.round(((status.progress.sent - first.sent) * 1000) / (now - first.at)) : 0;
    const { sent, skipped, errors, late } = status.progress;
    const payload = { state: status.state, rate, sent, skipped, errors, late };
    if (tty) {
      // the bar moves over every planned request, sent or skipped; the label says which
      const total = Math.max(status.progress.planned, sent + skipped, 1);
      if (!bar) {
        bar = new SingleBar({ stream: process.stderr, format: `run ${id} [{bar}] {value}/{total} | {sent} sent, {skipped} skipped | {rate} req/s | {errors} errors | {late} late | {state}`, hideCursor: true, clearOnComplete: false });
        bar.start(total, sent + skipped, payload);
      }
      bar.setTotal(total);
      bar.update(sent + skipped, payload);
    } else if (opts.progress && now - lastLine >= 5000) {
      lastLine = now;
      process.stderr.write(`run ${id}: ${status.state}, ${progressText(status)}, ${rate} req/s\n`);
    }
    if (isFinal(status.state)) break;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
    status = await poll();
  }
  bar?.stop();
  if (opts.progress && !tty) process.stderr.write(`run ${id}: ${status.state}, ${progressText(status)}\n`);
  return status;
}

/**
 * A run's status, read again while Redis is away (a restart, a failover) for
 * up to `graceMs`; then a clear error that says the run itself goes on in
 * the workers (ioredis's own "Reached the max retries per request limit"
 * reached the user as an internal error to report).
 */
async function pollThroughOutage(read: () => Promise<RunStatus>, id: string, graceMs: number): Promise<RunStatus> {
  const since = Date.now();
  for (;;) {
    try {
      return await read();
    } catch (err) {
      if (isParityError(err)) throw err;
      if (Date.now() - since >= graceMs) {
        throw parityError('PARITY_ERR_REDIS_UNREACHABLE', `lost Redis while waiting for run ${id}: ${errorText(err)}`, {
          cause: err,
          hint: `The run goes on in the workers, which reconnect by themselves: once Redis is back, follow it with \`parity runs show ${id}\` and gate it with \`parity report ${id}\`.`,
        });
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** `parity runs list | show RUN | cancel RUN`. */
export function registerRuns(program: Command): Command {
  const runs = program.command('runs').description('List, inspect and cancel replay runs');

  runs
    .command('list')
    .description('List replay runs, newest first')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'runs to list', '50')
    .action(async function (this: Command, opts: { json?: boolean; limit: string }) {
      await withContext(this, {}, async (ctx) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) throw parityError('PARITY_ERR_USAGE', `--limit "${opts.limit}" is not a whole number of runs of 1 or more (e.g. --limit 20)`);
        // a run another program damaged is left out, not the end of the list: named on stderr, and in the JSON
        const unreadable: { run: string; code: string; message: string }[] = [];
        const list = await listRuns(await ctx.redis(), limit, (run, err) => {
          unreadable.push({ run, code: err.code, message: err.message });
          process.stderr.write(`warning: run ${run} left out: ${err.code}: ${err.message}\n`);
        });
        if (opts.json) return printJson({ runs: list, unreadable });
        if (list.length === 0) {
          const none = unreadable.length > 0 ? 'no readable replay runs' : 'no replay runs yet';
          return void process.stdout.write(`${none}: start one with \`parity replay --session S --target URL\`\n`);
        }
        process.stdout.write(`${'RUN'.padEnd(22)} ${'STATE'.padEnd(9)} ${'SESSION'.padEnd(16)} ${'PROGRESS'.padEnd(40)} PROFILE\n`);
        for (const s of list) process.stdout.write(`${describe(s)}\n`);
      });
    });

  runs
    .command('show <run>')
    .description('Show a run: state, progress and chunks')
    .option('--json', 'print JSON')
    .action(async function (this: Command, id: string, opts: { json?: boolean }) {
      await withContext(this, {}, async (ctx) => {
        const s = await runStatus(await ctx.redis(), id);
        if (opts.json) return printJson({ run: s });
        const c = s.chunks;
        process.stdout.write(
          [
            `run ${s.id}: ${s.state}${s.error ? ` (${s.error})` : ''}`,
            `  session   ${s.session}`,
            `  target    ${s.target}`,
            `  profile   ${s.profile}`,
            `  progress  ${progressText(s)}`,
            `  chunks    ${c.done} done, ${c.failed} failed, ${c.cancelled} cancelled, ${c.pending} pending of ${c.total}`,
            `  created   ${iso(s.createdAt)}`,
            `  started   ${iso(s.startedAt)}`,
            `  finished  ${iso(s.finishedAt)}`,
            '',
          ].join('\n'),
        );
      });
    });

  runs
    .command('cancel <run>')
    .description('Cancel a run: its workers stop their chunks and abort requests in flight')
    .option('--json', 'print JSON')
    .action(async function (this: Command, id: string, opts: { json?: boolean }) {
      await withContext(this, {}, async (ctx) => {
        const queue = openQueue<ChunkJobData>(queues.replay, ctx.loaded.config.redisUrl);
        try {
          const state = await cancelRunEverywhere(await ctx.redis(), queue, id);
          if (opts.json) return printJson({ run: id, state });
          process.stdout.write(state === 'cancelled' ? `cancelled run ${id}\n` : `run ${id} had already ended (${state})\n`);
        } finally {
          await queue.close();
        }
      });
    });

  return runs;
}
