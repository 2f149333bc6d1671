import { isIPv6 } from 'node:net';
import { gstinValid, ibanValid } from '../checksums.js';
import { findCryptHashes, findLdapHashes } from './crypt-hash.js';
import { findEncodedJson } from './encoded-json.js';
import type { Finding, Kind, KindSet } from './kinds.js';

/**
 * Fixed-format identifiers and secrets, each found by a regex whose every
 * quantifier is bounded and whose alternatives cannot overlap, so a match
 * attempt costs a bounded number of steps from any start and the scan is
 * linear in the text.
 */

/** GSTIN, PAN (fourth letter: holder type) and IFSC. */
const INDIAN_IDS = /\b(?:([0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z])|([A-Z]{3}[PCHFATBLJG][A-Z][0-9]{4}[A-Z])|([A-Z]{4}0[A-Z0-9]{6}))\b/g;

/** IBAN, compact or in groups of four. */
const IBAN = /\b[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)\b/g;

/** IBAN length per country (SWIFT registry); unknown countries need 15-34 characters. */
const IBAN_LENGTH: Record<string, number> = {
  AD: 24, AE: 23, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28,
  EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23,
  IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19,
  MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19,
  SK: 24, SM: 27, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/**
 * Well-known API key formats: AWS, GitHub, Stripe, Slack, Razorpay, Google;
 * npm, Hugging Face, Shopify and SendGrid (`SG.….…`); HashiCorp Vault's
 * service, batch and recovery tokens (`hvs.…`) and age's secret keys. Not OpenAI's or
 * Anthropic's `sk-…`: a catalogue page holds several `sk-` (`desk-lamp`),
 * and looking at each took findPii of a 64 KiB catalogue body +14 %; the
 * bearer detector and credential names (`openai_api_key`) still find them
 * where they are usually sent.
 */
const API_KEYS =
  /\b(?:(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}|gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,240}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9]{20,100}|xox[abposre]-[A-Za-z0-9-]{10,250}|xapp-[A-Za-z0-9-]{10,250}|rzp_(?:live|test)_[A-Za-z0-9]{10,40}|AIza[A-Za-z0-9_-]{35}|ya29\.[A-Za-z0-9_-]{20,2048}|npm_[A-Za-z0-9]{36}|hf_[A-Za-z0-9]{30,40}|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}|hv[sbr]\.[A-Za-z0-9_-]{24,512}|AGE-SECRET-KEY-1[0-9A-Z]{58})(?![A-Za-z0-9_-])/g;

/**
 * JWT (a JWS: base64url JSON header "eyJ", payload and signature) and JWE (header, encrypted key, empty with `dir`,
 * IV, ciphertext and tag). Segments hold no '.', so each alternative is tried in bounded steps from any start. A
 * segment may end in base64 padding (`=`, `==`): AWS ALB's `x-amzn-oidc-data` pads all three.
 */
const JWT =
  /\beyJ[A-Za-z0-9_-]{4,4096}={0,2}\.(?:[A-Za-z0-9_-]{0,4096}={0,2}\.[A-Za-z0-9_-]{8,64}={0,2}\.[A-Za-z0-9_-]{2,65536}={0,2}\.[A-Za-z0-9_-]{8,64}={0,2}|[A-Za-z0-9_-]{2,16384}={0,2}\.[A-Za-z0-9_-]{0,4096}={0,2})(?![A-Za-z0-9_.=-])/g;

/**
 * A Telegram bot token: the bot's id, ':' and 35 characters starting `AA` (every token issued since 2017), often inside
 * a URL path after `bot` (`/bot7309518264:AAH…/sendMessage`), so it needs no word boundary before it; found only where
 * the text holds `:AA`.
 */
const TELEGRAM = /(?<![0-9])[0-9]{8,11}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])/g;

/** `:AA` in `text`, searched from the rarer `AA` (a JSON text's search for ':' stops at every key). */
function colonAA(text: string): boolean {
  for (let i = text.indexOf('AA', 1); i >= 0; i = text.indexOf('AA', i + 1)) if (text.charCodeAt(i - 1) === 58) return true;
  return false;
}

/** "Bearer <token>" in free text; the finding is the token. */
const BEARER = /\b[Bb]earer[ \t]{1,8}([A-Za-z0-9._~+/-]{8,4096}=*)(?![A-Za-z0-9._~+/=-])/g;


const FOUR_CAPITALS = /[A-Z]{4}/;
const IBAN_START = /[A-Z]{2}[0-9]{2}/;
/** What PAN, GSTIN, IFSC, IBAN and AWS keys all hold: two capitals, then two capitals or two digits. */
const CAPITALS = /[A-Z]{2}(?:[A-Z]{2}|[0-9]{2})/;

