import { expect } from 'vitest';
import { auditRecord } from '../../shared/anonymise/audit.js';
import type { CaptureRecord } from '../../shared/record/schema.js';

/** Everything an anonymised record stores, as text: URL, headers, the change list and both bodies (UTF-8). */
export function storedText(r: CaptureRecord): string {
  return [r.url, JSON.stringify(r.req.headers), JSON.stringify(r.res?.headers ?? []), r.anonymised.join('\n'), r.req.body.bytes.toString(), r.res?.body.bytes.toString() ?? ''].join('\n');
}

/** Nothing of the planted values remains anywhere in the stored record, and `parity audit` agrees. */
export function expectClean(r: CaptureRecord, planted: readonly string[]): void {
  const text = storedText(r);
  for (const p of planted) expect(text, `raw ${p}`).not.toContain(p);
  expect(auditRecord(r).length, 'the audit finds nothing raw').toBe(0);
}
