/**
 * JSON paths for rules: `$.user.email`, `$.users[*].email`, `$['odd key']`,
 * `$.items[0].card`, `$.*.token` and `$..email` (at any depth). A path is
 * matched against the keys and indices leading to a value.
 */

export type PathKey = string | number;

export type Segment = { t: 'key'; name: string } | { t: 'index'; n: number } | { t: 'any' } | { t: 'deep' };

export interface JsonPath {
  readonly source: string;
  readonly segments: readonly Segment[];
}

const NAME = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

/** Parses a path; throws an Error naming what is wrong (rules validation reports it). */
export function compileJsonPath(source: string): JsonPath {
  if (!source.startsWith('$')) throw new Error('a JSON path starts with $, e.g. $.users[*].email');
  const segments: Segment[] = [];
  let i = 1;
  while (i < source.length) {
    if (source.startsWith('..', i)) {
      segments.push({ t: 'deep' });
      i += 2;
      if (source[i] === '*') {
        segments.push({ t: 'any' });
        i++;
        continue;
      }
      const m = NAME.exec(source.slice(i));
      if (!m) throw new Error(`expected a name after .. at character ${i + 1}`);
      segments.push({ t: 'key', name: m[0] });
      i += m[0].length;
    } else if (source[i] === '.') {
      i++;
      if (source[i] === '*') {
        segments.push({ t: 'any' });
        i++;
        continue;
      }
      const m = NAME.exec(source.slice(i));
      if (!m) throw new Error(`expected a name after . at character ${i + 1}`);
      segments.push({ t: 'key', name: m[0] });
      i += m[0].length;
    } else if (source[i] === '[') {
      const close = source.indexOf(']', i);
      if (close < 0) throw new Error(`unclosed [ at character ${i + 1}`);
      const inner = source.slice(i + 1, close).trim();
      if (inner === '*') segments.push({ t: 'any' });
      else if (/^\d+$/.test(inner)) segments.push({ t: 'index', n: Number(inner) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) segments.push({ t: 'key', name: inner.slice(1, -1) });
      else throw new Error(`expected [*], [N] or ['name'] at character ${i + 1}`);
      i = close + 1;
    } else {
      throw new Error(`unexpected "${source[i]}" at character ${i + 1}`);
    }
  }
  if (segments[segments.length - 1]?.t === 'deep') throw new Error('a JSON path cannot end with ..');
  return { source, segments };
}

function segmentMatches(s: Segment, k: PathKey): boolean {
  if (s.t === 'any') return true;
  if (s.t === 'key') return typeof k === 'string' && k === s.name;
  if (s.t === 'index') return typeof k === 'number' && k === s.n;
  return false;
}

/** True when `path` (keys and indices from the root) is exactly what `p` selects. */
export function matchJsonPath(p: JsonPath, path: readonly PathKey[]): boolean {
  const segs = p.segments;
  // states: set of segment positions reached after consuming path[0..i)
  let states = new Set<number>([0]);
  for (const key of path) {
    const next = new Set<number>();
    for (const s of states) {
      const seg = segs[s];
      if (!seg) continue;
      if (seg.t === 'deep') {
        next.add(s); // the deep step swallows this key
        if (segmentMatches(segs[s + 1]!, key)) next.add(s + 2);
      } else if (segmentMatches(seg, key)) next.add(s + 1);
    }
    if (next.size === 0) return false;
    states = next;
  }
  return states.has(segs.length);
}

const SIMPLE = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * One key of a path as text for `record.anonymised`: `.name`, `['odd key']`,
 * or `[*]` for an array index, so repeated elements share one entry.
 */
export function segmentText(k: PathKey): string {
  if (typeof k === 'number') return '[*]';
  return SIMPLE.test(k) ? `.${k}` : `['${k.replace(/'/g, "\\'")}']`;
}
