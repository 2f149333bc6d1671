import { asciiClass, C_ALNUM, C_DIGIT, isAsciiAlnum, type Finding, type KindSet } from './kinds.js';

/**
 * Email addresses and UPI ids, found from each '@' (and there, too, the
 * password of a URL's userinfo, as an `apikey`): the local part is read
 * leftwards (its last 64 characters at most) and the domain rightwards (at most 253),
 * and neither crosses another '@', so the scan is linear even over
 * `a@a@a@...`. Unicode letters are allowed on both sides (internationalised
 * addresses). A domain with a dot and a TLD of two or more letters makes an
 * email; a bare handle of letters (`name@okaxis`) makes a UPI id.
 */

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
const LETTER = /[\p{L}\p{M}\p{N}]/u;

function isUnicodeWordChar(code: number): boolean {
  if (code < 0x80) return false;
  if (code >= 0xd800 && code <= 0xdfff) return true; // half of an astral letter; its pair decides nothing here
  return LETTER.test(String.fromCharCode(code));
}

/** Local-part characters: ASCII letters, digits, `._%+-`, Unicode letters. */
function isLocal(code: number): boolean {
  return asciiClass(code) !== 0 || code === 46 || code === 95 || code === 37 || code === 43 || code === 45 || isUnicodeWordChar(code);
}

function isDomain(code: number): boolean {
  return asciiClass(code) !== 0 || code === 45 || code === 46 || isUnicodeWordChar(code);
}

function isLetter(code: number): boolean {
  return (asciiClass(code) & ~C_DIGIT) !== 0 || isUnicodeWordChar(code);
}

export function findAtSigns(text: string, kinds: KindSet, out: Finding[]): void {
  const wantEmail = kinds.has('email');
  const wantUpi = kinds.has('upi');
  const wantPassword = kinds.has('apikey');
  if (!wantEmail && !wantUpi && !wantPassword) return;
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let s = at;
    while (s > 0 && at - s < MAX_LOCAL && isLocal(text.charCodeAt(s - 1))) s--;
    // a userinfo's password is read only where the local part stopped at a character a userinfo
    // has and an address has not (`:` mostly), so an address in quotes costs one more look
    const password = wantPassword && s > 0 && (at - s >= MAX_LOCAL || isUserinfo(text.charCodeAt(s - 1))) ? userinfoPassword(text, at) : -1;
    if (password >= 0) {
      // the host after it stays: it names a server, not a person (an email read here would take both)
      out.push({ kind: 'apikey', start: password, end: at });
      continue;
    }
    if (!wantEmail && !wantUpi) continue;
    // a local part longer than 64 characters: its last 64 are taken (what precedes an address
    // in a URL or a path often reads as local-part characters, and the address must not survive)
    // the cut at 64 must not split a surrogate pair
    if (s > 0 && (text.charCodeAt(s) & 0xfc00) === 0xdc00) s++;
    s = afterEscapes(text, s, at);
    while (s < at && text.charCodeAt(s) === 46) s++;
    s = afterFilterOperator(text, s, at);
    if (s === at) continue;
    let e = at + 1;
    while (e < text.length && e - at <= MAX_DOMAIN && isDomain(text.charCodeAt(e))) e++;
    while (e > at + 1 && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
    if (e === at + 1 || sshRemote(text, s, at, e)) continue;
    let domain = text.slice(at + 1, e);
    let dot = domain.lastIndexOf('.');
    // a retina asset (`logo@2x.png`) is a file name; a file named for an address (`priya@acmecorp.in.pdf`) holds one
    if (dot >= 0 && fileExtension(domain, dot)) {
      e = at + 1 + dot;
      domain = domain.slice(0, dot);
      dot = domain.lastIndexOf('.');
      if (dot < 0) continue;
    }
    // an address glued by '-' to what follows (`priya@acmecorp.in-statement.pdf`, a bank narration's
    // `UPI-RAHUL V-RAHULV@YBL-YESB0YBLUPI-…`): no TLD or handle holds a '-', so the address ends at it
    const dash = domain.indexOf('-', dot + 1);
    if (dash > dot + 1 && (dot >= 0 ? !validDomain(domain, dot) : !upiHandle(text, s, at, e))) {
      e = at + 1 + dash;
      domain = domain.slice(0, dash);
    }
    if (dot >= 0) {
      if (wantEmail && validDomain(domain, dot)) out.push({ kind: 'email', start: s, end: e });
    } else if (wantUpi && upiHandle(text, s, at, e)) {
      out.push({ kind: 'upi', start: s, end: e });
    }
  }
}

const isHex = (c: number) => (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);

/**
 * Where the address starts when its local part [s, at) begins with the rest of an escape: JavaScript's and Go's
 * `\u003c` and `\x3c` before an address (`Priya \u003cpriya@…\u003e`), a JSON `\n`, and percent escapes before it in
 * a link (`?q=from%20priya@…`: `%` is a local-part character). Redrawn with the address, the escape broke.
 */
