import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readGor, type GorStats } from '../../shared/formats/gor-read.js';
import { GOR_SEPARATOR, gorMessages } from '../../shared/formats/gor-split.js';
import { gorMessagesOf } from '../../shared/formats/gor-write.js';
import { importIds } from '../../shared/formats/import.js';
import { MalformedInput } from '../../shared/formats/malformed.js';
import { openImportSource } from '../../shared/formats/source.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { chunked, collect, failure } from '../fixtures/chunks.js';
import { gorComparable, gorRecord } from '../fixtures/records.js';

const fixturePath = fileURLToPath(new URL('../fixtures/goreplay.gor', import.meta.url));
const fixture = readFileSync(fixturePath);
const stats = (): GorStats => ({ messages: 0, requestOnly: 0, orphanResponses: 0, replayedResponses: 0 });
const opts = (limit = 1024 * 1024) => ({ maxBodyBytes: limit, newId: importIds() });

async function read(data: Buffer | AsyncIterable<Buffer>, sizes?: number[], s = stats(), o = opts()): Promise<CaptureRecord[]> {
  return collect(readGor(Buffer.isBuffer(data) ? chunked(data, sizes) : data, o, s));
}

describe('GoReplay .gor import', () => {
  it('round-trips records written in GoReplay format, however the file is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(gorRecord, { maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 4 }), async (records, sizes) => {
        const file = Buffer.concat(records.map(gorMessagesOf));
        const back = await read(file, sizes);
        expect(back.map(gorComparable)).toEqual(records.map(gorComparable));
      }),
      { numRuns: 150 },
    );
  });

  it('imports a file written per the GoReplay format: pairs, chunked and gzip bodies, type 3 ignored', async () => {
    const s = stats();
    const records = await read(fixture, [64], s);
    expect(s).toEqual({ messages: 10, requestOnly: 1, orphanResponses: 0, replayedResponses: 1 });
    expect(records.map((r) => `${r.method} ${r.url} ${r.res?.status ?? '-'}`)).toEqual([
      'GET /api/users/1 200',
      'POST /api/orders 201',
      'GET /api/reports/daily 200',
      'GET /api/search?name=Zo%C3%AB 200',
      'GET /healthz -',
    ]);
    const [user, order, report, search, health] = records as [CaptureRecord, CaptureRecord, CaptureRecord, CaptureRecord, CaptureRecord];
    // Nanosecond timestamps become µs; the fourth header field is the round trip.
    expect(user.ts).toBe(1_763_716_502_123_456);
    expect(user.timing).toEqual({ ttfbUs: 2345, totalUs: 2345 });
    expect(user.host).toBe('shop.example.in');
    expect(user.req.headers[0]).toEqual(['host', 'shop.example.in']);
    expect(JSON.parse(user.res!.body.bytes.toString()).user.email).toBe('ananya.iyer@example.in');
    expect(JSON.parse(order.req.body.bytes.toString()).customer.name).toBe('Zoë Fernandes');
    expect(JSON.parse(order.res!.body.bytes.toString())).toMatchObject({ orderId: 'ORD-E878D28386', total: 698 });
    expect(report.res!.body.decodedFrom).toBe('gzip');
    expect(JSON.parse(report.res!.body.bytes.toString()).data[2].city).toBe('Jaipur');
    expect(report.res!.body.size).toBeLessThan(report.res!.body.bytes.length + 40);
    expect(JSON.parse(search.res!.body.bytes.toString()).query).toBe('Zoë');
    expect(health.res).toBeNull();
    expect(health.error).toBeUndefined();
  });

  it('reads .gor.gz the same as .gor', async () => {
    const src = await openImportSource(`${fixturePath}.gz`);
    expect(src.compressed).toBe(true);
    const a = await read(src.chunks);
    const b = await read(fixture);
    expect(a.map((r) => ({ ...r, id: '' }))).toEqual(b.map((r) => ({ ...r, id: '' })));
  });

  it('finds separators split across any chunk boundary', async () => {
    const whole = await read(fixture);
    for (const size of [1, 2, 3, 5, 7, 13, GOR_SEPARATOR.length - 1]) {
      const back = await read(fixture, [size]);
      expect(back.map((r) => ({ ...r, id: '' }))).toEqual(whole.map((r) => ({ ...r, id: '' })));
    }
  });

  it('pairs a response with its request across other messages, and imports requests left without one', async () => {
    const s = stats();
    const head = (t: number, id: string, extra = '') => Buffer.from(`${t} ${id} 1000${extra}\n`);
    const req = (path: string) => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`);
    const res = Buffer.from('HTTP/1.1 204 No Content\r\n\r\n');
    const file = Buffer.concat([
      head(1, 'aa'), req('/a'), GOR_SEPARATOR,
      head(1, 'bb'), req('/b'), GOR_SEPARATOR,
      head(2, 'bb', ' 5000'), res, GOR_SEPARATOR,
      head(2, 'zz', ' 5000'), res, GOR_SEPARATOR,
      head(2, 'aa', ' 7000'), res, GOR_SEPARATOR,
    ]);
    const records = await read(file, undefined, s);
    expect(records.map((r) => [r.url, r.res?.status, r.timing.totalUs])).toEqual([['/a', 204, 7], ['/b', 204, 5]]);
    expect(s.orphanResponses).toBe(1);
    // With a window of one waiting request, /a is imported alone and its late response is an orphan.
    const s2 = stats();
    const small = await collect(readGor(chunked(file), { ...opts(), pendingLimit: 1 }, s2));
    expect(small.map((r) => [r.url, r.res?.status])).toEqual([['/a', undefined], ['/b', 204]]);
    expect(s2).toMatchObject({ requestOnly: 1, orphanResponses: 2 });
  });

  it('reads an older file whose response header carries the round trip as its third field', async () => {
    const file = Buffer.concat([Buffer.from('1 ab 1700000000000000000\nGET / HTTP/1.1\r\n\r\n'), GOR_SEPARATOR, Buffer.from('2 ab 3500000\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), GOR_SEPARATOR]);
    const [r] = await read(file);
    expect(r!.timing.totalUs).toBe(3500);
    expect(r!.res!.body.bytes.toString()).toBe('ok');
  });

  it('keeps a body cut short by GoReplay, marked truncated with its announced size', async () => {
    const file = Buffer.concat([Buffer.from('1 ab 1\nPOST /u HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly-this'), GOR_SEPARATOR]);
    const [r] = await read(file);
    expect(r!.req.body).toMatchObject({ size: 100, truncated: true });
    expect(r!.req.body.bytes.toString()).toBe('only-this');
  });

  it('rejects a bad header line with the message number and its byte offset', async () => {
    const second = Buffer.from('1 cd not-a-time\nGET / HTTP/1.1\r\n\r\n');
    const first = fixture.subarray(0, fixture.indexOf(GOR_SEPARATOR) + GOR_SEPARATOR.length);
    const err = await failure(readGor(chunked(Buffer.concat([first, second, GOR_SEPARATOR])), opts(), stats()));
    expect((err as MalformedInput).position).toEqual({ item: 'message 2', offset: first.length });
    expect(err.message).toMatch(/header line "1 cd not-a-time" is not/);
  });

  it('rejects a payload that is not HTTP with the offset of the bad line', async () => {
    const file = Buffer.concat([Buffer.from('1 ab 1\nGET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n'), GOR_SEPARATOR]);
    const err = await failure(readGor(chunked(file), opts(), stats()));
    expect((err as MalformedInput).position).toEqual({ item: 'message 1 (request ab)', offset: 'ab 1\nGET / HTTP/1.1\r\nHost: a\r\n'.length + 2 });
    expect(err.message).toMatch(/has no "name: value" form/);
  });

  it('never quotes what a bad request line, status line, chunk size or Content-Length holds', async () => {
    // an unencoded space in a path, HTTP/2 in a request line, chunked framing broken by a body line: the
    // text is whatever the client sent or the body held, and the message ends up on terminals and in CI logs
    const planted = ['9876543210', 'priya.sharma@acmecorp.in', '98765 43210'];
    const messages = [
      '1 ab 1\nGET /search?q=priya sharma 9876543210 HTTP/1.1\r\nHost: a\r\n\r\n',
      '1 ab 1\nGET /u/priya.sharma@acmecorp.in HTTP/2\r\nHost: a\r\n\r\n',
      '1 ab 1\nPOST / HTTP/1.1\r\nContent-Length: 98765 43210\r\n\r\n',
      '1 ab 1\nPOST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n+91 9876543210\r\n',
      '1 ab 1\nGET / HTTP/1.1\r\n\r\n\n🐵🙈🙉\n2 ab 2 1\nHTTP/2 200 priya.sharma@acmecorp.in\r\n\r\n',
    ];
    for (const m of messages) {
      const err = await failure(readGor(chunked(Buffer.concat([Buffer.from(m), GOR_SEPARATOR])), opts(), stats()));
      expect(err).toBeInstanceOf(MalformedInput);
      for (const p of planted) expect(err.message, m).not.toContain(p);
      expect(err.message.replace(/[^0-9]/g, ''), m).not.toContain('9876543210');
    }
  });

  it('rejects a file cut inside a message, and one that is not .gor at all', async () => {
    const cut = fixture.subarray(0, fixture.length - 40);
    expect((await failure(gorMessages(chunked(cut)))).message).toMatch(/ends inside a message/);
    const err = await failure(gorMessages(chunked(Buffer.from('{"log":{"entries":[]}}'))));
    expect((err as MalformedInput).position).toEqual({ item: 'message 1', offset: 0 });
    expect((await failure(gorMessages(chunked(Buffer.concat([Buffer.from('1 ab 1\n'), Buffer.alloc(3000, 0x41)]), [100]), 1000))).message).toMatch(/no separator line within 1000 bytes/);
  });

  it('never crashes on garbage: every failure is a MalformedInput with a position', async () => {
    const pieces = fc.oneof(
      fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)),
      fc.constantFrom(GOR_SEPARATOR, Buffer.from('1 ab 123\n'), Buffer.from('2 ab 123 4\n'), Buffer.from('HTTP/1.1 200 OK\r\n'), Buffer.from('GET / HTTP/1.1\r\n'), Buffer.from('Transfer-Encoding: chunked\r\n\r\n'), Buffer.from('zz\r\n'), Buffer.from('\r\n')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(pieces, { maxLength: 12 }), async (parts) => {
        try {
          await read(Buffer.concat(parts), [7]);
        } catch (err) {
          expect(err).toBeInstanceOf(MalformedInput);
          expect((err as MalformedInput).position.offset).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 400 },
    );
  });
});
