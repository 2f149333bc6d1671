import { z } from 'zod';

/**
 * The known name closest to a mistyped one ("anonymize" → "anonymise"), or
 * undefined when none is near: at most a third of the name's letters differ
 * (case aside), so a wild guess is never offered.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** `schema` without the wrappers that do not change what keys it takes (a default, optional, a preprocess). */
function bare(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.out as z.ZodType;
    else break;
  }
  return s;
}

/** The schema that applies at `path` (an issue's) inside `schema`, bare; undefined when none does. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let s = bare(schema);
  for (const segment of path) {
    if (s instanceof z.ZodObject) {
      const next = (s.shape as Record<string, z.ZodType | undefined>)[String(segment)];
      if (next === undefined) return undefined;
      s = bare(next);
    } else if (s instanceof z.ZodArray) s = bare(s.element as z.ZodType);
    else if (s instanceof z.ZodRecord) s = bare(s.valueType as z.ZodType);
    else return undefined;
  }
  return s;
}

/** The keys the object `schema` takes at `path` (an issue's), none when no object is there. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const s = schemaAt(schema, path);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** zod's own message for a value that matched no alternative of a union, which says nothing of them. */
const UNION_DEFAULT = 'Invalid input';

/**
 * A zod issue's message: the nearest known key offered for each key it did
 * not know (`ignorePath` → `ignorePaths`); for a value that is none of a
 * union's kinds, the kinds in words (`expected a number from 0 to 1 or
 * "never"`). With `withInput` (the issue must carry its input: parse with
 * `reportInput`), what was given is added to messages that do not say it.
 */
export function issueMessage(schema: z.ZodType, issue: z.core.$ZodIssue, withInput = false): string {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(schema, issue.path);
    const near = issue.keys.map((k) => [k, closestName(k, known)] as const).filter(([, n]) => n !== undefined);
    return near.length === 0 ? issue.message : `${issue.message}; did you mean ${near.map(([k, n]) => `"${n}" for "${k}"`).join(', ')}?`;
  }
  let message = issue.message;
  if (issue.code === 'invalid_union' && message === UNION_DEFAULT) {
    const kinds = unionKinds(schemaAt(schema, issue.path)) ?? issue.errors.map((alt) => issueKind(alt[0]));
    if (kinds.length > 0 && kinds.every((k) => k !== undefined)) message = `expected ${kinds.join(' or ')}`;
  }
  const given = withInput && issue.code !== 'custom' ? givenText(issue.input) : undefined;
  return given === undefined ? message : `${message}, ${given}`;
}

/** The kinds of value a union takes, in words; undefined when one of them cannot be put in words. */
function unionKinds(s: z.ZodType | undefined): string[] | undefined {
  if (!(s instanceof z.ZodUnion)) return undefined;
  const kinds = (s.options as z.ZodType[]).map(kindOf);
  return kinds.every((k) => k !== undefined) ? kinds : undefined;
}

/** What a value of `schema` is, in words ("a whole number of at least 1", `"never"`, "a list"). */
function kindOf(schema: z.ZodType): string | undefined {
  const s = bare(schema);
  if (s instanceof z.ZodNumber) return numberKind(s);
  if (s instanceof z.ZodString) return 'text';
  if (s instanceof z.ZodBoolean) return 'true or false';
  if (s instanceof z.ZodLiteral) return [...s.values].map((v) => JSON.stringify(v)).join(' or ');
  if (s instanceof z.ZodEnum) return `one of ${s.options.map((v) => JSON.stringify(v)).join(', ')}`;
  if (s instanceof z.ZodArray) return 'a list';
  if (s instanceof z.ZodObject) {
    const keys = Object.keys(s.shape);
    return keys.length > 0 && keys.length <= 3 ? `an object with ${keys.join(', ')}` : 'an object';
  }
  return unionKinds(s)?.join(' or ');
}

function numberKind(n: z.ZodNumber): string {
  const what = n.isInt ? 'a whole number' : 'a number';
  // zod's JSON Schema of it is where its bounds, inclusive or not, are public
  const json = z.toJSONSchema(n) as { minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number };
  // a whole number's own bounds (±2^53) say nothing
  const bound = (v: number | undefined) => (v !== undefined && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined);
  const [min, max] = [bound(json.minimum), bound(json.maximum)];
  const [above, below] = [bound(json.exclusiveMinimum), bound(json.exclusiveMaximum)];
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
  const parts = [min !== undefined ? `at least ${min}` : above !== undefined ? `above ${above}` : '', max !== undefined ? `at most ${max}` : below !== undefined ? `below ${below}` : ''];
  const range = parts.filter(Boolean).join(' and ');
  return range ? `${what} ${range.startsWith('at ') ? 'of ' : ''}${range}` : what;
}

/** The kind one alternative of a union wanted, from its issue (when the schema could not be walked to). */
function issueKind(issue: z.core.$ZodIssue | undefined): string | undefined {
  // an alternative that failed deeper inside (a key of an object) says nothing of the kind it wanted
  if (issue === undefined || issue.path.length > 0) return undefined;
  if (issue.code === 'invalid_type') return /^[aeiou]/.test(issue.expected) ? `an ${issue.expected}` : `a ${issue.expected}`;
  if (issue.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v)).join(' or ');
  return undefined;
}

/** "got …" for a value given, short; undefined for a value too big to quote usefully. */
function givenText(input: unknown): string | undefined {
  if (input === undefined) return 'but it is missing';
  if (typeof input === 'string') return `got ${JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input)}`;
  if (typeof input === 'number' || typeof input === 'boolean' || input === null) return `got ${String(input)}`;
  return Array.isArray(input) ? 'got a list' : 'got an object';
}
