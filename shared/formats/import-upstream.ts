import type { Redis } from 'ioredis';
import { redactUrl } from '../errors.js';
import { sameOrigin } from '../origin.js';
import type { CaptureRecord } from '../record/schema.js';
import { keys } from '../redis/keys.js';
import { markSessionUpstream } from '../session/store.js';
import type { SessionHeader } from './ndjson.js';

/**
 * The upstream an import gives its session, which replay then refuses as a
 * target. A Parity export's header names it, and wins over a record's Host
 * (for a capture, the proxy's); for other files the first record with a Host
 * stands in. It is stored before the first records are, so an import that
 * stops part way (a malformed line, a truncated HAR) still keeps the check
 * on. A session that names another upstream keeps it, with a warning: the
 * check knows one upstream per session.
 */
export class ImportUpstream {
  readonly #redis: Redis;
  readonly #session: string;
  readonly #warn: (warning: string) => void;
  #fromHeader: string | undefined;
  #fromHost: string | undefined;
  #stored = false;

  constructor(redis: Redis, session: string, warn: (warning: string) => void) {
    this.#redis = redis;
    this.#session = session;
    this.#warn = warn;
  }

  /** A header read from the file (NDJSON's first line, HAR's log._parity). */
  header(h: SessionHeader): void {
    if (h.upstream === undefined) return;
    if (this.#fromHeader === undefined) this.#fromHeader = h.upstream;
    else if (!sameOrigin(h.upstream, this.#fromHeader)) {
      this.#warn(`the file names a second upstream, ${redactUrl(h.upstream)}, after ${redactUrl(this.#fromHeader)}: the session keeps the first, and replay will not refuse the second as a target`);
    }
  }

  /** A parsed record, before the anonymiser (which may rewrite its Host). */
  record(r: CaptureRecord): void {
    if (this.#fromHost === undefined && r.host) this.#fromHost = `${r.scheme}://${r.host}`;
  }

  /** Stores the upstream when it is known and not stored yet; call before appending records. */
  async beforeAppend(): Promise<void> {
    const upstream = this.#fromHeader ?? this.#fromHost;
    if (this.#stored || upstream === undefined) return;
    this.#stored = true;
    const current = await this.#redis.hget(keys.sessionMeta(this.#session), 'upstream');
    if (current === null) await markSessionUpstream(this.#redis, this.#session, upstream);
    else if (!sameOrigin(current, upstream)) {
      this.#warn(
        `session "${this.#session}" keeps its upstream ${current}; the imported records came from ${redactUrl(upstream)}, which replay will not refuse as a target: replay this session at staging only, or import into a session of its own`,
      );
    }
  }
}
