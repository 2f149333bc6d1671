import type { Finding, KindSet } from './kinds.js';

/**
 * JSON kept in base64 inside text: an OAuth `state`, a pagination or
 * session blob, a `data:application/json;base64,` URL. Base64 of `{"`
 * always starts `eyJ`, which the JWT precheck has already searched for, so
 * texts without it pay nothing. A run of base64 from such an `eyJ` that is
 * not a JWT's segment (no '.' beside it) is decoded and read with the
 * detectors (`read`, findPii); when they find anything in it, the whole
 * run is a finding of kind `jwt`, whose pseudonym keeps its `eyJ` and
 * redraws the rest. A blob holding nothing they find (`{"id":42}`) stays.
 * Runs are at most MAX_RUN characters and are skipped past, so the text is
 * read once; decoding shrinks a nested run by a quarter at each level.
 */

/** The longest run decoded: 12 KiB of JSON. */
const MAX_RUN = 16_384;
const MIN_RUN = 16;

/** base64 and base64url letters, without the padding. */
const isBase64 = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 45 || c === 95;

export function findEncodedJson(text: string, kinds: KindSet, out: Finding[], read: (text: string, kinds: KindSet) => Finding[]): void {
  for (let i = text.indexOf('eyJ'); i >= 0; i = text.indexOf('eyJ', i + 1)) {
    const before = text.charCodeAt(i - 1);
    // inside a longer run (or a JWT's payload, after its '.'); a '/' before it is a path's or a URL's
    if (i > 0 && ((isBase64(before) && before !== 47) || before === 46)) continue;
    let e = i + 3;
    while (e < text.length && e - i < MAX_RUN && isBase64(text.charCodeAt(e))) e++;
    const end = e;
    while (e < text.length && e - end < 2 && text.charCodeAt(e) === 61) e++;
    // a '.' and more base64 after it is a JWT's separator (findTokens' business); a sentence's full stop is not
    if ((text.charCodeAt(e) === 46 && isBase64(text.charCodeAt(e + 1))) || end - i < MIN_RUN) {
      i = e;
      continue;
    }
    if (read(Buffer.from(text.slice(i, end), 'base64').toString('utf8'), kinds).length > 0) out.push({ kind: 'jwt', start: i, end: e });
    i = e;
  }
}
