import { readFileSync } from 'node:fs';
import { errorText, parityError } from '../errors.js';
import { FileSyntaxError, parseText } from './syntax.js';

/**
 * Reads a JSON (`.json`) or YAML file that must hold one object — the config
 * file and the rules file. `what` names it in errors ("config file"), and
 * `expected` says what the object should hold. A syntax error names the line
 * and column but quotes nothing of the file, which holds secrets. `hint`
 * names the setting that chose the file (default: the config file's).
 */
export function readObjectFile(path: string, what: string, expected: string, hint?: string): Record<string, unknown> {
  const options = hint === undefined ? undefined : { hint };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw parityError('PARITY_ERR_CONFIG_FILE', `cannot read ${what} ${path}: ${errorText(err)}`, options);
  }
  let data: unknown;
  try {
    data = parseText(text, path.endsWith('.json'));
  } catch (err) {
    const why = err instanceof FileSyntaxError ? err.message : 'not valid JSON or YAML';
    throw parityError('PARITY_ERR_CONFIG_FILE', `cannot parse ${what} ${path}: ${why}`, options);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw parityError('PARITY_ERR_CONFIG_FILE', `${what} ${path} must hold ${expected}, got ${Array.isArray(data) ? 'an array' : typeof data}`, options);
  }
  return data as Record<string, unknown>;
}
