import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareExchange, diffRulesSchema, type Answer, type DiffMode, type ExchangeInput } from '../../shared/diff/index.js';
import type { HeaderPair } from '../../shared/record/schema.js';

const JSON_CT: HeaderPair = ['content-type', 'application/json; charset=utf-8'];

/** An answer with the JSON of `body` (a Buffer or `raw(text)` is sent as is). */
function answer(body: unknown, over: Partial<Answer> = {}): Answer {
  const bytes = Buffer.isBuffer(body) ? body : body instanceof Raw ? Buffer.from(body.text) : Buffer.from(JSON.stringify(body));
  return { status: 200, headers: [JSON_CT], body: bytes, latencyUs: 1000, ...over };
}

class Raw {
  constructor(readonly text: string) {}
}
const raw = (text: string) => new Raw(text);

function diff(reference: Answer, target: Answer, mode: DiffMode = 'exact', rules: unknown = {}, url = '/users/1') {
  const input: ExchangeInput = { method: 'GET', url, reference, target, mode, rules: diffRulesSchema.parse(rules) };
  return compareExchange(input);
}

const summary = (r: ReturnType<typeof diff>) => r.differences.map((d) => `${d.path} ${d.kind}`);

describe('diff modes', () => {
  it('status mode compares only the status code', () => {
    expect(diff(answer({ a: 1 }), answer({ a: 2, b: 3 }, { headers: [] }), 'status').differences).toEqual([]);
    const r = diff(answer({}), answer({}, { status: 404 }), 'status');
    expect(r.differences).toMatchObject([{ path: 'status', kind: 'status', reference: '200', target: '404' }]);
    expect(r.statusChanged).toBe(true);
    expect(r.new5xx).toBe(false);
  });

  it('a 5xx where the reference was not is a new-5xx, and stops the body comparison', () => {
    const r = diff(answer({ a: 1 }), answer(raw('oops'), { status: 500, headers: [['content-type', 'text/plain']] }), 'exact');
    expect(summary(r)).toEqual(['status new-5xx']);
    expect(r.new5xx).toBe(true);
  });

  it('shape mode reports removed fields, type changes and null vs value, not value changes', () => {
    const r = diff(answer({ id: 1, name: 'a', age: 30, city: 'x', nick: 'n' }), answer({ id: 2, name: 'b', age: '30', nick: null, extra: true }), 'shape');
    expect(summary(r).sort()).toEqual(['$.age type', '$.city missing', '$.extra added', '$.nick null']);
    expect(r.differences.find((d) => d.kind === 'type')).toMatchObject({ reference: 'number', target: 'string' });
  });

  it('shape mode compares array elements by their merged shape and ignores lengths and empty arrays', () => {
    const ref = { items: [{ id: 1, price: 2 }, { id: 2, price: 3, note: 'x' }], tags: [] };
    expect(diff(answer(ref), answer({ items: [{ id: 9, price: 5 }], tags: ['a', 'b'] }), 'shape').differences).toEqual([]);
    const r = diff(answer(ref), answer({ items: [{ price: '5', note: 'y' }], tags: [] }), 'shape');
    expect(summary(r).sort()).toEqual(['$.items[*].id missing', '$.items[*].price type']);
    expect(r.differences[0]!.field).toMatch(/^\$\.items\[\*\]/);
  });

  it('exact mode reports value changes with concrete paths and generalised fields', () => {
    const r = diff(answer({ items: [{ p: 1 }, { p: 2 }], s: 'a' }), answer({ items: [{ p: 1 }, { p: 3 }], s: 'b' }));
    expect(r.differences).toMatchObject([
      { path: '$.items[1].p', field: '$.items[*].p', kind: 'value', reference: '2', target: '3' },
      { path: '$.s', field: '$.s', kind: 'value', reference: '"a"', target: '"b"' },
    ]);
  });

  it('exact mode reports extra and missing array elements by position', () => {
    expect(summary(diff(answer([1, 2, 3]), answer([1, 2])))).toEqual(['$[2] missing']);
    expect(summary(diff(answer([1]), answer([1, 5])))).toEqual(['$[1] added']);
  });

  it('keys that need quoting are written in bracket notation', () => {
    expect(summary(diff(answer({ 'a-b': { 'c d': 1 } }), answer({ 'a-b': { 'c d': 2 } })))).toEqual(['$["a-b"]["c d"] value']);
  });
});

