import { describe, expect, it } from 'vitest';
import { compileFilter, parseTimePoint, selectionPredicate } from '../../shared/replay/selection.js';
import { outgoingRequest, parseHeaderFlag, parseRewriteFlag, targetPath } from '../../shared/replay/transform.js';
import { sameOrigin } from '../../shared/origin.js';
import { Packr } from 'msgpackr';
import { boundedBody, decodeResults, encodeResults, type ReplayResult } from '../../shared/replay/result.js';
import { sampleRecord } from './record.test.js';

describe('replay selection', () => {
  it('matches [METHOD ]GLOB filters against the path without its query', () => {
    expect(compileFilter('GET /api/**')('GET', '/api/users/1')).toBe(true);
    expect(compileFilter('GET /api/**')('POST', '/api/users/1')).toBe(false);
    expect(compileFilter('/users/*')('DELETE', '/users/7')).toBe(true);
    expect(compileFilter('/users/*')('GET', '/users/7/orders')).toBe(false);
    expect(() => compileFilter('users')).toThrow(/not \[METHOD \]GLOB/);
    expect(() => compileFilter('GET /api/{orders,carts')).toThrow(/cannot be read.*match nothing/);
  });

  it('keeps records by time range, methods, includes and excludes', () => {
    const keep = selectionPredicate({ fromUs: 100, toUs: 200, methods: ['get', 'HEAD'], include: ['/api/**'], exclude: ['/api/admin/**'] });
    expect(keep({ ts: 150, method: 'GET', url: '/api/users?x=1' })).toBe(true);
    expect(keep({ ts: 200, method: 'GET', url: '/api/users' })).toBe(false);
    expect(keep({ ts: 150, method: 'POST', url: '/api/users' })).toBe(false);
    expect(keep({ ts: 150, method: 'GET', url: '/api/admin/stats' })).toBe(false);
    expect(keep({ ts: 150, method: 'GET', url: '/health' })).toBe(false);
  });

  it('reads --from/--to as ISO 8601, epoch ms or a duration ago', () => {
    expect(parseTimePoint('2026-11-20T09:00:00Z', '--from')).toBe(Date.parse('2026-11-20T09:00:00Z') * 1000);
    expect(parseTimePoint('1763629200000', '--from')).toBe(1763629200000 * 1000);
    // epoch seconds, not 1.76 billion seconds ago
    expect(parseTimePoint('1763629200', '--from')).toBe(1763629200 * 1_000_000);
    expect(parseTimePoint('3600', '--from', 10_000_000)).toBe((10_000_000 - 3_600_000) * 1000);
    expect(parseTimePoint('2h', '--from', 10_000_000)).toBe((10_000_000 - 7_200_000) * 1000);
    expect(() => parseTimePoint('yesterday', '--to')).toThrow(/--to "yesterday" is not a time/);
  });
});

