import { ANY_ELEMENT, type PathSegment } from './json-path.js';
import { ARR, NULL, OBJ, typeBit, typeNames } from './json-types.js';
import { objectDiff, type DiffCollector } from './json-diff.js';

/**
 * Compares structure only: keys, JSON types, null vs value; arrays by the
 * merged shape of their elements, where a key counts as missing (or added)
 * only when every element on one side has it and none on the other does.
 */
export function shapeDiff(a: unknown, b: unknown, path: PathSegment[], c: DiffCollector): void {
  if (a === b) return;
  const ta = typeBit(a);
  const tb = typeBit(b);
  if (ta !== tb) {
    c.json(path, ta === NULL || tb === NULL ? 'null' : 'type', typeNames(ta), typeNames(tb), true);
    return;
  }
  if (ta === OBJ) return objectDiff(a as Record<string, unknown>, b as Record<string, unknown>, path, c, shapeDiff);
  if (ta === ARR) {
    const ea = a as unknown[];
    const eb = b as unknown[];
    // An empty array says nothing about its elements' shape (staging's data may simply differ).
    if (ea.length === 0 || eb.length === 0) return;
    path.push(ANY_ELEMENT);
    compareShapes(shapeOfElements(ea), shapeOfElements(eb), path, c);
    path.pop();
  }
}

/**
 * The union of the shapes of many values: types seen, keys seen (with their
 * shapes and how many objects had them), element shapes.
 */
interface Shape {
  types: number;
  /** Values merged into this shape. */
  seen: number;
  /** Of them, objects. */
  objects: number;
  keys: Record<string, Shape> | null;
  items: Shape | null;
}

const newShape = (): Shape => ({ types: 0, seen: 0, objects: 0, keys: null, items: null });

function addToShape(s: Shape, v: unknown): void {
  const t = typeBit(v);
  s.types |= t;
  s.seen++;
  if (t === OBJ) {
    const o = v as Record<string, unknown>;
    s.objects++;
    const keys = (s.keys ??= Object.create(null) as Record<string, Shape>);
    for (const k in o) addToShape((keys[k] ??= newShape()), o[k]);
  } else if (t === ARR) {
    for (const e of v as unknown[]) addToShape((s.items ??= newShape()), e);
  }
}

function shapeOfElements(list: unknown[]): Shape {
  const s = newShape();
  for (const e of list) addToShape(s, e);
  return s;
}

function compareShapes(a: Shape, b: Shape, path: PathSegment[], c: DiffCollector): void {
  const nnA = a.types & ~NULL;
  const nnB = b.types & ~NULL;
  if (nnA !== 0 && nnB !== 0 && nnA !== nnB) c.json(path, 'type', typeNames(a.types), typeNames(b.types), true);
  else if ((nnA === 0) !== (nnB === 0)) c.json(path, 'null', typeNames(a.types), typeNames(b.types), true);
  // A key only some elements have is optional: its absence on the other side may just be data.
  if (a.keys && b.keys) {
    for (const k in a.keys) {
      const sa = a.keys[k]!;
      path.push(k);
      const sb = b.keys[k];
      if (sb) compareShapes(sa, sb, path, c);
      else if (sa.seen === a.objects) c.json(path, 'missing', typeNames(sa.types), undefined, true);
      path.pop();
    }
    for (const k in b.keys) {
      const sb = b.keys[k]!;
      if (k in a.keys || sb.seen !== b.objects) continue;
      path.push(k);
      c.json(path, 'added', undefined, typeNames(sb.types), true);
      path.pop();
    }
  }
  if (a.items && b.items) {
    path.push(ANY_ELEMENT);
    compareShapes(a.items, b.items, path, c);
    path.pop();
  }
}
