import type { IncomingHttpHeaders } from 'node:http';
import picomatch from 'picomatch';
import type { SamplingRoute, StickyKey } from './rules.js';
import { stickyPoint, stickyValue } from './sticky.js';

/**
 * Decides at request start, before any capture work, whether a request is
 * sampled: the first matching route rule's rate (or never), else the global
 * rate; by the sticky key's hash when one is configured and present, else
 * at random; then a cap on captures per second.
 */

export interface SamplerOptions {
  /** Global rate 0..1 (--sample). */
  rate: number;
  routes?: readonly SamplingRoute[];
  sticky?: StickyKey;
  /** Cap on sampled requests per second; 0: none. */
  maxPerSecond?: number;
  /** Injected for tests. */
  random?: () => number;
  now?: () => number;
}

/** What the sampler reads from a request. */
export interface SampledRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: IncomingHttpHeaders;
}

interface CompiledRoute {
  methods: Set<string> | undefined;
  path: (p: string) => boolean;
  rate: number;
}

export interface SamplerStats {
  /** Requests the rate admitted but the per-second cap turned away. */
  capped: number;
}

export class Sampler {
  readonly stats: SamplerStats = { capped: 0 };
  readonly #rate: number;
  readonly #routes: CompiledRoute[];
  readonly #sticky: StickyKey | undefined;
  readonly #cap: number;
  readonly #random: () => number;
  readonly #now: () => number;
  #second = 0;
  #inSecond = 0;

  constructor(opts: SamplerOptions) {
    this.#rate = opts.rate;
    this.#routes = (opts.routes ?? []).map(compileRoute);
    this.#sticky = opts.sticky;
    this.#cap = opts.maxPerSecond ?? 0;
    this.#random = opts.random ?? Math.random;
    this.#now = opts.now ?? Date.now;
  }

  decide(req: SampledRequest): boolean {
    const url = req.url ?? '/';
    const rate = this.#routes.length === 0 ? this.#rate : this.#routeRate(req.method ?? 'GET', url);
    if (rate <= 0) return false;
    if (rate < 1) {
      const key = this.#sticky && stickyValue(this.#sticky, url, req.headers);
      if ((key === undefined ? this.#random() : stickyPoint(key)) >= rate) return false;
    }
    return this.#admit();
  }

  #routeRate(method: string, url: string): number {
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    for (const r of this.#routes) {
      if (r.methods && !r.methods.has(method.toUpperCase())) continue;
      if (r.path(path)) return r.rate;
    }
    return this.#rate;
  }

  #admit(): boolean {
    if (this.#cap <= 0) return true;
    const second = Math.floor(this.#now() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#inSecond = 0;
    }
    if (this.#inSecond >= this.#cap) {
      this.stats.capped++;
      return false;
    }
    this.#inSecond++;
    return true;
  }
}

function compileRoute(r: SamplingRoute): CompiledRoute {
  const list = r.method === undefined ? [] : Array.isArray(r.method) ? r.method : [r.method];
  const methods = list.length === 0 || list.includes('*') ? undefined : new Set(list.map((m) => m.toUpperCase()));
  return { methods, path: picomatch(r.path, { dot: true }), rate: r.rate === 'never' ? 0 : r.rate };
}
