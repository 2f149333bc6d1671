import type { HeaderPair } from '../record/schema.js';
import type { DiffMode } from './types.js';
import type { DiffCollector } from './json-diff.js';
import type { RouteRules } from './rules.js';

/**
 * Header comparison. Names in the ignore list (defaults plus rules) are
 * skipped; Set-Cookie is compared by cookie name only (values are session
 * specific); Content-Type is the body's business (see body.ts). A removed
 * header is a difference in `shape` and `exact`; added and changed values
 * only in `exact`.
 */

/** What collect returns when no header is left to compare: read only, shared. */
const NONE: ReadonlyMap<string, string[]> = new Map();

function collect(headers: HeaderPair[], rules: RouteRules): ReadonlyMap<string, string[]> {
  // made only once a header is kept: most recorded answers keep none in `shape` mode (see headerDiff)
  let out: Map<string, string[]> | undefined;
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (name === 'content-type' || rules.ignoreHeader(name)) continue;
    out ??= new Map();
    if (name === 'set-cookie') {
      const cookie = value.split(';', 1)[0]!.split('=', 1)[0]!.trim();
      const key = `set-cookie:${cookie}`;
      if (!out.has(key)) out.set(key, ['(cookie)']);
      continue;
    }
    const list = out.get(name);
    if (list) list.push(value);
    else out.set(name, [value]);
  }
  return out ?? NONE;
}

export function headerDiff(reference: HeaderPair[], target: HeaderPair[], mode: DiffMode, c: DiffCollector): void {
  const a = collect(reference, c.rules);
  // replayed answers mostly carry the reference's headers and a few ignored ones (date, ...): nothing to report
  if (a.size === 0 && mode !== 'exact') return;
  const b = collect(target, c.rules);
  for (const [name, va] of a) {
    const vb = b.get(name);
    const field = `headers.${name}`;
    if (!vb) c.field(field, 'header-removed', preview(va), undefined);
    else if (mode === 'exact' && va.join(', ') !== vb.join(', ')) c.field(field, 'header-value', preview(va), preview(vb));
  }
  if (mode !== 'exact') return;
  for (const [name, vb] of b) if (!a.has(name)) c.field(`headers.${name}`, 'header-added', undefined, preview(vb));
}

function preview(values: string[]): string {
  const text = values.join(', ');
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** The media type of Content-Type, lower-cased, without parameters; '' when absent. */
export function mediaType(headers: HeaderPair[]): string {
  for (const [name, value] of headers) {
    if (name !== 'content-type' && name.toLowerCase() !== 'content-type') continue;
    const semi = value.indexOf(';');
    return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  }
  return '';
}

/** Full Content-Type value; '' when absent. */
export function contentType(headers: HeaderPair[]): string {
  for (const [name, value] of headers) if (name.toLowerCase() === 'content-type') return value;
  return '';
}
