/**
 * Route templates: `GET /users/:id` for `GET /users/42?x=1`. Differences,
 * errors and latency are aggregated per template, so identifiers must
 * collapse: numbers, UUIDs, hex strings, long tokens with digits (`cus_9s6XKz…`),
 * dates (`:date`) and emails (`:email`).
 */

const NUMBER = /^-?\d+(?:\.\d+)?$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEX = /^(?=.*\d)[0-9a-f]{8,}$/i;
const TOKEN = /^(?=(?:.*\d){2})(?=.*[A-Za-z])[A-Za-z0-9_.~-]{16,}$/;
const SHORT_ID = /^[A-Za-z]{1,6}[_-](?=[A-Za-z0-9]*\d)[A-Za-z0-9]{6,}$/;
const DATE = /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?$/;
const EMAIL = /^[^@\s]+@[^@/\s]+\.[^@/\s]+$/;

function decode(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `:id`, `:email` or `:date` for an identifier-like path segment; the segment itself otherwise. */
export function templateSegment(raw: string): string {
  const s = decode(raw);
  if (s === '') return s;
  if (NUMBER.test(s) || UUID.test(s) || HEX.test(s)) return ':id';
  if (DATE.test(s)) return ':date';
  if (EMAIL.test(s)) return ':email';
  if (TOKEN.test(s) || SHORT_ID.test(s)) return ':id';
  return raw;
}

/** `GET /users/:id` — method upper-cased, query dropped, identifiers collapsed, trailing slash removed. */
export function routeTemplate(method: string, url: string): string {
  let path = url;
  const q = path.search(/[?#]/);
  if (q >= 0) path = path.slice(0, q);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) path = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  if (path === '*') return `${method.toUpperCase()} *`;
  const segments = path.split('/').filter((s, i, all) => s !== '' || i === 0 || i === all.length - 1);
  let out = segments.map(templateSegment).join('/');
  if (out.length > 1 && out.endsWith('/')) out = out.slice(0, -1);
  if (!out.startsWith('/')) out = `/${out}`;
  return `${method.toUpperCase()} ${out}`;
}
