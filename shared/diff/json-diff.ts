import type { DiffKind, FieldDifference } from './types.js';
import { formatPath, generalizePath, type PathSegment } from './json-path.js';
import type { RouteRules } from './rules.js';
import { ARR, NULL, NUM, OBJ, typeBit } from './json-types.js';

/**
 * Value comparison of two parsed JSON bodies (`exact` mode; `shape` mode is
 * in shape-diff.ts) and the collector both report into. Path strings are
 * built only where a difference is found, which keeps the walk close to the
 * cost of JSON.parse.
 */

const MAX_DIFFS = 100;
const PREVIEW_CHARS = 120;

/** Short JSON text of a value for reports. */
export function preview(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

/** Collects differences for one comparison: applies ignore and expected rules, and the per-exchange bound. */
export class DiffCollector {
  readonly out: FieldDifference[] = [];
  clipped = 0;
  constructor(readonly rules: RouteRules) {}

  /** A difference at a body path; values are previewed unless given as text (`asText`). */
  json(path: readonly PathSegment[], kind: DiffKind, reference: unknown, target: unknown, asText = false): void {
    if (this.rules.ignoredJson(path)) return;
    const d: FieldDifference = { path: formatPath(path), field: generalizePath(path), kind };
    if (reference !== undefined) d.reference = asText && typeof reference === 'string' ? reference : preview(reference);
    if (target !== undefined) d.target = asText && typeof target === 'string' ? target : preview(target);
    if (this.rules.expectedJson(path)) d.expected = true;
    this.push(d);
  }

  /** A difference at a non-body field (`status`, `headers.x`, `body`, `content-type`). */
  field(field: string, kind: DiffKind, reference?: string, target?: string, lines?: string[]): void {
    if (this.rules.ignoredField(field)) return;
    const d: FieldDifference = { path: field, field, kind };
    if (reference !== undefined) d.reference = reference;
    if (target !== undefined) d.target = target;
    if (lines) d.lines = lines;
    if (this.rules.expectedField(field)) d.expected = true;
    this.push(d);
  }

  private push(d: FieldDifference): void {
    if (this.out.length < MAX_DIFFS) this.out.push(d);
    else this.clipped++;
  }
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Compares values: types, keys, array elements (by index, by key, or unordered per rules), numbers with tolerance. */
export function exactDiff(a: unknown, b: unknown, path: PathSegment[], c: DiffCollector): void {
  if (a === b) return;
  const ta = typeBit(a);
  const tb = typeBit(b);
  if (ta !== tb) {
    c.json(path, ta === NULL || tb === NULL ? 'null' : 'type', a, b);
    return;
  }
  if (ta === OBJ) return objectDiff(a as Record<string, unknown>, b as Record<string, unknown>, path, c, exactDiff);
  if (ta === ARR) return arrayDiff(a as unknown[], b as unknown[], path, c);
  if (ta === NUM) {
    const tol = c.rules.tolerance(path);
    if (tol) {
      const delta = Math.abs((a as number) - (b as number));
      if (delta <= tol.absolute || delta <= tol.relative * Math.max(Math.abs(a as number), Math.abs(b as number))) return;
    }
  }
  c.json(path, 'value', a, b);
}

export type Walk = (a: unknown, b: unknown, path: PathSegment[], c: DiffCollector) => void;

export function objectDiff(a: Record<string, unknown>, b: Record<string, unknown>, path: PathSegment[], c: DiffCollector, walk: Walk): void {
  for (const k in a) {
    path.push(k);
    if (hasOwn(b, k)) walk(a[k], b[k], path, c);
    else c.json(path, 'missing', a[k], undefined);
    path.pop();
  }
  for (const k in b) {
    if (hasOwn(a, k)) continue;
    path.push(k);
    c.json(path, 'added', undefined, b[k]);
    path.pop();
  }
}

function arrayDiff(a: unknown[], b: unknown[], path: PathSegment[], c: DiffCollector): void {
  if (c.rules.hasArrayRules) {
    const key = c.rules.matchKey(path);
    if (key !== undefined) return keyedArrayDiff(a, b, key, path, c);
    if (c.rules.unordered(path)) return unorderedArrayDiff(a, b, path, c);
  }
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    path.push(i);
    exactDiff(a[i], b[i], path, c);
    path.pop();
  }
  for (let i = n; i < a.length; i++) elementOnlyIn('missing', a[i], i, path, c);
  for (let i = n; i < b.length; i++) elementOnlyIn('added', b[i], i, path, c);
}

function elementOnlyIn(kind: 'missing' | 'added', v: unknown, seg: PathSegment, path: PathSegment[], c: DiffCollector): void {
  path.push(seg);
  c.json(path, kind, kind === 'missing' ? v : undefined, kind === 'added' ? v : undefined);
  path.pop();
}

/** Key of an element for key-matched arrays; elements without the key keep their position. */
function elementKey(v: unknown, key: string): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const k = (v as Record<string, unknown>)[key];
  return typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean' ? String(k) : undefined;
}

function keyedArrayDiff(a: unknown[], b: unknown[], key: string, path: PathSegment[], c: DiffCollector): void {
  const seen = new Map<string, number>();
  const keyed = (list: unknown[]) => {
    seen.clear();
    const out = new Map<string, { v: unknown; seg: PathSegment }>();
    list.forEach((v, i) => {
      const k = elementKey(v, key);
      if (k === undefined) return out.set(`#${i}`, { v, seg: i });
      const nth = (seen.get(k) ?? 0) + 1;
      seen.set(k, nth);
      const value = nth === 1 ? k : `${k}#${nth}`;
      out.set(`=${value}`, { v, seg: { by: key, value } });
    });
    return out;
  };
  const ka = keyed(a);
  const kb = keyed(b);
  for (const [k, ea] of ka) {
    const eb = kb.get(k);
    if (eb === undefined) {
      elementOnlyIn('missing', ea.v, ea.seg, path, c);
      continue;
    }
    path.push(ea.seg);
    exactDiff(ea.v, eb.v, path, c);
    path.pop();
  }
  for (const [k, eb] of kb) if (!ka.has(k)) elementOnlyIn('added', eb.v, eb.seg, path, c);
}

/** Canonical JSON text: object keys sorted, so equal values have equal text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/** Equal elements are matched whatever their order; leftovers are paired in order and compared. */
function unorderedArrayDiff(a: unknown[], b: unknown[], path: PathSegment[], c: DiffCollector): void {
  const pool = new Map<string, number[]>();
  b.forEach((v, j) => {
    const k = canonicalJson(v);
    const list = pool.get(k);
    if (list) list.push(j);
    else pool.set(k, [j]);
  });
  const leftA: number[] = [];
  const usedB = new Set<number>();
  a.forEach((v, i) => {
    const j = pool.get(canonicalJson(v))?.shift();
    if (j === undefined) leftA.push(i);
    else usedB.add(j);
  });
  const leftB = b.map((_, j) => j).filter((j) => !usedB.has(j));
  const n = Math.min(leftA.length, leftB.length);
  for (let k = 0; k < n; k++) {
    path.push(leftA[k]!);
    exactDiff(a[leftA[k]!], b[leftB[k]!], path, c);
    path.pop();
  }
  for (let k = n; k < leftA.length; k++) elementOnlyIn('missing', a[leftA[k]!], leftA[k]!, path, c);
  for (let k = n; k < leftB.length; k++) elementOnlyIn('added', b[leftB[k]!], leftB[k]!, path, c);
}
