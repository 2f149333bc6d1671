import { Pool } from 'undici';

/**
 * undici pools shared by every chunk a worker process runs, one per target
 * origin and connection limit, so that consecutive chunks of a run reuse warm
 * keep-alive connections. Pools nobody used for a minute are closed.
 */
export class TargetPools {
  readonly #pools = new Map<string, { pool: Pool; usedAt: number; users: number }>();
  readonly #sweep: NodeJS.Timeout;

  constructor(idleMs = 60_000) {
    this.#sweep = setInterval(() => this.#closeIdle(idleMs), Math.min(idleMs, 10_000));
    this.#sweep.unref();
  }

  /** A pool for `origin`; call `release` when the chunk is done with it. */
  acquire(origin: string, connections: number): { pool: Pool; release: () => void } {
    const key = `${origin} ${connections}`;
    let entry = this.#pools.get(key);
    if (!entry) {
      // pipelining 1: a replayed request never waits behind another on one socket
      const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 10_000, connect: { timeout: 5000 } });
      entry = { pool, usedAt: Date.now(), users: 0 };
      this.#pools.set(key, entry);
    }
    entry.users++;
    const e = entry;
    return {
      pool: e.pool,
      release: () => {
        e.users--;
        e.usedAt = Date.now();
      },
    };
  }

  #closeIdle(idleMs: number): void {
    const now = Date.now();
    for (const [key, e] of this.#pools) {
      if (e.users === 0 && now - e.usedAt > idleMs) {
        this.#pools.delete(key);
        void e.pool.close().catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    const all = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(all.map((e) => e.pool.destroy().catch(() => undefined)));
  }
}
