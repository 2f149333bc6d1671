import type { ExchangeBatch } from '../capture/batch.js';
import type { ShadowCounters, ShadowDropReason } from './counters.js';
import type { ShadowDestination } from './job.js';

/** Messages between the shadow sink (request thread) and the shadow thread. */

/** What the shadow thread needs. Holds secrets (anonymiser and sealing keys): never log it. */
export interface ShadowThreadSettings {
  redisUrl: string;
  maxBodyBytes: number;
  anonKey?: string;
  /** The rules file's `anonymise` section, unparsed. */
  anonRules?: unknown;
  destination: ShadowDestination;
  raw?: { key: Buffer; ttlSeconds: number };
  retentionSeconds: number;
}

/** The outcome of one batch, posted back so the sink can release its share of the bound. */
export interface ShadowSettlement {
  /** The batch's sequence number (as posted). */
  id: number;
  records: number;
  enqueued: number;
  dropped: Partial<Record<ShadowDropReason, number>>;
}

export type ToShadowThread =
  | { type: 'batch'; id: number; batch: ExchangeBatch }
  /** The sink's counters, which the thread adds to Redis' per-minute buckets. */
  | { type: 'counters'; counters: ShadowCounters }
  /** Enqueue what is held, at most `timeoutMs`, report the final counters, disconnect. */
  | { type: 'flush'; timeoutMs: number; counters: ShadowCounters };

export type FromShadowThread = { type: 'settled'; settlement: ShadowSettlement } | { type: 'depth'; depth: number } | { type: 'flushed' };
