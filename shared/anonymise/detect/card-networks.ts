/**
 * Which numbers a card network issues: its IIN prefix ranges and the lengths
 * of its card numbers. A 13- to 19-digit number passes Luhn by chance one
 * time in ten, so without this EAN-13 barcodes (`890…`, `400…`) and
 * `yyyyMMddHHmmss(SSS)` timestamps were read as cards.
 *
 * From Wikipedia's "Payment card number" IIN table and Braintree's
 * credit-card-type (src/lib/card-types.ts), taking the union where they differ:
 *
 * | network | prefixes | lengths |
 * |---|---|---|
 * | Visa | 4 | 16, 18, 19 (13-digit numbers are no longer issued) |
 * | Mastercard | 51–55, 2221–2720 | 16 |
 * | American Express | 34, 37 | 15 |
 * | Diners Club | 300–305, 309, 36, 38, 39 | 14–19 |
 * | JCB (and RuPay's 353, 356) | 3528–3589 | 16–19 |
 * | Mir | 2200–2204 | 16–19 |
 * | Maestro | 50, 56–69 | 12–19 |
 * | Discover, UnionPay, RuPay 60/65/508 | 6011, 644–649, 65, 62, 60, 508 | 16–19 (inside Maestro's) |
 * | UnionPay | 8100–8171 | 14–19 |
 * | RuPay | 81, 82 | 16 |
 * | Borica, Uzcard, T-Union, JCB (old) | 2205, 8600, 31, 2131 | 16, 16, 19, 15 |
 *
 * The detector asks only about 13 to 19 digits (twelve is an Aadhaar
 * number's length).
 */

/** Lengths 13 to 19 as bits (bit n: n digits). */
const lengths = (...ns: number[]) => ns.reduce((bits, n) => bits | (1 << n), 0);
const span = (from: number, to: number) => lengths(...Array.from({ length: to - from + 1 }, (_, i) => from + i));

/** A prefix range of `digits` digits, low to high inclusive, and the lengths of its numbers. */
interface Range {
  digits: number;
  low: number;
  high: number;
  lengths: number;
}

const range = (low: number, high: number, lens: number): Range => ({ digits: String(low).length, low, high, lengths: lens });

const RANGES: readonly Range[] = [
  range(4, 4, lengths(16, 18, 19)),
  range(51, 55, lengths(16)),
  range(2221, 2720, lengths(16)),
  range(2200, 2204, span(16, 19)),
  range(34, 34, lengths(15)),
  range(37, 37, lengths(15)),
  range(300, 305, span(14, 19)),
  range(309, 309, span(14, 19)),
  range(36, 36, span(14, 19)),
  range(38, 39, span(14, 19)),
  range(3528, 3589, span(16, 19)),
  range(50, 50, span(13, 19)),
  range(56, 69, span(13, 19)),
  range(8100, 8171, span(14, 19)),
  range(81, 82, lengths(16)),
  // Bulgaria's Borica, Uzbekistan's Uzcard, China's T-Union, JCB's old 15-digit range (Wikipedia's table)
  range(2205, 2205, lengths(16)),
  range(8600, 8600, lengths(16)),
  range(31, 31, lengths(19)),
  range(2131, 2131, lengths(15)),
];

/** True when a network issues card numbers of this length with these first digits. */
export function cardNetworkIssues(digits: string): boolean {
  const bit = 1 << digits.length;
  // the number's first one to four digits, read once
  const prefix = [0, 0, 0, 0, 0];
  for (let k = 1; k <= 4; k++) prefix[k] = prefix[k - 1]! * 10 + digits.charCodeAt(k - 1) - 48;
  for (const r of RANGES) {
    const p = prefix[r.digits]!;
    if ((r.lengths & bit) !== 0 && p >= r.low && p <= r.high) return true;
  }
  return false;
}
