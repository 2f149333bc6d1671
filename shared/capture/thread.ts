import { parentPort, workerData } from 'node:worker_threads';
import { createRedis } from '../redis/connect.js';
import { CapturePipeline } from './pipeline.js';
import type { CaptureThreadSettings, FromThread, ToThread } from './protocol.js';
import { decodeBatch } from './wire.js';

/**
 * The capture thread: holds its own Redis connection and does everything a
 * record costs besides teeing bytes — building it, decoding bodies,
 * anonymising, encoding and the XADD pipelines — so none of it runs on the
 * request thread. Started by CaptureWriter (writer.ts).
 */

const settings = workerData as CaptureThreadSettings;
const port = parentPort!;
const send = (m: FromThread) => port.postMessage(m);

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

const pipeline = new CapturePipeline(redis, settings, (settlement) => send({ type: 'settled', settlement }));

port.on('message', (m: ToThread) => {
  if (m.type === 'batch') pipeline.accept(decodeBatch(m.buffer));
  else if (m.type === 'flush') {
    void pipeline.flush(m.timeoutMs).then(() => {
      redis.disconnect();
      send({ type: 'flushed' });
    });
  }
});