function afterEscapes(text: string, s: number, at: number): number {
  if (s > 0 && text.charCodeAt(s - 1) === 92) {
    const c = text.charCodeAt(s);
    if (c === 117 && isHex(text.charCodeAt(s + 1)) && isHex(text.charCodeAt(s + 2)) && isHex(text.charCodeAt(s + 3)) && isHex(text.charCodeAt(s + 4))) s += 5;
    else if (c === 120 && isHex(text.charCodeAt(s + 1)) && isHex(text.charCodeAt(s + 2))) s += 3;
    else if (c === 110 || c === 114 || c === 116) s += 1;
  }
  // read back within the local part only (64 characters at most): a search of the text before it is quadratic
  for (let i = at - 3; i >= s; i--) {
    if (text.charCodeAt(i) === 37 && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) return i + 3;
  }
  return s;
}

/** A userinfo is read back from its '@' at most this far. */
const MAX_USERINFO = 256;

/** Userinfo characters (RFC 3986: unreserved, percent-escapes, sub-delims and ':'); not '@', '/', quotes or spaces. */
function isUserinfo(c: number): boolean {
  return asciiClass(c) !== 0 || c === 45 || c === 46 || c === 95 || c === 126 || c === 37 || c === 33 || c === 36 || (c >= 38 && c <= 44) || c === 58 || c === 59 || c === 61;
}

/**
 * The start of the password of `scheme://user:password@` whose '@' is at
 * `at` (a connection string: `postgres://app:…@db/orders`,
 * `redis://:…@cache`), or -1. Read back at most MAX_USERINFO characters,
 * never past another '@', so the scan stays linear.
 */
function userinfoPassword(text: string, at: number): number {
  let i = at;
  while (i > 0 && at - i < MAX_USERINFO && isUserinfo(text.charCodeAt(i - 1))) i--;
  if (i < 3 || text.charCodeAt(i - 1) !== 47 || text.charCodeAt(i - 2) !== 47 || text.charCodeAt(i - 3) !== 58) return -1;
  const colon = text.indexOf(':', i);
  return colon >= 0 && colon + 1 < at ? colon + 1 : -1;
}

/** Labels of 1-63 characters not starting or ending with '-', and a TLD of two letters or more; read in place. */
function validDomain(domain: string, lastDot: number): boolean {
  let start = 0;
  for (let i = 0; i <= domain.length; i++) {
    if (i < domain.length && domain.charCodeAt(i) !== 46) continue;
    const length = i - start;
    if (length === 0 || length > 63 || domain.charCodeAt(start) === 45 || domain.charCodeAt(i - 1) === 45) return false;
    start = i + 1;
  }
  if (domain.length - lastDot - 1 < 2) return false;
  for (let i = lastDot + 1; i < domain.length; i++) if (!isLetter(domain.charCodeAt(i))) return false;
  return true;
}

/** The domain ends with a file extension, which no top-level domain is: `2x.png` in `logo@2x.png`. */
const fileExtension = (domain: string, lastDot: number) => domain.length - lastDot <= 5 && FILE_EXTENSIONS.has(domain.slice(lastDot + 1).toLowerCase());

const FILE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'svg', 'ico', 'bmp', 'tif', 'tiff', 'heic', 'js', 'mjs', 'cjs', 'css', 'json', 'html', 'htm', 'pdf', 'woff', 'ttf', 'otf', 'eot', 'webm', 'wasm', 'txt', 'xml', 'csv']);

/**
 * UPI providers (PSP handles), from NPCI's list of banks and third-party apps: a provider must be one of these or
 * name a bank the way new handles do (below). Anything else after an '@' without a dot is a host, a user or a ref
 * (`root@localhost`, `kubernetes-admin@kubernetes`, `actions/checkout@main`, `react@latest`).
 */
const PSP_HANDLES = new Set([
  'abfspay', 'airtel', 'albk', 'allbank', 'andb', 'apb', 'apl', 'aubank', 'axl', 'bandhan', 'barodampay', 'boi', 'cbin', 'cboi', 'centralbank',
  'citi', 'citigold', 'cmsidfc', 'cnrb', 'csbcash', 'csbpay', 'cub', 'dbs', 'dcb', 'denabank', 'dlb', 'eazypay', 'equitas', 'ezeepay', 'fam',
  'fbl', 'federal', 'fifederal', 'finobank', 'freecharge', 'hsbc', 'ibl', 'idbi', 'idfc', 'idfcfirst', 'ikwik', 'imobile', 'indianbk', 'indus',
  'iob', 'jio', 'jkb', 'jsbp', 'karb', 'kaypay', 'kbl', 'kmb', 'kmbl', 'kvb', 'lime', 'lvb', 'mahb', 'mairtel', 'nsdl', 'obc', 'paytm', 'payzapp',
  'pingpay', 'pnb', 'pockets', 'psb', 'purz', 'rapl', 'rbl', 'sc', 'scb', 'scbl', 'scmobile', 'sib', 'slc', 'srcb', 'synd', 'timecosmos', 'tjsb',
  'ubi', 'uboi', 'uco', 'united', 'upi', 'utbi', 'vijb', 'yapl', 'ybl',
  // BharatPe's, Goibibo's, Tamilnad Mercantile's, Dhani's, and small finance banks' handles (a review's list)
  'fbpe', 'bpunity', 'goaxb', 'tmb', 'dhani', 'ujjivan', 'esaf', 'suryoday', 'utkarsh',
]);

