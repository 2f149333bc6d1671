/**
 * Runs the sample app: `tsx scripts/sample-app/main.ts --variant staging --port 3001`
 * (or `node dist/scripts/sample-app/main.js ...` from a build).
 */
import { parseArgs } from 'node:util';
import { startSampleApp, type SampleVariant } from './app.js';

const variants: SampleVariant[] = ['production', 'staging', 'identical'];

function usage(msg: string): never {
  process.stderr.write(`sample-app: ${msg}\nusage: sample-app --variant production|staging|identical [--port N] [--host ADDR]\n`);
  process.exit(2);
}

let values: { variant?: string; port?: string; host?: string };
try {
  ({ values } = parseArgs({ options: { variant: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } } }));
} catch (err) {
  usage((err as Error).message);
}
const variant = (values.variant ?? 'production') as SampleVariant;
if (!variants.includes(variant)) usage(`unknown variant "${values.variant}"`);
const port = Number(values.port ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port must be an integer 0..65535, got "${values.port}"`);

const app = await startSampleApp({ variant, port, host: values.host ?? '127.0.0.1' }).catch((err: Error) =>
  usage(`cannot listen on ${values.host ?? '127.0.0.1'}:${port}: ${err.message}`),
);
process.stderr.write(`sample app (${variant}) listening on ${app.url}\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void app.close().then(() => process.exit(0));
  });
}
