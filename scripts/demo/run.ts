import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { errorText, parityError } from '../../shared/errors.js';
import { connectRedis } from '../../shared/redis/connect.js';
import { keys } from '../../shared/redis/keys.js';
import { startPrivateRedis, type PrivateRedis } from '../../shared/redis/private-server.js';
import { deleteRun } from '../../shared/replay/store.js';
import type { Report } from '../../shared/report/types.js';
import { deleteSession, sessionInfo } from '../../shared/session/store.js';
import { DemoProcesses } from './processes.js';
import { driveTraffic } from './traffic.js';

/**
 * `parity demo`: the whole story on one machine. A production app and a
 * staging build with planted regressions; the capturing proxy in front of
 * production; realistic PII-bearing traffic through it; an audit that no raw
 * PII reached Redis; a replay of the session at staging through a real
 * worker; the verdict, the HTML report and the CI command. Everything it
 * started is stopped and every key it wrote is deleted on the way out.
 */

export interface DemoOptions {
  redisUrl: string;
  /** Where the report and the process log go. */
  outDir: string;
  /** Requests driven through the proxy. */
  requests: number;
  out?: NodeJS.WritableStream;
}

export interface DemoOutcome {
  verdict: 'pass' | 'fail';
  reportDir: string;
  report: Report;
}

const BULL_PATTERN = `${keys.bullPrefix}:*`;

