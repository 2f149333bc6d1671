import { z } from 'zod';

/**
 * One configuration setting: its zod schema (with the default), the
 * environment variable, the CLI flag and a one-line meaning. The whole
 * configuration is the union of the section files in ./sections; README's
 * configuration table and .env.example are generated from it.
 */
export interface Setting<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  /** PARITY_* environment variable. */
  readonly env: string;
  /** Commander flag spec, e.g. `--upstream <url>`; absent for file/env-only settings. */
  readonly flag?: string;
  /** Meaning, shown by `parity config schema`. */
  readonly doc: string;
  /** Never printed: logs, errors and `config check` show `***`. */
  readonly secret?: boolean;
  /** Env values are JSON (lists and objects). */
  readonly json?: boolean;
}

export function setting<S extends z.ZodType>(s: Setting<S>): Setting<S> {
  return s;
}

/** A boolean that also accepts the strings env vars and flags carry. */
export const boolish = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])], { error: 'expected true or false (or 1/0, yes/no)' })
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

/** host:port, :port or a bare port; normalised to {host, port}. */
export const listenAddress = (defaultHost: string) =>
  z.union([z.string(), z.number()]).transform((raw, ctx) => {
    const text = String(raw).trim();
    const m = /^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$/.exec(text);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port > 65535) {
      // the value is named by whoever reports the issue (load.ts adds `got "…"`)
      ctx.addIssue({ code: 'custom', message: 'expected host:port, :port or a port number' });
      return z.NEVER;
    }
    return { host: m[1] || defaultHost, port };
  });

export type ListenAddress = { host: string; port: number };

/** The URL a listener's address answers at (`0.0.0.0` and `::` are this host's loopback too: shared/origin.ts). */
export function listenUrl(listen: ListenAddress): string {
  return `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
}

/** An http(s) URL. */
export const httpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'expected an http:// or https:// URL');

/**
 * An http(s) URL without a user or password: replay and shadow targets are
 * stored with the run or the job and printed in reports, so credentials go
 * in a header (`--set-header authorization=...`) instead.
 */
export const targetUrl = httpUrl.refine((v) => {
  try {
    const u = new URL(v);
    return u.username === '' && u.password === '';
  } catch {
    return true;
  }
}, 'holds a user or password, which would be stored with the run and printed in reports: put credentials in a header instead (--set-header "authorization=Basic ...")');

/** Numbers given as strings (env, flags) are coerced. */
export const num = () => z.coerce.number();
