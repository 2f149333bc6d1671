/** The proxy's shadow counters: what its sink mirrored, skipped and dropped. */

/** Why a sampled exchange was not mirrored: mirroring paused from the admin plane, a rule, or its content. */
export type ShadowSkipReason = 'paused' | 'method' | 'denied' | 'incomplete' | 'no-response';
/** Why an exchange that should have been mirrored was dropped: capacity or failure. */
export type ShadowDropReason = 'queue-full' | 'buffer-full' | 'redis-error' | 'record-error' | 'anonymiser-error' | 'shutdown';

export const SKIP_REASONS: readonly ShadowSkipReason[] = ['paused', 'method', 'denied', 'incomplete', 'no-response'];
export const DROP_REASONS: readonly ShadowDropReason[] = ['queue-full', 'buffer-full', 'redis-error', 'record-error', 'anonymiser-error', 'shutdown'];

/** The proxy's shadow counters (since start), for /metrics and `parity shadow status`. */
export interface ShadowCounters {
  /** Sampled exchanges offered to the sink. */
  offered: number;
  /** Jobs added to the shadow queue. */
  enqueued: number;
  skipped: Record<ShadowSkipReason, number>;
  dropped: Record<ShadowDropReason, number>;
  /** Waiting jobs in the shadow queue, as last read from Redis. */
  queueDepth: number;
  /** Exchanges handed to the capture thread for shadowing and not yet enqueued or dropped. */
  inFlight: number;
}

export function zeroCounters(): ShadowCounters {
  return {
    offered: 0,
    enqueued: 0,
    skipped: Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<ShadowSkipReason, number>,
    dropped: Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<ShadowDropReason, number>,
    queueDepth: 0,
    inFlight: 0,
  };
}
