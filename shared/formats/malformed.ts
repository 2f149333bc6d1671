import { parityError, type ParityError } from '../errors.js';

/**
 * Where in an imported file a problem is: a 1-based line and/or a 0-based
 * byte offset into the (decompressed) content, and the item it belongs to.
 */
export interface FilePosition {
  line?: number;
  offset?: number;
  /** e.g. "entry 12", "message 7". */
  item?: string;
}

export function describePosition(p: FilePosition): string {
  const parts: string[] = [];
  if (p.line !== undefined) parts.push(`line ${p.line}`);
  if (p.offset !== undefined) parts.push(`byte offset ${p.offset}`);
  const where = parts.join(', ');
  if (p.item) return where ? `${p.item} (${where})` : p.item;
  return where || 'start of file';
}

/** The error every parser raises for bad input; the importer adds how much was imported. */
export class MalformedInput extends Error {
  constructor(
    readonly position: FilePosition,
    readonly problem: string,
  ) {
    super(`${describePosition(position)}: ${problem}`);
  }
}

/** The user-facing error: what is wrong, where, and what was imported before it. */
export function importMalformedError(file: string, err: MalformedInput, imported: number, session: string): ParityError {
  const what = imported === 0 ? 'nothing was imported' : `${imported} record${imported === 1 ? ' was' : 's were'} imported into session "${session}" before it, nothing after it`;
  return parityError('PARITY_ERR_IMPORT_MALFORMED', `${file}: ${err.message}; ${what}`, {
    hint:
      imported === 0
        ? 'Fix the file at the position named and import it again.'
        : `Fix the file at the position named, then delete the partial import with \`parity sessions delete ${session}\` and import again (or import the rest into the same session).`,
  });
}
