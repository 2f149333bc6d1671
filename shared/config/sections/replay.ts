import { num, setting, targetUrl } from '../setting.js';

/** Settings of replay runs and `parity worker`. */
export const replaySettings = {
  workerConcurrency: setting({
    // max matches constant-concurrency's --concurrency, which shares the flag name
    schema: num().int().min(1).max(10_000).default(16),
    env: 'PARITY_WORKER_CONCURRENCY',
    flag: '--concurrency <n>',
    doc: 'Chunks one `parity worker` process holds at once; a chunk mostly waits on timers and sockets, so this may exceed the cores.',
  }),
  workerLockMs: setting({
    schema: num().int().min(500).default(30_000),
    env: 'PARITY_WORKER_LOCK_MS',
    doc: 'How long a worker holds a chunk without renewing its lock; a worker dead that long has its chunk taken over.',
  }),
  workerStalledIntervalMs: setting({
    schema: num().int().min(500).default(30_000),
    env: 'PARITY_WORKER_STALLED_INTERVAL_MS',
    doc: 'How often workers look for chunks whose worker died (BullMQ stalled-job check).',
  }),
  target: setting({
    schema: targetUrl.optional(),
    env: 'PARITY_TARGET',
    flag: '--target <url>',
    doc: 'URL of the system a replay is fired at (staging).',
  }),
  baseline: setting({
    schema: targetUrl.optional(),
    env: 'PARITY_BASELINE',
    flag: '--baseline <url>',
    doc: 'URL of the current release: each replayed request also goes there twice, as the reference and to measure noise.',
  }),
  replayTimeoutMs: setting({
    schema: num().int().min(1).default(10_000),
    env: 'PARITY_REPLAY_TIMEOUT_MS',
    flag: '--timeout <ms>',
    doc: 'Milliseconds a replayed request may take to answer completely before it counts as a timeout.',
  }),
  replayConnections: setting({
    schema: num().int().min(1).max(65_536).default(256),
    env: 'PARITY_REPLAY_CONNECTIONS',
    flag: '--connections <n>',
    doc: 'Most connections one worker opens to the target (and to the baseline); past it requests queue and start late.',
  }),
  lateAfterMs: setting({
    schema: num().min(0).default(10),
    env: 'PARITY_LATE_AFTER_MS',
    flag: '--late-after <ms>',
    doc: 'A request that starts more than this after its scheduled time is counted late (open-model profiles).',
  }),
  replayLanes: setting({
    schema: num().int().min(1).max(256).default(4),
    env: 'PARITY_REPLAY_LANES',
    flag: '--lanes <n>',
    doc: 'Chunks of a run that fire at the same time, so a run spreads over up to this many workers.',
  }),
  replayWindowMs: setting({
    schema: num().int().min(100).default(2000),
    env: 'PARITY_REPLAY_WINDOW_MS',
    doc: 'Schedule time one chunk covers; chunks become available to workers shortly before their window starts.',
  }),
  replayStartDelayMs: setting({
    schema: num().int().min(0).default(2000),
    env: 'PARITY_REPLAY_START_DELAY_MS',
    doc: 'Milliseconds between creating a run and its shared start time, so workers take the first chunks before they are due.',
  }),
  resultBodyBytes: setting({
    schema: num().int().min(0).default(4096),
    env: 'PARITY_RESULT_BODY_BYTES',
    doc: 'Bytes of each answer body kept in the run\'s results stream (the diff sees up to PARITY_MAX_BODY_BYTES).',
  }),
  resultsMaxLen: setting({
    schema: num().int().min(1).default(100_000),
    env: 'PARITY_RESULTS_MAXLEN',
    doc: 'Approximate bound on results kept in a run\'s results stream (entries hold 100 each; XADD MAXLEN ~); statistics count every request regardless.',
  }),
  runRetentionSeconds: setting({
    schema: num().int().min(60).default(7 * 24 * 3600),
    env: 'PARITY_RUN_RETENTION_SECONDS',
    doc: 'How long a run\'s definition, statistics and results are kept in Redis after its planned end.',
  }),
};
