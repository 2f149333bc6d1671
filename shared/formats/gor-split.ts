import { MalformedInput } from './malformed.js';

/**
 * Splitting a GoReplay file into messages. GoReplay writes each message as
 * a header line (`<type> <id> <timestamp ns> [<latency ns>]`), the raw HTTP
 * payload, and the separator line `🐵🙈🙉` (the payload is followed by
 * "\n🐵🙈🙉\n"). Only one message is held in memory at a time.
 */

export const GOR_SEPARATOR = Buffer.from('\n🐵🙈🙉\n', 'utf8');

/** One message: its bytes (header line and payload) and where it starts. */
export interface GorMessage {
  data: Buffer;
  /** Byte offset of the message's first byte in the (decompressed) file. */
  offset: number;
  /** 1-based message number. */
  index: number;
}

function checkStart(first: number | undefined, second: number | undefined, offset: number, index: number): void {
  const typeOk = first === undefined || (first >= 0x31 && first <= 0x33);
  const spaceOk = second === undefined || second === 0x20;
  if (!typeOk || !spaceOk) {
    throw new MalformedInput({ item: `message ${index}`, offset }, 'a GoReplay message starts with its type (1, 2 or 3) and a space: this is not a .gor file, or the separator line before it is damaged');
  }
}

function lastBytes(parts: Buffer[], n: number): Buffer {
  const out: Buffer[] = [];
  let need = n;
  for (let i = parts.length - 1; i >= 0 && need > 0; i--) {
    const p = parts[i]!;
    const take = Math.min(need, p.length);
    out.unshift(p.subarray(p.length - take));
    need -= take;
  }
  return Buffer.concat(out);
}

/** Yields the messages of a .gor stream; a message over `maxMessageBytes` is an error. */
export async function* gorMessages(source: AsyncIterable<Buffer>, maxMessageBytes = 128 * 1024 * 1024): AsyncGenerator<GorMessage> {
  const sepLen = GOR_SEPARATOR.length;
  let parts: Buffer[] = [];
  let partLen = 0;
  let msgStart = 0;
  let consumed = 0;
  let index = 1;
  const take = (tail: Buffer, dropFromParts: number): GorMessage => {
    let data = parts.length ? Buffer.concat([...parts, tail]) : tail;
    if (dropFromParts > 0) data = data.subarray(0, data.length - dropFromParts);
    const msg = { data, offset: msgStart, index: index++ };
    parts = [];
    partLen = 0;
    return msg;
  };
  for await (const chunk of source) {
    let pos = 0;
    if (partLen > 0) {
      // The separator may straddle what is buffered and this chunk.
      const tailLen = Math.min(sepLen - 1, partLen);
      const probe = Buffer.concat([lastBytes(parts, tailLen), chunk.subarray(0, sepLen - 1)]);
      const i = probe.indexOf(GOR_SEPARATOR);
      if (i >= 0 && i < tailLen) {
        yield take(Buffer.alloc(0), tailLen - i);
        pos = sepLen - (tailLen - i);
        msgStart = consumed + pos;
      }
    }
    for (;;) {
      if (partLen === 0 && pos < chunk.length) checkStart(chunk[pos], chunk[pos + 1], consumed + pos, index);
      const i = chunk.indexOf(GOR_SEPARATOR, pos);
      if (i < 0) break;
      yield take(chunk.subarray(pos, i), 0);
      pos = i + sepLen;
      msgStart = consumed + pos;
    }
    if (pos < chunk.length) {
      if (partLen === 1 && parts[0]!.length === 1) checkStart(parts[0]![0], chunk[pos], msgStart, index);
      parts.push(chunk.subarray(pos));
      partLen += chunk.length - pos;
      if (partLen > maxMessageBytes) {
        throw new MalformedInput({ item: `message ${index}`, offset: msgStart }, `no separator line within ${maxMessageBytes} bytes: not a .gor file, or a damaged one`);
      }
    }
    consumed += chunk.length;
  }
  if (partLen > 0) {
    const rest = Buffer.concat(parts);
    if (rest.toString('latin1').trim() !== '') {
      throw new MalformedInput({ item: `message ${index}`, offset: msgStart }, 'the file ends inside a message (no separator line after it): truncated?');
    }
  }
}
