import type { z } from 'zod';
import { readObjectFile } from './file.js';
import { configProblemsError } from './load.js';
import { closestName, issueMessage } from './suggest.js';

/**
 * The rules file (--rules / PARITY_RULES): one JSON or YAML object whose
 * top-level keys are sections owned by their concern — `sampling`
 * (shared/sampling), `anonymise` (shared/anonymise), `shadow`, `diff`
 * (shared/diff), `gate` (shared/report). Each concern validates its own
 * section with `rulesSection`, so errors name the file and the path inside it.
 */
export type RulesDocument = Record<string, unknown>;

/** The sections a rules file may hold. */
export const RULES_SECTIONS = ['sampling', 'anonymise', 'shadow', 'diff', 'gate'] as const;

// Not the errors' default hints: those name --config, and `parity config schema`, which lists settings, not rules.
const FILE_HINT = 'Check the path given with --rules (PARITY_RULES, or rulesFile in the config file) and its syntax.';
const RULES_HINT = 'Fix the rules named above in the rules file (--rules, PARITY_RULES); README describes each section beside the concern that reads it.';

/**
 * Reads the rules file and refuses a section no concern reads: a misspelt
 * one (`anonymize:`) would otherwise switch its rules off without a word.
 */
export function loadRulesFile(path: string | undefined): RulesDocument {
  if (!path) return {};
  const doc = readObjectFile(path, 'rules file', `an object with sections (${RULES_SECTIONS.join(', ')})`, FILE_HINT);
  const unknown = Object.keys(doc).filter((key) => !(RULES_SECTIONS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw configProblemsError(
      unknown.map((key) => {
        const near = closestName(key, RULES_SECTIONS);
        return {
          key: `rules.${key}`,
          env: '-',
          source: 'file' as const,
          message: `unknown section "${key}" in ${path}${near ? `; did you mean "${near}"?` : ''} (the sections are ${RULES_SECTIONS.join(', ')})`,
        };
      }),
      RULES_HINT,
    );
  }
  return doc;
}

/** Validates one section; a missing section parses as `undefined` (so `.default()` applies). */
export function rulesSection<S extends z.ZodType>(doc: RulesDocument, section: string, schema: S, file = 'rules file'): z.output<S> {
  const result = schema.safeParse(doc[section], { reportInput: true });
  if (result.success) return result.data;
  throw configProblemsError(
    result.error.issues.map((i) => ({
      key: `rules.${section}${i.path.length ? `.${i.path.join('.')}` : ''}`,
      env: '-',
      source: 'file' as const,
      message: `${issueMessage(schema, i, true)} (in ${file})`,
    })),
    RULES_HINT,
  );
}