export async function runDemo(opts: DemoOptions): Promise<DemoOutcome> {
  const out = opts.out ?? process.stdout;
  const say = (line = '') => out.write(`${line}\n`);
  const outDir = resolve(opts.outDir);
  const reportDir = resolve(outDir, 'report');
  mkdirSync(reportDir, { recursive: true });
  const session = `demo-${Date.now().toString(36)}`;

  let privateRedis: PrivateRedis | undefined;
  let redis: Redis | undefined;
  let queueExisted = true;
  let runId: string | undefined;
  let procs: DemoProcesses | undefined;

  const cleanup = async () => {
    await procs?.stopAll();
    if (redis) {
      await removeDemoKeys(redis, session, runId, !queueExisted).catch(() => undefined);
      redis.disconnect();
    }
    await privateRedis?.stop();
  };
  const onSignal = () => {
    say('\ninterrupted: stopping everything the demo started');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    say('Parity demo — capture production, anonymise, replay at staging, diff, gate');
    say();
    let redisUrl = opts.redisUrl;
    try {
      redis = await connectRedis(redisUrl, { timeoutMs: 1000, name: 'parity-demo' });
      say(`  redis       ${redisUrl.replace(/\/\/[^@/]*@/, '//***@')} (already running)`);
    } catch {
      privateRedis = await startPrivateRedis();
      redisUrl = privateRedis.url;
      redis = await connectRedis(redisUrl, { name: 'parity-demo' });
      say(`  redis       ${redisUrl} (a private redis-server started for the demo)`);
    }
    queueExisted = (await redis.scan('0', 'MATCH', BULL_PATTERN, 'COUNT', 1000))[1].length > 0;

    // the admin token the demo's proxy is given, so the capture wait can read its stats: through
    // the environment (it beats a config file's adminToken, and stays off the command line)
    const adminToken = process.env.PARITY_ADMIN_TOKEN || randomBytes(24).toString('base64url');
    procs = new DemoProcesses(resolve(outDir, 'demo.log'), { PARITY_REDIS_URL: redisUrl, PARITY_ADMIN_TOKEN: adminToken });
    const production = await startApp(procs, 'production');
    const staging = await startApp(procs, 'staging');
    say(`  production  ${production}`);
    say(`  staging     ${staging}   (4 planted regressions: a removed field, a number turned string, a 500 on unicode names, a 3x slower route)`);

    const proxy = await procs.start('proxy', ['proxy', '--upstream', production, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--session', session, '--sample', '1'], /"msg":"proxy listening"/);
    const { port, adminPort } = JSON.parse(proxy.line) as { port: number; adminPort: number };
    const proxyUrl = `http://127.0.0.1:${port}`;
    say(`  proxy       ${proxyUrl} -> production, capturing 100 % into session ${session}`);
    await procs.start('worker', ['worker'], /"msg":"replay worker ready"/);
    say('  worker      1 replay worker');
    say();

    const traffic = await driveTraffic(proxyUrl, { amount: opts.requests, connections: 4 });
    say(`1/4 traffic   ${traffic.requests} requests through the proxy in ${(traffic.durationMs / 1000).toFixed(1)} s (autocannon, 4 connections; users, orders, products, unicode searches, JSON orders with emails, phones and cards, a gzip report)`);
    if (traffic.errors > 0) throw new Error(`${traffic.errors} requests through the proxy failed; see ${resolve(outDir, 'demo.log')}`);

    const { records: captured, settled } = await waitForCapture(redis, session, `http://127.0.0.1:${adminPort}`, { token: adminToken });
    if (!settled) say('              (the proxy had not settled its capture within 60 s: counting what reached Redis)');
    const audit = await procs.run('audit', ['audit', session, '--json']);
    const auditDoc = safeJson(audit.stdout) as { findings?: unknown[] } | undefined;
    say(`2/4 capture   ${captured} records in Redis; audit for raw PII: ${audit.code === 0 ? 'clean' : `${auditDoc?.findings?.length ?? '?'} findings (exit ${audit.code})`}`);

    say(`3/4 replay    session ${session} at staging, profile as-recorded (the captured arrival times), diff mode shape`);
    const replay = await procs.run('replay', ['replay', '--session', session, '--target', staging, '--profile', 'as-recorded', '--speed', '1', '--wait', '--report', reportDir]);
    if (replay.code !== 0 && replay.code !== 1) throw new Error(`parity replay exited with ${replay.code}; see ${resolve(outDir, 'demo.log')}`);
    const report = JSON.parse(readFileSync(resolve(reportDir, 'report.json'), 'utf8')) as Report;
    runId = report.run;

    say(`4/4 verdict   ${report.verdict.toUpperCase()}`);
    say();
    out.write(replay.stdout.replace(/^/gm, '    '));
    say();
    say(`  HTML report  ${resolve(reportDir, 'report.html')}`);
    say(`  JUnit        ${resolve(reportDir, 'junit.xml')}`);
    say('  gate a release in CI with:');
    say(`    parity replay --session ${session} --target https://staging.example.com --wait --report parity-report`);
    say(`  (exit 0 pass, 1 gate failed; the demo's verdict is ${report.verdict} by design: staging has regressions)`);
    return { verdict: report.verdict, reportDir, report };
  } catch (err) {
    throw parityError('PARITY_ERR_DEMO_FAILED', `the demo could not run: ${errorText(err)}`, { cause: err });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

/** Starts a sample app variant in its own process (as a real app would run) and returns its URL. */
async function startApp(procs: DemoProcesses, variant: 'production' | 'staging'): Promise<string> {
  const { line } = await procs.startScript(variant, 'scripts/sample-app/main', ['--variant', variant, '--port', '0'], /listening on http:\/\/\S+/);
  return /http:\/\/\S+/.exec(line)![0];
}

interface CaptureStats {
  active: number;
  capture: { bufferRecords: number };
}

/**
 * Waits until the proxy has no request in flight and its writer has settled
 * everything it was offered (written or dropped, as its admin stats count
 * them), 60 s at most; returns the records in Redis and whether it settled
 * (false: it ran to its deadline). The writer's thread runs
 * at a lower priority than the proxy's requests, so on a busy machine it can
 * write nothing for seconds: a lull in Redis is not the end of the capture.
 * `token`: the admin API's (PARITY_ADMIN_TOKEN, which the demo gives its
 * proxy), sent as a bearer token. Stats that cannot be read (refused,
 * 401, 5xx, not JSON) are not settled yet: the wait goes on to its deadline.
 */
export async function waitForCapture(redis: Redis, session: string, adminUrl: string, opts: { token?: string; timeoutMs?: number } = {}): Promise<{ records: number; settled: boolean }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  let settled = false;
  for (;;) {
    const stats = await readStats(`${adminUrl}/session/stats`, headers);
    settled = stats?.active === 0 && stats.capture?.bufferRecords === 0;
    if (settled || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const records = await sessionInfo(redis, session).then(
    (i) => i.records,
    () => 0,
  );
  return { records, settled };
}

async function readStats(url: string, headers: Record<string, string>): Promise<Partial<CaptureStats> | undefined> {
  try {
    const res = await fetch(url, { headers });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    return (await res.json()) as Partial<CaptureStats>;
  } catch {
    return undefined;
  }
}

async function removeDemoKeys(redis: Redis, session: string, run: string | undefined, dropQueues: boolean): Promise<void> {
  await deleteSession(redis, session).catch(() => 0);
  if (run) await deleteRun(redis, run);
  if (!dropQueues) return;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', BULL_PATTERN, 'COUNT', 1000);
    if (found.length) await redis.unlink(...found);
    cursor = next;
  } while (cursor !== '0');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
