import type { CaptureRecord, HeaderPair } from '../record/schema.js';
import { scrubBody } from './body.js';
import { ALL_KINDS, findingValue, findPii, type Finding, type Kind } from './detect/index.js';
import { isCredentialHeader, PHONE_HEADER, scrubHeader, UNTOUCHED } from './headers.js';
import { isPhoneDigits } from './phone-name.js';
import { JsonSyntaxError, looksLikeJson, MAX_NESTED_JSON, rewriteJson } from './json.js';
import { hasMarker, REDACTED } from './pseudonym/index.js';
import { anonymiseRulesSchema, compileRules, type CompiledRules, type Side } from './rules.js';
import { locText, ScanBudget, type Loc, type Scrub } from './scrub.js';
import { scrubUrl } from './url.js';

/**
 * `parity audit`: re-scans a stored record with every detector, through the
 * same walkers the anonymiser uses, so locations match. A value the
 * detectors find counts as a pseudonym only when both hold:
 *
 * - its location is listed in `record.anonymised` (the anonymiser changed it), and
 * - it carries the public pseudonym marker (pseudonym/marker.ts).
 *
 * Anything else is reported as raw. Credentials are also checked by
 * structure: Authorization must hold only its scheme, and cookies and
 * credential headers must have been rewritten (their pseudonyms carry no
 * detectable shape). Findings name the record, the location and the kind,
 * never the value.
 */

export type AuditKind = Kind | 'credentials' | 'cookie' | 'credential-header' | 'unscannable-body';

export interface AuditFinding {
  record: string;
  location: string;
  kind: AuditKind;
}

const AUDIT_RULES: CompiledRules = compileRules(anonymiseRulesSchema.parse(undefined));

class Auditing implements Scrub {
  readonly rules = AUDIT_RULES;
  readonly side: Side;
  readonly #listed: ReadonlySet<string>;
  readonly #report: (location: string, kind: AuditKind) => void;
  readonly #budget: ScanBudget;
  readonly #depth: number;

  constructor(side: Side, listed: ReadonlySet<string>, report: (location: string, kind: AuditKind) => void, budget: ScanBudget, depth = 0) {
    this.side = side;
    this.#listed = listed;
    this.#report = report;
    this.#budget = budget;
    this.#depth = depth;
  }

  charge(chars: number): void {
    this.#budget.charge(chars);
  }

  changed(): void {}

  secret(): void {}

  /**
   * A value the anonymiser takes whole (named like a credential, a token
   * in an action link): it must have been rewritten there. Its pseudonym
   * has no detectable shape, so the location is what tells.
   */
  treat(value: string, _t: unknown, loc: Loc): string {
    const where = locText(loc);
    const v = value.trim();
    if (!this.#listed.has(where)) {
      if (v !== '' && v !== REDACTED) this.#report(where, 'credentials');
      return this.text(value, loc);
    }
    // redrawn whole there: read flat, as the anonymiser settled it (a JSON value redrawn whole is no JSON to walk)
    this.#budget.charge(value.length);
    for (const f of findPii(value, ALL_KINDS)) if (!hasMarker(findingValue(value, f))) this.#report(where, f.kind);
    return value;
  }

  text(value: string, loc: Loc, found?: readonly Finding[]): string {
    if (value.length === 0) return value;
    this.#budget.charge(value.length);
    if (this.#depth < MAX_NESTED_JSON && looksLikeJson(value)) {
      try {
        rewriteJson(value, new Auditing(this.side, this.#listed, this.#report, this.#budget, this.#depth + 1), locText(loc), 'deep');
        return value;
      } catch (err) {
        if (!(err instanceof JsonSyntaxError)) throw err;
      }
    }
    for (const f of found ?? findPii(value, ALL_KINDS)) {
      const where = locText(loc);
      if (!this.#listed.has(where) || !hasMarker(findingValue(value, f))) this.#report(where, f.kind);
    }
    return value;
  }
}

/** A credential value beyond a bare scheme word. */
function holdsCredentials(value: string): boolean {
  const v = value.trim();
  return v !== '' && v !== REDACTED && !/^[A-Za-z][A-Za-z0-9-]{0,30}$/.test(v);
}

function auditHeaders(headers: readonly HeaderPair[], scrub: Auditing, where: string, listed: ReadonlySet<string>, report: (location: string, kind: AuditKind) => void): void {
  for (const [rawName, value] of headers) {
    const location = `${where}.${rawName}`;
    // captured names are lower-case; an imported record's may not be (the anonymiser lower-cases them too)
    const name = rawName.toLowerCase();
    if (UNTOUCHED.has(name)) continue;
    if (name === 'authorization' || name === 'proxy-authorization') {
      if (holdsCredentials(value)) report(location, 'credentials');
    } else if (name === 'cookie' || name === 'set-cookie') {
      const first = name === 'set-cookie' ? value.split(';')[0]! : value;
      if (/=[^;\s]/.test(first) && !listed.has(location)) report(location, 'cookie');
      else scrub.text(value, location);
    } else if (isCredentialHeader(name) || (PHONE_HEADER.test(name) && isPhoneDigits(value))) {
      if (value.trim() !== '' && !listed.has(location)) report(location, 'credential-header');
      else scrub.text(value, location);
    } else scrubHeader(name, value, scrub, location); // links' parameters and action tokens, credentials named in text
  }
}

/** Everything in one record that still looks like raw personal data. */
export function auditRecord(record: CaptureRecord, scanBytes = AUDIT_RULES.scanBytes * 2): AuditFinding[] {
  const listed = new Set(record.anonymised);
  const findings: AuditFinding[] = [];
  const seen = new Set<string>();
  const report = (raw: string, kind: AuditKind) => {
    // a location names what holds the value, and a name may itself be personal data (a header, a JSON key or a
    // form field named by an address): what a detector finds in it is shown as its kind, never as it is
    const found = findPii(raw, ALL_KINDS);
    let location = raw;
    for (let i = found.length - 1; i >= 0; i--) location = `${location.slice(0, found[i]!.start)}(${found[i]!.kind})${location.slice(found[i]!.end)}`;
    const id = `${location}\u0000${kind}`;
    if (seen.has(id)) return;
    seen.add(id);
    findings.push({ record: record.id, location, kind });
  };
  const budget = new ScanBudget(scanBytes);
  const req = new Auditing('req', listed, report, budget);
  const res = new Auditing('res', listed, report, budget);
  scrubUrl(record.url, req);
  auditHeaders(record.req.headers, req, 'req.headers', listed, report);
  if (record.clientIp) req.text(record.clientIp, 'clientIp');
  if (record.res) {
    auditHeaders(record.res.headers, res, 'res.headers', listed, report);
    if (record.res.trailers) auditHeaders(record.res.trailers, res, 'res.trailers', listed, report);
  }
  const bodies: [Auditing, 'req.body' | 'res.body', CaptureRecord['req'] | NonNullable<CaptureRecord['res']>][] = [[req, 'req.body', record.req]];
  if (record.res) bodies.push([res, 'res.body', record.res]);
  for (const [scrub, where, part] of bodies) {
    try {
      scrubBody(part.body, part.headers, scrub, where, AUDIT_RULES.decodedBytes);
    } catch {
      // over budget or undecodable: the audit cannot vouch for it
      report(where, 'unscannable-body');
    }
  }
  return findings;
}
