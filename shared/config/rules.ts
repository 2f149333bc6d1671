import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { errorText, parityError } from '../errors.js';
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
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw parityError('PARITY_ERR_CONFIG_FILE', `cannot read rules file ${path}: ${errorText(err)}`);
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw parityError('PARITY_ERR_CONFIG_FILE', `cannot parse rules file ${path}: ${errorText(err)}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw parityError('PARITY_ERR_CONFIG_FILE', `rules file ${path} must hold an object with sections (sampling, anonymise, shadow, diff)`);
  }
  return data as RulesDocument;
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
