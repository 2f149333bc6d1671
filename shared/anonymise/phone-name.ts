import { keyEnding, nameWords, PHONE_END, withoutDigits } from './credentials.js';
import { byName } from './detach.js';
import { isWs } from './json-lex.js';

/**
 * A phone number the detectors cannot tell from any other digits: written
 * without its `+` and outside India (WhatsApp's `{"wa_id":"447911123456"}`,
 * Vonage's `?msisdn=447700900123`, `{"countryCode":"+65","phone":"91234567"}`).
 * Indian mobiles and numbers with a `+` are found by their value anywhere;
 * these are found by their name: a member, form field or query parameter
 * named for a phone (isPhoneName) holding 7 to 15 digits (isPhoneDigits),
 * pseudonymised whole, its shape kept. Not `from` and `to`: as often a
 * range's epoch seconds.
 */

/** The names, joined into one lower-case word, and the last word or two of a longer name (`customer_phone`, `alt_mobile_number`). */
const NAMES = new Set([
  'phone', 'mobile', 'msisdn', 'telephone', 'tel', 'cell', 'cellphone', 'mobilephone', 'phonenumber', 'mobilenumber', 'contactnumber', 'cellnumber',
  'telephonenumber', 'phoneno', 'mobileno', 'telno', 'contactno', 'cellno', 'phonenum', 'mobilenum', 'whatsapp', 'whatsappnumber', 'waid',
]);

/** `name` names a phone number: `phone`, `mobileNumber`, `customer_phone`, `wa_id`, `phone2`; not `phoneType`, `phone_verified`, `phoneCode`. */
export const isPhoneName = byName(1024, (name) => {
  const words = nameWords(name).map(withoutDigits);
  const n = words.length;
  return n > 0 && (NAMES.has(words[n - 1]!) || (n >= 2 && NAMES.has(words[n - 2]! + words[n - 1]!)) || NAMES.has(words.join('')));
});

/** The key text[start, end) may name a phone (a look at its last letters first: `…_id` keys are many, WhatsApp's `wa_id` one). */
export function mayNamePhone(text: string, start: number, end: number): boolean {
  if ((keyEnding(text, start, end) & PHONE_END) === 0) return false;
  const c = text.charCodeAt(end - 1) | 0x20;
  // `…id`: only `wa_id`, `waId`
  if (c === 100 && !((text.charCodeAt(end - 3) === 95 ? end - start === 5 : end - start === 4) && (text.charCodeAt(start) | 0x20) === 119)) return false;
  // `…1`, `…_2`: only `phone1`, `mobile_2` (not `line1`, `address_2`)
  if (c >= 48 && c <= 57) {
    let e = end - 1;
    while (e > start && (isDigit(text.charCodeAt(e - 1)) || text.charCodeAt(e - 1) === 95)) e--;
    if (!(text.startsWith('one', e - 3) || text.startsWith('ile', e - 3))) return false;
  }
  return isPhoneName(text.slice(start, end));
}

const isDigit = (c: number) => c >= 48 && c <= 57;
/** Separators a phone number is written with: space, '-', '.', '/', '(' and ')'. */
const isSeparator = (c: number) => c === 32 || c === 45 || c === 46 || c === 47 || c === 40 || c === 41;
/** A date (`2026-12-07`, `2026/12/07`) under a phone's name (`{"mobile":"2026-12-07"}`, a bad import) is no number. */
const DATE = /^[0-9]{4}[-/.][0-9]{2}[-/.][0-9]{2}$/;

/**
 * text[start, end) is 7 to 15 digits with separators between them (`447911123456`, `(415) 555-2671`) that the
 * detectors do not find by themselves: not after a '+' (E.164), and not an Indian mobile (ten digits from 6 to 9,
 * after `91` or `0` or alone). Those keep the pseudonym their kind gets anywhere, and are not read twice.
 */
function phoneDigits(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(start) === 43 || !isDigit(text.charCodeAt(end - 1)) || (end - start === 10 && DATE.test(text.slice(start, end)))) return false;
  let digits = 0;
  // the first three digits, for the Indian mobile's test
  let head = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      if (digits++ < 3) head = head * 10 + c - 48;
    } else if (!isSeparator(c)) return false;
  }
  if (digits < 7 || digits > 15) return false;
  const mobile = (d: number) => d >= 6 && d <= 9;
  const indian = (digits === 10 && mobile(Math.floor(head / 100))) || (digits === 11 && head < 100 && mobile(Math.floor(head / 10))) || (digits === 12 && Math.floor(head / 10) === 91 && mobile(head % 10));
  return !indian;
}

/** `value` is a phone number's digits (phoneDigits): a form field's or query parameter's. */
export const isPhoneDigits = (value: string) => value.length <= 24 && phoneDigits(value, 0, value.length);

/** The JSON value at `at` (whitespace first) is a phone number's digits: a string, or an integer. */
export function phoneValueAt(text: string, at: number): boolean {
  let i = at;
  while (isWs(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === 34) {
    const q = text.indexOf('"', i + 1);
    return q > i && q - i <= 25 && phoneDigits(text, i + 1, q);
  }
  let end = i;
  while (end - i <= 15 && isDigit(text.charCodeAt(end))) end++;
  const after = text.charCodeAt(end);
  // a number goes on with '.', 'e' or 'E' (a decimal is no phone); as an integer a phone has its country code, ten digits
  // at least (an analytics answer's `{"desktop":15234567,"mobile":28345678}` counts visits)
  return end - i >= 10 && end - i <= 15 && after !== 46 && (after | 0x20) !== 101 && phoneDigits(text, i, end);
}
