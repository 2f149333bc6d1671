import type { Command } from 'commander';
import { loadRulesFile, rulesSection } from '../../../shared/config/rules.js';
import type { LoadedConfig } from '../../../shared/config/load.js';
import { SETTINGS, type Config } from '../../../shared/config/schema.js';
import { diffRulesSchema } from '../../../shared/diff/rules.js';
import type { DiffMode } from '../../../shared/diff/types.js';
import { parityError, redactUrl } from '../../../shared/errors.js';
import { openQueue } from '../../../shared/queue/queues.js';
import { queues } from '../../../shared/redis/keys.js';
import { gateThresholdsFrom } from '../../../shared/report/gate.js';
import { renderText } from '../../../shared/report/text.js';
import { prepareReportDir } from '../../../shared/report/write.js';
import { cancelRunEverywhere } from '../../../shared/replay/cancel.js';
import { createRun, unreachableHint, type RunRequest } from '../../../shared/replay/create.js';
import { describeProfile, profileFromFlags, type ProfileFlags } from '../../../shared/replay/profile.js';
import { runReport, targetNeverAnswered } from '../../../shared/replay/report.js';
import type { ChunkJobData, ReplayRunDef } from '../../../shared/replay/run.js';
import { parseTimePoint, type SelectionSpec } from '../../../shared/replay/selection.js';
import { parseShadowKey } from '../../../shared/shadow/seal.js';
import { parseHeaderFlag, parseHostFlag, parseRewriteFlag, type RequestTransform } from '../../../shared/replay/transform.js';
import { printJson, settingOptions, withContext, type CommandContext } from '../context.js';
import { assertVerdict, writeReports } from './report.js';
import { waitForRun } from './runs.js';

