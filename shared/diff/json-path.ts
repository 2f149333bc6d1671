/**
 * JSON paths, as the diff reports them and as rules select them.
 *
 * A concrete path is a list of segments: an object key (string), an array
 * index (number) or a key-matched array element (`{ by, value }`, written
 * `[id=42]`). Rules use JSONPath with wildcards: `$.a.b`, `$['a-b']`,
 * `$.items[0]`, `$.items[*].price`, `$.*`, and recursive descent `$..id`.
 */

export interface KeyedSegment {
  by: string;
  value: string;
}
/** A key, an index, a key-matched element, or `ANY_ELEMENT` (-1): every element of an array (shape mode). */
export type PathSegment = string | number | KeyedSegment;

/** The segment shape comparison uses for "every element": written `[*]`. */
export const ANY_ELEMENT = -1;

type PatternSegment = { t: 'key'; name: string } | { t: 'index'; n: number } | { t: 'any' } | { t: 'descend' };

/** A compiled JSONPath pattern. */
export interface PathPattern {
  readonly source: string;
  readonly segments: readonly PatternSegment[];
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function formatKey(key: string): string {
  return IDENT.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** `$.a[3].b`, `$.users[id=42].name`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'string') out += formatKey(s);
    else if (typeof s === 'number') out += s === ANY_ELEMENT ? '[*]' : `[${s}]`;
    else out += `[${s.by}=${s.value}]`;
  }
  return out;
}

/** The path with every array position replaced by `[*]`: the key differences are counted under. */
export function generalizePath(segments: readonly PathSegment[]): string {
  let out = '$';
  for (const s of segments) out += typeof s === 'string' ? formatKey(s) : '[*]';
  return out;
}

/** Parses a JSONPath pattern; throws an Error naming the position of a syntax problem. */
export function parsePathPattern(source: string): PathPattern {
  const text = source.trim();
  if (!text.startsWith('$')) throw new Error(`JSONPath "${source}" must start with $`);
  const segments: PatternSegment[] = [];
  let i = 1;
  const fail = (why: string): never => {
    throw new Error(`JSONPath "${source}": ${why} at position ${i}`);
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      if (text[i + 1] === '.') {
        segments.push({ t: 'descend' });
        i += 2;
        if (text[i] === '[') continue;
      } else {
        i += 1;
      }
      if (text[i] === '*') {
        segments.push({ t: 'any' });
        i += 1;
        continue;
      }
      const m = /^[^.[\]]+/.exec(text.slice(i));
      if (!m) fail('expected a member name');
      segments.push({ t: 'key', name: m![0] });
      i += m![0].length;
    } else if (c === '[') {
      const close = findClose(text, i);
      if (close < 0) fail('unclosed [');
      const inner = text.slice(i + 1, close).trim();
      if (inner === '*') segments.push({ t: 'any' });
      else if (/^\d+$/.test(inner)) segments.push({ t: 'index', n: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) segments.push({ t: 'key', name: inner.slice(1, -1).replace(/\\(['"\\])/g, '$1') });
      else fail(`expected [*], [n] or ['name'], got [${inner}]`);
      i = close + 1;
    } else {
      fail(`unexpected "${c}"`);
    }
  }
  if (segments.length > 0 && segments[segments.length - 1]!.t === 'descend') fail('.. must be followed by a name or [*]');
  return { source: text, segments };
}

function findClose(text: string, open: number): number {
  let quote: string | null = null;
  for (let j = open + 1; j < text.length; j++) {
    const c = text[j]!;
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ']') return j;
  }
  return -1;
}

function segmentMatches(p: PatternSegment, s: PathSegment): boolean {
  switch (p.t) {
    case 'any':
      return true;
    case 'key':
      return s === p.name;
    case 'index':
      return s === p.n;
    default:
      return false;
  }
}

function matchFrom(pat: readonly PatternSegment[], pi: number, path: readonly PathSegment[], si: number, prefix: boolean): boolean {
  if (pi === pat.length) return prefix || si === path.length;
  const p = pat[pi]!;
  if (p.t === 'descend') {
    for (let k = si; k < path.length; k++) if (matchFrom(pat, pi + 1, path, k, prefix)) return true;
    return false;
  }
  if (si === path.length) return false;
  return segmentMatches(p, path[si]!) && matchFrom(pat, pi + 1, path, si + 1, prefix);
}

/** True when the pattern selects exactly this path. */
export function matchesPath(pattern: PathPattern, path: readonly PathSegment[]): boolean {
  return matchFrom(pattern.segments, 0, path, 0, false);
}

/** True when the pattern selects this path or one of its ancestors (an ignored object hides its members). */
export function coversPath(pattern: PathPattern, path: readonly PathSegment[]): boolean {
  return matchFrom(pattern.segments, 0, path, 0, true);
}
