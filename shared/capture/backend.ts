import type { Worker } from 'node:worker_threads';
import { createRedis } from '../redis/connect.js';
import { CapturePipeline } from './pipeline.js';
import type { CaptureThreadSettings, FromThread, Settlement, ToThread } from './protocol.js';
import { decodeBatch } from './wire.js';
import { startModuleThread } from '../thread.js';

/**
 * Where the capture writer sends its batches: a worker thread with its own
 * Redis connection (the default), or the same pipeline run inline on the
 * request thread (kept to measure the difference; see docs/decisions.md).
 */
export interface CaptureBackend {
  /** Hands over a batch encoded by BatchEncoder (wire.ts); the buffer is transferred. */
  post(batch: ArrayBuffer): void;
  /** Writes what is buffered, at most `timeoutMs`, then releases the connection. */
  close(timeoutMs: number): Promise<void>;
}

export interface BackendEvents {
  settled(s: Settlement): void;
  redis(up: boolean): void;
  /** The capture thread died; the writer counts its batches as lost. */
  failed(err: Error): void;
}

export type CaptureMode = 'thread' | 'inline';

export function startBackend(mode: CaptureMode, settings: CaptureThreadSettings, events: BackendEvents): CaptureBackend {
  return mode === 'inline' ? inlineBackend(settings, events) : threadBackend(settings, events);
}

function inlineBackend(settings: CaptureThreadSettings, events: BackendEvents): CaptureBackend {
  const redis = createRedis(settings.redisUrl, { name: 'parity-capture', options: { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: false } });
  redis.on('ready', () => events.redis(true));
  redis.on('close', () => events.redis(false));
  const pipeline = new CapturePipeline(redis, settings, (s) => events.settled(s));
  return {
    post: (batch) => pipeline.accept(decodeBatch(batch)),
    async close(timeoutMs) {
      await pipeline.flush(timeoutMs);
      redis.disconnect();
    },
  };
}

/** The thread: thread.ts from sources, thread.js once compiled (shared/thread.ts). */
function spawnThread(settings: CaptureThreadSettings): Worker {
  return startModuleThread(import.meta.url, './thread', settings);
}

function threadBackend(settings: CaptureThreadSettings, events: BackendEvents): CaptureBackend {
  const worker = spawnThread(settings);
  let closing = false;
  let flushed: (() => void) | undefined;
  worker.on('message', (m: FromThread) => {
    if (m.type === 'settled') events.settled(m.settlement);
    else if (m.type === 'redis') events.redis(m.up);
    else if (m.type === 'flushed') flushed?.();
  });
  worker.on('error', (err) => {
    if (!closing) events.failed(err);
  });
  worker.on('exit', (code) => {
    flushed?.();
    if (!closing) events.failed(new Error(`capture thread exited with code ${code}`));
  });
  return {
    post: (buffer) => worker.postMessage({ type: 'batch', buffer } satisfies ToThread, [buffer]),
    async close(timeoutMs) {
      closing = true;
      const done = new Promise<void>((resolve) => (flushed = resolve));
      worker.postMessage({ type: 'flush', timeoutMs } satisfies ToThread);
      // the thread answers within timeoutMs; the margin covers a wedged thread
      const cap = setTimeout(() => flushed?.(), timeoutMs + 1000);
      await done;
      clearTimeout(cap);
      await worker.terminate();
    },
  };
}
