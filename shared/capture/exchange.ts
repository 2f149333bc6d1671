/**
 * An exchange: one sampled request and the answer production gave, as the
 * proxy's request path builds it — lean on purpose. Headers stay in Node's
 * raw [name, value, name, value, ...] arrays and bodies stay as the chunks
 * that crossed the wire; turning this into a CaptureRecord (header pairs,
 * decoding gzip/br/deflate, anonymising, encoding) happens off the request
 * thread (see finish.ts and writer.ts).
 */

/** A body teed off the wire: the kept prefix and what was cut. */
export interface TappedBody {
  /** Chunks kept, at most the capture limit in total. */
  chunks: Buffer[];
  /** Bytes kept in `chunks`. */
  kept: number;
  /** Size of the whole body as it crossed the wire. */
  size: number;
  /** True when the body was larger than the capture limit. */
  truncated: boolean;
  /** Hex SHA-256 of the whole body; set when truncated. */
  sha256?: string;
}

/** Why an exchange has no response. */
export type ExchangeError = 'upstream-refused' | 'upstream-timeout' | 'upstream-error' | 'client-aborted';

export interface Exchange {
  session: string;
  /** Request start, µs since the Unix epoch. */
  ts: number;
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  httpVersion: string;
  scheme: 'http' | 'https';
  clientIp?: string;
  /** Raw request headers as Node parsed them (req.rawHeaders). */
  reqHeaders: string[];
  reqBody: TappedBody;
  status?: number;
  /** Raw response headers as the upstream sent them. */
  resHeaders?: string[];
  resTrailers?: string[];
  resBody?: TappedBody;
  /** Upstream time to first byte and total, µs. */
  ttfbUs: number;
  totalUs: number;
  /** Protocol of an upgraded connection (metadata only, no frames). */
  upgrade?: string;
  error?: ExchangeError;
}

/**
 * Where completed exchanges go once production has answered: the capture
 * writer is one sink; shadow mode adds another without touching the request
 * path. `offer` runs on the request thread and must be cheap and never throw.
 */
export interface ExchangeSink {
  readonly name: string;
  /** Checked at request start: does this sink want exchanges right now? */
  accepts(): boolean;
  offer(exchange: Exchange): void;
}
