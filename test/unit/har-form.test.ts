import { describe, expect, it } from 'vitest';
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import { readHar } from '../../shared/formats/har-read.js';
import { importIds } from '../../shared/formats/import.js';
import { headerValue } from '../../shared/record/convert.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { chunked, collect } from '../fixtures/chunks.js';

/** A HAR request with `postData.params` and no `postData.text`: the body is made from the fields, as its type says. */

async function importPost(postData: Record<string, unknown>, headers: { name: string; value: string }[] = []): Promise<CaptureRecord> {
  const entry = {
    startedDateTime: '2026-11-20T09:00:00.000Z',
    time: 1,
    request: { method: 'POST', url: 'http://shop.example/upload', httpVersion: 'HTTP/1.1', headers, queryString: [], cookies: [], headersSize: -1, bodySize: -1, postData },
    response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: 'text/plain' }, redirectURL: '', headersSize: -1, bodySize: 0 },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
  };
  const har = Buffer.from(JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [entry] } }));
  const [record] = await collect(readHar(chunked(har), { maxBodyBytes: 1024 * 1024, newId: importIds() }));
  return record!;
}

/** The form as a server reads it, by the record's own Content-Type: they agree, or this throws. */
async function formOf(r: CaptureRecord): Promise<[string, string][]> {
  const type = headerValue(r.req.headers, 'content-type')!;
  const form = await new Response(r.req.body.bytes, { headers: { 'content-type': type } }).formData();
  return Promise.all([...form.entries()].map(async ([k, v]): Promise<[string, string]> => [k, typeof v === 'string' ? v : `${v.name} (${v.type}): ${await v.text()}`]));
}

const fields = [
  { name: 'user', value: 'priya' },
  { name: 'note', value: 'two\r\nlines & more' },
];

describe('HAR import: a form saved as postData.params only', () => {
  it('multipart/form-data with a boundary: a multipart body with that boundary', async () => {
    const r = await importPost({ mimeType: 'multipart/form-data; boundary=----WebKitFormBoundaryAbc123', params: fields });
    expect(headerValue(r.req.headers, 'content-type')).toBe('multipart/form-data; boundary=----WebKitFormBoundaryAbc123');
    expect(r.req.body.bytes.toString()).toMatch(/^------WebKitFormBoundaryAbc123\r\nContent-Disposition: form-data; name="user"\r\n\r\npriya\r\n/);
    expect(await formOf(r)).toEqual([['user', 'priya'], ['note', 'two\r\nlines & more']]);
  });

  it('the Content-Type of the request headers wins over postData.mimeType, and files keep their name and type', async () => {
    const params = [...fields, { name: 'avatar', fileName: 'me.png', contentType: 'image/png', value: 'PNGDATA' }];
    const r = await importPost({ mimeType: 'multipart/form-data', params }, [{ name: 'Content-Type', value: 'multipart/form-data; boundary="q-1"' }]);
    expect(headerValue(r.req.headers, 'content-type')).toBe('multipart/form-data; boundary="q-1"');
    expect(await formOf(r)).toEqual([['user', 'priya'], ['note', 'two\r\nlines & more'], ['avatar', 'me.png (image/png): PNGDATA']]);
  });

  it('multipart/form-data without a boundary, or with one a value holds: a boundary is drawn and written into the Content-Type', async () => {
    for (const mimeType of ['multipart/form-data', 'multipart/form-data; boundary=xyz']) {
      const r = await importPost({ mimeType, params: [...fields, { name: 'quote', value: 'contains --xyz inside' }] });
      expect(headerValue(r.req.headers, 'content-type')).toMatch(/^multipart\/form-data; boundary=parity-[0-9a-f]{24}$/);
      expect(await formOf(r)).toEqual([['user', 'priya'], ['note', 'two\r\nlines & more'], ['quote', 'contains --xyz inside']]);
    }
  });

  it('a field name with a quote or a line break cannot break out of its part', async () => {
    const r = await importPost({ mimeType: 'multipart/form-data; boundary=b0', params: [{ name: 'a"b\r\nX-Evil: 1', value: 'v' }] });
    expect(r.req.body.bytes.toString()).toContain('name="a%22b%0D%0AX-Evil: 1"');
  });

  it('any other type, or none: an urlencoded body, and the Content-Type says so', async () => {
    for (const mimeType of ['text/plain', undefined, 'application/x-www-form-urlencoded; charset=UTF-8']) {
      const r = await importPost({ ...(mimeType ? { mimeType } : {}), params: fields });
      expect(headerValue(r.req.headers, 'content-type')).toBe(mimeType?.startsWith('application/x-www-form-urlencoded') ? mimeType : 'application/x-www-form-urlencoded');
      expect(r.req.body.bytes.toString()).toBe('user=priya&note=two%0D%0Alines+%26+more');
      expect(await formOf(r)).toEqual([['user', 'priya'], ['note', 'two\r\nlines & more']]);
    }
  });

  it('the anonymiser reads the multipart form it makes: a password field keeps no secret', async () => {
    const r = await importPost({ mimeType: 'multipart/form-data; boundary=b1', params: [{ name: 'username', value: 'priya' }, { name: 'password', value: 'HarPassw0rd-Secret03' }] });
    const out = createRecordAnonymiser({ key: 'har-test-key-0123456789' })(r);
    expect(out.req.body.bytes.toString()).not.toContain('HarPassw0rd-Secret03');
    expect(await formOf(out)).toHaveLength(2);
  });
});
