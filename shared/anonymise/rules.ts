import { z } from 'zod';
import { rulesSection, type RulesDocument } from '../config/rules.js';
import { KINDS, type Kind } from './detect/kinds.js';
import { compileJsonPath, type JsonPath } from './json-path.js';

/**
 * The `anonymise` section of the rules file. With no section at all every
 * detector is on and every finding is pseudonymised; Authorization keeps
 * only its scheme, cookies keep their names, client addresses are
 * pseudonymised. Rules add to that: each selects values by header name,
 * cookie name, query parameter, JSON path, form field, URL path segment or
 * detector kind (free text), and names an action.
 *
 * ```yaml
 * anonymise:
 *   detectors: all            # or a list: [email, phone, card, ...]
 *   action: pseudonym         # what detector findings get
 *   rules:
 *     - { header: x-user-id, action: pseudonym }
 *     - { cookie: session, action: redact }
 *     - { query: email, action: pseudonym }
 *     - { json: "$.users[*].name", action: pseudonym }
 *     - { form: password, action: drop }
 *     - { path: "/users/:email", action: pseudonym }
 *     - { text: card, action: mask, keep: 4 }
 *   budget: { scanBytes: 33554432, decodedBytes: 8388608 }
 * ```
 */

export const ACTIONS = ['drop', 'redact', 'mask', 'pseudonym'] as const;
export type Action = (typeof ACTIONS)[number];

const SELECTORS = ['header', 'cookie', 'query', 'json', 'form', 'path', 'text'] as const;

const action = z.enum(ACTIONS, { error: `expected one of ${ACTIONS.join(', ')}` });

const rule = z
  .strictObject({
    header: z.string().min(1).optional(),
    cookie: z.string().min(1).optional(),
    query: z.string().min(1).optional(),
    json: z
      .string()
      .min(1)
      .superRefine((v, ctx) => {
        try {
          compileJsonPath(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .optional(),
    form: z.string().min(1).optional(),
    path: z.string().min(1).optional(),
    text: z.enum([...KINDS, '*'], { error: `expected a detector kind (${KINDS.join(', ')}) or *` }).optional(),
    action,
    /** mask: characters kept at the end (default 4). */
    keep: z.number().int().min(0).max(64).optional(),
    /** Which side the rule applies to (default both). */
    in: z.enum(['req', 'res', 'both']).default('both'),
  })
  .superRefine((r, ctx) => {
    const given = SELECTORS.filter((s) => r[s] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `a rule selects with exactly one of ${SELECTORS.join(', ')} (got ${given.length ? given.join(', ') : 'none'})` });
    }
    if (r.path !== undefined && (!r.path.startsWith('/') || !/(^|\/):[A-Za-z_][A-Za-z0-9_]*(\/|$)/.test(r.path))) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'a path rule starts with / and names at least one segment, e.g. /users/:email' });
    }
  });

export const anonymiseRulesSchema = z
  .strictObject({
    /** `all` (the default) or a list of detector kinds. */
    detectors: z.preprocess((v) => (v === undefined || v === 'all' ? [...KINDS] : v), z.array(z.enum(KINDS, { error: `expected a detector kind: ${KINDS.join(', ')}` }))),
    action: action.default('pseudonym'),
    rules: z.array(rule).default([]),
    budget: z
      .strictObject({
        /** Characters scanned per record before its bodies are dropped (fail closed). */
        scanBytes: z.number().int().min(1024).default(32 * 1024 * 1024),
        /** Bytes a compressed body may decode to. */
        decodedBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
      })
      .prefault({}),
  })
  .prefault({ detectors: 'all' });

export type AnonymiseRules = z.output<typeof anonymiseRulesSchema>;

/** Validates the `anonymise` section of a rules document; errors name the rule and field. */
export function loadAnonymiseRules(doc: RulesDocument, file?: string): AnonymiseRules {
  return rulesSection(doc, 'anonymise', anonymiseRulesSchema, file);
}

