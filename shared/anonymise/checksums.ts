/**
 * Check-digit algorithms the detectors validate with and the pseudonyms
 * recompute, so a pseudonymised card still passes Luhn, an Aadhaar number
 * Verhoeff, a GSTIN its mod-36 character and an IBAN mod 97.
 */

/** Luhn over a string of ASCII digits: true when the last digit checks. */
export function luhnValid(digits: string): boolean {
  return digits.length > 1 && luhnCheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}

/** The Luhn check digit to append to `payload` (ASCII digits). */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  let double = true;
  for (let i = payload.length - 1; i >= 0; i--) {
    let d = payload.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return (10 - (sum % 10)) % 10;
}

// Verhoeff: multiplication in the dihedral group D5, a position permutation and inverses.
const D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/** Verhoeff over ASCII digits: true when the last digit checks. */
export function verhoeffValid(digits: string): boolean {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    c = D[c]![P[i % 8]![digits.charCodeAt(digits.length - 1 - i) - 48]!]!;
  }
  return digits.length > 1 && c === 0;
}

/** The Verhoeff check digit to append to `payload`. */
export function verhoeffCheckDigit(payload: string): number {
  let c = 0;
  for (let i = 0; i < payload.length; i++) {
    c = D[c]![P[(i + 1) % 8]![payload.charCodeAt(payload.length - 1 - i) - 48]!]!;
  }
  return INV[c]!;
}

const B36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function b36(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  if (code >= 97 && code <= 122) return code - 87;
  return -1;
}

/** GSTIN check character (mod 36, alternating weights 1 and 2) for the first 14 characters. */
export function gstinCheckChar(first14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const product = b36(first14.charCodeAt(i)) * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return B36[(36 - (sum % 36)) % 36]!;
}

export function gstinValid(gstin: string): boolean {
  return gstin.length === 15 && gstinCheckChar(gstin) === gstin[14]!.toUpperCase();
}

/** IBAN remainder mod 97 of the rearranged number (country and check moved to the end). */
export function ibanRemainder(compact: string): number {
  const s = compact.slice(4) + compact.slice(0, 4);
  let r = 0;
  for (let i = 0; i < s.length; i++) {
    const v = b36(s.charCodeAt(i));
    if (v < 0) return -1;
    r = v < 10 ? (r * 10 + v) % 97 : (r * 100 + v) % 97;
  }
  return r;
}

export function ibanValid(compact: string): boolean {
  return ibanRemainder(compact) === 1;
}

/** The two IBAN check digits for a compact IBAN whose check positions may hold anything. */
export function ibanCheckDigits(compact: string): string {
  const r = ibanRemainder(`${compact.slice(0, 2)}00${compact.slice(4)}`);
  return String(98 - r).padStart(2, '0');
}
