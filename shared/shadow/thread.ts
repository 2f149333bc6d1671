import { parentPort, workerData } from 'node:worker_threads';
import { createRedis } from '../redis/connect.js';
import { ShadowPipeline } from './pipeline.js';
import type { FromShadowThread, ShadowThreadSettings, ToShadowThread } from './protocol.js';

/**
 * The shadow thread: its own Redis connection, and everything a shadow job
 * costs besides teeing bytes — building the record, anonymising, sealing,
 * encoding and BullMQ's addBulk — so none of it runs on the request thread.
 * Started by ShadowSink (sink.ts).
 */

const settings = workerData as ShadowThreadSettings;
const port = parentPort!;
const send = (m: FromShadowThread) => port.postMessage(m);

// fail fast while disconnected: the sink's bound holds what waits, not ioredis' offline queue
const redis = createRedis(settings.redisUrl, { name: 'parity-shadow', options: { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: false } });

const pipeline = new ShadowPipeline(redis, settings, {
  settled: (settlement) => send({ type: 'settled', settlement }),
  depth: (depth) => send({ type: 'depth', depth }),
});

port.on('message', (m: ToShadowThread) => {
  if (m.type === 'batch') pipeline.accept(m.id, m.batch);
  else if (m.type === 'counters') pipeline.reportCounters(m.counters);
  else if (m.type === 'flush') {
    void pipeline.flush(m.timeoutMs, m.counters).then(() => {
      redis.disconnect();
      send({ type: 'flushed' });
    });
  }
});