describe('diff rules', () => {
  it('ignore paths hide a path and everything below it, with wildcards and recursive descent', () => {
    const ref = answer({ meta: { requestId: 'a', at: 1 }, items: [{ id: 1, updatedAt: 'x' }], deep: { x: { updatedAt: 1 } }, keep: 1 });
    const tgt = answer({ meta: { requestId: 'b', at: 2 }, items: [{ id: 1, updatedAt: 'y' }], deep: { x: { updatedAt: 2 } }, keep: 2 });
    const r = diff(ref, tgt, 'exact', { ignorePaths: ['$.meta', '$..updatedAt'] });
    expect(summary(r)).toEqual(['$.keep value']);
    expect(summary(diff(ref, tgt, 'exact', { ignorePaths: ['$.items[*].updatedAt'] }))).toContain('$.deep.x.updatedAt value');
  });

  it('ignore rules can be scoped to a route template', () => {
    const rules = { ignorePaths: [{ path: '$.v', route: 'GET /users/:id' }] };
    expect(diff(answer({ v: 1 }), answer({ v: 2 }), 'exact', rules, '/users/7').differences).toEqual([]);
    expect(diff(answer({ v: 1 }), answer({ v: 2 }), 'exact', rules, '/orders/7').differences).toHaveLength(1);
  });

  it('numeric tolerance: absolute and relative', () => {
    const ref = answer({ price: 10, total: 1000 });
    const tgt = answer({ price: 10.004, total: 1009 });
    expect(summary(diff(ref, tgt))).toEqual(['$.price value', '$.total value']);
    expect(diff(ref, tgt, 'exact', { tolerance: [{ path: '$.price', absolute: 0.01 }, { path: '$.total', relative: 0.01 }] }).differences).toEqual([]);
    expect(summary(diff(ref, answer({ price: 10.02, total: 1011 }), 'exact', { tolerance: [{ path: '$.price', absolute: 0.01 }, { path: '$.total', relative: 0.01 }] }))).toEqual(['$.price value', '$.total value']);
  });

  it('key-matched arrays compare elements by key, whatever their order', () => {
    const ref = answer({ users: [{ id: 1, n: 'a' }, { id: 2, n: 'b' }, { id: 3, n: 'c' }] });
    const tgt = answer({ users: [{ id: 3, n: 'c' }, { id: 1, n: 'A' }, { id: 4, n: 'd' }] });
    const r = diff(ref, tgt, 'exact', { matchBy: [{ path: '$.users', key: 'id' }] });
    expect(summary(r)).toEqual(['$.users[id=1].n value', '$.users[id=2] missing', '$.users[id=4] added']);
    expect(r.differences[0]!.field).toBe('$.users[*].n');
  });

  it('unordered arrays ignore order; leftovers are compared in order', () => {
    const rules = { unordered: ['$.tags', '$.rows'] };
    expect(diff(answer({ tags: ['a', 'b', 'c'] }), answer({ tags: ['c', 'a', 'b'] }), 'exact', rules).differences).toEqual([]);
    expect(summary(diff(answer({ tags: ['a', 'b'] }), answer({ tags: ['b', 'x'] }), 'exact', rules))).toEqual(['$.tags[0] value']);
    expect(diff(answer({ rows: [{ a: 1, b: 2 }, { a: 3 }] }), answer({ rows: [{ a: 3 }, { b: 2, a: 1 }] }), 'exact', rules).differences).toEqual([]);
  });

  it('expected changes are flagged, not dropped', () => {
    const r = diff(answer({ version: 1, x: 1 }), answer({ version: 2, x: 2 }), 'exact', { expected: ['$.version'] });
    expect(r.differences).toMatchObject([{ path: '$.version', expected: true }, { path: '$.x' }]);
    expect(r.differences[1]!.expected).toBeUndefined();
  });

  it('rejects an invalid JSONPath with a message naming it', () => {
    const parsed = diffRulesSchema.safeParse({ ignorePaths: ['$.a[x'] });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toContain('"$.a[x" is not a valid path');
  });
});

