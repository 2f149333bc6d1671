import { describe, expect, it } from 'vitest';
import { readGor } from '../../shared/formats/gor-read.js';
import { GOR_SEPARATOR } from '../../shared/formats/gor-split.js';
import { readHar } from '../../shared/formats/har-read.js';
import { importIds } from '../../shared/formats/import.js';
import { MalformedInput } from '../../shared/formats/malformed.js';
import { ndjsonLine, readNdjson } from '../../shared/formats/ndjson.js';
import type { CaptureRecord, HeaderPair } from '../../shared/record/schema.js';
import { chunked, collect, failure } from '../fixtures/chunks.js';
import { testRecord } from '../helpers/record.js';

/**
 * Header names, header values and URLs a replay cannot send as they are
 * (a value with CR LF would add a header, a URL with one would split the
 * request line) are refused at import, naming the record and the field,
 * never the value; replaying them failed later as a target error.
 */

const INJECTED = 'line1\r\nInjected: header';
const SPLIT_URL = '/x HTTP/1.1\r\nHost: evil';

const ndjson = (records: CaptureRecord[]) => Buffer.from(records.map(ndjsonLine).join(''));
const good = (): CaptureRecord => ({ ...testRecord({ url: '/ok', reqHeaders: [['accept', 'text/html']] }), session: 's' });
const bad = (over: Partial<CaptureRecord> & { reqHeaders?: HeaderPair[]; resHeaders?: HeaderPair[] }): CaptureRecord => {
  const { reqHeaders, resHeaders, ...rest } = over;
  const r = { ...good(), ...rest };
  if (reqHeaders) r.req = { ...r.req, headers: reqHeaders };
  if (resHeaders) r.res = { ...r.res!, headers: resHeaders };
  return r;
};

function harOf(request: Record<string, unknown>, response: Record<string, unknown> = {}): Buffer {
  const entry = (req: Record<string, unknown>, res: Record<string, unknown>) => ({
    startedDateTime: '2026-11-20T09:00:00.000Z',
    time: 1,
    request: { method: 'GET', url: 'http://shop.example/ok', httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: 0, ...req },
    response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: 'text/plain' }, redirectURL: '', headersSize: -1, bodySize: 0, ...res },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
  });
  return Buffer.from(JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [entry({}, {}), entry(request, response)] } }, null, 1));
}
const harOpts = () => ({ maxBodyBytes: 1024 * 1024, newId: importIds() });
const gor = (request: string) => Buffer.concat([Buffer.from('1 ab 1\nGET /ok HTTP/1.1\r\nHost: a\r\n\r\n'), GOR_SEPARATOR, Buffer.from(`1 cd 2\n${request}`), GOR_SEPARATOR]);
const gorStats = () => ({ messages: 0, requestOnly: 0, orphanResponses: 0, replayedResponses: 0 });

function expectRefused(err: Error, where: RegExp, what: RegExp): void {
  expect(err).toBeInstanceOf(MalformedInput);
  expect(err.message).toMatch(where);
  expect(err.message).toMatch(what);
  for (const quoted of ['line1', 'Injected', 'evil']) expect(err.message).not.toContain(quoted);
}

describe('imports refuse what a replay could not send', () => {
  it('NDJSON: a header value with CR LF, a header name with a space, a URL with CR LF or a space, naming the line and field', async () => {
    const cases: [CaptureRecord, RegExp][] = [
      [bad({ reqHeaders: [['accept', 'text/html'], ['x-note', INJECTED]] }), /req\.headers\[1\]: its value holds CR, LF or another control character, which no header value may$/],
      [bad({ resHeaders: [['x-note', 'a\u0000b']] }), /res\.headers\[0\]: its value holds CR, LF/],
      [bad({ reqHeaders: [['x evil', 'v']] }), /req\.headers\[0\]: its name is not a header name/],
      [bad({ reqHeaders: [['x-a\r\nInjected', 'v']] }), /req\.headers\[0\]: its name is not a header name/],
      [bad({ url: SPLIT_URL }), /url: holds a space, CR, LF or another control character, which no URL may$/],
      [bad({ url: '/a b' }), /url: holds a space/],
      [bad({ host: 'shop.example\r\nInjected: header' }), /host: holds CR, LF/],
    ];
    for (const [record, what] of cases) {
      const err = await failure(readNdjson(chunked(ndjson([good(), record]))));
      expectRefused(err, /^line 2, byte offset \d+: not a capture record a replay can send: /, what);
    }
  });

  it('NDJSON: tabs, UTF-8 and obs-text in values, and UTF-8 in paths, are still read', async () => {
    const record = bad({ url: '/search?q=Zoë', reqHeaders: [['x-name', 'Zoë\tFernandes'], ['x-raw', 'caf\u00e9']] });
    expect(await collect(readNdjson(chunked(ndjson([record]))))).toHaveLength(1);
  });

  it('HAR: the same, naming the entry and the field; HTTP/2 pseudo-headers are still read', async () => {
    const cases: [Buffer, RegExp][] = [
      [harOf({ headers: [{ name: 'X-Note', value: INJECTED }] }), /request\.headers\.0\.value: holds CR, LF/],
      [harOf({}, { headers: [{ name: 'X-Note', value: INJECTED }] }), /response\.headers\.0\.value: holds CR, LF/],
      [harOf({ headers: [{ name: 'X Evil', value: 'v' }] }), /request\.headers\.0\.name: not a header name/],
      [harOf({ url: `http://shop.example${SPLIT_URL}` }), /request\.url: holds a space, CR, LF/],
      [harOf({ url: 'http://shop.example/a b' }), /request\.url: holds a space/],
      [harOf({ method: 'POST', postData: { mimeType: `text/plain${INJECTED}`, text: 'x' } }), /request\.postData\.mimeType: holds CR, LF/],
    ];
    for (const [file, what] of cases) {
      const err = await failure(readHar(chunked(file), harOpts()));
      expectRefused(err, /^entry 2 \(line \d+, byte offset \d+\): /, what);
    }
    const h2 = await collect(readHar(chunked(harOf({ headers: [{ name: ':authority', value: 'shop.example' }, { name: 'accept', value: 'text/html' }] })), harOpts()));
    expect(h2[1]!.req.headers).toEqual([['accept', 'text/html']]);
  });

  it('.gor: a control character in a header value or the request target, naming the message', async () => {
    const cases: [string, RegExp][] = [
      ['GET /ok HTTP/1.1\r\nX-Note: line1\rInjected: header\r\n\r\n', /header line 1: its value holds CR, LF or another control character/],
      ['GET /ok HTTP/1.1\r\nX-Note: a\u0000b\r\n\r\n', /header line 1: its value holds/],
      ['GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n', /its target holds a space or a control character/],
      ['GET /a b HTTP/1.1\r\nHost: a\r\n\r\n', /its target holds a space or a control character/],
    ];
    for (const [request, what] of cases) {
      const err = await failure(readGor(chunked(gor(request)), harOpts(), gorStats()));
      expectRefused(err, /^message 2 \(request cd\) \(byte offset \d+\): /, what);
    }
  });
});
