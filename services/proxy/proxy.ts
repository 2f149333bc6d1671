import type { FastifyInstance } from 'fastify';
import type { CaptureMode } from '../../shared/capture/backend.js';
import { CaptureWriter, type CaptureStats } from '../../shared/capture/writer.js';
import type { RulesDocument } from '../../shared/config/rules.js';
import type { Config } from '../../shared/config/schema.js';
import { errorText, parityError, redactUrl } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { checkEvictionPolicy, connectRedis, createRedis, type Redis } from '../../shared/redis/connect.js';
import { Sampler } from '../../shared/sampling/sampler.js';
import type { ShadowGate } from '../../shared/shadow/gate.js';
import { markerHeader } from '../../shared/shadow/options.js';
import { ADMIN_EXTENSIONS, type AdminExtension } from './admin/extensions.js';
import { startAdminPlane } from './admin/server.js';
import { CaptureControl } from './capture-control.js';
import { startDataPlane } from './data-plane.js';
import { DEFAULT_ENGINE, type EngineName } from './engine.js';
import { createForwarder } from './forwarder.js';
import { createMetrics } from './metrics.js';
import { checkProxyConfig } from './start-checks.js';
import { TrafficStats } from './traffic.js';

/**
 * `parity proxy` as a library: the data plane in front of the upstream,
 * the capture writer (and any further sinks), and the admin plane.
 */

export interface ProxyOptions {
  config: Config;
  log: Logger;
  /** The parsed rules file (sections `sampling`, `anonymise`, ...). */
  rules?: RulesDocument;
  /** The rules file's path, named in errors. */
  rulesFile?: string;
  /** Proxying library; default http-proxy (see docs/decisions.md). */
  engine?: EngineName;
  /** Where records are built and written; default 'thread'. */
  captureMode?: CaptureMode;
  /** Admin plane extensions; default ADMIN_EXTENSIONS. */
  adminExtensions?: readonly AdminExtension[];
  /** Shadow mode: the gate that admits exchanges to the shadow queue (shared/shadow/attach.ts). */
  shadowGate?: ShadowGate;
}

export interface RunningProxy {
  port: number;
  adminPort: number;
  control: CaptureControl;
  writer: CaptureWriter;
  admin: FastifyInstance;
  /** Stops accepting, lets requests finish (graceMs), flushes capture (flushMs); returns the final capture counters. */
  close(opts?: { graceMs?: number; flushMs?: number }): Promise<CaptureStats>;
}

export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const { config, log } = opts;
  if (!config.upstream) throw parityError('PARITY_ERR_CONFIG_INVALID', 'upstream is not set: give --upstream URL or PARITY_UPSTREAM');
  const upstream = new URL(config.upstream);
  const rules = opts.rules ?? {};
  const { sampling } = await checkProxyConfig(config, rules, opts.rulesFile);

  const redis = await openRedis(config, log);
  const writer = new CaptureWriter({
    mode: opts.captureMode ?? 'thread',
    redisUrl: config.redisUrl,
    maxBodyBytes: config.maxBodyBytes,
    streamMaxLen: config.streamMaxLen,
    retentionSeconds: config.retentionSeconds,
    // as markSessionUpstream stores it: the meta hash shows it, so never its credentials
    upstream: redactUrl(upstream.href),
    anonKey: config.anonKey,
    anonRules: rules.anonymise,
    bufferMaxRecords: config.bufferMaxRecords,
    bufferMaxBytes: config.bufferMaxBytes,
    nice: config.captureNice,
    ...(opts.shadowGate ? { shadowGate: opts.shadowGate } : {}),
    logger: log,
  });
  const traffic = new TrafficStats();
  const control = new CaptureControl({ session: config.session, writer, redis, upstream: upstream.href, traffic, log });
  if (redis.status === 'ready') await control.markUpstream();
  const sampler = new Sampler({ rate: config.sampleRate, routes: sampling.routes, sticky: sampling.sticky, maxPerSecond: config.maxCapturesPerSecond });
  const metrics = createMetrics({ traffic, sampler: sampler.stats, capture: () => writer.stats() });

  const forwarder = createForwarder({
    upstream,
    engine: opts.engine ?? DEFAULT_ENGINE,
    addForwardedHeaders: config.addForwardedHeaders,
    timeoutMs: config.upstreamTimeoutMs,
    maxBodyBytes: config.maxBodyBytes,
    sampler,
    sinks: [writer],
    session: () => control.session,
    stats: traffic,
    log,
    marker: markerHeader(config.shadowMarker),
  });
  const stopped: (() => Promise<unknown>)[] = [() => writer.close(1000), () => Promise.resolve(redis.disconnect())];
  try {
    const data = await startDataPlane(forwarder, config.listen);
    stopped.unshift(() => data.close(0));
    const admin = await startAdminPlane({ config, log, redis, control, metrics }, config.adminListen, opts.adminExtensions ?? ADMIN_EXTENSIONS);
    log.info(
      { port: data.port, adminPort: admin.port, upstream: redactUrl(upstream.href), session: control.session, sample: config.sampleRate, engine: opts.engine ?? DEFAULT_ENGINE },
      'proxy listening',
    );
    let closing: Promise<CaptureStats> | undefined;
    return {
      port: data.port,
      adminPort: admin.port,
      control,
      writer,
      admin: admin.app,
      close(o = {}) {
        closing ??= (async () => {
          await data.close(o.graceMs ?? 5000);
          const final = await writer.close(o.flushMs ?? 5000);
          // bounded by itself: it cuts admin requests in flight and drops the queue board's connections (admin/server.ts)
          await admin.app.close();
          redis.disconnect();
          log.info({ written: final.written, dropped: final.dropped }, 'proxy stopped');
          return final;
        })();
        return closing;
      },
    };
  } catch (err) {
    for (const stop of stopped) await stop().catch(() => undefined);
    throw err;
  }
}

/**
 * The proxy's own connection (admin plane, session meta). Unreachable at
 * start-up is PARITY_ERR_REDIS_UNREACHABLE unless --require-redis false:
 * then the proxy serves, counts drops, and ioredis keeps reconnecting.
 */
async function openRedis(config: Config, log: Logger): Promise<Redis> {
  try {
    const redis = await connectRedis(config.redisUrl, { name: 'parity-proxy', logger: log });
    await checkEvictionPolicy(redis, log);
    return redis;
  } catch (err) {
    if (config.requireRedis) throw err;
    log.warn({ err: errorText(err) }, 'Redis unreachable at start-up; serving anyway (--require-redis false), counting dropped records until it answers');
    const redis = createRedis(config.redisUrl, { name: 'parity-proxy', logger: log });
    redis.connect().catch(() => undefined);
    return redis;
  }
}
