import { randomBytes } from 'node:crypto';
import type { HeaderPair } from '../record/schema.js';

/**
 * A request body made from a HAR's `postData.params` when the HAR has no
 * `postData.text` (some tools save only the fields). The body is encoded
 * as the request's Content-Type says: multipart/form-data with its
 * boundary (one is drawn, and written into the Content-Type, when it names
 * none or a value holds it), urlencoded otherwise — and then the
 * Content-Type says so. A multipart type over an urlencoded body was sent
 * as it was by a replay, and the target could not read the form.
 */

/** One `postData.params` entry. */
export interface HarParam {
  name: string;
  value?: string | undefined;
  fileName?: string | undefined;
  contentType?: string | undefined;
}

const URLENCODED = 'application/x-www-form-urlencoded';
/** RFC 2046: 1 to 70 of these, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
const BOUNDARY_PARAM = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^\s;]*))/i;

/** A name or file name in a Content-Disposition, escaped as browsers do (WHATWG multipart/form-data). */
const dispositionText = (s: string) => s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

function multipart(params: readonly HarParam[], boundary: string): Buffer {
  const parts = params.map((p) => {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${dispositionText(p.name)}"`;
    if (p.fileName !== undefined) head += `; filename="${dispositionText(p.fileName)}"`;
    if (p.contentType) head += `\r\nContent-Type: ${p.contentType}`;
    return `${head}\r\n\r\n${p.value ?? ''}\r\n`;
  });
  return Buffer.from(`${parts.join('')}--${boundary}--\r\n`, 'utf8');
}

/**
 * The body for `params`; `headers` (the record's request headers, names
 * lower-cased) get the Content-Type that describes it.
 */
export function formBody(params: readonly HarParam[], headers: HeaderPair[]): Buffer {
  let at = headers.findIndex(([k]) => k === 'content-type');
  if (at < 0) at = headers.push(['content-type', URLENCODED]) - 1;
  const type = headers[at]![1];
  if (/^\s*multipart\/form-data\b/i.test(type)) {
    const m = BOUNDARY_PARAM.exec(type);
    let boundary = m?.[1] ?? m?.[2] ?? '';
    const usable = BOUNDARY.test(boundary) && !params.some((p) => `${p.name}${p.value ?? ''}${p.fileName ?? ''}`.includes(boundary));
    if (!usable) {
      boundary = `parity-${randomBytes(12).toString('hex')}`;
      headers[at] = ['content-type', m ? type.replace(BOUNDARY_PARAM, `; boundary=${boundary}`) : `${type.trimEnd()}; boundary=${boundary}`];
    }
    return multipart(params, boundary);
  }
  if (!/^\s*application\/x-www-form-urlencoded\b/i.test(type)) headers[at] = ['content-type', URLENCODED];
  return Buffer.from(new URLSearchParams(params.map((x): [string, string] => [x.name, x.value ?? ''])).toString(), 'utf8');
}
