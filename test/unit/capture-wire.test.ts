import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyBytes, packBatch } from '../../shared/capture/batch.js';
import type { Exchange, TappedBody } from '../../shared/capture/exchange.js';
import { decodeBatch, encodeBatch } from '../../shared/capture/wire.js';

const body = fc.record({ chunks: fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 4 }), truncated: fc.boolean(), sha: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: undefined }) }).map(
  ({ chunks, truncated, sha }): TappedBody => {
    const bufs = chunks.map((c) => Buffer.from(c));
    const kept = bufs.reduce((n, b) => n + b.length, 0);
    const b: TappedBody = { chunks: bufs, kept, size: kept + (truncated ? 1000 : 0), truncated };
    if (sha) b.sha256 = sha;
    return b;
  },
);
const headers = fc.array(fc.string(), { maxLength: 6 }).map((xs) => (xs.length % 2 ? xs.slice(1) : xs));

const exchange = fc
  .record({
    session: fc.stringMatching(/^[a-z0-9._-]{1,20}$/),
    ts: fc.integer({ min: 0, max: 2 ** 52 }),
    method: fc.constantFrom('GET', 'POST', 'PURGE'),
    url: fc.string().map((s) => `/${s}`),
    scheme: fc.constantFrom('http' as const, 'https' as const),
    clientIp: fc.option(fc.ipV4(), { nil: undefined }),
    reqHeaders: headers,
    reqBody: body,
    status: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
    resHeaders: fc.option(headers, { nil: undefined }),
    resTrailers: fc.option(headers, { nil: undefined }),
    resBody: fc.option(body, { nil: undefined }),
    ttfbUs: fc.nat(),
    totalUs: fc.nat(),
    upgrade: fc.option(fc.constant('websocket'), { nil: undefined }),
    error: fc.option(fc.constantFrom('upstream-refused' as const, 'upstream-timeout' as const, 'upstream-error' as const, 'client-aborted' as const), { nil: undefined }),
  })
  .map((x): Exchange => {
    const e: Exchange = { ...x, httpVersion: '1.1' };
    for (const k of Object.keys(e) as (keyof Exchange)[]) if (e[k] === undefined) delete e[k];
    return e;
  });

describe('capture wire format', () => {
  it('decodes to the same batch packBatch builds, bodies byte for byte (property)', () => {
    fc.assert(
      fc.property(fc.array(exchange, { maxLength: 8 }), fc.nat(), (exchanges, charged) => {
        const bytes = exchanges.reduce((n, e) => n + e.reqBody.kept + (e.resBody?.kept ?? 0), 0);
        const viaWire = decodeBatch(encodeBatch(exchanges, bytes, charged));
        const direct = packBatch(exchanges, bytes, charged);
        expect(viaWire.charged).toBe(charged);
        expect(viaWire.exchanges.length).toBe(exchanges.length);
        viaWire.exchanges.forEach((w, i) => {
          const d = direct.exchanges[i]!;
          const strip = ({ reqBody: _a, resBody: _b, ...rest }: typeof w) => rest;
          expect(strip(w)).toEqual(strip(d));
          expect(bodyBytes(viaWire, w.reqBody).equals(bodyBytes(direct, d.reqBody))).toBe(true);
          expect({ ...w.reqBody, off: 0 }).toEqual({ ...d.reqBody, off: 0 });
          expect(w.resBody === undefined).toBe(d.resBody === undefined);
          if (w.resBody && d.resBody) expect(bodyBytes(viaWire, w.resBody).equals(bodyBytes(direct, d.resBody))).toBe(true);
        });
      }),
    );
  });
});
