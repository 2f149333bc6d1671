import { errorText, isParityError } from '../errors.js';
import { fromJson, toJson } from '../record/convert.js';
import type { CaptureRecord } from '../record/schema.js';
import { readLines } from './lines.js';
import { MalformedInput } from './malformed.js';

/**
 * NDJSON: one capture record per line in its JSON form (shared/record:
 * toJson/fromJson), so export and import are lossless.
 */

/** One NDJSON line for a record (with its trailing newline). */
export function ndjsonLine(record: CaptureRecord): string {
  return `${JSON.stringify(toJson(record))}\n`;
}

/** Parses an NDJSON stream record by record; blank lines are skipped. */
export async function* readNdjson(source: AsyncIterable<Buffer>): AsyncGenerator<CaptureRecord> {
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
    let record: CaptureRecord;
    try {
      record = fromJson(data, 'record');
    } catch (err) {
      if (isParityError(err)) throw new MalformedInput({ line, offset }, `not a capture record: ${err.message}`);
      throw err;
    }
    yield record;
  }
}
