import type { CaptureRecord, HeaderPair } from '../record/schema.js';

/**
 * The anonymiser hook: runs on every record inside the proxy before it is
 * queued for Redis, so raw personal data never leaves the process.
 *
 * Baseline behaviour (until the full rule engine lands): Authorization keeps
 * only its scheme; Cookie and Set-Cookie values are replaced.
 */
export type RecordAnonymiser = (record: CaptureRecord) => CaptureRecord;

export interface AnonymiserOptions {
  /** HMAC key for pseudonyms (PARITY_ANON_KEY). */
  key?: string;
  /** The `anonymise` section of the rules file, unparsed. */
  rules?: unknown;
}

const REPLACED = 'parity-redacted';

function scrubHeaders(headers: HeaderPair[], where: string, changed: string[]): HeaderPair[] {
  return headers.map(([name, value]) => {
    if (name === 'authorization' || name === 'proxy-authorization') {
      changed.push(`${where}.${name}`);
      const scheme = /^\S+(?=\s)/.exec(value)?.[0];
      return [name, scheme ? `${scheme} ${REPLACED}` : REPLACED];
    }
    if (name === 'cookie') {
      changed.push(`${where}.${name}`);
      return [name, value.split(/;\s*/).map((c) => `${c.split('=')[0]}=${REPLACED}`).join('; ')];
    }
    if (name === 'set-cookie') {
      changed.push(`${where}.${name}`);
      const [first, ...attrs] = value.split(';');
      return [name, [`${first!.split('=')[0]}=${REPLACED}`, ...attrs].join(';')];
    }
    return [name, value];
  });
}

export function createRecordAnonymiser(_opts: AnonymiserOptions = {}): RecordAnonymiser {
  return (record) => {
    const changed: string[] = [];
    const out: CaptureRecord = { ...record, req: { ...record.req, headers: scrubHeaders(record.req.headers, 'req.headers', changed) } };
    if (record.res) out.res = { ...record.res, headers: scrubHeaders(record.res.headers, 'res.headers', changed) };
    out.anonymised = [...record.anonymised, ...changed];
    return out;
  };
}
