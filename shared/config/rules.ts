import type { z } from 'zod';
import { readObjectFile } from './file.js';
import { configProblemsError } from './load.js';

/**
 * The rules file (--rules / PARITY_RULES): one JSON or YAML object whose
 * top-level keys are sections owned by their concern — `sampling`
 * (shared/sampling), `anonymise` (shared/anonymise), `shadow`, `diff`
 * (shared/diff). Each concern validates its own section with
 * `rulesSection`, so errors name the file and the path inside it.
 */
export type RulesDocument = Record<string, unknown>;

export function loadRulesFile(path: string | undefined): RulesDocument {
  if (!path) return {};
  return readObjectFile(path, 'rules file', 'an object with sections (sampling, anonymise, shadow, diff, gate)');
}

/** Validates one section; a missing section parses as `undefined` (so `.default()` applies). */
export function rulesSection<S extends z.ZodType>(doc: RulesDocument, section: string, schema: S, file = 'rules file'): z.output<S> {
  const result = schema.safeParse(doc[section]);
  if (result.success) return result.data;
  throw configProblemsError(
    result.error.issues.map((i) => ({
      key: `rules.${section}${i.path.length ? `.${i.path.join('.')}` : ''}`,
      env: '-',
      source: 'file' as const,
      message: `${i.message} (in ${file})`,
    })),
  );
}