/** What new handles are built from: a bank's name (`okaxis`, `naviaxis`, `ptyes`, `rajgovhdfcbank`, `superyes`). */
const PSP_STEMS = ['axis', 'hdfc', 'icici', 'sbi', 'kotak', 'yes', 'bank'];

function pspHandle(provider: string): boolean {
  if (PSP_HANDLES.has(provider)) return true;
  for (const stem of PSP_STEMS) if (provider.includes(stem)) return true;
  return false;
}

/** `handle@psp`: an ASCII handle and a known provider (letters only, 2-20 characters). */
function upiHandle(text: string, s: number, at: number, e: number): boolean {
  if (at - s < 2 || e - at - 1 < 2 || e - at - 1 > 20) return false;
  for (let i = at + 1; i < e; i++) if ((asciiClass(text.charCodeAt(i)) & ~C_DIGIT) === 0) return false;
  if (!pspHandle(text.slice(at + 1, e).toLowerCase())) return false;
  for (let i = s; i < at; i++) {
    const c = text.charCodeAt(i);
    if ((asciiClass(c) & C_ALNUM) === 0 && c !== 46 && c !== 95 && c !== 45) return false;
  }
  return true;
}

/**
 * `git@host:path` (scp-like) or `ssh://git@host/path`: the SSH remote of a forge (GitHub, GitLab, Bitbucket, Azure
 * DevOps, Gitea), whose user `git` is the forge's, not a person's. An address followed by a colon and a space
 * (`priya@acmecorp.in: see attached`) is still one.
 */
function sshRemote(text: string, s: number, at: number, e: number): boolean {
  if (at - s !== 3 || !text.startsWith('git', s)) return false;
  const sep = text.charCodeAt(e);
  const next = text.charCodeAt(e + 1);
  if (sep === 58) return isAsciiAlnum(next) || next === 47 || next === 126 || next === 95;
  return sep === 47 && text.startsWith('://', s - 3);
}

/**
 * PostgREST's filter operators that compare a text (`?email=eq.asha@example.in`, `?or=(email.eq.…,phone.eq.…)`,
 * `not.eq.`, `ilike.`): read leftwards, the local part takes them in; the address starts after them. Not the
 * operators of arrays, ranges and full-text search, nor `is.`: `cs.student@…` and `is.kumar@…` are addresses
 * (`in.`'s values sit in brackets anyway).
 */
const FILTER_OPERATORS = new Set(['eq', 'neq', 'like', 'ilike', 'match', 'imatch']);

/**
 * `local` (an address's local part) starts as a filter does (`eq.`, `not.like.`): a real address that does keeps
 * that much raw, and a pseudonym must not (renderEmail draws again), or it would no longer be found whole.
 */
export function startsLikeFilter(local: string): boolean {
  const dot = local.indexOf('.');
  if (dot < 0) return false;
  const word = local.slice(0, dot);
  if (FILTER_OPERATORS.has(word)) return local.length > dot + 1;
  return word === 'not' && startsLikeFilter(local.slice(dot + 1));
}

/**
 * Where the address starts when the local part [s, at) begins with a filter: `op.`, `not.op.` at the start of a
 * value (the text's start, or after '=', '(' or ','), or `column.op.`, `column.not.op.` inside an `or=(…)` group
 * (after '(' or ','); otherwise `s`.
 */
function afterFilterOperator(text: string, s: number, at: number): number {
  const before = s === 0 ? 0 : text.charCodeAt(s - 1);
  const group = before === 40 || before === 44;
  if (!(s === 0 || before === 61 || group)) return s;
  let from = s;
  let dot = dotIn(text, s, at);
  if (dot < 0) return s;
  // a column before the operator, inside a group only
  if (!FILTER_OPERATORS.has(text.slice(s, dot)) && text.slice(s, dot) !== 'not') {
    if (!group) return s;
    from = dot + 1;
    dot = dotIn(text, from, at);
    if (dot < 0) return s;
  }
  let word = text.slice(from, dot);
  if (word === 'not') {
    from = dot + 1;
    dot = dotIn(text, from, at);
    if (dot < 0) return s;
    word = text.slice(from, dot);
  }
  return FILTER_OPERATORS.has(word) && dot + 1 < at ? dot + 1 : s;
}

/** The first '.' in [from, to), or -1 (a local part: 64 characters at most, so never a search of the rest of the text). */
function dotIn(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 46) return i;
  return -1;
}
