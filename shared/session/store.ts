import type { ChainableCommander, Redis } from 'ioredis';
import { parityError, redactUrl } from '../errors.js';
import { decodeRecord, encodeRecordOnce, RECORD_FIELD } from '../record/codec.js';
import type { CapturedBody, CaptureRecord } from '../record/schema.js';
import { keys } from '../redis/keys.js';

/**
 * Reading and writing capture sessions in Redis: the stream of records, the
 * session's meta hash, and large bodies kept beside the stream.
 */

export const SESSION_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function assertSessionName(name: string): void {
  if (!SESSION_NAME.test(name)) {
    throw parityError('PARITY_ERR_SESSION_NAME', `"${name.slice(0, 80)}" is not a valid session name`);
  }
}

export interface AppendOptions {
  /** XADD MAXLEN ~ bound. */
  maxLen: number;
  /** Bodies larger than this (bytes) are kept beside the stream. Default 4096. */
  inlineBodyBytes?: number;
  /** TTL (s) of bodies kept beside the stream. */
  bodyTtlSeconds: number;
  /** When set, each touched stream is also trimmed to ids from this Unix time (ms) on (XTRIM MINID ~). */
  minIdMs?: number;
  /**
   * The upstream the records were captured from (credentials redacted): set
   * on each touched session's meta unless it names one already (HSETNX),
   * before its first XADD. A meta hash lost while a proxy captures (Redis
   * restarted, `sessions delete`) names it again with the next batch, so
   * replay's production-target check never finds the records without it.
   */
  upstream?: string;
}

const DEFAULT_INLINE = 4096;

/**
 * Queues the commands that append `records` to their sessions' streams on a
 * pipeline (the caller executes it, so many batches can share one round trip).
 */
export function appendToPipeline(pipe: ChainableCommander, records: readonly CaptureRecord[], opts: AppendOptions): void {
  const inline = opts.inlineBodyBytes ?? DEFAULT_INLINE;
  const touched = new Map<string, number>();
  for (const r of records) {
    if (opts.upstream !== undefined && !touched.has(r.session)) pipe.hsetnx(keys.sessionMeta(r.session), 'upstream', opts.upstream);
    const entry = externalise(pipe, r, inline, opts.bodyTtlSeconds);
    pipe.xadd(keys.sessionStream(r.session), 'MAXLEN', '~', opts.maxLen, '*', RECORD_FIELD, encodeRecordOnce(entry));
    touched.set(r.session, (touched.get(r.session) ?? 0) + 1);
  }
  const now = Date.now();
  for (const [session, n] of touched) {
    pipe.sadd(keys.sessions, session);
    pipe.hincrby(keys.sessionMeta(session), 'captured', n);
    pipe.hset(keys.sessionMeta(session), 'updatedAt', now);
    pipe.hsetnx(keys.sessionMeta(session), 'createdAt', now);
    if (opts.minIdMs !== undefined) pipe.xtrim(keys.sessionStream(session), 'MINID', '~', Math.max(0, Math.floor(opts.minIdMs)));
  }
}

/** Appends and waits; returns the number of records written. */
export async function appendRecords(redis: Redis, records: readonly CaptureRecord[], opts: AppendOptions): Promise<number> {
  if (records.length === 0) return 0;
  const pipe = redis.pipeline();
  appendToPipeline(pipe, records, opts);
  const results = (await pipe.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed?.[0]) throw parityError('PARITY_ERR_REDIS_COMMAND', `appending records failed: ${failed[0].message}`);
  return records.length;
}

function externalise(pipe: ChainableCommander, r: CaptureRecord, inline: number, ttl: number): CaptureRecord {
  const moveReq = r.req.body.bytes.length > inline;
  const moveRes = r.res !== null && r.res.body.bytes.length > inline;
  if (!moveReq && !moveRes) return r;
  const out: CaptureRecord = { ...r };
  if (moveReq) {
    pipe.set(keys.sessionBody(r.session, r.id, 'req'), r.req.body.bytes, 'EX', ttl);
    out.req = { ...r.req, body: { ...r.req.body, bytes: Buffer.alloc(0), ext: true } };
  }
  if (moveRes && r.res) {
    pipe.set(keys.sessionBody(r.session, r.id, 'res'), r.res.body.bytes, 'EX', ttl);
    out.res = { ...r.res, body: { ...r.res.body, bytes: Buffer.alloc(0), ext: true } };
  }
  return out;
}

/** A record as read back, with the stream entry id it was stored under. */
export interface StoredRecord {
  streamId: string;
  record: CaptureRecord;
}

export interface ReadOptions {
  /** Stream id (inclusive) to start from; default '-'. */
  from?: string;
  /** Stream id (inclusive) to stop at; default '+'. */
  to?: string;
  /** Stop after this many records. */
  limit?: number;
  /** XRANGE page size; default 200. */
  pageSize?: number;
}

