import type { Worker } from 'node:worker_threads';
import type { ShadowCounters } from '../shadow/counters.js';
import type { ShadowSettlement } from '../shadow/protocol.js';
import { startCaptureHost } from './host.js';
import type { CaptureThreadSettings, FromThread, Settlement, ToThread } from './protocol.js';
import { startModuleThread } from '../thread.js';

/**
 * Where the capture writer sends its batches: a worker thread with its own
 * Redis connection (the default), or the same host run inline on the
 * request thread (kept to measure the difference; see docs/decisions.md).
 */
export interface CaptureBackend {
  /** Hands over batch `id`, encoded by BatchEncoder (wire.ts); the buffer is transferred. */
  post(id: number, batch: ArrayBuffer): void;
  /** The shadow gate's counters, for the per-minute buckets in Redis. */
  shadowCounters(c: ShadowCounters): void;
  /** Mirroring was paused: the shadow work waiting for a flush goes now (after every batch posted before). */
  shadowSend(): void;
  /** Writes what is buffered, at most `timeoutMs`, reports `shadowFinal`, then releases the connection. */
  close(timeoutMs: number, shadowFinal?: ShadowCounters): Promise<void>;
}

export interface BackendEvents {
  settled(s: Settlement): void;
  redis(up: boolean): void;
  shadowSettled(s: ShadowSettlement): void;
  shadowDepth(depth: number): void;
  /** The capture thread died; the writer counts its batches as lost. */
  failed(err: Error): void;
}

export type CaptureMode = 'thread' | 'inline';

export function startBackend(mode: CaptureMode, settings: CaptureThreadSettings, events: BackendEvents): CaptureBackend {
  return mode === 'inline' ? inlineBackend(settings, events) : threadBackend(settings, events);
}

function dispatch(events: BackendEvents, m: FromThread, flushed?: () => void): void {
  if (m.type === 'settled') events.settled(m.settlement);
  else if (m.type === 'redis') events.redis(m.up);
  else if (m.type === 'shadow-settled') events.shadowSettled(m.settlement);
  else if (m.type === 'shadow-depth') events.shadowDepth(m.depth);
  else flushed?.();
}

function inlineBackend(settings: CaptureThreadSettings, events: BackendEvents): CaptureBackend {
  const host = startCaptureHost(settings, (m) => dispatch(events, m));
  return {
    post: (id, batch) => host.accept(id, batch),
    shadowCounters: (c) => host.shadowCounters(c),
    shadowSend: () => host.shadowSend(),
    close: (timeoutMs, shadowFinal) => host.flush(timeoutMs, shadowFinal),
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
  worker.on('message', (m: FromThread) => dispatch(events, m, () => flushed?.()));
  worker.on('error', (err) => {
    if (!closing) events.failed(err);
  });
  worker.on('exit', (code) => {
    flushed?.();
    if (!closing) events.failed(new Error(`capture thread exited with code ${code}`));
  });
  return {
    post: (id, buffer) => worker.postMessage({ type: 'batch', id, buffer } satisfies ToThread, [buffer]),
    shadowCounters: (counters) => worker.postMessage({ type: 'shadow-counters', counters } satisfies ToThread),
    shadowSend: () => worker.postMessage({ type: 'shadow-send' } satisfies ToThread),
    async close(timeoutMs, shadowFinal) {
      closing = true;
      const done = new Promise<void>((resolve) => (flushed = resolve));
      worker.postMessage({ type: 'flush', timeoutMs, ...(shadowFinal ? { shadowCounters: shadowFinal } : {}) } satisfies ToThread);
      // the thread answers within timeoutMs; the margin covers a wedged thread
      const cap = setTimeout(() => flushed?.(), timeoutMs + 1000);
      await done;
      clearTimeout(cap);
      await worker.terminate();
    },
  };
}
