import { errorText, isParityError } from '../errors.js';
import { fromJson, toJson } from '../record/convert.js';
import type { CaptureRecord } from '../record/schema.js';
import { readLines } from './lines.js';
import { MalformedInput } from './malformed.js';
import { unsendable } from './sendable.js';

/**
 * NDJSON: one capture record per line in its JSON form (shared/record:
 * toJson/fromJson), so export and import are lossless. An export of a
 * session with a known upstream starts with one line that is not a record,
 * `{"_parity":{"session":"S","upstream":"https://…"}}`: imported, the copy
 * keeps the upstream replay refuses as a target (without it, an export and
 * import turned that safety check off).
 */

/** What an export says about the session itself. */
export interface SessionHeader {
  session?: string;
  upstream?: string;
}

/** The NDJSON line that carries a session's header. */
export function ndjsonHeaderLine(header: SessionHeader): string {
  return `${JSON.stringify({ _parity: header })}\n`;
}

/** A session header read from an export (`_parity`), or undefined when `data` is none. */
export function sessionHeaderOf(data: unknown): SessionHeader | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const keys = Object.keys(data);
  if (keys.length !== 1 || keys[0] !== '_parity') return undefined;
  const h = (data as { _parity: unknown })._parity;
  if (typeof h !== 'object' || h === null) return undefined;
  const { session, upstream } = h as Record<string, unknown>;
  const out: SessionHeader = {};
  if (typeof session === 'string') out.session = session;
  if (typeof upstream === 'string' && /^https?:\/\/[^\s]{1,2048}$/i.test(upstream)) out.upstream = upstream;
  return out;
}

/** One NDJSON line for a record (with its trailing newline). */
export function ndjsonLine(record: CaptureRecord): string {
  return `${JSON.stringify(toJson(record))}\n`;
}

/** Parses an NDJSON stream record by record; blank lines are skipped. */
export async function* readNdjson(source: AsyncIterable<Buffer>, onHeader?: (h: SessionHeader) => void): AsyncGenerator<CaptureRecord> {
  for await (const { text, line, offset } of readLines(source)) {
    const trimmed = line === 1 ? text.replace(/^\uFEFF/, '').trim() : text.trim();
    if (trimmed === '') continue;
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (err) {
      // V8's message quotes the line's start, which may be personal data: only the position is kept
      const at = /position (\d+)/.exec(errorText(err))?.[1];
      throw new MalformedInput({ line, offset }, `not valid JSON${at === undefined ? '' : ` (at character ${Number(at) + 1})`}`);
    }
    const header = sessionHeaderOf(data);
    if (header) {
      onHeader?.(header);
      continue;
    }
    let record: CaptureRecord;
    try {
      record = fromJson(data, 'record');
    } catch (err) {
      if (isParityError(err)) throw new MalformedInput({ line, offset }, `not a capture record: ${err.message}`);
      throw err;
    }
    const problem = unsendable(record);
    if (problem) throw new MalformedInput({ line, offset }, `not a capture record a replay can send: ${problem}`);
    yield record;
  }
}
