import { Pool } from 'undici';

/**
 * undici pools shared by every chunk a worker process runs, one per target
 * origin, connection limit and scope, so that consecutive chunks of a run
 * reuse warm keep-alive connections. Pools nobody used for a minute are
 * closed.
 *
 * A closed-model lane gets a pool of its own (scope: run and lane) with one
 * connection per virtual user. A larger shared pool opened more: a user
 * sends its next request as soon as it has read an answer, before undici
 * marks that socket free again, so the pool opened another (49 sockets for
 * 32 users back to back in a probe). Staging then saw more connections than
 * the run's users, and each new one paid a connect (a TLS handshake in
 * practice); with the pool sized to the users, that request waits a tick for
 * its socket instead.
 */
export class TargetPools {
  readonly #pools = new Map<string, { pool: Pool; usedAt: number; users: number }>();
  readonly #sweep: NodeJS.Timeout;

  constructor(idleMs = 60_000) {
    this.#sweep = setInterval(() => this.#closeIdle(idleMs), Math.min(idleMs, 10_000));
    this.#sweep.unref();
  }

  /** A pool for `origin` (of `scope`, when given); call `release` when the chunk is done with it. */
  acquire(origin: string, connections: number, scope = ''): { pool: Pool; release: () => void } {
    const key = `${origin} ${connections} ${scope}`;
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
