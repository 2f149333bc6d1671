import { nameWords, withoutDigits } from './credentials.js';
import { byName } from './detach.js';
import { isWs, JsonText } from './json-lex.js';

/**
 * A bare `pin`: a card's, a wallet's or an app's PIN (`{"pin":"4821"}`,
 * `pin=4821`, `?pin=482139`), or, in India, as often the postal PIN code
 * (`{"city":"Pune","pin":"411001"}`). It is taken for a credential when its
 * value is 4 to 8 digits, unless it may be a postal code (mayBePostal: six
 * digits under `pin` alone) and something beside it is part of an address
 * (a member or field named `city`, `state`, `district`, `address`, `line1`,
 * `locality`, `pincode`, ...). `pincode` and `pin_code` are never a credential's name;
 * `card_pin`, `upi_pin` and `mpin` always are (credentials.ts).
 */

/** Words before `pin` that make it a place, not a secret (`postal_pin`, `delivery_pin`, `map_pin`). */
const PLACE = new Set(['postal', 'post', 'zip', 'area', 'delivery', 'shipping', 'billing', 'address', 'location', 'map', 'drop', 'office']);

/** `name` is `pin` (`PIN`, `pin1`), or ends with the word `pin` after a word that is not a place's (`newPin`, `confirm_pin`). */
export const isPinName = byName(1024, (name) => {
  const words = nameWords(name);
  return words.length > 0 && withoutDigits(words[words.length - 1]!) === 'pin' && (words.length === 1 || !PLACE.has(words[words.length - 2]!));
});

const isDigit = (c: number) => c >= 48 && c <= 57;

/** `value` is 4 to 8 ASCII digits. */
export function isPinValue(value: string): boolean {
  if (value.length < 4 || value.length > 8) return false;
  for (let i = 0; i < value.length; i++) if (!isDigit(value.charCodeAt(i))) return false;
  return true;
}

/** The JSON value at `at` (whitespace first) is 4 to 8 digits, as a string (`"4821"`) or an integer (`4821`). */
export function pinValueAt(text: string, at: number): boolean {
  let i = at;
  while (isWs(text.charCodeAt(i))) i++;
  const quoted = text.charCodeAt(i) === 34;
  const start = quoted ? i + 1 : i;
  let end = start;
  while (end - start <= 8 && isDigit(text.charCodeAt(end))) end++;
  if (end - start < 4 || end - start > 8) return false;
  const after = text.charCodeAt(end);
  // a number goes on with '.', 'e' or 'E' (a decimal is no PIN); a string must close right after its digits
  return quoted ? after === 34 : after !== 46 && (after | 0x20) !== 101;
}

/**
 * A postal PIN code is six digits, the first 1 to 9, under a name that is
 * `pin` alone: only such a pin is read as one when an address's part sits
 * beside it. A `newPin`, or a pin of four digits beside a card's `state`,
 * is a secret however its siblings are named.
 */
export function mayBePostal(name: string, value: string): boolean {
  return value.length === 6 && value.charCodeAt(0) !== 48 && isPinValue(value) && isBarePin(name);
}

/** mayBePostal for the JSON value at `at` (whitespace first), a string or an integer. */
export function mayBePostalAt(name: string, text: string, at: number): boolean {
  let i = at;
  while (isWs(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) === 34) i++;
  return text.charCodeAt(i) !== 48 && isDigit(text.charCodeAt(i + 5)) && !isDigit(text.charCodeAt(i + 6)) && isBarePin(name);
}

const isBarePin = (name: string) => {
  const words = nameWords(name);
  return words.length === 1 && withoutDigits(words[0]!) === 'pin';
};

/** Names of an address's parts (a `pincode` beside a `pin` too), lower-cased without '-', '_' and spaces. */
const ADDRESS = /^(?:address\w*|line[0-9]|street\w*|city|town|village|district|taluk|tehsil|state|statecode|country|countrycode|locality|landmark|area|region|province|postoffice|pincode|postalcode|postcode|zip|zipcode|latitude|longitude|lat|lng|lon)$/;

export const isAddressName = (name: string) => ADDRESS.test(name.toLowerCase().replace(/[-_ ]/g, ''));

/**
 * The JSON object opening at `open` has a member named like a part of an
 * address: its `pin` is a postal code. Reads the object's keys, skipping
 * their values; a body cut short is read as far as it goes. Returns the
 * characters read too, for the scan budget.
 */
export function postalObject(text: string, open: number): { postal: boolean; read: number } {
  const lex = new JsonText(text);
  let i = open + 1;
  try {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (isWs(c) || c === 44) {
        i++;
        continue;
      }
      if (c !== 34) break;
      const key = lex.readString(i);
      if (isAddressName(key.content)) return { postal: true, read: key.end - open };
      i = key.end;
      while (i < text.length && (isWs(text.charCodeAt(i)) || text.charCodeAt(i) === 58)) i++;
      if (i >= text.length) break;
      i = lex.skipValue(i);
    }
  } catch {
    // not JSON past here (the walk will say so): what was read decides
  }
  return { postal: false, read: i - open };
}

/** A form or query with a field named like a part of an address (`city=Pune&pin=411001`): its `pin` is a postal code. */
export function postalPairs(text: string): boolean {
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && isAddressName(pair.slice(0, eq))) return true;
  }
  return false;
}
