import type { Redis } from 'ioredis';
import type { CaptureStats, CaptureWriter } from '../../shared/capture/writer.js';
import { errorText } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { assertSessionName, markSessionUpstream } from '../../shared/session/store.js';
import type { TrafficStats } from './traffic.js';

/**
 * The capture session a running proxy writes to, and whether it captures
 * at all: switched at run time from the admin plane (session start/stop).
 * A request keeps the session it started under.
 */
export class CaptureControl {
  #session: string;
  readonly #writer: CaptureWriter;
  readonly #redis: Redis;
  readonly #upstream: string;
  readonly #traffic: TrafficStats;
  readonly #log: Logger;

  constructor(opts: { session: string; writer: CaptureWriter; redis: Redis; upstream: string; traffic: TrafficStats; log: Logger }) {
    this.#session = opts.session;
    this.#writer = opts.writer;
    this.#redis = opts.redis;
    this.#upstream = opts.upstream;
    this.#traffic = opts.traffic;
    this.#log = opts.log;
  }

  get session(): string {
    return this.#session;
  }

  get capturing(): boolean {
    return !this.#writer.paused;
  }

  /**
   * Records the upstream on the session (the replay safety check reads it).
   * Returns false when Redis did not answer; capture goes on regardless.
   */
  async markUpstream(session = this.#session): Promise<boolean> {
    try {
      await withTimeout(markSessionUpstream(this.#redis, session, this.#upstream), 2000);
      return true;
    } catch (err) {
      this.#log.warn({ session, err: errorText(err) }, 'could not record the session upstream in Redis; capture goes on');
      return false;
    }
  }

  /** Captures into `session` (default: the current one) from now on. */
  async start(session?: string): Promise<{ session: string; upstreamMarked: boolean }> {
    if (session !== undefined) assertSessionName(session);
    const next = session ?? this.#session;
    const upstreamMarked = await this.markUpstream(next);
    this.#session = next;
    this.#writer.paused = false;
    this.#log.info({ session: next }, 'capture started');
    return { session: next, upstreamMarked };
  }

  /** Pauses capture; traffic is proxied as before. */
  stop(): void {
    this.#writer.paused = true;
    this.#log.info({ session: this.#session }, 'capture paused');
  }

  stats(): { session: string; capturing: boolean; proxied: number; sampled: number; active: number; failures: TrafficStats['failures']; capture: CaptureStats } {
    const t = this.#traffic;
    return { session: this.#session, capturing: this.capturing, proxied: t.proxied, sampled: t.sampled, active: t.active, failures: { ...t.failures }, capture: this.#writer.stats() };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