describe('replay request transforms', () => {
  const target = new URL('http://staging.internal:8080/base/');

  it('rewrites path prefixes and puts the path under the target’s own path', () => {
    expect(targetPath('/v1/users?x=1', target, [['/v1', '/api/v1']])).toBe('/base/api/v1/users?x=1');
    expect(targetPath('/v10/users', new URL('http://s'), [['/v1', '/api/v1']])).toBe('/v10/users');
    expect(targetPath('/v1', new URL('http://s'), [['/v1', '']])).toBe('/');
    // prefixes are whole segments however they are written
    const s = new URL('http://s');
    expect(targetPath('/users', s, [['/', '/api']])).toBe('/api/users');
    expect(targetPath('/v1/x', s, [['/v1/', '/api/v1']])).toBe('/api/v1/x');
    expect(targetPath('/v1/x', s, [['/v1', '/api/']])).toBe('/api/x');
    expect(targetPath('/v1?q=1', s, [['/v1', '/api/']])).toBe('/api?q=1');
  });

  it('sends --set-header host as the Host, and matches header names whatever their case', () => {
    const r = sampleRecord({ method: 'GET', url: '/x', req: { headers: [['Host', 'shop.example'], ['X-Custom', 'a'], ['X-Keep', 'b']], body: { bytes: Buffer.alloc(0), size: 0, truncated: false } } });
    const out = outgoingRequest(r, target, { setHeaders: [['host', 'staging.shop'], ['x-custom', 'z']], removeHeaders: ['x-keep'], rewritePaths: [] });
    expect(out.headers).toEqual(['x-custom', 'z', 'host', 'staging.shop']);
  });

  it('sets and removes headers, drops connection headers and sends the target’s host', () => {
    const r = sampleRecord({
      method: 'POST',
      url: '/users/42',
      req: { headers: [['host', 'shop.example'], ['connection', 'keep-alive, x-hop'], ['x-hop', '1'], ['authorization', 'Bearer parity-redacted'], ['content-length', '7'], ['x-keep', 'yes']], body: { bytes: Buffer.from('{"a":1}'), size: 7, truncated: false } },
    });
    const out = outgoingRequest(r, target, { setHeaders: [['authorization', 'Bearer staging']], removeHeaders: ['x-keep'], rewritePaths: [] });
    expect(out.headers).toEqual(['authorization', 'Bearer staging', 'host', 'staging.internal:8080']);
    expect(out.path).toBe('/base/users/42');
    expect(out.body!.toString()).toBe('{"a":1}');
    const hosted = outgoingRequest(r, target, { setHeaders: [], removeHeaders: [], rewritePaths: [], host: 'shop.example' });
    expect(hosted.headers.slice(-2)).toEqual(['host', 'shop.example']);
    // the target's Host (given either way) is not the baseline's: it gets its own, else its URL's
    const both = { setHeaders: [['host', 'staging.shop'] as [string, string]], removeHeaders: [], rewritePaths: [], host: 'shop.example' };
    expect(outgoingRequest(r, target, both, 'baseline').headers.slice(-2)).toEqual(['host', 'staging.internal:8080']);
    expect(outgoingRequest(r, target, { ...both, baselineHost: 'release.shop' }, 'baseline').headers.slice(-2)).toEqual(['host', 'release.shop']);
  });

  it('sends a body decoded at capture without its Content-Encoding, and no body on an empty GET', () => {
    const gz = sampleRecord({ req: { headers: [['content-encoding', 'gzip']], body: { bytes: Buffer.from('{}'), size: 20, truncated: false, decodedFrom: 'gzip' } } });
    expect(outgoingRequest(gz, target, { setHeaders: [], removeHeaders: [], rewritePaths: [] }).headers).not.toContain('content-encoding');
    const get = sampleRecord({ method: 'GET', req: { headers: [], body: { bytes: Buffer.alloc(0), size: 0, truncated: false } } });
    expect(outgoingRequest(get, target, { setHeaders: [], removeHeaders: [], rewritePaths: [] }).body).toBeNull();
  });

  it('parses --set-header and --rewrite-path, naming the flag when malformed', () => {
    expect(parseHeaderFlag('Authorization=Bearer a=b')).toEqual(['authorization', 'Bearer a=b']);
    expect(parseHeaderFlag('x-env: staging')).toEqual(['x-env', 'staging']);
    expect(() => parseHeaderFlag('no value')).toThrow(/a --set-header is not NAME=VALUE/);
    expect(parseRewriteFlag('/v1=/api/v1')).toEqual(['/v1', '/api/v1']);
    expect(() => parseRewriteFlag('v1=/api')).toThrow(/--rewrite-path "v1=\/api" is not \/FROM=\/TO/);
  });
});