/** Reads a session's records in capture order, page by page, with side bodies restored. */
export async function* readRecords(redis: Redis, session: string, opts: ReadOptions = {}): AsyncGenerator<StoredRecord> {
  const stream = keys.sessionStream(session);
  const pageSize = opts.pageSize ?? 200;
  let from = opts.from ?? '-';
  const to = opts.to ?? '+';
  let left = opts.limit ?? Infinity;
  while (left > 0) {
    const page = (await redis.xrangeBuffer(stream, from, to, 'COUNT', Math.min(pageSize, left))) as [Buffer, Buffer[]][];
    if (page.length === 0) return;
    const records = page.map(([id, fields]) => ({ streamId: id.toString(), record: decodeFields(fields) }));
    await restoreBodies(redis, session, records.map((r) => r.record));
    for (const r of records) yield r;
    left -= page.length;
    if (page.length < Math.min(pageSize, left + page.length)) return;
    from = `(${records[records.length - 1]!.streamId}`;
  }
}

function decodeFields(fields: Buffer[]): CaptureRecord {
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i]!.toString() === RECORD_FIELD) return decodeRecord(fields[i + 1]!);
  }
  throw parityError('PARITY_ERR_RECORD_INVALID', 'stream entry has no record field');
}

async function restoreBodies(redis: Redis, session: string, records: CaptureRecord[]): Promise<void> {
  const wanted: { body: CapturedBody; key: string }[] = [];
  for (const r of records) {
    const rb = r.req.body;
    if (rb.ext) wanted.push({ body: rb, key: keys.sessionBody(session, r.id, 'req') });
    const sb = r.res?.body;
    if (sb?.ext) wanted.push({ body: sb, key: keys.sessionBody(session, r.id, 'res') });
  }
  if (wanted.length === 0) return;
  const values = await redis.mgetBuffer(...wanted.map((w) => w.key));
  wanted.forEach((w, i) => {
    const v = values[i];
    delete w.body.ext;
    if (v) w.body.bytes = v;
    else {
      // expired beside the stream: the record stays, its body is flagged
      w.body.bytes = Buffer.alloc(0);
      w.body.truncated = true;
    }
  });
}

export interface SessionInfo {
  name: string;
  records: number;
  firstTs?: number;
  lastTs?: number;
  firstId?: string;
  lastId?: string;
  upstream?: string;
  createdAt?: number;
  updatedAt?: number;
  captured: number;
}

export async function sessionExists(redis: Redis, session: string): Promise<boolean> {
  return (await redis.exists(keys.sessionStream(session), keys.sessionMeta(session))) > 0;
}

export async function sessionInfo(redis: Redis, session: string): Promise<SessionInfo> {
  assertSessionName(session);
  if (!(await sessionExists(redis, session))) {
    throw parityError('PARITY_ERR_SESSION_NOT_FOUND', `no session "${session}" in Redis`);
  }
  const stream = keys.sessionStream(session);
  const [len, meta, first, last] = await Promise.all([
    redis.xlen(stream),
    redis.hgetall(keys.sessionMeta(session)),
    redis.xrangeBuffer(stream, '-', '+', 'COUNT', 1) as Promise<[Buffer, Buffer[]][]>,
    redis.xrevrangeBuffer(stream, '+', '-', 'COUNT', 1) as Promise<[Buffer, Buffer[]][]>,
  ]);
  const info: SessionInfo = { name: session, records: len, captured: Number(meta.captured ?? 0) };
  if (meta.upstream) info.upstream = meta.upstream;
  if (meta.createdAt) info.createdAt = Number(meta.createdAt);
  if (meta.updatedAt) info.updatedAt = Number(meta.updatedAt);
  if (first[0]) {
    info.firstId = first[0][0].toString();
    info.firstTs = decodeFields(first[0][1]).ts;
  }
  if (last[0]) {
    info.lastId = last[0][0].toString();
    info.lastTs = decodeFields(last[0][1]).ts;
  }
  return info;
}

export async function listSessions(redis: Redis): Promise<SessionInfo[]> {
  const names = (await redis.smembers(keys.sessions)).sort();
  const out: SessionInfo[] = [];
  for (const name of names) {
    if (await sessionExists(redis, name)) out.push(await sessionInfo(redis, name));
    else await redis.srem(keys.sessions, name);
  }
  return out;
}

/** Records the upstream a session captures from (used by the replay safety check). */
export async function markSessionUpstream(redis: Redis, session: string, upstream: string): Promise<void> {
  await redis
    .multi()
    .sadd(keys.sessions, session)
    // the upstream as sessions list shows it: never its credentials
    .hset(keys.sessionMeta(session), 'upstream', redactUrl(upstream))
    .hsetnx(keys.sessionMeta(session), 'createdAt', Date.now())
    .hsetnx(keys.sessionMeta(session), 'captured', 0)
    .exec();
}

/** Deletes a session's stream, meta and side bodies; returns the records removed. */
export async function deleteSession(redis: Redis, session: string): Promise<number> {
  const info = await sessionInfo(redis, session);
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.sessionBodyPattern(session), 'COUNT', 500);
    if (found.length) await redis.unlink(...found);
    cursor = next;
  } while (cursor !== '0');
  await redis.multi().unlink(keys.sessionStream(session), keys.sessionMeta(session)).srem(keys.sessions, session).exec();
  return info.records;
}