interface ReplayFlags extends ProfileFlags {
  allowProductionTarget?: boolean;
  from?: string;
  to?: string;
  methods?: string;
  filter: string[];
  exclude: string[];
  limit?: string;
  setHeader: string[];
  removeHeader: string[];
  rewriteHost?: string;
  baselineHost?: string;
  rewritePath: string[];
  mode?: string;
  wait?: boolean;
  report?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const MODES: readonly DiffMode[] = ['status', 'shape', 'exact'];

function selectionFrom(f: ReplayFlags): SelectionSpec {
  const s: SelectionSpec = {};
  if (f.from) s.fromUs = parseTimePoint(f.from, '--from');
  if (f.to) s.toUs = parseTimePoint(f.to, '--to');
  if (s.fromUs !== undefined && s.toUs !== undefined && s.fromUs > s.toUs) {
    throw parityError('PARITY_ERR_USAGE', `--from ${f.from} is later than --to ${f.to}: no record can match`, { hint: 'Swap them: --from is the earlier capture time.' });
  }
  if (f.methods) s.methods = f.methods.split(',').map((m) => m.trim().toUpperCase()).filter(Boolean);
  if (f.filter.length) s.include = f.filter;
  if (f.exclude.length) s.exclude = f.exclude;
  if (f.limit !== undefined) {
    const n = Number(f.limit);
    if (!Number.isInteger(n) || n < 1) throw parityError('PARITY_ERR_USAGE', `--limit expects a whole number >= 1, got "${f.limit}"`);
    s.limit = n;
  }
  return s;
}

function transformFrom(f: ReplayFlags): RequestTransform {
  const t: RequestTransform = {
    setHeaders: f.setHeader.map((h, k) => parseHeaderFlag(h, '--set-header', k + 1)),
    removeHeaders: f.removeHeader.map((h) => h.trim().toLowerCase()),
    rewritePaths: f.rewritePath.map(parseRewriteFlag),
  };
  if (f.rewriteHost !== undefined) t.host = parseHostFlag(f.rewriteHost, '--rewrite-host');
  if (f.baselineHost !== undefined) t.baselineHost = parseHostFlag(f.baselineHost, '--baseline-host');
  return t;
}

function modeFrom(f: ReplayFlags, config: Config): DiffMode {
  const m = f.mode ?? config.diffMode;
  if (m === undefined) return config.baseline ? 'exact' : 'shape';
  if (!(MODES as readonly string[]).includes(m)) throw parityError('PARITY_ERR_USAGE', `--mode "${m}" is not one of ${MODES.join(', ')}`);
  return m as DiffMode;
}

/** How the user gave a URL setting, for a hint: its flag, its variable or the config file. */
function givenAs(loaded: LoadedConfig, key: 'target' | 'baseline'): string {
  const source = loaded.sources[key];
  if (source === 'env') return SETTINGS[key].env;
  if (source === 'file') return `\`${key}\` in ${loaded.file ?? 'the config file'}`;
  return `--${key}`;
}

/** Everything a run needs from the flags and configuration; every usage problem surfaces before Redis is touched. */
function runRequest(f: ReplayFlags, loaded: LoadedConfig): RunRequest {
  const { config } = loaded;
  const rules = loadRulesFile(config.rulesFile);
  const req: RunRequest = {
    session: config.session,
    target: config.target!,
    profile: profileFromFlags(f),
    selection: selectionFrom(f),
    transform: transformFrom(f),
    mode: modeFrom(f, config),
    rules: rulesSection(rules, 'diff', diffRulesSchema, config.rulesFile),
    gate: gateThresholdsFrom(config, rules, config.rulesFile),
    timeoutMs: config.replayTimeoutMs,
    connections: config.replayConnections,
    lateAfterMs: config.lateAfterMs,
    maxBodyBytes: config.maxBodyBytes,
    resultBodyBytes: config.resultBodyBytes,
    resultsMaxLen: config.resultsMaxLen,
    lanes: config.replayLanes,
    windowMs: config.replayWindowMs,
    retentionSeconds: config.runRetentionSeconds,
    startDelayMs: config.replayStartDelayMs,
    givenAs: { target: givenAs(loaded, 'target'), baseline: givenAs(loaded, 'baseline') },
  };
  if (config.shadowKey) req.sealKey = parseShadowKey(config.shadowKey);
  if (config.baseline) req.baseline = config.baseline;
  else if (f.baselineHost !== undefined) throw parityError('PARITY_ERR_USAGE', '--baseline-host needs a baseline: give --baseline URL (or PARITY_BASELINE) too, or leave it out');
  if (f.allowProductionTarget) req.allowProductionTarget = true;
  return req;
}

/** `parity replay --session S --target URL [...]`: creates a run and, with --wait, gates on its report. */
export function registerReplay(program: Command): void {
  const cmd = program
    .command('replay')
    .description('Replay a captured session at a target with a concurrency profile; with --wait, exit 0 pass / 1 gate failed / 3 runtime failure')
    .option('--allow-production-target', 'allow a target equal to the upstream the session was captured from')
    .option('--profile <name>', 'as-recorded, constant-rate, ramping-rate, constant-concurrency, spike or soak (default: implied by the knobs, else as-recorded)')
    .option('--speed <x>', 'as-recorded: speed multiplier (2 = twice as fast)')
    .option('--rate <n>', 'constant-rate, spike, soak: arrivals per second')
    .option('--duration <d>', 'run length, e.g. 30s, 5m, 1h')
    .option('--stages <list>', 'ramping-rate: DURATION:RATE,... e.g. 10s:50,30s:200,10s:0')
    .option('--start-rate <n>', 'ramping-rate: rate at the start (default 0)')
    .option('--concurrency <n>', 'constant-concurrency: virtual users back to back')
    .option('--spike-rate <n>', 'spike: arrivals per second during the spike')
    .option('--spike-at <d>', 'spike: when the spike starts')
    .option('--spike-for <d>', 'spike: how long it lasts')
    .option('--from <time>', 'records captured at or after: ISO 8601, epoch ms, or a duration ago (24h)')
    .option('--to <time>', 'records captured before')
    .option('--methods <list>', 'methods to replay, e.g. GET,HEAD (non-idempotent ones are replayed only when listed or no list is given)')
    .option('--filter <expr>', 'replay records matching [METHOD ]GLOB, e.g. "GET /api/**" (repeatable)', collect, [])
    .option('--exclude <expr>', 'leave out records matching [METHOD ]GLOB (repeatable)', collect, [])
    .option('--limit <n>', 'replay at most this many records (the first captured)')
    .option('--set-header <k=v>', 'set a request header, e.g. "authorization=Bearer staging-token" (repeatable)', collect, [])
    .option('--remove-header <name>', 'remove a request header (repeatable)', collect, [])
    .option('--rewrite-host <host>', 'Host header sent to the target (default: the target\'s)')
    .option('--baseline-host <host>', 'Host header sent to the baseline (default: the baseline\'s; --rewrite-host is the target\'s only)')
    .option('--rewrite-path <from=to>', 'rewrite a path prefix, e.g. /v1=/api/v1 (repeatable)', collect, [])
    .option('--mode <mode>', 'diff mode: status, shape or exact (same as --diff-mode)')
    .option('--wait', 'wait for the run to end, print its report and exit by the gate')
    .option('--report <dir>', 'with --wait: write report.txt, report.json, junit.xml and report.html here')
    .option('--json', 'print one JSON document (the run, or with --wait the report)');
  settingOptions(cmd, [
    'session',
    'target',
    'baseline',
    'diffMode',
    'rulesFile',
    'maxDiffRate',
    'maxErrorRate',
    'maxP99Regression',
    'replayTimeoutMs',
    'replayConnections',
    'lateAfterMs',
    'replayLanes',
    'maxBodyBytes',
  ]);
  cmd.action(async function (this: Command, f: ReplayFlags) {
    // --concurrency is the constant-concurrency profile's here, not the worker's setting of that flag
    await withContext(this, { require: ['target'], logName: 'replay', notSettings: ['workerConcurrency'] }, async (ctx) => replay(ctx, f));
  });
}

async function replay(ctx: CommandContext, f: ReplayFlags): Promise<void> {
  const { config } = ctx.loaded;
  if (f.report && !f.wait) throw parityError('PARITY_ERR_USAGE', '--report DIR needs --wait (or run `parity report RUN --report DIR` later)');
  if (f.report) prepareReportDir(f.report);
  const req = runRequest(f, ctx.loaded);
  req.onWarning = (message) => ctx.log.warn(message);
  if (req.transform.setHeaders.length > 0 && !req.sealKey) {
    ctx.log.warn('--set-header values are stored in Redis as given until the run expires; set PARITY_SHADOW_KEY here and on the workers to store them sealed');
  }
  const redis = await ctx.redis();
  const queue = openQueue<ChunkJobData>(queues.replay, config.redisUrl);
  // Ctrl-C from the start: queueing a long run takes seconds, and a run left half-queued by a
  // killed CLI would still fire at the target with nobody waiting for its verdict
  let def: ReplayRunDef | undefined;
  let interrupted = false;
  // resolves to the error when the cancel failed (the run may still be queued)
  let cancelling: Promise<Error | undefined> | undefined;
  const cancel = (run: ReplayRunDef) => {
    process.stderr.write(`\ncancelling run ${run.id} (Ctrl-C again to quit at once)\n`);
    cancelling = cancelRunEverywhere(redis, queue, run.id).then(
      () => undefined,
      (err: unknown) => {
        ctx.log.warn({ err: (err as Error).message }, 'cancelling the run failed');
        return err as Error;
      },
    );
  };
  const onSigint = () => {
    if (interrupted) process.exit(3);
    interrupted = true;
    if (def) cancel(def);
    else process.stderr.write('\ninterrupted: the run is cancelled as soon as it is queued (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    def = await createRun(redis, queue, req);
    if (interrupted) {
      cancel(def);
      const failed = await cancelling;
      if (failed) throw parityError('PARITY_ERR_REDIS_COMMAND', `run ${def.id} was queued, and cancelling it failed: ${failed.message}`, { hint: `Cancel it with \`parity runs cancel ${def.id}\`.` });
      throw parityError('PARITY_ERR_RUN_CANCELLED', `run ${def.id} was cancelled before it started`);
    }
    const planned = def.arrivals ? `${def.arrivals} requests` : `${def.profile.kind === 'constant-concurrency' ? def.profile.vus : 0} virtual users`;
    if (!f.wait) {
      if (f.json) return printJson({ run: def.id, state: 'queued', session: def.session, target: def.target, profile: describeProfile(def.profile), records: def.selection.count, arrivals: def.arrivals, chunks: def.chunks });
      process.stdout.write(`run ${def.id}\n`);
      process.stderr.write(`queued: ${planned} from ${def.selection.count} records of session ${def.session}, ${describeProfile(def.profile)}, ${def.chunks} chunks; follow with \`parity runs show ${def.id}\`\n`);
      return;
    }
    if (!f.json) process.stdout.write(`run ${def.id}\n`);
    if ((await queue.getWorkersCount()) === 0) ctx.log.warn('no `parity worker` is running: the run waits until one starts');
    const status = await waitForRun(redis, def.id, { progress: !f.json });
    // the run may read cancelled while its waiting chunks, counted, are still being taken off
    // the queue: closing the queue then left thousands of them behind
    await cancelling;
    process.off('SIGINT', onSigint);
    const { report } = await runReport(redis, def.id);
    // the verdict first: a report directory that fails now must not cost CI the outcome
    if (f.json) printJson(report);
    else process.stdout.write(`${renderText(report)}\n`);
    if (f.report) writeReports(f.report, report);
    if (status.state === 'cancelled') throw parityError('PARITY_ERR_RUN_CANCELLED', `run ${def.id} was cancelled after ${status.progress.sent} requests`);
    if (status.state === 'failed') throw parityError('PARITY_ERR_RUN_FAILED', `run ${def.id} failed: ${status.error ?? 'a chunk failed every attempt'}`);
    if (targetNeverAnswered(report)) {
      throw parityError('PARITY_ERR_TARGET_UNREACHABLE', `the target ${redactUrl(def.target)} refused every one of ${report.totals.requests} requests`, { hint: unreachableHint('target', req.givenAs?.target) });
    }
    assertVerdict(report);
  } finally {
    process.off('SIGINT', onSigint);
    await queue.close();
  }
}
