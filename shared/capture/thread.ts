import { parentPort, workerData } from 'node:worker_threads';
import { startCaptureHost } from './host.js';
import type { CaptureThreadSettings, FromThread, ToThread } from './protocol.js';

/**
 * The capture thread: holds its own Redis connection and does everything a
 * record costs besides teeing bytes — building it, decoding bodies,
 * anonymising, encoding, the XADD pipelines and, in shadow mode, the shadow
 * queue's addBulk — so none of it runs on the request thread. Started by
 * CaptureWriter (writer.ts), by way of backend.ts.
 */

const port = parentPort!;
const host = startCaptureHost(workerData as CaptureThreadSettings, (m: FromThread) => port.postMessage(m));

port.on('message', (m: ToThread) => {
  if (m.type === 'batch') host.accept(m.id, m.buffer);
  else if (m.type === 'shadow-counters') host.shadowCounters(m.counters);
  else void host.flush(m.timeoutMs, m.shadowCounters).then(() => port.postMessage({ type: 'flushed' } satisfies FromThread));
});
