import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../shared/config/load.js';
import { isParityError } from '../../shared/errors.js';
import { samplingRules, stickyKeySchema } from '../../shared/sampling/rules.js';
import { rulesSection } from '../../shared/config/rules.js';

/** The message of what `fn` throws. */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isParityError(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('configuration messages say once what was given and what is expected', () => {
  it('--listen nope names the value once', () => {
    const msg = thrown(() => loadConfig({ env: {}, flags: { listen: 'nope' } }));
    expect(msg).toContain('listen (from flag --listen, PARITY_LISTEN): expected host:port, :port or a port number, got "nope"');
    expect(msg.match(/got "nope"/g)).toHaveLength(1);
  });

  it('a rule that is one of several kinds says which kinds, and what it got', () => {
    const msg = thrown(() => samplingRules({ sampling: { routes: [{ path: '/x', rate: 'lots' }] } }, 'rules.yaml'));
    expect(msg).toContain('rules.sampling.routes.0.rate (from file): expected a number from 0 to 1 or "never", got "lots" (in rules.yaml)');
    expect(msg).not.toContain('Invalid input');
  });

  it('names lists, whole numbers and objects among the kinds', () => {
    const methods = thrown(() => samplingRules({ sampling: { routes: [{ path: '/x', rate: 1, method: 7 }] } }));
    expect(methods).toMatch(/routes\.0\.method \(from file\): expected text or a list, got 7/);
    const sticky = thrown(() => rulesSection({ s: 'x-user' }, 's', stickyKeySchema));
    expect(sticky).toContain('expected an object with header or an object with cookie or an object with query, got "x-user"');
    const limit = thrown(() => rulesSection({ s: { limit: 'many' } }, 's', z.object({ limit: z.union([z.number().int().min(1), z.literal('all')]) })));
    expect(limit).toContain('rules.s.limit (from file): expected a whole number of at least 1 or "all", got "many"');
    const share = thrown(() => rulesSection({ s: true }, 's', z.union([z.number().gt(0).lt(1), z.array(z.string())])));
    expect(share).toContain('expected a number above 0 and below 1 or a list, got true');
  });

  it('a setting that is none of its kinds says which kinds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-messages-'));
    writeFileSync(join(dir, 'parity.config.json'), JSON.stringify({ listen: { port: 80 } }));
    const msg = thrown(() => loadConfig({ env: {}, cwd: dir }));
    expect(msg).toContain('listen (from file, PARITY_LISTEN): expected a string or a number, got {"port":80}');
  });

  it('a union with a message of its own keeps it', () => {
    const msg = thrown(() => loadConfig({ env: { PARITY_SHADOW_RAW: 'maybe' } }));
    expect(msg).toContain('expected true or false (or 1/0, yes/no), got "maybe"');
  });
});
