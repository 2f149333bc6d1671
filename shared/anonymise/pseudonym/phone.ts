/**
 * How a phone number splits into a kept prefix and the national number a
 * pseudonym replaces: `+91 98765 43210`, `098765 43210`, `0091 9876543210`
 * and `9876543210` all have the national number 9876543210, so they get the
 * same pseudonym digits. Other international numbers keep their country
 * code (ITU E.164 code lengths).
 */

const CC1 = new Set(['1', '7']);
const CC2 = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49', '51', '52', '53', '54', '55', '56', '57', '58',
  '60', '61', '62', '63', '64', '65', '66', '81', '82', '84', '86', '90', '91', '92', '93', '94', '95', '98',
]);

function countryCodeLength(digits: string): number {
  if (CC1.has(digits[0]!)) return 1;
  if (CC2.has(digits.slice(0, 2))) return 2;
  return 3;
}

export interface PhoneParts {
  /** Digits (counted from the first) kept as written: trunk or international prefix, country code. */
  prefixDigits: number;
  /** The digits the pseudonym is keyed on and replaces. */
  national: string;
  /** True for Indian numbers, whose marker covers the national number only. */
  indian: boolean;
}

/** Splits the digits of a phone number (plus: written with a leading '+'). */
export function phoneParts(digits: string, plus: boolean): PhoneParts {
  const intlPrefix = plus ? 0 : digits.startsWith('00') ? 2 : -1;
  if (intlPrefix >= 0) {
    const body = digits.slice(intlPrefix);
    if (body.startsWith('91') && body.length === 12) return { prefixDigits: digits.length - 10, national: body.slice(2), indian: true };
    const cc = Math.min(countryCodeLength(body), body.length - 4);
    return { prefixDigits: intlPrefix + cc, national: body.slice(cc), indian: false };
  }
  if (digits.length > 10) return { prefixDigits: digits.length - 10, national: digits.slice(-10), indian: true };
  return { prefixDigits: 0, national: digits, indian: true };
}

/** The value a phone number is keyed on: the national number, with the country code for non-Indian numbers. */
export function phoneKey(text: string): string {
  const digits = text.replace(/[^0-9]/g, '');
  const plus = text.trimStart().startsWith('+');
  const parts = phoneParts(digits, plus);
  if (parts.indian) return parts.national;
  return !plus && digits.startsWith('00') ? digits.slice(2) : digits;
}
