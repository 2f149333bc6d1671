import { createHash, type Hash } from 'node:crypto';
import type { TappedBody } from './exchange.js';

/**
 * Tees a body as it streams past: keeps chunk references (no copy) up to
 * `limit` bytes and counts the rest. Hashing starts only once the body
 * outgrows the limit, so the common small body costs one array push per
 * chunk; a truncated body gets the SHA-256 of all of it, kept part included.
 */
export class BodyTap {
  readonly body: TappedBody = { chunks: [], kept: 0, size: 0, truncated: false };
  #hash: Hash | undefined;
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Call from a 'data' listener. A method, not an arrow field: per-instance closures cost on every sampled request. */
  push(chunk: Buffer): void {
    const b = this.body;
    b.size += chunk.length;
    if (this.#hash) {
      this.#hash.update(chunk);
      return;
    }
    if (b.kept + chunk.length <= this.#limit) {
      b.chunks.push(chunk);
      b.kept += chunk.length;
      return;
    }
    b.truncated = true;
    const hash = createHash('sha256');
    for (const c of b.chunks) hash.update(c);
    hash.update(chunk);
    this.#hash = hash;
    const room = this.#limit - b.kept;
    if (room > 0) {
      b.chunks.push(chunk.subarray(0, room));
      b.kept += room;
    }
  }

  /** Completes the tap; call once the body ended (or was cut short). */
  finish(): TappedBody {
    if (this.#hash) {
      this.body.sha256 = this.#hash.digest('hex');
      this.#hash = undefined;
    }
    return this.body;
  }
}

/** A body with nothing in it. */
export function emptyTappedBody(): TappedBody {
  return { chunks: [], kept: 0, size: 0, truncated: false };
}