describe('headers', () => {
  const withHeaders = (h: HeaderPair[]) => answer({ a: 1 }, { headers: [JSON_CT, ...h] });

  it('ignores date, etag, request ids and content-length by default, and compares set-cookie by name only', () => {
    const ref = withHeaders([['date', 'Mon'], ['etag', '"a"'], ['x-request-id', '1'], ['content-length', '7'], ['set-cookie', 'sid=abc; Path=/']]);
    const tgt = withHeaders([['date', 'Tue'], ['etag', '"b"'], ['x-request-id', '2'], ['content-length', '9'], ['set-cookie', 'sid=xyz; Path=/']]);
    expect(diff(ref, tgt, 'exact').differences).toEqual([]);
    expect(summary(diff(ref, withHeaders([]), 'exact'))).toEqual(['headers.set-cookie:sid header-removed']);
  });

  it('a removed header is a shape difference; added and changed headers only count in exact mode', () => {
    const ref = withHeaders([['cache-control', 'no-store'], ['x-api', 'v1']]);
    const tgt = withHeaders([['x-api', 'v2'], ['x-new', '1']]);
    expect(summary(diff(ref, tgt, 'shape'))).toEqual(['headers.cache-control header-removed']);
    expect(summary(diff(ref, tgt, 'exact'))).toEqual(['headers.cache-control header-removed', 'headers.x-api header-value', 'headers.x-new header-added']);
  });

  it('the ignore list is extendable by rules, with wildcards', () => {
    const ref = withHeaders([['x-cache-hits', '1'], ['x-cache-node', 'a']]);
    expect(diff(ref, withHeaders([]), 'shape', { ignoreHeaders: ['x-cache-*'] }).differences).toEqual([]);
  });
});

describe('bodies that are not JSON', () => {
  const text = (s: string, ct = 'text/plain') => answer(raw(s), { headers: [['content-type', ct]] });

  it('a changed media type is a content-type difference', () => {
    expect(summary(diff(answer({ a: 1 }), text('a'), 'shape'))).toEqual(['content-type content-type']);
  });

  it('text bodies get a bounded line diff in exact mode and none in shape mode', () => {
    const ref = text('line 1\nline 2\nline 3\n');
    const tgt = text('line 1\nline two\nline 3\n');
    expect(diff(ref, tgt, 'shape').differences).toEqual([]);
    const [d] = diff(ref, tgt, 'exact').differences;
    expect(d).toMatchObject({ path: 'body', kind: 'body' });
    expect(d!.lines).toEqual(['@@ line 2', '-line 2', '+line two']);
    const big = diff(text(Array.from({ length: 500 }, (_, i) => `a${i}`).join('\n')), text(Array.from({ length: 500 }, (_, i) => `b${i}`).join('\n')), 'exact', { maxTextDiffLines: 10 });
    expect(big.differences[0]!.lines!.length).toBeLessThanOrEqual(11);
    expect(big.differences[0]!.lines!.at(-1)).toMatch(/more changed lines/);
  });

  it('binary bodies are compared by bytes in exact mode', () => {
    const bin = (b: number[]) => answer(Buffer.from(b), { headers: [['content-type', 'image/png']] });
    expect(diff(bin([1, 2, 3]), bin([1, 2, 3])).differences).toEqual([]);
    expect(diff(bin([1, 2, 3]), bin([1, 2, 4])).differences).toMatchObject([{ path: 'body', kind: 'body' }]);
  });

  it('JSON that no longer parses is a type difference at $', () => {
    expect(diff(answer({ a: 1 }), answer(raw('{"a":')), 'shape').differences).toMatchObject([{ path: '$', kind: 'type', reference: 'JSON', target: 'invalid JSON' }]);
  });

  it('truncated bodies are not compared, and the result says so', () => {
    const r = diff(answer({ a: 1 }), answer({ a: 2 }, { truncated: true }));
    expect(r.differences).toEqual([]);
    expect(r.skipped).toBe('body-truncated');
  });

  it('target errors and missing references are reported, not diffed', () => {
    expect(diff(answer({}), answer({}, { error: 'timeout' })).targetError).toBe('timeout');
    expect(diff(answer({}, { error: 'refused' }), answer({})).skipped).toBe('reference-error');
  });

  it('a body nested too deep to walk is compared by status only, and the result says so', () => {
    // 8,000 levels in 16 KB: the recursive walks overflow the stack
    const deep = (leaf: string) => raw(`${'['.repeat(8000)}${leaf}${']'.repeat(8000)}`);
    for (const mode of ['shape', 'exact'] as const) {
      const same = diff(answer(deep('1')), answer(deep('"x"')), mode);
      expect(same).toMatchObject({ differences: [], skipped: 'compare-failed', statusChanged: false });
      // the same trouble in a baseline answer, compared for noise
      const noise = compareExchange({ method: 'GET', url: '/users/1', reference: answer(deep('1')), target: answer(deep('1')), baselines: [answer(deep('"x"'))], mode, rules: diffRulesSchema.parse({}) });
      expect(noise).toMatchObject({ differences: [], skipped: 'compare-failed' });
    }
  });
});

