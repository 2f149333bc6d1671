import type { z } from 'zod';
import type { Setting } from './setting.js';
import { coreSettings } from './sections/core.js';
import { captureSettings } from './sections/capture.js';
import { anonymiseSettings } from './sections/anonymise.js';
import { replaySettings } from './sections/replay.js';
import { diffSettings } from './sections/diff.js';
import { shadowSettings } from './sections/shadow.js';

/**
 * The single source of truth for configuration: every setting of every
 * process. Each section file is owned by the concern it configures.
 */
export const SETTINGS = {
  ...coreSettings,
  ...captureSettings,
  ...anonymiseSettings,
  ...replaySettings,
  ...diffSettings,
  ...shadowSettings,
} satisfies Record<string, Setting>;

export type SettingKey = keyof typeof SETTINGS;

/** The parsed, frozen configuration passed down from start-up. */
export type Config = { readonly [K in SettingKey]: z.output<(typeof SETTINGS)[K]['schema']> };
