import { createRedis } from '../redis/connect.js';
import type { ShadowCounters } from '../shadow/counters.js';
import { ShadowStage } from '../shadow/stage.js';
import { CapturePipeline } from './pipeline.js';
import type { CaptureThreadSettings, FromThread } from './protocol.js';
import { decodeBatch } from './wire.js';

/**
 * What runs behind the capture writer: one Redis connection, the capture
 * pipeline and, in shadow mode, the shadow stage fed by it. The capture
 * thread (thread.ts) hosts it; the inline backend (backend.ts) runs the same
 * on the request thread, to measure the difference.
 */
export interface CaptureHost {
  accept(id: number, buffer: ArrayBuffer): void;
  shadowCounters(c: ShadowCounters): void;
  /** Enqueues the shadow work waiting for a flush now. */
  shadowSend(): void;
  /** Writes and enqueues what is held (at most `timeoutMs`), reports `shadowFinal`, disconnects. */
  flush(timeoutMs: number, shadowFinal?: ShadowCounters): Promise<void>;
}

export function startCaptureHost(settings: CaptureThreadSettings, send: (m: FromThread) => void): CaptureHost {
  // Fail fast while disconnected: records wait in the appender's queue (bounded
  // by the writer) instead of ioredis' offline queue, and go out on 'ready'.
  const redis = createRedis(settings.redisUrl, {
    name: 'parity-capture',
    options: { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: false },
  });
  let up = false;
  const report = (now: boolean) => {
    if (now === up) return;
    up = now;
    send({ type: 'redis', up });
  };
  redis.on('ready', () => report(true));
  redis.on('close', () => report(false));
  const shadow = settings.shadow
    ? new ShadowStage(redis, settings.shadow, {
        settled: (settlement) => send({ type: 'shadow-settled', settlement }),
        depth: (depth) => send({ type: 'shadow-depth', depth }),
      })
    : undefined;
  const pipeline = new CapturePipeline(redis, settings, (settlement) => send({ type: 'settled', settlement }), shadow);
  return {
    accept: (id, buffer) => pipeline.accept(id, decodeBatch(buffer)),
    shadowCounters: (c) => shadow?.reportCounters(c),
    shadowSend: () => pipeline.shadowSend(),
    async flush(timeoutMs, shadowFinal) {
      await pipeline.flush(timeoutMs, shadowFinal);
      redis.disconnect();
    },
  };
}