/** What a rule does to the value it selects. */
export interface Treatment {
  action: Action;
  keep: number;
}

export type Side = 'req' | 'res';

interface NamedRule {
  name: RegExp;
  side: 'req' | 'res' | 'both';
  treatment: Treatment;
}

interface PathRule {
  /** Literal segments, `*` for any one segment, `{ param }` for a selected one. */
  segments: (string | { param: string })[];
  rest: boolean;
  treatment: Treatment;
}

/** Rules compiled for lookups on the hot path. */
export interface CompiledRules {
  kinds: ReadonlySet<Kind>;
  /** Treatment of each detector kind's findings. */
  byKind: ReadonlyMap<Kind, Treatment>;
  headers: NamedRule[];
  cookies: NamedRule[];
  query: NamedRule[];
  form: NamedRule[];
  json: { path: JsonPath; side: 'req' | 'res' | 'both'; treatment: Treatment }[];
  paths: PathRule[];
  scanBytes: number;
  decodedBytes: number;
}

function glob(name: string, caseless: boolean): RegExp {
  const body = name
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, caseless ? 'i' : '');
}

export function compileRules(rules: AnonymiseRules): CompiledRules {
  const kinds = new Set<Kind>(rules.detectors);
  const byKind = new Map<Kind, Treatment>();
  for (const k of kinds) byKind.set(k, { action: rules.action, keep: 4 });
  const out: CompiledRules = { kinds, byKind, headers: [], cookies: [], query: [], form: [], json: [], paths: [], scanBytes: rules.budget.scanBytes, decodedBytes: rules.budget.decodedBytes };
  for (const r of rules.rules) {
    const treatment = { action: r.action, keep: r.keep ?? 4 };
    if (r.header !== undefined) out.headers.push({ name: glob(r.header, true), side: r.in, treatment });
    else if (r.cookie !== undefined) out.cookies.push({ name: glob(r.cookie, false), side: r.in, treatment });
    else if (r.query !== undefined) out.query.push({ name: glob(r.query, false), side: r.in, treatment });
    else if (r.form !== undefined) out.form.push({ name: glob(r.form, false), side: r.in, treatment });
    else if (r.json !== undefined) out.json.push({ path: compileJsonPath(r.json), side: r.in, treatment });
    else if (r.path !== undefined) out.paths.push(compilePathRule(r.path, treatment));
    else if (r.text !== undefined) {
      for (const k of r.text === '*' ? kinds : [r.text]) if (kinds.has(k)) byKind.set(k, treatment);
    }
  }
  return out;
}

function compilePathRule(pattern: string, treatment: Treatment): PathRule {
  const parts = pattern.split('/').slice(1);
  const rest = parts[parts.length - 1] === '**';
  if (rest) parts.pop();
  const segments = parts.map((p) => (p.startsWith(':') ? { param: p.slice(1) } : p));
  return { segments, rest, treatment };
}

/** The first named rule for `name` on `side`. */
export function namedRule(list: readonly NamedRule[], name: string, side: Side): Treatment | undefined {
  for (const r of list) if ((r.side === 'both' || r.side === side) && r.name.test(name)) return r.treatment;
  return undefined;
}

/** Treatments of URL path segments (by index) that a path rule selects. */
export function pathRuleTreatments(rules: readonly PathRule[], segments: readonly string[]): Map<number, Treatment> {
  const out = new Map<number, Treatment>();
  for (const r of rules) {
    if (r.rest ? segments.length < r.segments.length : segments.length !== r.segments.length) continue;
    const ok = r.segments.every((s, i) => typeof s !== 'string' || s === '*' || s === segments[i]);
    if (!ok) continue;
    r.segments.forEach((s, i) => {
      if (typeof s === 'object' && !out.has(i)) out.set(i, r.treatment);
    });
  }
  return out;
}
