import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { jsonProblem, parseText } from '../../shared/config/syntax.js';

const SECRET = 'Zq7SecretXy';

/** Text made of YAML and JSON syntax with the secret dropped in among it. */
const syntaxSoup = fc
  .array(fc.constantFrom('anonKey: ', 'adminToken: ', '"', "'", '\n', '  ', '\t', '{', '}', '[', ']', ',', ':', '- ', '!', '!!', '&', '*', '%YAML ', '%TAG ', '|', '>', '\\', '\\u12', '#', '? ', '@', '`', '---\n', '...\n', 'true', '-1.5e3', SECRET, SECRET), { maxLength: 30 })
  .map((parts) => parts.join(''));

function errorOf(text: string, json: boolean): string | undefined {
  try {
    parseText(text, json);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('config and rules file syntax errors', () => {
  it('name line, column and reason without the text of the file', () => {
    expect(errorOf(`anonKey: ${SECRET}\n  adminToken: x\n`, false)).toBe('line 1, column 10: Nested mappings are not allowed in compact mappings');
    expect(errorOf(`anonKey: x\nadminToken: "${SECRET}\n`, false)).toMatch(/^line 3, column 1: Missing closing "quote$/);
    expect(errorOf(`{"anonKey":${SECRET}}`, true)).toBe('line 1, column 12: expected a value (object, array, string, number, true, false or null)');
    expect(errorOf(`{\n  "anonKey": "${SECRET}",\n}`, true)).toBe('line 3, column 1: expected a double-quoted property name');
    expect(errorOf(`{"anonKey": "${SECRET}`, true)).toBe('line 1, column 13: a string that starts here is not closed');
  });

  it('never carry the secret, nor warn with it, whatever the syntax around it (YAML and JSON)', () => {
    // the yaml library reports some oddities with process.emitWarning, quoting the file
    const warnings: string[] = [];
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => void warnings.push(String(w)));
    try {
      fc.assert(
        fc.property(syntaxSoup, fc.boolean(), (text, json) => {
          const said = `${errorOf(text, json) ?? ''}\n${warnings.join('\n')}`;
          expect(said).not.toContain(SECRET.slice(0, 5));
          expect(said).not.toContain(SECRET.slice(-5));
        }),
        { numRuns: 3000 },
      );
      errorOf(`? { adminToken: ${SECRET} }\n: x\n`, false);
      expect(warnings).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('find a JSON syntax error exactly when JSON.parse does', () => {
    const parses = (t: string) => {
      try {
        JSON.parse(t);
        return true;
      } catch {
        return false;
      }
    };
    // valid documents with a character dropped, doubled or replaced somewhere
    const mutated = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', '"', ',', ':', '}', ']', '\\', '\n', 'x', '0', '-', '.', 'e')).map(([t, at, ch]) => {
      const k = at % (t.length + 1);
      return t.slice(0, k) + ch + t.slice(k + (ch === '' ? 1 : at % 2));
    });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.json(), syntaxSoup), (text) => {
        expect(jsonProblem(text) === undefined).toBe(parses(text));
      }),
      { numRuns: 5000 },
    );
  });
});
