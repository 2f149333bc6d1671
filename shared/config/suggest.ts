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

/** The keys the object `schema` takes at `path` (an issue's), none when no object is there. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s = bare(schema);
  for (const segment of path) {
    if (s instanceof z.ZodObject) {
      const next = (s.shape as Record<string, z.ZodType | undefined>)[String(segment)];
      if (next === undefined) return [];
      s = bare(next);
    } else if (s instanceof z.ZodArray) s = bare(s.element as z.ZodType);
    else if (s instanceof z.ZodRecord) s = bare(s.valueType as z.ZodType);
    else return [];
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** A zod issue's message, with the nearest known key offered for each key it did not know (`ignorePath` → `ignorePaths`). */
export function issueMessage(schema: z.ZodType, issue: z.core.$ZodIssue): string {
  if (issue.code !== 'unrecognized_keys') return issue.message;
  const known = knownKeysAt(schema, issue.path);
  const near = issue.keys.map((k) => [k, closestName(k, known)] as const).filter(([, n]) => n !== undefined);
  return near.length === 0 ? issue.message : `${issue.message}; did you mean ${near.map(([k, n]) => `"${n}" for "${k}"`).join(', ')}?`;
}
