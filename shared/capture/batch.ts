import type { Exchange } from './exchange.js';

/**
 * A batch of exchanges as the capture thread sees it once decoded (wire.ts):
 * bodies are offsets into one arena, the transferred ArrayBuffer.
 */

export interface WireBody {
  off: number;
  len: number;
  size: number;
  truncated: boolean;
  sha256?: string;
}

export type WireExchange = Omit<Exchange, 'reqBody' | 'resBody'> & {
  reqBody: WireBody;
  resBody?: WireBody;
  /** Where it goes: TO_CAPTURE and/or TO_SHADOW (protocol.ts). */
  to: number;
};

export interface ExchangeBatch {
  exchanges: WireExchange[];
  arena: ArrayBuffer;
  /** Bytes the batch was charged against the capture buffer (see writer.ts). */
  charged: number;
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
