import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli, stopChild, waitForOutput } from '../helpers/cli.js';
import { startHttpServer, type TestServer } from '../helpers/http.js';
import { testRedis, type TestRedis } from '../helpers/redis.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

interface Arrival {
  method: string;
  url: string;
  body: string;
}

describe('imported traffic replays', () => {
  let t: TestRedis;
  let target: TestServer;
  let worker: ChildProcess;
  let workerReady: Promise<string>;
  let env: Record<string, string>;
  const arrivals: Arrival[] = [];

  beforeEach(async () => {
    t = await testRedis();
    // the run starts 0.7 s after it is made instead of the default 2 s, as in the other replay tests
    env = { PARITY_REDIS_URL: t.url, PARITY_ANON_KEY: 'e2e-anon-key-0123456789', PARITY_REPLAY_START_DELAY_MS: '700' };
    arrivals.length = 0;
    target = await startHttpServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        arrivals.push({ method: req.method!, url: req.url!, body: Buffer.concat(parts).toString() });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    // awaited by the test, after the import it starts beside
    worker = spawnCli(['worker'], { env });
    workerReady = waitForOutput(worker, /replay worker ready/, 20_000);
    workerReady.catch(() => undefined);
  });
  afterEach(async () => {
    await stopChild(worker);
    await target.close();
    await t.cleanup();
  });

  for (const [file, count] of [
    ['goreplay.gor', 5],
    ['chrome.har', 6],
  ] as const) {
    it(`fires every request of ${file} at the target`, async () => {
      const imported = await runCli(['sessions', 'import', `${fixtures}${file}`, '--session', 'imp'], { env });
      expect(imported.code, imported.stderr).toBe(0);
      await workerReady;
      const r = await runCli(['replay', '--session', 'imp', '--target', target.url, '--wait', '--json'], { env, timeoutMs: 60_000 });
      // 0 or 1: the run ended with a verdict (the target's answers differ from the recorded ones).
      expect([0, 1], r.stderr.slice(-800)).toContain(r.code);
      expect(JSON.parse(r.stdout).totals.requests).toBe(count);
      expect(arrivals).toHaveLength(count);
      expect(arrivals.map((a) => `${a.method} ${a.url}`)).toEqual(expect.arrayContaining(['GET /api/users/1', 'POST /api/orders', 'GET /api/search?name=Zo%C3%AB']));
      const order = arrivals.find((a) => a.url === '/api/orders')!;
      expect(JSON.parse(order.body).items).toEqual([{ sku: 'TEA-ASSAM-250', qty: 2 }]);
    }, 90_000);
  }
});
