/**
 * Load and measurement tools shared by bench:proxy and bench:capture-loss:
 * wrk for closed-model throughput, an open-model undici client that times
 * from the intended send time (no coordinated omission) into an HDR
 * histogram, CPU time of a process from /proc, and spawning the roles.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'hdr-histogram-js';
import { Pool } from 'undici';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ROLES = fileURLToPath(new URL('./proxy-roles.ts', import.meta.url));

export const hasBinary = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;

export interface Role {
  child: ChildProcess;
  port: number;
  adminPort?: number;
  url: string;
}

/** Starts a role of proxy-roles.ts and waits for its `PORT` line. */
export function spawnRole(args: string[]): Promise<Role> {
  const child = spawn(process.execPath, ['--import', 'tsx', ROLES, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PARITY_FROM_SOURCE: '1' } });
  return waitForPort(child, `${args[0]}`);
}

export function waitForPort(child: ChildProcess, what: string, timeoutMs = 60_000): Promise<Role> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const t = setTimeout(() => reject(new Error(`${what} did not start: ${seen.slice(-800)}`)), timeoutMs);
    const on = (d: Buffer) => {
      seen += d.toString();
      const m = /PORT (\d+)(?: ADMIN (\d+))?/.exec(seen);
      if (!m) return;
      clearTimeout(t);
      const port = Number(m[1]);
      resolve({ child, port, url: `http://127.0.0.1:${port}`, ...(m[2] ? { adminPort: Number(m[2]) } : {}) });
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${seen.slice(-800)}`)));
  });
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** CPU time (user + system) of a process and all its threads so far, µs. */
export function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11], fields[12]: utime, stime in clock ticks (man 5 proc, fields 14 and 15)
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

export interface WrkResult {
  rps: number;
  requests: number;
  errors: number;
  p50Us: number;
  p99Us: number;
}

function toUs(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n : unit === 'ms' ? n * 1000 : n * 1e6;
}

/** Closed model: `connections` back to back for `seconds` (wrk, one thread). */
export function runWrk(url: string, seconds: number, connections = 10): WrkResult {
  const out = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8' }).stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? toUs(m[1]!, m[2]!) : NaN;
  };
  const errors = non2xx + (errs ? Number(errs[1]) + Number(errs[2]) + Number(errs[3]) + Number(errs[4]) : 0);
  return { rps, requests, errors, p50Us: pct('50'), p99Us: pct('99') };
}

export interface OpenResult {
  sent: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  errors: number;
}

/**
 * Open model: `rate` arrivals per second for `ms`, over up to 64 pooled
 * connections; each latency runs from the request's intended send time.
 */
export async function openLoop(url: string, rate: number, ms: number): Promise<OpenResult> {
  const pool = new Pool(url, { connections: 64, pipelining: 1 });
  const hist = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const total = Math.floor((rate * ms) / 1000);
  const start = performance.now();
  let errors = 0;
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const intended = start + (i * 1000) / rate;
    // never send early (a reply could then beat its own schedule); sending late counts as latency
    const wait = intended - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      pool.request({ path: '/api/items?page=2', method: 'GET' }).then(
        async (res) => {
          await res.body.dump();
          hist.recordValue(Math.max(1, Math.round((performance.now() - intended) * 1000)));
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(inflight);
  await pool.close();
  const r = { sent: total, p50Us: hist.getValueAtPercentile(50), p99Us: hist.getValueAtPercentile(99), maxUs: hist.maxValue, errors };
  hist.destroy();
  return r;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
