import { isUtf8 } from 'node:buffer';
import { rewriteJson, JsonSyntaxError } from './json.js';
import { namedRule, type Treatment } from './rules.js';
import type { Scrub } from './scrub.js';
import { isBareKey, isCredentialName, isHexToken, oauthCodeIn } from './credentials.js';
import { scrubNamedCredentials } from './credential-text.js';
import { credentialVariables, rewriteOperationJson } from './graphql-vars.js';
import { isCredentialHeader, PSEUDONYM } from './headers.js';
import { REDACTED } from './pseudonym/index.js';
import { isPhoneDigits, isPhoneName } from './phone-name.js';
import { isPinName, isPinValue, mayBePostal, postalPairs } from './pin.js';

/**
 * Form bodies. URL-encoded: each field is decoded, treated by a form rule
 * or scanned, and re-encoded only when it changed. Multipart: each part's
 * filename is scanned and its content is treated by a form rule, rewritten
 * as JSON when the part says so, or scanned as text (UTF-8, or byte for
 * byte as Latin-1 when it is not UTF-8); delimiters and part headers stay
 * as they were. Locations: `req.body.form.<field>`.
 */

/**
 * A '+' in a form or query means a space, but clients send a phone's
 * country prefix unencoded (`phone=+447911123456`): decoded as a space the
 * prefix is gone and the number no longer looks like one. So a '+' that
 * opens a number (at the start, or after a character that is not a letter
 * or digit, and before a digit) is read as '+'; every other '+' as a space
 * (`from+priya@…`, `98765+43210`).
 */
export function plusAsSpace(raw: string): string {
  if (!raw.includes('+')) return raw;
  return raw.replace(/\+/g, (_, at: number) => {
    const before = raw.charCodeAt(at - 1);
    const after = raw.charCodeAt(at + 1);
    const opensNumber = after >= 48 && after <= 57 && (at === 0 || !/[0-9A-Za-z]/.test(raw[at - 1]!));
    return opensNumber && before !== 43 ? '+' : ' ';
  });
}

function decodeForm(raw: string): string {
  const s = plusAsSpace(raw);
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A scanned field written back: spaces as '+', and every '+' (one read as '+' included) as %2B. */
const encodeForm = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');

/**
 * How one kind of `name=value&...` list is read and written back (a
 * urlencoded body, a query string). Module constants, not closures made
 * per call: under tsx every function created at run time is also renamed,
 * which cost more than the scan of a short query string.
 */
export interface PairList {
  decode(raw: string): string;
  /** `raw`: the piece as it was written, so its encoding style can be kept. */
  encode(raw: string, value: string): string;
  /** The rule for `name`, if any. */
  rule(name: string, scrub: Scrub): Treatment | undefined;
}

/** A form field naming where a one-time code went: `To` (Twilio Verify), a phone's, an address's. */
const RECIPIENT = /(?:^|&)(?:to|phone(?:_?number)?|mobile(?:_?number)?|msisdn|email)=/i;

/**
 * A `name=value&...` list. Names are scanned too (a field named by an email
 * address) and a value's location uses the scanned name; a piece without
 * '=' is scanned whole, so text that only claims to be a form (a JSON body
 * sent as urlencoded) is never stored unread; a value named like a
 * credential is pseudonymised whole, and so is an OAuth `code` (oauthCodeIn). Only what changed is encoded again.
 * Locations: a name or a piece without '=' at `where` (the name itself is
 * not shown), the value of (scanned) `name` at `where.name`.
 */
export function scrubPairs(text: string, scrub: Scrub, list: PairList, where: string): string {
  let changed = false;
  const out: string[] = [];
  const oauth = oauthCodeIn(text);
  let postal: boolean | undefined;
  // a one-time code checked against where it was sent (Twilio Verify's `To=…&Code=482913`), looked for once
  let recipient: boolean | undefined;
  // a GraphQL operation by GET or in a form: the credential variables its `query` passes, wherever `variables` comes
  const operation = text.includes('variables=') ? queryVariables(text, list) : undefined;
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) {
      const bare = list.decode(pair);
      const next = scrub.text(bare, where);
      if (next === bare) out.push(pair);
      else {
        changed = true;
        out.push(list.encode(pair, next));
      }
      continue;
    }
    const rawName = pair.slice(0, eq);
    const rawValue = pair.slice(eq + 1);
    const name = list.decode(rawName);
    const scannedName = scrub.text(name, where);
    const nameOut = scannedName === name ? rawName : list.encode(rawName, scannedName);
    const value = list.decode(rawValue);
    const loc = `${where}.${scannedName}`;
    // a bare `pin` of 4 to 8 digits is a credential unless it may be a postal code and another field is part of an address (pin.ts)
    const pin = isPinValue(value) && isPinName(name) && !(mayBePostal(name, value) && (postal ??= postalPairs(text)));
    const otp = isPinValue(value) && (name === 'code' || name === 'Code') && (recipient ??= RECIPIENT.test(text));
    const rule = list.rule(name, scrub) ?? (isCredentialName(name) || (oauth && name === 'code') || pin || otp || (isBareKey(name) && isHexToken(value)) || (isPhoneDigits(value) && isPhoneName(name)) ? PSEUDONYM : undefined);
    const next = rule ? scrub.treat(value, rule, loc) : operation?.length && name === 'variables' ? variablesJson(value, operation, scrub, loc) : scrub.text(namedInside(value, scrub, loc), loc);
    const valueOut = next === null ? null : next === value ? rawValue : list.encode(rawValue, next);
    if (valueOut === rawValue && nameOut === rawName) out.push(pair);
    else {
      changed = true;
      if (valueOut !== null) out.push(`${nameOut}=${valueOut}`);
    }
  }
  return changed ? out.join('&') : text;
}

