#!/usr/bin/env node
// Runs the compiled CLI when `npm run build` produced one, else the TypeScript
// sources through tsx (development, tests, `npm run demo` on a fresh clone).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = `${root}dist/services/cli/main.js`;
if (existsSync(built) && process.env.PARITY_FROM_SOURCE !== '1') {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(`${root}services/cli/main.ts`).href);
}
