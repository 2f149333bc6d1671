import { z } from 'zod';
import { rulesSection, type RulesDocument } from '../config/rules.js';
import { coversPath, matchesPath, parsePathPattern, type PathPattern, type PathSegment } from './json-path.js';

/**
 * The `diff` section of the rules file: what the diff ignores, tolerates,
 * matches by key, treats as unordered or expects to change, and the noise
 * rule's thresholds. Every entry may be scoped to one route template
 * (`route: 'GET /users/:id'`, `*` wildcards allowed).
 *
 * Paths starting with `$` are JSONPath into the body; other paths name
 * non-body fields: `status`, `content-type`, `body`, `headers.<name>`
 * (`*` wildcards allowed, e.g. `headers.x-*`).
 */

function validPath(p: string): boolean {
  if (!p.startsWith('$')) return p.length > 0;
  try {
    parsePathPattern(p);
    return true;
  } catch {
    return false;
  }
}

const pathText = z.string().superRefine((p, ctx) => {
  if (!validPath(p)) {
    ctx.addIssue({ code: 'custom', message: `"${p}" is not a valid path: use JSONPath such as $.user.id, $.items[*].price, $..updatedAt, or a field such as headers.x-request-id` });
  }
});
const routeText = z.string().min(1).describe('route template, e.g. "GET /users/:id"; * matches anything');
/** A path, or { path, route } to scope it to one route template. */
const scoped = z.preprocess((v) => (typeof v === 'string' ? { path: v } : v), z.strictObject({ path: pathText, route: routeText.optional() }));

export const diffRulesSchema = z
  .strictObject({
    /** Paths never compared (a covered object hides its members). */
    ignorePaths: z.array(scoped).default([]),
    /** Header names never compared, added to the default list (date, etag, request ids, ...). `*` wildcards allowed. */
    ignoreHeaders: z.array(z.string().min(1)).default([]),
    /** Numbers within the tolerance are equal: |a-b| <= absolute, or |a-b| <= relative * max(|a|,|b|). */
    tolerance: z
      .array(
        z.strictObject({
          path: pathText,
          route: routeText.optional(),
          absolute: z.number().nonnegative().default(0),
          relative: z.number().nonnegative().default(0),
        }),
      )
      .default([]),
    /** Arrays whose elements are matched by the value of a key (e.g. `id`) instead of by position. */
    matchBy: z.array(z.strictObject({ path: pathText, key: z.string().min(1), route: routeText.optional() })).default([]),
    /** Arrays compared as multisets: order does not matter. */
    unordered: z.array(scoped).default([]),
    /** Paths declared as intentionally changed in this release: reported as expected, never fail the gate. */
    expected: z.array(scoped).default([]),
    /** The noise rule (docs/report-format.md): a path is a real difference when its rate is clearly above its noise rate. */
    noise: z
      .strictObject({
        /** (diff rate − noise rate) must be at least this share of the diff rate. Default 0.2. */
        minRelative: z.number().min(0).max(1).default(0.2),
        /** (diff rate − noise rate) must be above this absolute rate. Default 0. */
        minAbsolute: z.number().min(0).max(1).default(0),
      })
      .default({ minRelative: 0.2, minAbsolute: 0 }),
    /** Most lines a text body diff keeps. Default 40. */
    maxTextDiffLines: z.number().int().min(1).max(1000).default(40),
  })
  .default({
    ignorePaths: [],
    ignoreHeaders: [],
    tolerance: [],
    matchBy: [],
    unordered: [],
    expected: [],
    noise: { minRelative: 0.2, minAbsolute: 0 },
    maxTextDiffLines: 40,
  });

export type DiffRules = z.output<typeof diffRulesSchema>;

/** Rules with nothing configured (the defaults). */
export const DEFAULT_DIFF_RULES: DiffRules = diffRulesSchema.parse(undefined);

/** A path selector: JSONPath for the body or a glob over field names. */
interface Selector {
  json?: PathPattern;
  field?: RegExp;
}

/** The rules that apply to one route, compiled. */
export interface RouteRules {
  readonly ignoreHeader: (name: string) => boolean;
  readonly hasArrayRules: boolean;
  readonly maxTextDiffLines: number;
  ignoredJson(path: readonly PathSegment[]): boolean;
  ignoredField(field: string): boolean;
  expectedJson(path: readonly PathSegment[]): boolean;
  expectedField(field: string): boolean;
  tolerance(path: readonly PathSegment[]): { absolute: number; relative: number } | undefined;
  matchKey(path: readonly PathSegment[]): string | undefined;
  unordered(path: readonly PathSegment[]): boolean;
}

