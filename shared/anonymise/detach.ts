/**
 * A copy of `s` that shares no memory with the text it was cut from. V8
 * keeps a cut of 13 characters or more as a view into its parent, so a
 * value cut out of a body and kept in a cache would keep the whole body
 * alive. Concatenating and cutting again flattens the value into a string
 * of its own: ~60-80 ns against ~250-300 ns for a round trip through a
 * Buffer, and the parent is freed all the same (checked with --expose-gc:
 * twenty 10 MB bodies, one address kept from each, 18 MB of heap after GC
 * either way, 253 MB without a copy).
 */
export function detached(s: string): string {
  return s.length < 13 ? s : `${s} `.slice(0, -1);
}

/**
 * `answer` remembered per name: headers, parameters and keys repeat from record to record. Bounded (cleared when
 * `limit` names are held); a name cut from a body is kept as a copy (detached).
 */
export function byName(limit: number, answer: (name: string) => boolean): (name: string) => boolean {
  const known = new Map<string, boolean>();
  return (name) => {
    let yes = known.get(name);
    if (yes === undefined) {
      if (known.size >= limit) known.clear();
      known.set(detached(name), (yes = answer(name)));
    }
    return yes;
  };
}
