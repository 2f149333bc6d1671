import type { TappedBody } from './exchange.js';

/**
 * Tees a body as it streams past: keeps chunk references (no copy) up to
 * `limit` bytes and counts the rest, so a body costs one array push per
 * chunk. A truncated body is not hashed: the SHA-256 of a raw body is a
 * function of its personal data (a short or templated body is found again
 * by trying values), and the anonymiser would drop it anyway.
 */
export class BodyTap {
  readonly body: TappedBody = { chunks: [], kept: 0, size: 0, truncated: false };
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Call from a 'data' listener. A method, not an arrow field: per-instance closures cost on every sampled request. */
  push(chunk: Buffer): void {
    const b = this.body;
    b.size += chunk.length;
    if (b.truncated) return;
    if (b.kept + chunk.length <= this.#limit) {
      b.chunks.push(chunk);
      b.kept += chunk.length;
      return;
    }
    b.truncated = true;
    const room = this.#limit - b.kept;
    if (room > 0) {
      b.chunks.push(chunk.subarray(0, room));
      b.kept += room;
    }
  }

  /** Completes the tap; call once the body ended (or was cut short). */
  finish(): TappedBody {
    return this.body;
  }
}

/** A body with nothing in it. */
export function emptyTappedBody(): TappedBody {
  return { chunks: [], kept: 0, size: 0, truncated: false };
}
