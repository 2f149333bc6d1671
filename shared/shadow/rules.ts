import picomatch from 'picomatch';
import { pathGlobSchema } from '../glob.js';
import { z } from 'zod';
import { rulesSection, type RulesDocument } from '../config/rules.js';

/**
 * Which sampled requests shadow mode mirrors. GET, HEAD and OPTIONS are
 * mirrored by default; any other method only on a route the `shadow` section
 * of the rules file allows explicitly. `deny` keeps routes out entirely (a
 * GET with side effects). Example:
 *
 * ```yaml
 * shadow:
 *   allow:
 *     - { methods: [POST, PUT], path: /api/cart/** }
 *   deny:
 *     - { path: /admin/** }
 * ```
 */

/** Methods mirrored on every route unless denied. */
export const SAFE_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS'];

const methods = z
  .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'expected an HTTP method name'))
  .min(1)
  .transform((list) => list.map((m) => m.toUpperCase()));

const pathGlob = pathGlobSchema;

export const shadowRulesSchema = z
  .object({
    allow: z.array(z.strictObject({ methods, path: pathGlob })).default([]),
    deny: z.array(z.strictObject({ methods: methods.optional(), path: pathGlob })).default([]),
  })
  .strict()
  .prefault({});

export type ShadowRules = z.output<typeof shadowRulesSchema>;

/** Why a request was not mirrored (a counter label). */
export type ShadowSkip = 'method' | 'denied';

/** The compiled rules: one decision per request, cheap enough for the proxy's hot path. */
export interface ShadowPolicy {
  /** undefined when the request is mirrored, else why not. */
  skip(method: string, url: string): ShadowSkip | undefined;
}

interface CompiledRoute {
  methods: ReadonlySet<string> | undefined;
  match: (path: string) => boolean;
}

function compile(routes: readonly { methods?: string[]; path: string }[]): CompiledRoute[] {
  return routes.map((r) => ({ methods: r.methods ? new Set(r.methods) : undefined, match: picomatch(r.path, { dot: true }) }));
}

const hits = (routes: CompiledRoute[], method: string, path: string) => routes.some((r) => (!r.methods || r.methods.has(method)) && r.match(path));

export function shadowPolicy(rules: ShadowRules = { allow: [], deny: [] }): ShadowPolicy {
  const allow = compile(rules.allow);
  const deny = compile(rules.deny);
  return {
    skip(method, url) {
      const m = method.toUpperCase();
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      if (deny.length > 0 && hits(deny, m, path)) return 'denied';
      if (SAFE_METHODS.includes(m)) return undefined;
      return hits(allow, m, path) ? undefined : 'method';
    },
  };
}

/** Reads and validates the `shadow` section; errors name the file and the path inside it. */
export function loadShadowPolicy(doc: RulesDocument, file?: string): ShadowPolicy {
  return shadowPolicy(rulesSection(doc, 'shadow', shadowRulesSchema, file));
}
