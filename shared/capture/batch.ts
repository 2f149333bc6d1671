import type { Exchange, TappedBody } from './exchange.js';

/**
 * A batch of exchanges on its way to the capture thread. Body chunks are
 * copied into one arena whose ArrayBuffer is transferred, not cloned:
 * structured-cloning a Buffer copies its whole backing ArrayBuffer, and
 * socket chunks and small Buffers share 8 KiB pools.
 */

export interface WireBody {
  off: number;
  len: number;
  size: number;
  truncated: boolean;
  sha256?: string;
}

export type WireExchange = Omit<Exchange, 'reqBody' | 'resBody'> & { reqBody: WireBody; resBody?: WireBody };

export interface ExchangeBatch {
  exchanges: WireExchange[];
  arena: ArrayBuffer;
  /** Bytes the batch was charged against the capture buffer (see writer.ts). */
  charged: number;
}

/** Packs exchanges whose bodies keep `bodyBytes` bytes in all. */
export function packBatch(exchanges: readonly Exchange[], bodyBytes: number, charged: number): ExchangeBatch {
  const arena = Buffer.allocUnsafeSlow(bodyBytes);
  let off = 0;
  const put = (b: TappedBody): WireBody => {
    const start = off;
    for (const c of b.chunks) off += c.copy(arena, off);
    const w: WireBody = { off: start, len: off - start, size: b.size, truncated: b.truncated };
    if (b.sha256) w.sha256 = b.sha256;
    return w;
  };
  const wire = exchanges.map((e): WireExchange => {
    const { reqBody, resBody, ...rest } = e;
    const w: WireExchange = { ...rest, reqBody: put(reqBody) };
    if (resBody) w.resBody = put(resBody);
    return w;
  });
  return { exchanges: wire, arena: arena.buffer, charged };
}

/** The kept bytes of a body, as a view into the batch's arena. */
export function bodyBytes(batch: ExchangeBatch, b: WireBody): Buffer {
  return Buffer.from(batch.arena, b.off, b.len);
}

/** Rough bytes an exchange holds while buffered (bodies plus headers). */
export function exchangeBytes(e: Exchange): number {
  let n = 256 + e.reqBody.kept + (e.resBody?.kept ?? 0);
  for (const h of e.reqHeaders) n += h.length;
  if (e.resHeaders) for (const h of e.resHeaders) n += h.length;
  return n;
}
