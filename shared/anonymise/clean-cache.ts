import type { HeaderPair } from '../record/schema.js';
import { detached } from './detach.js';
import { scrubHeaders } from './headers.js';
import type { Scrub } from './scrub.js';
import { scrubUrl } from './url.js';

/**
 * URLs and header lines an anonymiser read and left as they were: a list
 * endpoint's URL, `accept`, `cache-control`, a user agent repeat from record
 * to record, and reading them again finds nothing again (the anonymiser is a
 * function of the text, its rules and its key, all fixed for one anonymiser).
 * Only what came out unchanged, with no location noted, is kept, so the
 * cache holds nothing a detector or rule would have replaced. Bounded:
 * short texts only, cleared when full (as the replay answers' cache,
 * services/worker/answers.ts).
 */

const MAX_TEXT = 512;
const LIMIT = 10_000;

export class CleanCache {
  readonly #urls = new Set<string>();
  /** Per side (rules may differ): name → values. */
  readonly #headers = { req: new Map<string, Set<string>>(), res: new Map<string, Set<string>>() };
  #headerValues = 0;

  /** The URL scrubbed (the same string when nothing changed). */
  url(url: string, scrub: Scrub, changes: ReadonlySet<string>): string {
    if (this.#urls.has(url)) return url;
    const before = changes.size;
    const out = scrubUrl(url, scrub);
    if (out === url && changes.size === before && url.length <= MAX_TEXT) {
      if (this.#urls.size >= LIMIT) this.#urls.clear();
      this.#urls.add(detached(url));
    }
    return out;
  }

  /** Header lines scrubbed one by one, those seen clean before skipped (the same array when nothing changed). */
  headers(headers: HeaderPair[], scrub: Scrub, where: string, changes: ReadonlySet<string>): HeaderPair[] {
    const clean = this.#headers[scrub.side];
    let out: HeaderPair[] | undefined;
    for (let h = 0; h < headers.length; h++) {
      const line = headers[h]!;
      const [name, value] = line;
      if (clean.get(name)?.has(value)) {
        out?.push(line);
        continue;
      }
      const before = changes.size;
      const next = scrubHeaders([line], scrub, where);
      if (next.length === 1 && next[0] === line && changes.size === before) {
        this.#remember(clean, name, value);
        out?.push(line);
        continue;
      }
      out ??= headers.slice(0, h);
      out.push(...next);
    }
    return out ?? headers;
  }

  #remember(clean: Map<string, Set<string>>, name: string, value: string): void {
    if (value.length > MAX_TEXT) return;
    if (this.#headerValues >= LIMIT) {
      this.#headers.req.clear();
      this.#headers.res.clear();
      this.#headerValues = 0;
    }
    let values = clean.get(name);
    if (!values) clean.set(detached(name), (values = new Set()));
    values.add(detached(value));
    this.#headerValues++;
  }
}
