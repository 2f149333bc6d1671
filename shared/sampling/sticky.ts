import type { IncomingHttpHeaders } from 'node:http';
import type { StickyKey } from './rules.js';

/**
 * Sticky sampling: the key (a header, cookie or query parameter) is hashed
 * to a point in [0, 1); a request is sampled when that point is below the
 * rate. The same key gives the same point on every proxy and every route,
 * so a user's whole journey is captured or none of it — at every route whose
 * rate is at least theirs.
 */

/** The sticky key's value in a request, or undefined when it carries none. */
export function stickyValue(key: StickyKey, url: string, headers: IncomingHttpHeaders): string | undefined {
  if ('header' in key) {
    const v = headers[key.header];
    return Array.isArray(v) ? v[0] : v || undefined;
  }
  if ('cookie' in key) return cookieValue(headers.cookie, key.cookie);
  return queryValue(url, key.query);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

function queryValue(url: string, name: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  try {
    return new URLSearchParams(url.slice(q + 1)).get(name) || undefined;
  } catch {
    return undefined;
  }
}

/** FNV-1a (32 bit) with a final avalanche, mapped to [0, 1). Stable across processes. */
export function stickyPoint(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}