/*
 * The prechecks below say "maybe" for every text a full pattern can match
 * and "no" for most others. They are searches for short literals and single
 * characters, which V8 runs with memchr: one alternation of all the key
 * prefixes as a regex tried every prefix at every position and was the
 * largest cost of scanning a whole JSON body (~100 µs per 64 KiB of a
 * product catalogue, against ~25 µs for these; see docs/decisions.md).
 */

/** True when `text` holds one of the API key prefixes that end in '_': gh[pousr]_, github_pat_, [rsp]k_(live|test)_, whsec_, rzp_, npm_, hf_, shp??_. */
function underscorePrefix(text: string): boolean {
  for (let u = text.indexOf('_'); u >= 0; u = text.indexOf('_', u + 1)) {
    const k = text.charCodeAt(u - 1);
    const before = text.charCodeAt(u - 2);
    if (k === 107 && (before === 114 || before === 115 || before === 112)) return true; // rk_ sk_ pk_ (then live_ or test_)
    if (text.startsWith('gh', u - 3) || text.startsWith('github', u - 6) || text.startsWith('whsec', u - 5) || text.startsWith('rzp', u - 3)) return true;
    if (text.startsWith('npm', u - 3) || text.startsWith('hf', u - 2) || text.startsWith('shp', u - 5)) return true;
  }
  return false;
}

/** Maybe an API key (see API_KEYS). */
function maybeApiKey(text: string, capitals: boolean): boolean {
  return capitals || text.includes('AIza') || text.includes('xox') || text.includes('xapp-') || text.includes('ya29.') || text.includes('SG.') || text.includes('hv') || underscorePrefix(text);
}

/** Maybe a JWT: its header starts "eyJ" (searched as "yJ": 'y' is rarer than 'e'). */
function maybeJwt(text: string): boolean {
  for (let i = text.indexOf('yJ'); i >= 0; i = text.indexOf('yJ', i + 1)) if (text.charCodeAt(i - 1) === 101) return true;
  return false;
}

/** Maybe a bearer token: "Bearer" or "bearer" ('B' and 'b' are rarer than the 'e' of "earer"). */
const maybeBearer = (text: string) => text.includes('Bearer') || text.includes('bearer');

/** For texts without a digit, '@' or ':' (see findPii): maybe a secret some detector finds. */
export function maybeSecret(text: string): boolean {
  return maybeJwt(text) || maybeBearer(text) || maybeApiKey(text, CAPITALS.test(text)) || (text.length >= 40 && text.includes(PEM_BEGIN)) || text.includes('asic ');
}

/** Colons in `text`, counted up to 7 (an IPv6 address without "::" has exactly 7). */
function colons(text: string): number {
  let n = 0;
  for (let i = text.indexOf(':'); i >= 0 && n < 7; i = text.indexOf(':', i + 1)) n++;
  return n;
}

function push(out: Finding[], kind: Kind, start: number, end: number): void {
  out.push({ kind, start, end });
}

function findIndianIds(text: string, kinds: KindSet, out: Finding[]): void {
  INDIAN_IDS.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = INDIAN_IDS.exec(text)) !== null) {
    const at = m.index;
    if (m[1] !== undefined) {
      if (gstinValid(m[1])) {
        if (kinds.has('gstin')) push(out, 'gstin', at, at + 15);
      } else if (kinds.has('pan') && 'PCHFATBLJG'.includes(m[1][5]!)) push(out, 'pan', at + 2, at + 12);
    } else if (m[2] !== undefined) {
      if (kinds.has('pan')) push(out, 'pan', at, at + 10);
    } else if (kinds.has('ifsc')) push(out, 'ifsc', at, at + 11);
  }
}

function findIbans(text: string, out: Finding[]): void {
  IBAN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = IBAN.exec(text)) !== null) {
    const compact = m[0].replace(/ /g, '');
    const want = IBAN_LENGTH[compact.slice(0, 2)];
    if (want !== undefined ? compact.length !== want : compact.length < 15 || compact.length > 34) continue;
    if (ibanValid(compact)) push(out, 'iban', m.index, m.index + m[0].length);
  }
}

function findAll(re: RegExp, text: string, kind: Kind, out: Finding[]): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) push(out, kind, m.index, m.index + m[0].length);
}

/**
 * HTTP Basic credentials written out of their header (a log line, an error that echoes the upstream call, a copy of
 * the headers in JSON): `Basic` and base64 that decodes to printable `user:password`.
 */
