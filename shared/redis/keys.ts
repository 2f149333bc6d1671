/**
 * Every Redis key Parity uses. All start with `parity:`; per-session and
 * per-run keys carry a hash tag ({name}) so one session's or one run's keys
 * live on one Redis Cluster slot. README's "Redis key layout" documents this.
 */

const tag = (name: string) => `{${name}}`;

export const keys = {
  /** Set of session names. */
  sessions: 'parity:sessions',
  /** Stream of capture records (field `r`: MessagePack record). */
  sessionStream: (s: string) => `parity:session:${tag(s)}:stream`,
  /** Hash: upstream, createdAt, updatedAt, proxies, counters. */
  sessionMeta: (s: string) => `parity:session:${tag(s)}:meta`,
  /** A large body kept beside the stream, with a TTL (part: req | res). */
  sessionBody: (s: string, recordId: string, part: 'req' | 'res') => `parity:session:${tag(s)}:body:${recordId}:${part}`,
  /** SCAN pattern for a session's side bodies. */
  sessionBodyPattern: (s: string) => `parity:session:${tag(s)}:body:*`,

  /** Sorted set of run ids scored by creation time (ms). */
  runs: 'parity:runs',
  /** Hash: the run's definition (JSON) and state. */
  runMeta: (run: string) => `parity:run:${tag(run)}:meta`,
  /** Stream of per-request results. */
  runResults: (run: string) => `parity:run:${tag(run)}:results`,
  /** Key prefix for everything else a run keeps (stats, chunk markers). */
  runPrefix: (run: string) => `parity:run:${tag(run)}:`,
  /** List: stream ids of the run's selected records, in schedule order. */
  runSelection: (run: string) => `parity:run:${tag(run)}:selection`,
  /** Hash: chunk index → JSON of the attempt that finished it (state, attempt, worker). */
  runChunks: (run: string) => `parity:run:${tag(run)}:chunks`,
  /** Hash: chunk index → RunStats JSON of its finished attempt (a retry replaces, never adds). */
  runStats: (run: string) => `parity:run:${tag(run)}:stats`,
  /** Hash: chunk index → live progress `sent errors late` of its current attempt. */
  runProgress: (run: string) => `parity:run:${tag(run)}:progress`,
  /** String set when the run is cancelled; workers poll it. */
  runCancel: (run: string) => `parity:run:${tag(run)}:cancel`,
  /** Counter: next selection index a closed-model virtual user takes. */
  runCursor: (run: string) => `parity:run:${tag(run)}:cursor`,

  /** Prefix for shadow statistics keys. */
  shadowPrefix: 'parity:shadow:{shadow}:',
  /** Hash per minute of shadow statistics: one field per worker (`w:<id>`, RunStats JSON of at most 200 routes) and proxy counters (`p:<name>`). */
  shadowBucket: (minuteStartMs: number) => `parity:shadow:{shadow}:bucket:${minuteStartMs}`,
  /** Hash of per-route shadow counters (`<route>\t<counter>`, at most 200 routes), the source of Prometheus counters; expires with the retention after its last write. */
  shadowTotals: 'parity:shadow:{shadow}:totals',
  /** A shadow job's anonymised records (MessagePack), deleted by the worker that takes the job; TTL SHADOW_RECORDS_TTL_SECONDS. */
  shadowRecords: (id: string) => `parity:shadow:{shadow}:records:${id}`,
  /** A sealed raw shadow request (opt-in), short TTL, deleted by the worker that takes it. */
  shadowRaw: (id: string) => `parity:shadow:{shadow}:raw:${id}`,

  /** BullMQ prefix: the hash tag keeps each queue's keys on one slot. */
  bullPrefix: 'parity:{bull}',
} as const;

/** Queue names (under keys.bullPrefix). */
export const queues = {
  replay: 'replay',
  shadow: 'shadow',
} as const;