/** The credential variables of the GraphQL operation in a list's `query=` field. */
function queryVariables(text: string, list: PairList): string[] {
  const m = /(?:^|&)query=([^&]*)/.exec(text);
  return m ? credentialVariables(list.decode(m[1]!), false) : [];
}

/** A `variables=` field's JSON, with a rule per credential variable; read as any value when it is not JSON. */
function variablesJson(value: string, vars: readonly string[], scrub: Scrub, loc: string): string {
  try {
    return rewriteOperationJson(value, vars, 'variables', scrub, loc);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return scrub.text(namedInside(value, scrub, loc), loc);
  }
}

/**
 * A value that may itself name credentials (a URL or form in a parameter,
 * `next=/invite?token=…`; a GraphQL query sent by GET, `query={login(password: "…")}`)
 * or hold a link's one-time secret (`next=/reset-password/<token>`) is read for them
 * like text; most values hold no '=', ':' or '/' and are passed over.
 */
export function namedInside(value: string, scrub: Scrub, loc: string): string {
  return value.includes('=') || value.includes(':') || value.includes('/') ? scrubNamedCredentials(value, scrub, loc) : value;
}

const FORM: PairList = {
  decode: decodeForm,
  encode: (_raw, value) => encodeForm(value),
  rule: (name, scrub) => namedRule(scrub.rules.form, name, scrub.side),
};

/** A urlencoded body's fields: `req.body.form.<field>`. */
export function scrubUrlencoded(text: string, scrub: Scrub, where: string): string {
  return scrubPairs(text, scrub, FORM, `${where}.form`);
}

/** The boundary named in a multipart Content-Type. */
export function multipartBoundary(contentType: string): string | undefined {
  const m = /boundary=(?:"([^"]{1,200})"|([^\s;]{1,200}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Scans bytes as free text (UTF-8, or Latin-1 byte for byte); the same Buffer when nothing changed. */
function scanBytes(bytes: Buffer, scrub: Scrub, loc: string): Buffer {
  if (bytes.length === 0) return bytes;
  const encoding: BufferEncoding = isUtf8(bytes) ? 'utf8' : 'latin1';
  const text = bytes.toString(encoding);
  const next = scrub.text(scrubNamedCredentials(text, scrub, loc), loc);
  return next === text ? bytes : Buffer.from(next, encoding);
}

/** Reads a part's content as a file of its own kind (a gzip file), or says it is none (undefined). */
export type FileReader = (content: Buffer, loc: string) => Buffer | undefined;

/**
 * Rewrites a multipart body; returns the same Buffer when nothing changed.
 * Only the delimiters are kept unread: whatever does not parse as a part
 * (a preamble, an epilogue, a part cut short in its headers, a body whose
 * boundary is not the one declared, LF-only line ends) is scanned as text.
 */
export function scrubMultipart(body: Buffer, boundary: string, scrub: Scrub, where: string, file?: FileReader): Buffer {
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  if (at < 0) return scanBytes(body, scrub, where);
  const preamble = body.subarray(0, at);
  const out: Buffer[] = [scanBytes(preamble, scrub, where)];
  let changed = out[0] !== preamble;
  while (at >= 0) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    const part = body.subarray(at, next < 0 ? body.length : next);
    const rewritten = scrubPart(part, delimiter.length, scrub, where, file);
    if (rewritten !== part) changed = true;
    out.push(rewritten);
    at = next;
  }
  return changed ? Buffer.concat(out) : body;
}

/** The value of a Content-Disposition parameter, quoted or not: its span in `line` (quotes excluded). */
function dispositionParam(line: string, name: string): { start: number; end: number; value: string } | undefined {
  const m = new RegExp(`(?:^|[;\\s])${name}\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"?|'[^']*'?|[^;\\s]*)`, 'i').exec(line);
  if (!m) return undefined;
  const raw = m[1]!;
  const quote = raw[0] === '"' || raw[0] === "'" ? 1 : 0;
  const closed = quote === 1 && raw.length > 1 && raw.endsWith(raw[0]!) ? 1 : 0;
  const start = m.index + m[0].length - raw.length + quote;
  const end = m.index + m[0].length - closed;
  return { start, end, value: line.slice(start, end) };
}

