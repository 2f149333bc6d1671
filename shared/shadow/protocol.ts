import type { ShadowDropReason } from './counters.js';
import type { ShadowDestination } from './job.js';

/**
 * What passes between shadow mode's two halves: the gate on the request
 * thread (gate.ts) and the stage on the capture thread (stage.ts), by way of
 * the capture writer's messages (shared/capture/protocol.ts).
 */

/** What the capture thread needs to enqueue shadow jobs. Holds a secret (the sealing key): never log it. */
export interface ShadowStageSettings {
  destination: ShadowDestination;
  raw?: { key: Buffer; ttlSeconds: number };
  retentionSeconds: number;
  /** Longest wait of a flush for more exchanges, ms (default 1000, enqueuer.ts); tests lengthen it to see what sends sooner. */
  flushDelayMs?: number;
}

/** The outcome of one batch's mirrored exchanges, posted back so the gate can release its share of the bound. */
export interface ShadowSettlement {
  /** The capture batch's id. */
  id: number;
  records: number;
  enqueued: number;
  dropped: Partial<Record<ShadowDropReason, number>>;
}
