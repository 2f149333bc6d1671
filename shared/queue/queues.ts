import { Queue, Worker, type Job, type Processor } from 'bullmq';
import { keys, queues } from '../redis/keys.js';

/**
 * BullMQ queues and workers, always under `keys.bullPrefix`: the prefix's
 * hash tag keeps each queue's keys on one Redis Cluster slot. BullMQ opens
 * its own connections (a worker's blocking one must not be shared) and
 * needs `maxRetriesPerRequest: null` on them.
 */

export type QueueName = (typeof queues)[keyof typeof queues];

function connection(redisUrl: string, name: string) {
  return { url: redisUrl, maxRetriesPerRequest: null, connectionName: name, enableOfflineQueue: true };
}

/** A queue handle for adding and inspecting jobs. */
export function openQueue<T = unknown>(name: QueueName, redisUrl: string): Queue<T> {
  return new Queue<T>(name, { connection: connection(redisUrl, `parity-queue-${name}`), prefix: keys.bullPrefix });
}

/** How a worker holds its jobs; the defaults are BullMQ's. */
export interface WorkerTuning {
  /** Jobs run at once. */
  concurrency: number;
  /** ms a job's lock lasts without renewal; a worker dead that long has its job taken over. Default 30000. */
  lockDurationMs?: number;
  /** ms between checks for stalled jobs (locks that expired). Default 30000. */
  stalledIntervalMs?: number;
  /** Times a job may stall before it fails. Default 3 (BullMQ: 1). */
  maxStalledCount?: number;
}

/** A BullMQ worker on `name` running `processor`. */
export function openWorker<T, R>(name: QueueName, redisUrl: string, processor: Processor<T, R>, tuning: WorkerTuning, workerName?: string): Worker<T, R> {
  return new Worker<T, R>(name, processor, {
    connection: connection(redisUrl, `parity-worker-${name}`),
    prefix: keys.bullPrefix,
    concurrency: tuning.concurrency,
    lockDuration: tuning.lockDurationMs ?? 30_000,
    stalledInterval: tuning.stalledIntervalMs ?? 30_000,
    maxStalledCount: tuning.maxStalledCount ?? 3,
    ...(workerName ? { name: workerName } : {}),
  });
}

export type { Job, Queue, Worker };