/** `*` matches any run of characters; everything else is literal. */
export function globRegExp(glob: string, flags = ''): RegExp {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, flags);
}

const DEFAULT_IGNORED_HEADERS = [
  'date', 'etag', 'last-modified', 'expires', 'age', 'content-length', 'transfer-encoding', 'connection', 'keep-alive',
  'content-encoding', 'x-request-id', 'x-correlation-id', 'request-id', 'x-amzn-requestid', 'x-amzn-trace-id',
  'x-amz-request-id', 'x-amz-id-2', 'x-amz-cf-id', 'cf-ray', 'x-trace-id', 'traceparent', 'tracestate', 'x-b3-*',
  'server-timing', 'x-response-time', 'x-runtime', 'report-to', 'nel',
];

/** Response headers ignored by default: they differ between any two answers. */
export const defaultIgnoredHeaders: readonly string[] = DEFAULT_IGNORED_HEADERS;

function selector(path: string): Selector {
  return path.startsWith('$') ? { json: parsePathPattern(path) } : { field: globRegExp(path, 'i') };
}

function routeMatcher(route: string | undefined): (r: string) => boolean {
  if (!route) return () => true;
  const re = globRegExp(route.replace(/\s+/g, ' ').trim());
  return (r) => re.test(r);
}

const compiled = new WeakMap<DiffRules, Map<string, RouteRules>>();

/** The compiled rules for a route; cached per rules object and route. */
export function rulesForRoute(rules: DiffRules, route: string): RouteRules {
  let byRoute = compiled.get(rules);
  if (!byRoute) {
    byRoute = new Map();
    compiled.set(rules, byRoute);
  }
  let r = byRoute.get(route);
  if (!r) {
    r = compileForRoute(rules, route);
    if (byRoute.size < 10_000) byRoute.set(route, r);
  }
  return r;
}

function compileForRoute(rules: DiffRules, route: string): RouteRules {
  const applies = (e: { route?: string | undefined }) => routeMatcher(e.route)(route);
  const sel = (list: { path: string; route?: string | undefined }[]) => list.filter(applies).map((e) => selector(e.path));
  const ignore = sel(rules.ignorePaths);
  const expected = sel(rules.expected);
  const tolerance = rules.tolerance.filter(applies).map((t) => ({ pattern: parsePathPattern(t.path.startsWith('$') ? t.path : `$.${t.path}`), absolute: t.absolute, relative: t.relative }));
  const matchBy = rules.matchBy.filter(applies).map((m) => ({ pattern: parsePathPattern(m.path), key: m.key }));
  const unordered = rules.unordered.filter(applies).filter((u) => u.path.startsWith('$')).map((u) => parsePathPattern(u.path));
  const headerRes = [...DEFAULT_IGNORED_HEADERS, ...rules.ignoreHeaders].map((h) => globRegExp(h.toLowerCase()));
  const headerCache = new Map<string, boolean>();
  const jsonHit = (list: Selector[], path: readonly PathSegment[]) => list.some((s) => s.json !== undefined && coversPath(s.json, path));
  const fieldHit = (list: Selector[], field: string) => list.some((s) => s.field?.test(field) ?? false);
  return {
    ignoreHeader(name) {
      let hit = headerCache.get(name);
      if (hit === undefined) {
        hit = headerRes.some((re) => re.test(name));
        if (headerCache.size < 1000) headerCache.set(name, hit);
      }
      return hit;
    },
    hasArrayRules: matchBy.length > 0 || unordered.length > 0,
    maxTextDiffLines: rules.maxTextDiffLines,
    ignoredJson: (path) => ignore.length > 0 && jsonHit(ignore, path),
    ignoredField: (field) => ignore.length > 0 && fieldHit(ignore, field),
    expectedJson: (path) => expected.length > 0 && jsonHit(expected, path),
    expectedField: (field) => expected.length > 0 && fieldHit(expected, field),
    tolerance(path) {
      for (const t of tolerance) if (coversPath(t.pattern, path)) return t;
      return undefined;
    },
    matchKey(path) {
      for (const m of matchBy) if (matchesPath(m.pattern, path)) return m.key;
      return undefined;
    },
    unordered: (path) => unordered.some((p) => matchesPath(p, path)),
  };
}

/** The rules file's `diff` section, validated (errors name `rules.diff.<path>`). */
export function diffRulesFrom(doc: RulesDocument, file?: string): DiffRules {
  return rulesSection(doc, 'diff', diffRulesSchema, file);
}
