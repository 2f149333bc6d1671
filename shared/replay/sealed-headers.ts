import { parityError } from '../errors.js';
import { open, seal } from '../shadow/seal.js';
import type { ReplayRunDef } from './run.js';
import type { RequestTransform } from './transform.js';

/**
 * `--set-header` values at rest. A run's definition lives in Redis for its
 * retention, and the values are mostly staging credentials (the captured ones
 * were anonymised). With PARITY_SHADOW_KEY set where the run is created, they
 * are stored sealed (AES-256-GCM, bound to the run and the header's name) and
 * only workers holding the same key open them, in memory; without it they are
 * stored as given, and `parity replay` says so.
 */

const aad = (run: string, name: string) => `replay-run:${run}:set-header:${name}`;

/** The transform with every set header's value sealed under `key` for run `run`. */
export function sealSetHeaders(t: RequestTransform, key: Buffer, run: string): RequestTransform {
  if (t.setHeaders.length === 0) return t;
  const sealed = t.setHeaders.map(([name, value]): [string, string] => [name, seal(key, Buffer.from(value), aad(run, name)).toString('base64')]);
  return { ...t, setHeaders: [], sealedHeaders: [...(t.sealedHeaders ?? []), ...sealed] };
}

/**
 * The run's definition with its sealed headers opened into `setHeaders`, in
 * the order they were given. Throws PARITY_ERR_RUN_SEALED, naming the header
 * but never its value, when this process has no key or another one.
 */
export function openSetHeaders(def: ReplayRunDef, key: Buffer | undefined): ReplayRunDef {
  const sealed = def.transform.sealedHeaders;
  if (!sealed?.length) return def;
  if (!key) {
    throw parityError('PARITY_ERR_RUN_SEALED', `run ${def.id} carries sealed --set-header values and this worker has no PARITY_SHADOW_KEY: start workers with the key the run was created with`);
  }
  const opened = sealed.map(([name, box]): [string, string] => {
    try {
      return [name, open(key, Buffer.from(box, 'base64'), aad(def.id, name)).toString()];
    } catch {
      throw parityError('PARITY_ERR_RUN_SEALED', `the sealed --set-header "${name}" of run ${def.id} did not open: this worker's PARITY_SHADOW_KEY is not the key the run was created with`);
    }
  });
  const { sealedHeaders: _, ...rest } = def.transform;
  return { ...def, transform: { ...rest, setHeaders: [...def.transform.setHeaders, ...opened] } };
}
