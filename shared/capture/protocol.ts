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
  anonKey?: string;
  /** The rules file's `anonymise` section, unparsed. */
  anonRules?: unknown;
}

/** A batch is a wire.ts buffer, transferred. */
export type ToThread = { type: 'batch'; buffer: ArrayBuffer } | { type: 'flush'; timeoutMs: number };

/** Records of one batch are settled together once each was written or dropped. */
export interface Settlement {
  records: number;
  /** Buffer bytes the batch was charged; released now. */
  bytes: number;
  written: number;
  dropped: Partial<Record<DropReason, number>>;
}

export type FromThread =
  | { type: 'settled'; settlement: Settlement }
  | { type: 'redis'; up: boolean }
  | { type: 'flushed' };
