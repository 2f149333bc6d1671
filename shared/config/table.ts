import { SETTINGS } from './schema.js';
import type { Setting } from './setting.js';

export interface SettingRow {
  name: string;
  env: string;
  flag?: string;
  /** The default as text, or undefined when the setting has none. */
  default?: string;
  doc: string;
  secret: boolean;
}

/** One row per setting, in schema order: the source of README's table and .env.example. */
export function settingsTable(): SettingRow[] {
  return (Object.entries(SETTINGS) as [string, Setting][]).map(([name, s]) => {
    const parsed = s.schema.safeParse(undefined);
    const row: SettingRow = { name, env: s.env, doc: s.doc, secret: s.secret === true };
    if (s.flag) row.flag = s.flag;
    if (parsed.success && parsed.data !== undefined) row.default = s.secret ? undefined : renderDefault(parsed.data);
    return row;
  });
}

function renderDefault(v: unknown): string {
  if (v && typeof v === 'object' && 'host' in v && 'port' in v) return `${String(v.host)}:${String(v.port)}`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}
