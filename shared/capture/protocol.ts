import type { ShadowCounters } from '../shadow/counters.js';
import type { ShadowSettlement, ShadowStageSettings } from '../shadow/protocol.js';

/** Messages between the capture writer (request thread) and the capture thread. */

/** Why a sampled exchange never reached the stream. */
export type DropReason =
  /** the bounded buffer was full while Redis was up (Redis slower than traffic) */
  | 'buffer-full'
  /** the bounded buffer was full while Redis was unreachable */
  | 'redis-down'
  /** Redis answered the write with an error */
  | 'redis-error'
  /** the anonymiser threw: the record is dropped rather than stored raw */
  | 'anonymiser-error'
  /** the record could not be built or encoded */
  | 'record-error'
  /** still buffered when the proxy stopped and the flush deadline passed */
  | 'shutdown';

export const DROP_REASONS: readonly DropReason[] = ['buffer-full', 'redis-down', 'redis-error', 'anonymiser-error', 'record-error', 'shutdown'];

/** What the capture thread needs to build and write records. Holds secrets: never log it. */
export interface CaptureThreadSettings {
  redisUrl: string;
  maxBodyBytes: number;
  streamMaxLen: number;
  retentionSeconds: number;
  /** The proxy's upstream (credentials redacted), named on each session's meta with every batch written to it. */
  upstream?: string;
  anonKey?: string;
  /** The rules file's `anonymise` section, unparsed. */
  anonRules?: unknown;
  /** Steps of niceness the capture thread takes below the process (Linux; ignored where threads have no priority of their own). */
  nice?: number;
  /** Set in shadow mode: the thread also enqueues the exchanges the shadow gate admitted. */
  shadow?: ShadowStageSettings;
}

/** Where an exchange of a batch goes (a bit set, per exchange). */
export const TO_CAPTURE = 1;
export const TO_SHADOW = 2;

/** A batch is a wire.ts buffer, transferred; `id` numbers batches for the shadow settlements. */
export type ToThread =
  | { type: 'batch'; id: number; buffer: ArrayBuffer }
  /** The shadow gate's counters, which the thread adds to Redis' per-minute buckets. */
  | { type: 'shadow-counters'; counters: ShadowCounters }
  /** Mirroring was paused: enqueue the shadow work that waits for a flush now. */
  | { type: 'shadow-send' }
  /** Write (and enqueue) what is held, at most `timeoutMs`; report the final shadow counters; disconnect. */
  | { type: 'flush'; timeoutMs: number; shadowCounters?: ShadowCounters };

/** Records of one batch are settled together once each was written or dropped. */
export interface Settlement {
  /** Exchanges of the batch (also those only mirrored): released from the writer's buffer now. */
  records: number;
  /** Buffer bytes the batch was charged; released now. */
  bytes: number;
  written: number;
  dropped: Partial<Record<DropReason, number>>;
}

export type FromThread =
  | { type: 'settled'; settlement: Settlement }
  | { type: 'redis'; up: boolean }
  | { type: 'shadow-settled'; settlement: ShadowSettlement }
  /** The shadow queue's depth, in exchanges. */
  | { type: 'shadow-depth'; depth: number }
  | { type: 'flushed' };
