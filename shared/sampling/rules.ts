import { z } from 'zod';
import { pathGlobSchema } from '../glob.js';
import { rulesSection, type RulesDocument } from '../config/rules.js';

/**
 * The `sampling` section of the rules file:
 *
 * ```yaml
 * sampling:
 *   sticky: { header: x-user-id }      # or { cookie: sid } or { query: user }
 *   routes:                            # first match wins; else --sample
 *     - { method: GET, path: /health*, rate: never }
 *     - { method: [POST, PUT], path: /api/orders/**, rate: 1 }
 * ```
 *
 * Paths are globs (picomatch: `*` one segment, `**` any depth) over the path
 * without its query; methods are case-insensitive, omitted or `*` for any.
 */

const method = z.string().regex(/^(\*|[A-Za-z][A-Za-z0-9_-]{0,31})$/, 'expected an HTTP method or *');

export const samplingRouteSchema = z.object({
  method: z.union([method, z.array(method).min(1)]).optional(),
  path: pathGlobSchema,
  rate: z.union([z.number().min(0).max(1), z.literal('never')]),
});

export const stickyKeySchema = z.union([
  z.object({ header: z.string().min(1).transform((h) => h.toLowerCase()) }).strict(),
  z.object({ cookie: z.string().min(1) }).strict(),
  z.object({ query: z.string().min(1) }).strict(),
]);

export const samplingSectionSchema = z
  .object({
    sticky: stickyKeySchema.optional(),
    routes: z.array(samplingRouteSchema).default([]),
  })
  .strict()
  .default({ routes: [] });

/** One per-route rule: requests matching method and path glob are sampled at `rate` (never: not at all). */
export type SamplingRoute = z.output<typeof samplingRouteSchema>;
/** Where the sticky sampling key is read from. */
export type StickyKey = z.output<typeof stickyKeySchema>;
export type SamplingSection = z.output<typeof samplingSectionSchema>;

/** Validates the rules file's `sampling` section (errors name the file and path). */
export function samplingRules(doc: RulesDocument, file?: string): SamplingSection {
  return rulesSection(doc, 'sampling', samplingSectionSchema, file);
}
