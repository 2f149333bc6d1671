import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { startCaptureHost } from './host.js';
import type { CaptureThreadSettings, FromThread, ToThread } from './protocol.js';

/**
 * The capture thread: holds its own Redis connection and does everything a
 * record costs besides teeing bytes — building it, decoding bodies,
 * anonymising, encoding, the XADD pipelines and, in shadow mode, the shadow
 * queue's addBulk — so none of it runs on the request thread. Started by
 * CaptureWriter (writer.ts), by way of backend.ts.
 *
 * On Linux the thread first lowers its own priority (PARITY_CAPTURE_NICE):
 * on a machine short of CPU the request thread then goes first, and capture
 * falls behind, buffers and at worst drops and counts — never the other way
 * round (docs/decisions.md, 2026-11-22).
 */

/** setpriority(2) on this thread alone, `nice` steps below the process: on Linux a thread id names one thread. Elsewhere, or when refused, nothing changes. */
function lowerOwnPriority(nice: number): void {
  if (nice <= 0 || process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) setPriority(tid, Math.min(19, getPriority(tid) + nice));
  } catch {
    // no /proc, or not allowed: capture runs at the process' priority
  }
}

const settings = workerData as CaptureThreadSettings;
lowerOwnPriority(settings.nice ?? 0);
const port = parentPort!;
const host = startCaptureHost(settings, (m: FromThread) => port.postMessage(m));

port.on('message', (m: ToThread) => {
  if (m.type === 'batch') host.accept(m.id, m.buffer);
  else if (m.type === 'shadow-counters') host.shadowCounters(m.counters);
  else if (m.type === 'shadow-send') host.shadowSend();
  else void host.flush(m.timeoutMs, m.shadowCounters).then(() => port.postMessage({ type: 'flushed' } satisfies FromThread));
});