/**
 * A part's header lines, scanned: the name parameter first (the part's
 * location uses the scanned name), then the rest of Content-Disposition
 * (filename, filename*, any other parameter, quoted or not) and every other
 * header line as free text. Pieces are joined by slicing, never by
 * String.replace, whose `$&` patterns would put the original back.
 */
function scrubPartHead(head: string, scrub: Scrub, where: string): { head: string; name: string | undefined; loc: string } {
  const lines = head.split('\r\n');
  const d = lines.findIndex((line) => /^content-disposition\s*:/i.test(line));
  const param = d >= 0 ? dispositionParam(lines[d]!, 'name') : undefined;
  const name = param ? scrub.text(param.value, `${where}.form`) : undefined;
  const loc = `${where}.form.${name ?? ''}`;
  const out = lines.map((line, i) => {
    if (line === '') return line;
    if (i !== d) return partHeader(line, scrub, `${loc}.headers`);
    if (!param) return scrub.text(line, `${loc}.filename`);
    return scrub.text(line.slice(0, param.start), `${loc}.filename`) + name + scrub.text(line.slice(param.end), `${loc}.filename`);
  });
  return { head: out.join('\r\n'), name: param?.value, loc };
}

/** A part's header line other than its Content-Disposition: a credential's (`X-Api-Key: …`) pseudonymised whole, any other scanned. */
function partHeader(line: string, scrub: Scrub, loc: string): string {
  const colon = line.indexOf(':');
  if (colon > 0 && isCredentialHeader(line.slice(0, colon).trim().toLowerCase())) {
    let start = colon + 1;
    while (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 9) start++;
    if (start < line.length) return line.slice(0, start) + (scrub.treat(line.slice(start), PSEUDONYM, loc) ?? REDACTED);
  }
  return scrub.text(line, loc);
}

/** One part, from its delimiter up to the next. */
function scrubPart(part: Buffer, delimiterLength: number, scrub: Scrub, where: string, file: FileReader | undefined): Buffer {
  // the delimiter, a closing "--", transport padding and the line end stay as they are
  let at = delimiterLength;
  const closing = part[at] === 45 && part[at + 1] === 45;
  if (closing) at += 2;
  while (part[at] === 32 || part[at] === 9) at++;
  if (part[at] === 13) at++;
  if (part[at] === 10) at++;
  const lead = part.subarray(0, at);
  const rest = part.subarray(at);
  const headerEnd = closing ? -1 : rest.indexOf(HEADER_END);
  if (headerEnd < 0) {
    const scanned = scanBytes(rest, scrub, `${where}.form`);
    return scanned === rest ? part : Buffer.concat([lead, scanned]);
  }
  const headBytes = rest.subarray(0, headerEnd + 4);
  const headEncoding: BufferEncoding = isUtf8(headBytes) ? 'utf8' : 'latin1';
  const head = headBytes.toString(headEncoding);
  const { head: newHead, name: rawName, loc } = scrubPartHead(head, scrub, where);
  // the content ends before the CRLF that precedes the next delimiter
  const tail = rest.length >= 2 && rest[rest.length - 2] === 13 && rest[rest.length - 1] === 10 ? 2 : 0;
  const content = rest.subarray(headerEnd + 4, rest.length - tail);
  const encoding: BufferEncoding = isUtf8(content) ? 'utf8' : 'latin1';
  const text = content.toString(encoding);
  const rule = rawName !== undefined ? (namedRule(scrub.rules.form, rawName, scrub.side) ?? (isCredentialName(rawName) || (isPinValue(text) && isPinName(rawName)) || (isPhoneDigits(text) && isPhoneName(rawName)) ? PSEUDONYM : undefined)) : undefined;
  const asFile = rule ? undefined : file?.(content, loc);
  if (asFile !== undefined) {
    if (asFile === content && newHead === head) return part;
    return Buffer.concat([lead, Buffer.from(newHead, headEncoding), asFile, rest.subarray(rest.length - tail)]);
  }
  let next: string | null;
  // an Apollo upload's `operations`: a GraphQL operation whose credential variables are found by their arguments
  const operation = rule ? [] : credentialVariables(text);
  if (rule) next = scrub.treat(text, rule, loc);
  else if (operation.length > 0) {
    try {
      next = rewriteOperationJson(text, operation, 'operation', scrub, loc);
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
      next = scrub.text(scrubNamedCredentials(text, scrub, loc), loc);
    }
  } else if (/content-type:\s*application\/(?:[\w.+-]*\+)?json/i.test(head)) {
    try {
      next = rewriteJson(text, scrub, loc, 'deep');
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
      next = scrub.text(scrubNamedCredentials(text, scrub, loc), loc);
    }
  } else next = scrub.text(scrubNamedCredentials(text, scrub, loc), loc);
  if (next === text && newHead === head) return part;
  if (next === null) return Buffer.alloc(0);
  return Buffer.concat([lead, Buffer.from(newHead, headEncoding), Buffer.from(next, encoding), rest.subarray(rest.length - tail)]);
}
