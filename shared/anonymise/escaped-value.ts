import { encodedLike, percentDecoded, PSEUDONYM } from './headers.js';
import { REDACTED } from './pseudonym/index.js';
import type { Loc, Scrub } from './scrub.js';

/**
 * A credential's value found in text, pseudonymised so that its escapes stay
 * valid: XML and HTML character references and percent escapes are decoded,
 * the value redrawn, and its characters escaped again the same way.
 */

/** An XML or HTML character reference: `&amp;`, `&#38;`, `&#x26;`. */
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6}));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ESCAPED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * A credential's value pseudonymised; one holding character references
 * (`<password>p&amp;ss&lt;w0rd</password>`) is redrawn decoded and its
 * markup characters escaped again: redrawing `&amp;` made `&qmr;`, and the
 * XML parser then refused the whole request.
 */
export function treatEscaped(value: string, scrub: Scrub, loc: Loc): string {
  if (!value.includes('&') || !value.includes(';')) return treatPercentEncoded(value, scrub, loc);
  REFERENCE.lastIndex = 0;
  if (!REFERENCE.test(value)) return treatPercentEncoded(value, scrub, loc);
  const decoded = value.replace(REFERENCE, (_, name: string | undefined, dec: string | undefined, hex: string | undefined) =>
    name !== undefined ? NAMED[name]! : safeCodePoint(dec !== undefined ? Number(dec) : parseInt(hex!, 16)),
  );
  const out = scrub.treat(decoded, PSEUDONYM, loc);
  return out === null ? REDACTED : out.replace(/[&<>"']/g, (c) => ESCAPED[c]!);
}

/**
 * A value with percent escapes (an STS session token in a presigned link
 * kept in JSON, `?token=abc%2Fdef%3D%3D` in a page's link) is redrawn
 * decoded and encoded again, as a cookie or a query value is: redrawing
 * the escapes' hex digits made `%9O`, a broken link, and a pseudonym unlike
 * the same value's in the request URL.
 */
function treatPercentEncoded(value: string, scrub: Scrub, loc: Loc): string {
  const decoded = percentDecoded(value);
  if (decoded === undefined) return scrub.treat(value, PSEUDONYM, loc) ?? REDACTED;
  return encodedLike(scrub.treat(decoded, PSEUDONYM, loc), value) ?? REDACTED;
}


const safeCodePoint = (cp: number) => (cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : '\ufffd');
