import { MalformedInput } from './malformed.js';

/** One line of a text file, without its line ending. */
export interface Line {
  text: string;
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line's first byte. */
  offset: number;
}

const NL = 0x0a;

/**
 * Splits a byte stream into lines without holding more than one line (plus
 * one chunk) in memory. A line longer than `maxLineBytes` is an error: it
 * means the file is not line-delimited, and holding it would exhaust memory.
 */
export async function* readLines(source: AsyncIterable<Buffer>, maxLineBytes = 256 * 1024 * 1024): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let partLen = 0;
  let lineNo = 1;
  let lineStart = 0;
  let consumed = 0;
  const finish = (tail: Buffer): Line => {
    let buf = parts.length ? Buffer.concat([...parts, tail]) : tail;
    if (buf.length && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, -1);
    const out = { text: buf.toString('utf8'), line: lineNo, offset: lineStart };
    parts = [];
    partLen = 0;
    return out;
  };
  for await (const chunk of source) {
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, pos);
      if (nl < 0) break;
      const line = finish(chunk.subarray(pos, nl));
      yield line;
      lineNo++;
      lineStart = consumed + nl + 1;
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      parts.push(chunk.subarray(pos));
      partLen += chunk.length - pos;
      if (partLen > maxLineBytes) throw new MalformedInput({ line: lineNo, offset: lineStart }, `line is longer than ${maxLineBytes} bytes; the file is not line-delimited`);
    }
    consumed += chunk.length;
  }
  if (partLen > 0) yield finish(Buffer.alloc(0));
}