const BASIC = /\b[Bb]asic[ \t]{1,8}([A-Za-z0-9+/]{8,1024}={0,2})(?![A-Za-z0-9+/=])/g;
/** Printable UTF-8 (`asha:pässwörd1` too) with a ':'; random base64 decodes to control characters or U+FFFD. */
const USER_PASSWORD = /^[^\x00-\x1f\x7f\ufffd]*:[^\x00-\x1f\x7f\ufffd]*$/;

function findBasics(text: string, out: Finding[]): void {
  BASIC.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BASIC.exec(text)) !== null) {
    if (!USER_PASSWORD.test(Buffer.from(m[1]!, 'base64').toString('utf8'))) continue;
    const end = m.index + m[0].length;
    push(out, 'bearer', end - m[1]!.length, end);
  }
}

function findBearers(text: string, out: Finding[]): void {
  BEARER.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BEARER.exec(text)) !== null) {
    const end = m.index + m[0].length;
    push(out, 'bearer', end - m[1]!.length, end);
  }
}

const isIpv6Char = (c: number) => (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46;
const isWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * IPv6 addresses: every address has two colons with only hex digits and
 * dots between them, so a scan finds the runs of hex digits, colons and
 * dots that hold such a pair (not the lone colons of JSON members, which
 * it passes after one look at the next character); each run is taken once
 * (the search then continues after it, so it is linear) and validated by
 * node:net. A run glued to a word (`std::map`) is not an
 * address.
 */
const MAPPED_IPV4 = /^::(?:ffff:(?:0:)?)?\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i;
/** Eight bytes in hex, a colon between each: a Fibre Channel WWN or an EUI-64 (`50:01:43:80:12:34:56:78`), not an address. */
const COLON_BYTES = /^[0-9a-f]{2}(?::[0-9a-f]{2}){7}$/i;

/** The first colon at or after `from` that closes a pair (`:` hex digits and dots `:`), or -1. */
function colonPair(text: string, from: number): number {
  for (let i = text.indexOf(':', from); i >= 0; ) {
    // most colons in a body are JSON's, followed by a quote or a bracket: no hex digit, dot or colon
    let j = i + 1;
    while (j < text.length && isIpv6Char(text.charCodeAt(j)) && text.charCodeAt(j) !== 58) j++;
    if (text.charCodeAt(j) === 58) return j;
    i = text.indexOf(':', j);
  }
  return -1;
}

function findIpv6(text: string, out: Finding[]): void {
  for (let next = colonPair(text, 0); next >= 0; ) {
    const i = text.lastIndexOf(':', next - 1);
    let s = i;
    while (s > 0 && isIpv6Char(text.charCodeAt(s - 1))) s--;
    let e = i + 1;
    while (e < text.length && isIpv6Char(text.charCodeAt(e))) e++;
    next = colonPair(text, e);
    while (s < e && text.charCodeAt(s) === 46) s++;
    while (e > s && text.charCodeAt(e - 1) === 46) e--;
    const glued = (s > 0 && isWordChar(text.charCodeAt(s - 1))) || (e < text.length && isWordChar(text.charCodeAt(e)));
    if (!glued && e - s >= 3 && e - s <= 45) {
      const v = text.slice(s, e);
      // the unspecified address and loopback say nothing about anyone
      // an IPv4-mapped or -compatible address (`::ffff:192.0.2.33`, how Node names an IPv4 client on a
      // dual-stack server) is an IPv4 address: the IPv4 detector finds its dotted quad, whose pseudonym
      // then links with the same address written plainly elsewhere
      if (isIPv6(v) && /[1-9a-fA-F]/.test(v) && v !== '::1' && !MAPPED_IPV4.test(v) && !COLON_BYTES.test(v)) push(out, 'ipv6', s, e);
    }
  }
}

/**
 * The body of a PEM private key: from `-----BEGIN … PRIVATE KEY-----` to its
 * END line, or to the end of its base64 when the text was cut. Its armour
 * is kept, so the record still says what it held. Found with indexOf for
 * the literal, whose rare first letter V8 searches for with memchr: 0.8 µs
 * per 64 KiB catalogue body, where 'hooks.slack.com' (a Slack webhook URL,
 * whose path is its secret) took 21–32 µs; webhook URLs are left to rules.
 */
/** What every armoured private key's BEGIN line holds: PEM's `-----BEGIN … PRIVATE KEY-----`, OpenPGP's `… PRIVATE KEY BLOCK-----`. */
const PEM_BEGIN = 'PRIVATE KEY';
const PEM_END = '-----';
const PGP_END = ' BLOCK-----';
/** The longest key material taken: an RSA-16384 key in PEM is about 12 KiB. */
const MAX_KEY_MATERIAL = 16_384;

const isBase64Char = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 61;
/** In a PEM block: base64, line breaks and spaces, and the `Proc-Type: 4,ENCRYPTED` headers of a legacy encrypted key. */
const isPemChar = (c: number) => isBase64Char(c) || c === 32 || c === 10 || c === 13 || c === 9 || c === 45 || c === 58 || c === 44;

function findPrivateKeys(text: string, out: Finding[]): void {
  for (let i = text.indexOf(PEM_BEGIN); i >= 0; i = text.indexOf(PEM_BEGIN, i + 1)) {
    // a BEGIN line (`-----BEGIN RSA PRIVATE KEY-----`), not an END line nor prose that names one
    if (!afterBegin(text, i)) continue;
    let s = i + PEM_BEGIN.length;
    const pgp = text.startsWith(PGP_END, s);
    if (pgp) s += PGP_END.length;
    else if (text.startsWith(PEM_END, s)) s += PEM_END.length;
    else continue;
    while (s < text.length && text.charCodeAt(s) <= 32) s++;
    // escaped line breaks (`\n` in JSON, NDJSON) are read in the escape-decoded view, where they are spaces;
    // OpenPGP's armour headers (`Version: GnuPG v2.0.22 (GNU/Linux)`) are taken with the key
    const inKey = pgp ? (c: number) => c >= 9 && c !== 34 && c !== 92 : isPemChar;
    const limit = Math.min(text.length, s + MAX_KEY_MATERIAL);
    let e = s;
    for (let c = text.charCodeAt(e); e < limit && inKey(c) && (c !== 45 || !text.startsWith('-----', e)); c = text.charCodeAt(++e));
    while (e > s && !isBase64Char(text.charCodeAt(e - 1))) e--;
    if (e - s >= 16) push(out, 'apikey', s, e);
    i = Math.max(i, e - 1);
  }
}

/** text[at] is preceded on its line by `-----BEGIN ` and capitals, digits, dots and spaces only (`RSA `, `PGP `, `ED25519 `, `X9.42 DH `). */
function afterBegin(text: string, at: number): boolean {
  let i = at;
  while (i > 0 && at - i < 32 && isLabelChar(text.charCodeAt(i - 1))) i--;
  // the walk stops on the dashes: `BEGIN` is capitals too
  return i >= 5 && text.startsWith('-----BEGIN ', i - 5);
}
const isLabelChar = (c: number) => (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 32;

/** Appends identifier and secret findings in `text` to `out`; `read` scans decoded base64 JSON (findPii). */
export function findTokens(text: string, kinds: KindSet, out: Finding[], hasDigit: boolean, read: (text: string, kinds: KindSet) => Finding[]): void {
  // cheap prechecks keep the full patterns off most strings
  // (the shortest PAN has 10 characters, IBAN 15, API key 15)
  if (text.length >= 10) {
    const capitals = CAPITALS.test(text);
    if (capitals && hasDigit && FOUR_CAPITALS.test(text) && (kinds.has('pan') || kinds.has('gstin') || kinds.has('ifsc'))) findIndianIds(text, kinds, out);
    if (capitals && hasDigit && text.length >= 15 && IBAN_START.test(text) && kinds.has('iban')) findIbans(text, out);
    if (text.length >= 15 && kinds.has('apikey') && maybeApiKey(text, capitals)) findAll(API_KEYS, text, 'apikey', out);
    if (text.length >= 40 && kinds.has('apikey') && text.includes(PEM_BEGIN)) findPrivateKeys(text, out);
    if (text.length >= 44 && kinds.has('apikey') && colonAA(text)) findAll(TELEGRAM, text, 'apikey', out);
    if (text.length >= 20 && kinds.has('apikey') && text.includes('$')) findCryptHashes(text, out);
    if (text.length >= 20 && kinds.has('apikey') && text.includes('}')) findLdapHashes(text, out);
  }
  if (kinds.has('jwt') && maybeJwt(text)) {
    findAll(JWT, text, 'jwt', out);
    findEncodedJson(text, kinds, out, read);
  }
  if (kinds.has('bearer') && maybeBearer(text)) findBearers(text, out);
  if (kinds.has('bearer') && text.length >= 14 && (text.includes('Basic') || text.includes('basic'))) findBasics(text, out);
  // colons() first: it stops at the seventh, which a JSON text reaches at once
  // six colons and a dot: an IPv6 address ending in a dotted quad (`2001:db8:1:2:3:4:192.0.2.33`)
  if (kinds.has('ipv6') && (colons(text) >= 6 || text.includes('::'))) findIpv6(text, out);
}
