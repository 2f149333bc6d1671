/** JSON types as bits, so a set of types (the merged shape of many values) is one number. */
export const NULL = 1;
export const BOOL = 2;
export const NUM = 4;
export const STR = 8;
export const ARR = 16;
export const OBJ = 32;

export function typeBit(v: unknown): number {
  if (v === null) return NULL;
  switch (typeof v) {
    case 'boolean':
      return BOOL;
    case 'number':
      return NUM;
    case 'string':
      return STR;
    default:
      return Array.isArray(v) ? ARR : OBJ;
  }
}

const TYPE_NAMES: [number, string][] = [[NULL, 'null'], [BOOL, 'boolean'], [NUM, 'number'], [STR, 'string'], [ARR, 'array'], [OBJ, 'object']];

/** `number`, `string|null`. */
export function typeNames(bits: number): string {
  return TYPE_NAMES.filter(([b]) => bits & b).map(([, n]) => n).join('|');
}