// JSON values without -0 (JSON.stringify writes it as 0).
const jsonValue = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** The same structure with every primitive replaced by another of the same JSON type. */
function revalue(v: unknown, seed: number): unknown {
  if (v === null) return null;
  if (Array.isArray(v)) return v.map((e, i) => revalue(e, seed + i));
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, e], i) => [k, revalue(e, seed * 31 + i)]));
  if (typeof v === 'number') return v + seed + 1;
  if (typeof v === 'string') return `${v}~${seed}`;
  return !v;
}

describe('diff properties', () => {
  it('identical inputs never differ, in any mode', () => {
    fc.assert(
      fc.property(jsonValue, fc.constantFrom<DiffMode>('status', 'shape', 'exact'), (v, mode) => {
        const r = diff(answer(v), answer(v), mode);
        return r.differences.length === 0 && !r.statusChanged;
      }),
    );
  });

  it('equal values serialised differently (key order) never differ', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 5 }), jsonValue, { maxKeys: 6 }), (o) => {
        const reversed = Object.fromEntries(Object.entries(o).reverse());
        return diff(answer(o), answer(reversed), 'exact').differences.length === 0;
      }),
    );
  });

  it('shape diff ignores value changes', () => {
    fc.assert(fc.property(jsonValue, fc.nat(1000), (v, seed) => diff(answer(v), answer(revalue(v, seed)), 'shape').differences.length === 0));
  });

  it('exact diff finds a changed primitive value', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.oneof(fc.integer(), fc.string()), { minKeys: 1, maxKeys: 6 }), fc.nat(1000), (o, seed) => {
        const key = Object.keys(o)[seed % Object.keys(o).length]!;
        const changed = { ...o, [key]: revalue(o[key], seed) };
        const r = diff(answer(o), answer(changed), 'exact');
        return r.differences.length === 1 && r.differences[0]!.kind === 'value';
      }),
    );
  });

  it('key-matched arrays: any permutation of elements with unique keys never differs', () => {
    const item = fc.record({ v: fc.oneof(fc.integer(), fc.string({ maxLength: 4 })) });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), fc.nat(), (items, seed) => {
        const list = items.map((x, i) => ({ id: i, ...x }));
        const shuffled = [...list].sort((a, b) => ((a.id * 7919 + seed) % 13) - ((b.id * 7919 + seed) % 13) || a.id - b.id);
        return diff(answer({ list }), answer({ list: shuffled }), 'exact', { matchBy: [{ path: '$.list', key: 'id' }] }).differences.length === 0;
      }),
    );
  });

  it('tolerance: numbers within the tolerance never differ, numbers beyond it always do', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 1.001, max: 100, noNaN: true }), (x, inside, outside) => {
        const rules = { tolerance: [{ path: '$.x', absolute: 0.5 }] };
        const near = diff(answer({ x }), answer({ x: x + inside * 0.5 }), 'exact', rules).differences.length === 0;
        const far = diff(answer({ x }), answer({ x: x + outside * 0.5 }), 'exact', rules).differences.length === 1;
        return near && far;
      }),
    );
  });
});
