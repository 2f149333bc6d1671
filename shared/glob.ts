import picomatch from 'picomatch';
import { z } from 'zod';

/**
 * Path globs (picomatch: `*` one segment, `**` any depth, `{a,b}`, `[a-z]`),
 * shared by sampling routes, shadow allow/deny lists and replay filters.
 * picomatch turns a glob it cannot read (`/api/{a,b`, `/x/[z-a]`) into a
 * pattern that matches nothing, silently: a shadow deny rule written that
 * way would deny nothing. Such a glob is refused instead.
 */
export function isReadableGlob(glob: string): boolean {
  try {
    return picomatch.makeRe(glob, { dot: true }).source !== '$^';
  } catch {
    return false;
  }
}

/** A path glob in a rules file: starts with '/', and picomatch can read it. */
export const pathGlobSchema = z
  .string()
  .startsWith('/', 'expected a path glob starting with /, e.g. /api/orders/**')
  .refine(isReadableGlob, 'not a readable glob (an unclosed {…} or [...], or a range like [z-a]); e.g. /api/{orders,carts}/**');
