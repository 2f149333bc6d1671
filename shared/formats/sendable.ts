import type { CaptureRecord, HeaderPair } from '../record/schema.js';

/**
 * What a replay can send as it is. A header value with CR LF would add a
 * header (`line1\r\nInjected: header`), a URL with one would split the
 * request line (`/x HTTP/1.1\r\nHost: evil`), a name with a space is no
 * header at all: the HTTP client refuses them, and the replay reported a
 * target error that blamed staging. Imports refuse such records instead,
 * naming the record and the field, never the value (it may be personal
 * data). Tabs, UTF-8 and other bytes past ASCII pass: captures hold them.
 */

/** A header name: an RFC 9110 token. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A header value: no CR, LF, NUL nor other control character but tab. */
export const HEADER_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;
/** A request target: no space nor control character. */
export const REQUEST_TARGET = /^[^\x00-\x20\x7f]+$/;

export const HEADER_NAME_PROBLEM = "not a header name (letters, digits and !#$%&'*+.^_`|~- only)";
export const HEADER_VALUE_PROBLEM = 'holds CR, LF or another control character, which no header value may';
export const TARGET_PROBLEM = 'holds a space, CR, LF or another control character, which no URL may';

function headersProblem(field: string, headers: readonly HeaderPair[]): string | undefined {
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i]!;
    if (!HEADER_NAME.test(name)) return `${field}[${i}]: its name is ${HEADER_NAME_PROBLEM}`;
    if (!HEADER_VALUE.test(value)) return `${field}[${i}]: its value ${HEADER_VALUE_PROBLEM}`;
  }
  return undefined;
}

/** The first field of `r` a replay could not send, as `field: problem`; undefined when there is none. */
export function unsendable(r: CaptureRecord): string | undefined {
  if (r.url !== '*' && !REQUEST_TARGET.test(r.url)) return `url: ${TARGET_PROBLEM}`;
  // sent as the Host header
  if (r.host !== undefined && !HEADER_VALUE.test(r.host)) return `host: ${HEADER_VALUE_PROBLEM}`;
  return headersProblem('req.headers', r.req.headers) ?? (r.res ? (headersProblem('res.headers', r.res.headers) ?? headersProblem('res.trailers', r.res.trailers ?? [])) : undefined);
}
