import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { harChunks, harEntry, isoMicros } from '../../shared/formats/har-write.js';
import { parseStartedDateTime, readHar } from '../../shared/formats/har-read.js';
import { importIds } from '../../shared/formats/import.js';
import { MalformedInput } from '../../shared/formats/malformed.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { chunked, collect, failure, fromArray } from '../fixtures/chunks.js';
import { anyRecord } from '../fixtures/records.js';

const opts = () => ({ maxBodyBytes: 1024 * 1024, newId: importIds() });

async function harBytes(records: CaptureRecord[]): Promise<Buffer> {
  return Buffer.from((await collect(harChunks(fromArray(records)))).join(''));
}

const fixture = readFileSync(new URL('../fixtures/chrome.har', import.meta.url));

describe('HAR export and import', () => {
  it('round-trips any record through a Parity HAR, however the file is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyRecord, { maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 4 }), async (records, sizes) => {
        const back = await collect(readHar(chunked(await harBytes(records), sizes), opts()));
        expect(back).toEqual(records.map((r) => ({ ...r, session: '' })));
      }),
      { numRuns: 120 },
    );
  });

  it('writes a HAR 1.2 document viewers accept: required fields, absolute urls, µs start times', async () => {
    const [r] = fc.sample(anyRecord.filter((x) => x.res !== null && x.url.startsWith('/')), { numRuns: 1, seed: 11 });
    const doc = JSON.parse((await harBytes([r!])).toString());
    expect(doc.log.version).toBe('1.2');
    expect(doc.log.creator.name).toBe('Parity');
    const e = doc.log.entries[0];
    for (const k of ['startedDateTime', 'time', 'request', 'response', 'cache', 'timings']) expect(e).toHaveProperty(k);
    for (const k of ['method', 'url', 'httpVersion', 'cookies', 'headers', 'queryString', 'headersSize', 'bodySize']) expect(e.request).toHaveProperty(k);
    for (const k of ['status', 'statusText', 'httpVersion', 'cookies', 'headers', 'content', 'redirectURL', 'headersSize', 'bodySize']) expect(e.response).toHaveProperty(k);
    expect(e.request.url).toMatch(/^https?:\/\/[^/]+\//);
    expect(e.timings.wait).toBeGreaterThanOrEqual(0);
    expect(parseStartedDateTime(e.startedDateTime)).toBe(r!.ts);
  });

  it('keeps microseconds in startedDateTime', () => {
    expect(isoMicros(1_763_716_502_123_456)).toBe('2025-11-21T09:15:02.123456Z');
    expect(parseStartedDateTime('2025-11-21T09:15:02.123456Z')).toBe(1_763_716_502_123_456);
    expect(parseStartedDateTime('2025-11-21T14:45:02.123+05:30')).toBe(1_763_716_502_123_000);
    expect(harEntry({ v: 1, id: 'a', session: 's', ts: 0, method: 'GET', url: '/', httpVersion: '1.1', scheme: 'http', req: { headers: [], body: { bytes: Buffer.alloc(0), size: 0, truncated: false } }, res: null, timing: { ttfbUs: 0, totalUs: 0 }, anonymised: [] }).response.status).toBe(0);
  });

  it('imports a HAR saved by Chrome: entries, timings, text and base64 bodies, start times', async () => {
    const records = await collect(readHar(chunked(fixture, [4096]), opts()));
    expect(records.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/users/1',
      'POST /api/orders',
      'GET /api/reports/daily',
      'GET /img/logo.png?v=3',
      'GET /api/search?name=Zo%C3%AB',
      'POST /login',
    ]);
    const [user, order, report, logo, search, login] = records as [CaptureRecord, CaptureRecord, CaptureRecord, CaptureRecord, CaptureRecord, CaptureRecord];
    expect(user.ts).toBe(Date.parse('2026-11-20T09:15:02.123Z') * 1000);
    expect(user.host).toBe('127.0.0.1:3000');
    expect(user.httpVersion).toBe('1.1');
    expect(user.timing).toEqual({ ttfbUs: 4501, totalUs: 4876 });
    expect(JSON.parse(user.res!.body.bytes.toString()).user.email).toBe('ananya.iyer@example.in');
    expect(user.req.headers).toContainEqual(['user-agent', expect.stringContaining('Chrome/131')]);
    expect(JSON.parse(order.req.body.bytes.toString()).customer.name).toBe('Zoë Fernandes');
    expect(order.res!.status).toBe(201);
    // Chrome saves the decoded body of a gzip response; its wire size is bodySize.
    expect(report.res!.body.decodedFrom).toBe('gzip');
    expect(report.res!.body.size).toBe(212);
    expect(JSON.parse(report.res!.body.bytes.toString()).rows).toBe(2);
    // HTTP/2 pseudo-headers are dropped, the host comes from the url, base64 content is decoded.
    expect(logo.scheme).toBe('https');
    expect(logo.host).toBe('cdn.example.in');
    expect(logo.httpVersion).toBe('2.0');
    expect(logo.req.headers.some(([k]) => k.startsWith(':'))).toBe(false);
    expect(logo.res!.body.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(logo.res!.body.bytes.length).toBe(70);
    expect(JSON.parse(search.res!.body.bytes.toString()).results[0].name).toBe('Zoë Fernandes');
    // A request the browser could not send has no response and names why.
    expect(login.res).toBeNull();
    expect(login.error).toBe('upstream-refused');
    expect(login.req.body.bytes.toString()).toBe('email=rohan.mehta%40example.com&password=hunter2');
    expect(new Set(records.map((r) => r.id)).size).toBe(6);
  });

  it('cuts bodies past the body limit and keeps their size, not a hash of the raw body', async () => {
    const records = await collect(readHar(chunked(fixture), { maxBodyBytes: 64, newId: importIds() }));
    const user = records[0]!;
    expect(user.res!.body.bytes.length).toBe(64);
    expect(user.res!.body.truncated).toBe(true);
    expect(user.res!.body.sha256).toBeUndefined();
  });

  it('rejects a truncated HAR with the byte offset where it ends', async () => {
    const cut = fixture.subarray(0, 9000);
    const err = await failure(readHar(chunked(cut, [1000]), opts()));
    expect(err).toBeInstanceOf(MalformedInput);
    expect((err as MalformedInput).position.offset).toBe(9000);
    expect(err.message).toMatch(/truncated/);
  });

  it('rejects broken JSON with its line and byte offset', async () => {
    const text = fixture.toString().replace('"status": 201', '"status": 201,,');
    const err = await failure(readHar(chunked(Buffer.from(text), [512]), opts()));
    const line = text.slice(0, text.indexOf(',,')).split('\n').length;
    expect((err as MalformedInput).position.line).toBe(line);
    expect(err.message).toMatch(new RegExp(`^line ${line}, byte offset \\d+: not valid JSON`));
  });

  it('never quotes the JSON value where the document breaks', async () => {
    // a comma missing before a string: the parser's own message quotes the string
    const text = fixture.toString().replace('"status": 201', '"status": 201 "priya.sharma@acmecorp.in"');
    const err = await failure(readHar(chunked(Buffer.from(text), [512]), opts()));
    expect(err).toBeInstanceOf(MalformedInput);
    expect(err.message).toMatch(/not valid JSON/);
    expect(err.message).not.toContain('priya');
  });

  it('rejects an entry without a usable field, naming the entry and the field', async () => {
    const doc = JSON.parse(fixture.toString());
    delete doc.log.entries[2].request.url;
    const err = await failure(readHar(chunked(Buffer.from(JSON.stringify(doc))), opts()));
    expect(err.message).toMatch(/^entry 3 \(.*\): request\.url: /);
  });

  it('rejects JSON that is not a HAR, and content after the document', async () => {
    expect((await failure(readHar(chunked(Buffer.from('{"entries":[]}')), opts()))).message).toMatch(/no log\.entries array/);
    expect((await failure(readHar(chunked(Buffer.from('{"log":{"entries":[]}} {"x":1}')), opts()))).message).toMatch(/content after the end/);
    expect((await failure(readHar(chunked(Buffer.alloc(0)), opts()))).message).toMatch(/empty/);
  });

  it('never crashes on garbage: every failure is a MalformedInput with a position', async () => {
    const prefix = fixture.subarray(0, 3000);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)), fc.json().map((s) => Buffer.from(s)), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.concat([prefix, Buffer.from(a)]))), async (data) => {
        try {
          await collect(readHar(chunked(data, [97]), opts()));
        } catch (err) {
          expect(err).toBeInstanceOf(MalformedInput);
          const p = (err as MalformedInput).position;
          expect(p.offset ?? p.line ?? p.item).toBeDefined();
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('HAR import: the request body type', () => {
  it('takes postData.mimeType as the Content-Type when the headers have none, so a form is read as a form', async () => {
    const entry = {
      startedDateTime: '2026-11-20T09:00:00.000Z', time: 1,
      request: { method: 'POST', url: 'http://shop.example/login', httpVersion: 'HTTP/1.1', headers: [], queryString: [], cookies: [], headersSize: -1, bodySize: -1,
        postData: { mimeType: 'application/x-www-form-urlencoded', params: [{ name: 'username', value: 'priya' }, { name: 'password', value: 'HarPassw0rd-Secret02' }] } },
      response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: 'text/plain' }, redirectURL: '', headersSize: -1, bodySize: 0 },
      cache: {}, timings: { send: 0, wait: 1, receive: 0 },
    };
    const har = Buffer.from(JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [entry] } }));
    const [record] = await collect(readHar(chunked(har), opts()));
    expect(record!.req.headers).toContainEqual(['content-type', 'application/x-www-form-urlencoded']);
    const out = createRecordAnonymiser({ key: 'har-test-key-0123456789' })(record!);
    expect(out.req.body.bytes.toString()).not.toContain('HarPassw0rd-Secret02');
  });
});
