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

class JsonProblem extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The first syntax error of a JSON text that JSON.parse refused: its offset
 * and a reason. Undefined if it finds none (it then agrees with JSON.parse
 * on nothing, and the caller says only "not valid JSON").
 */
export function jsonProblem(text: string): { offset: number; reason: string } | undefined {
  let i = 0;
  const fail = (reason: string, at = i): never => {
    throw new JsonProblem(at, at >= text.length ? `${reason} (the file ends here)` : reason);
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) fail('expected a value (object, array, string, number, true, false or null)', i - 1);
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) fail('a string is not closed');
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) fail('a control character (such as a line break) inside a string: write it as an escape (\\n)');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u' ? !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)) : !'"\\/bfnrt'.includes(e ?? 'x')) fail('invalid escape sequence in a string');
        i += e === 'u' ? 6 : 2;
      } else i++;
    }
  };
  const number = () => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m || /^[\d.eE+-]/.test(text[i + m[0].length] ?? '')) fail('invalid number');
    i += m![0].length;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') return void i++;
      for (;;) {
        space();
        if (text[i] !== '"') fail('expected a double-quoted property name');
        string();
        space();
        if (text[i] !== ':') fail("expected ':' after a property name");
        i++;
        value();
        space();
        if (text[i] === '}') return void i++;
        if (text[i] !== ',') fail("expected ',' or '}' after a property value");
        i++;
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        space();
        if (text[i] === ']') return void i++;
        if (text[i] !== ',') fail("expected ',' or ']' after an array element");
        i++;
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    fail('expected a value (object, array, string, number, true, false or null)');
  };
  try {
    value();
    space();
    if (i < text.length) fail('unexpected text after the JSON value');
    return undefined;
  } catch (e) {
    if (e instanceof JsonProblem) return { offset: e.offset, reason: e.reason };
    return undefined; // nesting too deep for this scanner: JSON.parse's own error stands, without position
  }
}
