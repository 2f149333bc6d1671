import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parseDocument, YAMLError } from 'yaml';
import { errorText } from '../errors.js';

/**
 * Parses the text of a config or rules file. A syntax error says where (line
 * and column) and why, but never quotes the file: the parsers' own messages
 * show the offending line or a snippet of it, and these files hold the
 * anonymisation key, the admin token and Redis passwords.
 */

/** Where and why a file does not parse; `line` and `column` count from 1. */
export interface SyntaxProblem {
  reason: string;
  line?: number;
  column?: number;
}

export class FileSyntaxError extends Error {
  constructor(readonly problem: SyntaxProblem) {
    super(problem.line === undefined ? problem.reason : `line ${problem.line}, column ${problem.column}: ${problem.reason}`);
  }
}

/** Parses JSON (`json`) or YAML; throws FileSyntaxError, whose message holds no text of the file. */
export function parseText(text: string, json: boolean): unknown {
  return json ? parseJson(text) : parseYaml(text);
}

// Messages of these codes carry file text before any ": " (an escape, a tag, a directive).
const YAML_REASONS: Record<string, string> = {
  BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string',
  TAG_RESOLVE_FAILED: 'unknown tag (a value starting with !)',
  BAD_DIRECTIVE: 'invalid directive (a line starting with %)',
};

/** yaml's message up to the ": " that precedes any quoted source ("Unresolved alias: *x"). */
const beforeQuote = (message: string) => message.split(/:\s/)[0]!.trim();

function parseYaml(text: string): unknown {
  // prettyErrors off: the default message shows the line with a caret under it; logLevel error:
  // warnings ("Keys with collection values will be stringified: \"{ adminToken: ... }\"") quote the file too
  const doc = parseDocument(text, { prettyErrors: false, logLevel: 'error' });
  const err = doc.errors[0];
  if (err) throw new FileSyntaxError({ reason: YAML_REASONS[err.code] ?? beforeQuote(err.message), ...lineColumn(text, err.pos[0]) });
  try {
    return doc.toJS();
  } catch (e) {
    // aliases that expand too far and the like: no position, and no source after ": "
    throw new FileSyntaxError({ reason: e instanceof YAMLError ? (YAML_REASONS[e.code] ?? beforeQuote(e.message)) : beforeQuote(errorText(e)) });
  }
}

function parseJson(text: string): unknown {
  // a byte order mark, as some editors write, is no syntax error
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch {
    // V8 quotes the text around the error ("...\"anonKey\":AnonKeySec\"..."); find it ourselves
    const found = jsonProblem(body);
    throw new FileSyntaxError(found ? { reason: found.reason, ...lineColumn(body, found.offset) } : { reason: 'not valid JSON' });
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: before.length - lineStart + 1 };
}

/**
 * The first syntax error of a JSON text that JSON.parse refused: its offset
 * and a reason, from jsonc-parser (strict: no comments, no trailing commas).
 * Undefined if it finds none; the caller then says only "not valid JSON".
 */
export function jsonProblem(text: string): { offset: number; reason: string } | undefined {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return undefined;
  const reason = JSONC_REASONS[printParseErrorCode(first.error)] ?? 'invalid JSON';
  return { offset: first.offset, reason: first.offset >= text.length ? `${reason} (the file ends here)` : reason };
}

/** jsonc-parser's error codes in words. */
const JSONC_REASONS: Record<string, string> = {
  InvalidSymbol: 'expected a value (object, array, string, number, true, false or null)',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a double-quoted property name',
  ValueExpected: 'expected a value (object, array, string, number, true, false or null)',
  ColonExpected: "expected ':' after a property name",
  CommaExpected: "expected ',' between values",
  CloseBraceExpected: "expected ',' or '}' after a property value",
  CloseBracketExpected: "expected ',' or ']' after an array element",
  EndOfFileExpected: 'unexpected text after the JSON value',
  InvalidCommentToken: 'comments are not JSON',
  UnexpectedEndOfComment: 'comments are not JSON',
  UnexpectedEndOfString: 'a string that starts here is not closed',
  UnexpectedEndOfNumber: 'invalid number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape in a string',
  InvalidCharacter: 'a control character inside a string',
};
