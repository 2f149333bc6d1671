import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeRecord, encodeRecord, encodeRecordOnce } from '../../shared/record/codec.js';
import { emptyBody, fromJson, newRecordId, nowUs, resyncClock, toJson } from '../../shared/record/convert.js';
import type { CaptureRecord } from '../../shared/record/schema.js';

export function sampleRecord(over: Partial<CaptureRecord> = {}): CaptureRecord {
  return {
    v: 1,
    id: newRecordId(1_700_000_000_000_000),
    session: 's1',
    ts: 1_700_000_000_000_000,
    method: 'POST',
    url: '/users/42?x=1',
    httpVersion: '1.1',
    host: 'shop.example',
    scheme: 'http',
    req: { headers: [['content-type', 'application/json']], body: { bytes: Buffer.from('{"a":1}'), size: 7, truncated: false } },
    res: { status: 201, headers: [['set-cookie', 'a=1'], ['set-cookie', 'b=2']], body: { bytes: Buffer.from([0xff, 0x00, 0x10]), size: 3, truncated: false } },
    timing: { ttfbUs: 1200, totalUs: 1500 },
    anonymised: [],
    ...over,
  };
}

describe('capture record', () => {
  it('encodes a record once for capture and shadow alike: the same bytes, computed once per object', () => {
    const r = sampleRecord();
    const first = encodeRecordOnce(r);
    expect(first.equals(encodeRecord(r))).toBe(true);
    expect(encodeRecordOnce(r)).toBe(first);
    expect(encodeRecordOnce(sampleRecord())).not.toBe(first);
  });

  it('round-trips through the binary codec byte for byte', () => {
    const r = sampleRecord();
    const back = decodeRecord(encodeRecord(r));
    expect(back).toEqual(r);
    expect(Buffer.isBuffer(back.res!.body.bytes)).toBe(true);
  });

  it('round-trips through the JSON form, text bodies as UTF-8 and binary as base64', () => {
    const r = sampleRecord();
    const j = toJson(r);
    expect(j.req.body).toMatchObject({ encoding: 'utf8', data: '{"a":1}' });
    expect(j.res!.body.encoding).toBe('base64');
    expect(fromJson(JSON.parse(JSON.stringify(j)))).toEqual(r);
  });

  it('keeps arbitrary bodies and headers through both encodings (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 5 }), (bytes, headers) => {
        const r = sampleRecord({ req: { headers, body: { bytes: Buffer.from(bytes), size: bytes.length, truncated: false } } });
        expect(decodeRecord(encodeRecord(r))).toEqual(r);
        expect(fromJson(JSON.parse(JSON.stringify(toJson(r))))).toEqual(r);
      }),
    );
  });

  it('rejects an invalid record naming the field', () => {
    const j = toJson(sampleRecord()) as Record<string, unknown>;
    j.method = 42;
    expect(() => fromJson(j, 'line 3')).toThrow(/line 3: method/);
  });

  it('gives time-ordered, unique ids', () => {
    const ids = [newRecordId(5), newRecordId(5), newRecordId(6), newRecordId(1_000_000)];
    expect(new Set(ids).size).toBe(4);
    expect([...ids].sort()).toEqual(ids);
  });

  it('represents a missing response and an empty body', () => {
    const r = sampleRecord({ res: null, error: 'upstream-refused', req: { headers: [], body: emptyBody() } });
    expect(decodeRecord(encodeRecord(r))).toEqual(r);
  });
});

describe('the replay clock', () => {
  it('follows the wall clock when it is stepped, and ignores a drift within a millisecond step', () => {
    // anchored first: the module's own anchor may be off by a pause of a loaded machine at import
    resyncClock();
    expect(resyncClock(() => Date.now() + 1)).toBe(0);
    // NTP stepped the wall clock 10 s ahead after the process started
    const step = resyncClock(() => Date.now() + 10_000);
    expect(step).toBeGreaterThan(9_990_000);
    expect(step).toBeLessThan(10_010_000);
    expect(Math.abs(nowUs() - (Date.now() + 10_000) * 1000)).toBeLessThan(50_000);
    // and back
    expect(resyncClock()).toBeLessThan(-9_990_000);
    expect(Math.abs(nowUs() - Date.now() * 1000)).toBeLessThan(50_000);
  });

  it('does not take a pause of the process while it reads the wall clock for a step of the clock', () => {
    const paused = () => {
      const now = Date.now();
      while (Date.now() < now + 6) {} // a GC or a busy machine between two reads
      return Date.now();
    };
    expect(resyncClock(paused)).toBe(0);
  });
});
