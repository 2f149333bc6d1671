import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyBytes } from '../../shared/capture/batch.js';
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

const joined = (b: TappedBody) => Buffer.concat(b.chunks);

describe('capture wire format', () => {
  it('decodes to the exchanges encoded, with where each goes, bodies byte for byte (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(exchange, fc.integer({ min: 1, max: 3 })), { maxLength: 8 }), fc.nat(), (pairs, charged) => {
        const exchanges = pairs.map(([e]) => e);
        const to = pairs.map(([, t]) => t);
        const bytes = exchanges.reduce((n, e) => n + e.reqBody.kept + (e.resBody?.kept ?? 0), 0);
        const batch = decodeBatch(encodeBatch(exchanges, bytes, charged, to));
        expect(batch.charged).toBe(charged);
        expect(batch.exchanges.length).toBe(exchanges.length);
        batch.exchanges.forEach((w, i) => {
          const e = exchanges[i]!;
          const { reqBody: wr, resBody: ws, to: wt, ...wRest } = w;
          const { reqBody: er, resBody: es, ...eRest } = e;
          expect(wRest).toEqual(eRest);
          expect(wt).toBe(to[i]);
          expect(bodyBytes(batch, wr).equals(joined(er))).toBe(true);
          expect({ size: wr.size, truncated: wr.truncated, sha256: wr.sha256 }).toEqual({ size: er.size, truncated: er.truncated, sha256: er.sha256 });
          expect(ws === undefined).toBe(es === undefined);
          if (ws && es) expect(bodyBytes(batch, ws).equals(joined(es))).toBe(true);
        });
      }),
    );
  });
});
