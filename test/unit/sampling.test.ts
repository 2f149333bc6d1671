import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { samplingRules } from '../../shared/sampling/rules.js';
import { Sampler } from '../../shared/sampling/sampler.js';
import { stickyPoint, stickyValue } from '../../shared/sampling/sticky.js';

const req = (method: string, url: string, headers: Record<string, string> = {}) => ({ method, url, headers });

describe('sampling', () => {
  it('samples nothing at rate 0 and everything at rate 1', () => {
    const none = new Sampler({ rate: 0 });
    const all = new Sampler({ rate: 1 });
    for (let i = 0; i < 100; i++) {
      expect(none.decide(req('GET', `/x/${i}`))).toBe(false);
      expect(all.decide(req('GET', `/x/${i}`))).toBe(true);
    }
  });

  it('samples about the global rate at random', () => {
    let n = 0;
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const s = new Sampler({ rate: 0.25, random });
    for (let i = 0; i < 10_000; i++) if (s.decide(req('GET', '/'))) n++;
    expect(n).toBeGreaterThan(2200);
    expect(n).toBeLessThan(2800);
  });

  it('applies the first matching route rule by method and path glob, ignoring the query', () => {
    const { routes } = samplingRules({
      sampling: {
        routes: [
          { method: 'GET', path: '/health*', rate: 'never' },
          { method: ['post', 'PUT'], path: '/api/orders/**', rate: 1 },
          { path: '/api/*', rate: 0 },
        ],
      },
    });
    const s = new Sampler({ rate: 1, routes });
    expect(s.decide(req('GET', '/healthz?deep=1'))).toBe(false);
    expect(s.decide(req('POST', '/healthz'))).toBe(true); // the never rule is GET only
    expect(s.decide(req('POST', '/api/orders/7/items?x=1'))).toBe(true);
    expect(s.decide(req('GET', '/api/orders'))).toBe(false); // GET falls to /api/* → 0
    expect(s.decide(req('GET', '/api/users/7'))).toBe(true); // /api/* is one segment only
    expect(s.decide(req('GET', '/other'))).toBe(true);
  });

  it('sticky sampling gives one key the same decision on every route and every proxy', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (user) => {
        const a = new Sampler({ rate: 0.3, sticky: { header: 'x-user' }, random: () => 0 });
        const b = new Sampler({ rate: 0.3, sticky: { header: 'x-user' }, random: () => 0.99 });
        const first = a.decide(req('GET', '/a', { 'x-user': user }));
        expect(a.decide(req('POST', '/b/c', { 'x-user': user }))).toBe(first);
        expect(b.decide(req('GET', '/d?e=f', { 'x-user': user }))).toBe(first);
        expect(first).toBe(stickyPoint(user) < 0.3);
      }),
    );
  });

  it('sticky sampling admits about the rate of distinct keys', () => {
    const s = new Sampler({ rate: 0.3, sticky: { cookie: 'sid' } });
    let n = 0;
    for (let i = 0; i < 10_000; i++) if (s.decide(req('GET', '/', { cookie: `theme=dark; sid=user-${i}` }))) n++;
    expect(n).toBeGreaterThan(2700);
    expect(n).toBeLessThan(3300);
  });

  it('reads the sticky key from a header, a cookie or a query parameter, and falls back to random without one', () => {
    expect(stickyValue({ header: 'x-user' }, '/', { 'x-user': 'u1' })).toBe('u1');
    expect(stickyValue({ cookie: 'sid' }, '/', { cookie: 'a=1; sid=abc ; b=2' })).toBe('abc');
    expect(stickyValue({ cookie: 'sid' }, '/', { cookie: 'xsid=1' })).toBeUndefined();
    expect(stickyValue({ query: 'user' }, '/p?x=1&user=bob', {})).toBe('bob');
    expect(stickyValue({ query: 'user' }, '/p', {})).toBeUndefined();
    const s = new Sampler({ rate: 0.5, sticky: { query: 'user' }, random: () => 0.1 });
    expect(s.decide(req('GET', '/no-key'))).toBe(true);
  });

  it('caps captures per second and counts what the cap turned away', () => {
    let now = 10_000;
    const s = new Sampler({ rate: 1, maxPerSecond: 3, now: () => now });
    const inSecond = () => Array.from({ length: 10 }, () => s.decide(req('GET', '/'))).filter(Boolean).length;
    expect(inSecond()).toBe(3);
    now += 400;
    expect(inSecond()).toBe(0);
    now += 600;
    expect(inSecond()).toBe(3);
    expect(s.stats.capped).toBe(24);
  });

  it('rejects an invalid sampling section naming the path inside the rules file', () => {
    expect(() => samplingRules({ sampling: { routes: [{ path: '/x', rate: 2 }] } }, 'rules.yaml')).toThrow(/rules\.sampling\.routes\.0\.rate.*rules\.yaml/s);
    expect(() => samplingRules({ sampling: { routes: [{ path: 'no-slash', rate: 1 }] } })).toThrow(/rules\.sampling\.routes\.0\.path/);
    expect(() => samplingRules({ sampling: { routes: [{ path: '/a/[z-a]', rate: 1 }] } })).toThrow(/rules\.sampling\.routes\.0\.path.*not a readable glob/s);
    expect(() => samplingRules({ sampling: { sticky: { header: 'a', cookie: 'b' } } })).toThrow(/rules\.sampling\.sticky/);
    expect(() => samplingRules({ sampling: { rate: 0.5 } })).toThrow(/rules\.sampling/);
    expect(samplingRules({})).toEqual({ routes: [] });
  });
});
