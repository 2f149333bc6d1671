/**
 * The characters and tokens of JSON text, read in place (without cutting
 * them out) by the JSON rewrite.
 */

export const isWs = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;
export const isDelim = (c: number) => isWs(c) || c === 44 || c === 125 || c === 93 || c === 58;
export const isDigit = (c: number) => c >= 48 && c <= 57;

/** True when text[i, end) is a JSON number (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?), read without cutting it out. */
export function isNumber(text: string, i: number, end: number): boolean {
  if (text.charCodeAt(i) === 45) i++;
  if (i >= end || !isDigit(text.charCodeAt(i))) return false;
  if (text.charCodeAt(i++) !== 48) while (i < end && isDigit(text.charCodeAt(i))) i++;
  if (i < end && text.charCodeAt(i) === 46) {
    if (++i >= end || !isDigit(text.charCodeAt(i))) return false;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
  }
  if (i < end && (text.charCodeAt(i) | 32) === 101) {
    i++;
    if (i < end && (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45)) i++;
    if (i >= end || !isDigit(text.charCodeAt(i))) return false;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
  }
  return i === end;
}

export const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A text starting with `a` and ending with `z` may be a JSON object or array. */
export const maybeJson = (a: number, z: number) => (a === 123 && z === 125) || (a === 91 && z === 93);
