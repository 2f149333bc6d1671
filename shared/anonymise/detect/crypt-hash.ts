import type { Finding } from './kinds.js';

/**
 * Password hashes in the modular crypt format and Django's: bcrypt
 * (`$2b$10$…`), argon2 (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), scrypt,
 * SHA-crypt and MD5-crypt (`$6$rounds=5000$salt$hash`, `$5$`, `$1$`),
 * yescrypt (`$y$`), phpass (`$P$`), passlib's `$pbkdf2-sha256$`, and
 * Django's `pbkdf2_sha256$600000$salt$hash` and legacy `sha1$salt$hash`. A user
 * object serialised whole hands out its hash, which an offline attack
 * turns back into the password: the salt and hash are found (kind
 * `apikey`, redrawn with their separators), the scheme and its parameters
 * kept. Each '$' is found with indexOf ('$' is rare in API bodies) and a
 * few characters around it are read; each hash is read once, so the scan
 * stays linear.
 */

/** Salt and hash: at most this long (an argon2 hash with a long salt is ~100). */
const MAX_HASH = 512;
const MIN_HASH = 16;

/** Characters of a salt and hash: crypt's `./A-Za-z0-9`, base64's `+/=`, and the `$` between them. */
const isHashChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 47 || c === 43 || c === 61 || c === 36;
/** A parameter segment's characters (`v=19`, `m=65536,t=3,p=4`, `rounds=5000`, `600000`, `10`). */
const isParamChar = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || c === 61 || c === 44;

/** `$id$` schemes and how many parameter segments may follow the id before the salt. */
const SCHEMES: readonly (readonly [string, number])[] = [
  ['$2a$', 1], ['$2b$', 1], ['$2y$', 1], ['$2x$', 1],
  ['$argon2id$', 2], ['$argon2i$', 2], ['$argon2d$', 2],
  ['$scrypt$', 1], ['$7$', 0], ['$6$', 1], ['$5$', 1], ['$1$', 0], ['$y$', 1], ['$gy$', 1],
  // WordPress's phpass (`$P$B…`, `$H$…`) and passlib's PBKDF2 (`$pbkdf2-sha256$29000$salt$hash`)
  ['$P$', 0], ['$H$', 0], ['$pbkdf2-sha256$', 1], ['$pbkdf2-sha512$', 1], ['$pbkdf2$', 1],
];
/**
 * Django's hashers that write their name and a work factor before the salt (`pbkdf2_sha256$600000$…`,
 * `scrypt$16384$…`); its `argon2$` and `bcrypt_sha256$` are followed by a `$id$` scheme, found at its own '$'.
 */
const DJANGO = ['pbkdf2_sha256$', 'pbkdf2_sha1$', 'scrypt$', 'sha1$', 'md5$'];

export function findCryptHashes(text: string, out: Finding[]): void {
  for (let i = text.indexOf('$'); i >= 0; i = text.indexOf('$', i + 1)) {
    const start = hashStart(text, i);
    if (start < 0) continue;
    let e = start;
    while (e < text.length && e - start < MAX_HASH && isHashChar(text.charCodeAt(e))) e++;
    if (e - start >= MIN_HASH) out.push({ kind: 'apikey', start, end: e });
    i = Math.max(i, e - 1);
  }
}

/** Where the salt starts after the scheme whose first '$' (or the `$` ending a Django name) is at `at`, or -1. */
function hashStart(text: string, at: number): number {
  let params = -1;
  let i = at;
  for (const [id, n] of SCHEMES) {
    if (text.startsWith(id, at)) {
      params = n;
      i = at + id.length;
      break;
    }
  }
  if (params < 0) {
    for (const name of DJANGO) {
      if (text.startsWith(name, at + 1 - name.length)) {
        params = 1;
        i = at + 1;
        break;
      }
    }
  }
  if (params < 0) return -1;
  // parameter segments (`10$`, `v=19$`, `m=65536,t=3,p=4$`, `rounds=5000$`), each all digits or `name=value`
  for (let k = 0; k < params; k++) {
    let j = i;
    while (j < text.length && j - i < 64 && isParamChar(text.charCodeAt(j))) j++;
    if (j === i || text.charCodeAt(j) !== 36 || !isParams(text, i, j)) break;
    i = j + 1;
  }
  return i;
}

/** text[i, j) is a parameter segment: digits only, or holds '='. */
function isParams(text: string, i: number, j: number): boolean {
  let digits = true;
  for (let k = i; k < j; k++) {
    const c = text.charCodeAt(k);
    if (c === 61) return true;
    if (c < 48 || c > 57) digits = false;
  }
  return digits;
}

/**
 * LDAP's `userPassword` schemes (RFC 2307 and OpenLDAP's modules), matched in any case: the base64 salted
 * or plain digest after `{SSHA}`, `{SHA256}`, `{MD5}` and kin, and passlib's `{PBKDF2-SHA256}rounds$salt$hash`.
 * `{CRYPT}` is followed by a `$id$` scheme, found at its own '$'.
 */
const LDAP_SCHEMES = new Set(['{SSHA}', '{SHA}', '{SSHA256}', '{SHA256}', '{SSHA384}', '{SHA384}', '{SSHA512}', '{SHA512}', '{SMD5}', '{MD5}', '{PBKDF2}', '{PBKDF2-SHA1}', '{PBKDF2-SHA256}', '{PBKDF2-SHA512}']);
/** The longest of those names, braces included. */
const LDAP_SCHEME_MAX = 15;

/** Finds the hash after an LDAP scheme: each '}' followed by a hash character is looked at, a few characters back. */
export function findLdapHashes(text: string, out: Finding[]): void {
  for (let i = text.indexOf('}'); i >= 0; i = text.indexOf('}', i + 1)) {
    if (!isHashChar(text.charCodeAt(i + 1))) continue;
    let open = i - 1;
    while (open >= 0 && i - open < LDAP_SCHEME_MAX && text.charCodeAt(open) !== 123) open--;
    if (open < 0 || text.charCodeAt(open) !== 123 || !LDAP_SCHEMES.has(text.slice(open, i + 1).toUpperCase())) continue;
    let e = i + 1;
    while (e < text.length && e - i <= MAX_HASH && isHashChar(text.charCodeAt(e))) e++;
    if (e - i - 1 >= MIN_HASH) out.push({ kind: 'apikey', start: i + 1, end: e });
    i = e - 1;
  }
}