describe('replay safety and results', () => {
  it('never repeats a malformed --set-header in its error: the text may be the token', () => {
    const malformed = ['Authorization Bearer s3cr3t-staging-token', 's3cr3t-staging-token', 'x-api-key s3cr3t-staging-token'];
    malformed.forEach((text, k) => {
      let message = '';
      try {
        parseHeaderFlag(text, '--set-header', k + 1);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(new RegExp(`the --set-header number ${k + 1} is not NAME=VALUE`));
      expect(message).not.toMatch(/s3cr3t/);
    });
  });


  it('sees a target as the production upstream whatever its loopback name or default port', () => {
    expect(sameOrigin('http://localhost:8080/x', 'http://127.0.0.1:8080')).toBe(true);
    // the address a server says it listens on names this host too
    expect(sameOrigin('http://0.0.0.0:8080', 'http://127.0.0.1:8080')).toBe(true);
    expect(sameOrigin('http://[::]:8080', 'http://localhost:8080')).toBe(true);
    expect(sameOrigin('http://127.0.0.2:8080', 'http://127.0.0.1:8080')).toBe(true);
    expect(sameOrigin('https://shop.example/', 'https://SHOP.example:443')).toBe(true);
    expect(sameOrigin('http://127.0.0.1:8081', 'http://127.0.0.1:8080')).toBe(false);
    expect(sameOrigin('http://shop.example', 'https://shop.example')).toBe(false);
    // the same listener through another scheme, or the host's fully qualified name
    expect(sameOrigin('http://shop.example:443', 'https://shop.example')).toBe(true);
    expect(sameOrigin('https://shop.example./', 'https://shop.example')).toBe(true);
  });

  it('keeps result bodies bounded like capture: a prefix, the full size and a SHA-256 when cut', () => {
    const body = Buffer.alloc(5000, 1);
    const kept = boundedBody(body, 5000, 4096);
    expect(kept).toMatchObject({ size: 5000, truncated: true });
    expect(kept.bytes).toHaveLength(4096);
    expect(kept.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(boundedBody(Buffer.from('ok'), 2, 4096)).toEqual({ bytes: Buffer.from('ok'), size: 2, truncated: false });
  });

  it('packs the results of a chunk attempt as rows and reads back every field', () => {
    const base = { chunk: 7, attempt: 'w1.1.abc', method: 'GET', scheduledUs: 1_763_776_000_000_000, sentAtUs: 1_763_776_000_000_040, lateUs: 40, ttfbUs: 250, totalUs: 300, fromScheduledUs: 340 };
    const batch: ReplayResult[] = [
      { ...base, i: 0, recordId: 'r0', url: '/a?x=1', differences: 2, status: 200, headers: [['content-type', 'application/json'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-empty', '']], body: { bytes: Buffer.from('{"a":1}'), size: 7, truncated: false } },
      { ...base, i: 1, recordId: 'r1', url: '/b', differences: 0, status: 200, headers: [], body: { bytes: Buffer.alloc(4096, 1), size: 5000, truncated: true, sha256: 'f'.repeat(64) }, baseline: { status: 500, totalUs: 90, error: 'reset' } },
      { ...base, i: 2, recordId: 'r2', url: '/c', differences: 0, error: 'timeout', errorText: 'no complete answer within the timeout', baseline: { status: 200, totalUs: 80 } },
      { ...base, i: 3, recordId: '', url: '', differences: 0, error: 'skipped', errorText: 'record no longer in the session', ttfbUs: 0, totalUs: 0 },
    ];
    expect(decodeResults(encodeResults(batch))).toEqual(batch);
  });

  it('still reads batches of result maps, and writes maps when a batch mixes chunk attempts', () => {
    const r: ReplayResult = { chunk: 1, attempt: 'a', i: 0, recordId: 'r', method: 'GET', url: '/', scheduledUs: 1, sentAtUs: 2, lateUs: 1, ttfbUs: 1, totalUs: 1, fromScheduledUs: 2, differences: 0, status: 204, headers: [['x', 'y']], body: { bytes: Buffer.from('z'), size: 1, truncated: false } };
    const v1 = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true }).pack([r]);
    expect(decodeResults(v1)).toEqual([r]);
    const mixed = [r, { ...r, attempt: 'b', i: 1 }];
    expect(decodeResults(encodeResults(mixed))).toEqual(mixed);
  });
});
