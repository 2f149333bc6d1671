/**
 * bench:anonymise — MB/s (per CPU second) of the record anonymiser over realistic JSON bodies
 * (1 KiB, 64 KiB, 1 MiB; every detector on, default rules) against
 * JSON.parse + JSON.stringify of the same bodies, alternated A B A B after a
 * warm-up, in one process. Each run anonymises about 8 MiB of distinct
 * bodies with a fresh anonymiser (cold pseudonym cache: every value is
 * new), which is the worst case; a second figure repeats the same bodies
 * on a warm anonymiser, as a user's journey repeats values (after two
 * passes: a value is cached at its second sighting).
 *
 * Two bodies (anonymise-body.ts): the customer page, dense with personal
 * values (~9 per KiB; the rows without a prefix), and a product catalogue
 * page with few (~0.3 per KiB; rows `catalog-*`).
 *
 *   npm run bench:anonymise [-- --pairs 6]
 */
import { createRecordAnonymiser } from '../../shared/anonymise/index.js';
import type { CaptureRecord } from '../../shared/record/schema.js';
import { catalogPage, customerPage } from './anonymise-body.js';
import { watchMachine } from './machine.js';

const machine = watchMachine();

const KEY = 'bench-anonymise-key-0123456789';
const pairs = Number(process.argv[process.argv.indexOf('--pairs') + 1]) || 6;
const SIZES: [string, number, (bytes: number, seed: number) => string][] = [
  ['1k', 1024, customerPage],
  ['64k', 64 * 1024, customerPage],
  ['1m', 1024 * 1024, customerPage],
  ['catalog-1k', 1024, catalogPage],
  ['catalog-64k', 64 * 1024, catalogPage],
  ['catalog-1m', 1024 * 1024, catalogPage],
];
/** Bytes each run processes (at least one body); the whole bench stays well under a minute. */
const RUN_BYTES = 8 * 1024 * 1024;

function record(body: string, i: number): CaptureRecord {
  const bytes = Buffer.from(body);
  return {
    v: 1,
    id: `bench-${i}`,
    session: 'bench',
    ts: 1_700_000_000_000_000 + i,
    method: 'GET',
    url: '/api/customers?page=2',
    httpVersion: '1.1',
    scheme: 'http',
    req: { headers: [['accept', 'application/json']], body: { bytes: Buffer.alloc(0), size: 0, truncated: false } },
    res: { status: 200, headers: [['content-type', 'application/json'], ['content-length', String(bytes.length)]], body: { bytes, size: bytes.length, truncated: false } },
    timing: { ttfbUs: 900, totalUs: 1000 },
    anonymised: [],
  };
}

interface Workload {
  name: string;
  bodies: string[];
  records: CaptureRecord[];
  bytes: number;
}

function workload(name: string, size: number, seed: number, body: (bytes: number, seed: number) => string): Workload {
  const n = Math.max(1, Math.round(RUN_BYTES / size));
  const bodies = Array.from({ length: n }, (_, i) => body(size, seed * 10_000 + i));
  return { name, bodies, records: bodies.map(record), bytes: bodies.reduce((a, b) => a + Buffer.byteLength(b), 0) };
}

/** CPU seconds since `t0` (all threads of the process): steadier than wall time on shared cores. */
const cpuSeconds = (t0: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1e6;
};

/** MB/s of the anonymiser over the workload; `warm` reuses one anonymiser across three passes and times the third. */
function anonymiserRun(w: Workload, warm = false): number {
  const anonymise = createRecordAnonymiser({ key: KEY });
  if (warm) for (let pass = 0; pass < 2; pass++) for (const r of w.records) anonymise(r);
  const t0 = process.cpuUsage();
  for (const r of w.records) anonymise(r);
  return w.bytes / 1e6 / cpuSeconds(t0);
}

function baselineRun(w: Workload): number {
  const t0 = process.cpuUsage();
  let n = 0;
  for (const b of w.bodies) n += JSON.stringify(JSON.parse(b) as unknown).length;
  if (n === 0) throw new Error('empty');
  return w.bytes / 1e6 / cpuSeconds(t0);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const result: string[] = [];
console.log(`bench:anonymise — ${pairs} pairs per size after a warm-up, ~${RUN_BYTES >> 20} MiB of distinct bodies per run, MB per CPU second`);
for (const [name, size, body] of SIZES) {
  // fresh bodies per pair so every anonymiser run meets values it has never seen
  for (const seed of [-1, -2]) {
    const warmup = workload(name, size, seed, body);
    anonymiserRun(warmup);
    baselineRun(warmup);
  }
  const ratios: number[] = [];
  const anon: number[] = [];
  const base: number[] = [];
  for (let p = 1; p <= pairs; p++) {
    const w = workload(name, size, p, body);
    const a = anonymiserRun(w);
    const b = baselineRun(w);
    anon.push(a);
    base.push(b);
    ratios.push(a / b);
    console.log(`${name.padStart(11)} pair ${p}: anonymiser ${a.toFixed(1).padStart(7)} MB/s, JSON.parse+stringify ${b.toFixed(1).padStart(7)} MB/s, ratio ${(a / b).toFixed(3)}`);
  }
  const warm = anonymiserRun(workload(name, size, 99, body), true);
  console.log(`${name.padStart(11)} median: anonymiser ${median(anon).toFixed(1)} MB/s (cache warm: ${warm.toFixed(1)} MB/s), baseline ${median(base).toFixed(1)} MB/s, ratio ${median(ratios).toFixed(3)}`);
  result.push(`ratio_${name.replace('-', '_')}=${median(ratios).toFixed(3)}`, `mbps_${name.replace('-', '_')}=${median(anon).toFixed(1)}`, `baseline_mbps_${name.replace('-', '_')}=${median(base).toFixed(1)}`, `warm_mbps_${name.replace('-', '_')}=${warm.toFixed(1)}`);
}
console.log(machine.report());
console.log(`RESULT anonymise ${result.join(' ')}`);
