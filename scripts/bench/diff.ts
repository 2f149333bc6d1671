/**
 * bench:diff — response pairs diffed per second by compareExchange (shape
 * and exact mode: route template, headers, both bodies parsed, walked and
 * compared) against JSON.parse of both bodies, the floor any JSON diff pays.
 * 2 KiB and 64 KiB JSON bodies, realistic pairs (a few values changed, a
 * type changed, a field removed). Alternated A/B pairs after a warm-up.
 * Rates are pairs per CPU-second of this process. Target: ratio >= 0.5.
 */
import { compareExchange, DEFAULT_DIFF_RULES, type Answer, type DiffMode, type ExchangeInput } from '../../shared/diff/index.js';

const PAIRS = 4;
const RUN_MS = 400;
const POOL = 16;
const SLICES = 8;

function user(i: number, variant: number) {
  return {
    id: i,
    uuid: `3f2504e0-4f89-11d3-9a0c-${String(100000000000 + i)}`,
    name: `User ${i}`,
    email: `user${i}@example.com`,
    active: i % 3 !== 0,
    score: Math.round(i * 13.37 * 100) / 100,
    address: { street: `${i} Main St`, city: ['Pune', 'Lisbon', 'Austin'][i % 3], zip: String(10000 + i) },
    tags: ['a', 'b', variant % 5 === 0 && i % 7 === 0 ? 'changed' : 'c'],
    updatedAt: `2026-11-2${variant % 10}T10:00:00Z`,
  };
}

/** A JSON body of about `bytes` and a target version with a few differences. */
function pair(bytes: number, variant: number): ExchangeInput[] {
  const users: ReturnType<typeof user>[] = [];
  while (JSON.stringify(users).length < bytes - 120) users.push(user(users.length + variant, variant));
  const ref = { page: 1, total: users.length, requestId: `req-${variant}`, users };
  const tgtUsers = users.map((u, i) => (i === 1 ? { ...u, score: String(u.score) } : i === 2 ? (({ email: _e, ...rest }) => rest)(u) : u));
  const tgt = { ...ref, requestId: `req-${variant}-b`, users: tgtUsers };
  const answer = (body: unknown): Answer => ({
    status: 200,
    headers: [['content-type', 'application/json; charset=utf-8'], ['date', 'Sat, 21 Nov 2026 10:00:00 GMT'], ['etag', `"${variant}"`], ['cache-control', 'no-store']],
    body: Buffer.from(JSON.stringify(body)),
    latencyUs: 1000,
  });
  return (['shape', 'exact'] as DiffMode[]).map((mode) => ({ method: 'GET', url: `/api/users?page=${variant}`, reference: answer(ref), target: answer(tgt), mode, rules: DEFAULT_DIFF_RULES }));
}

/**
 * Runs fn over the pool for about `ms` of wall time; returns [pairs, CPU
 * seconds]. CPU time of this process, not wall time, is the denominator:
 * on a shared 2-core machine it is much steadier (BENCHMARKS.md).
 */
function slice(pool: ExchangeInput[], fn: (x: ExchangeInput) => unknown, ms: number): [number, number] {
  let n = 0;
  let sink = 0;
  const cpu = process.cpuUsage();
  const deadline = process.hrtime.bigint() + BigInt(ms * 1e6);
  while (process.hrtime.bigint() < deadline) {
    for (const x of pool) {
      if (fn(x)) sink++;
      n++;
    }
  }
  const used = process.cpuUsage(cpu);
  if (sink < 0) console.log(sink);
  return [n, (used.user + used.system) / 1e6];
}

/**
 * One A/B pair: A and B alternate in short slices (SLICES × 2 of RUN_MS /
 * SLICES each), so a neighbour's CPU burst on this shared machine hits both.
 * Returns pairs per second of A and of B.
 */
function abPair(pool: ExchangeInput[], a: (x: ExchangeInput) => unknown, b: (x: ExchangeInput) => unknown): [number, number] {
  const sum = { a: [0, 0], b: [0, 0] };
  for (let k = 0; k < SLICES; k++) {
    const [na, ta] = slice(pool, a, RUN_MS / SLICES);
    const [nb, tb] = slice(pool, b, RUN_MS / SLICES);
    sum.a[0]! += na;
    sum.a[1]! += ta;
    sum.b[0]! += nb;
    sum.b[1]! += tb;
  }
  return [sum.a[0]! / sum.a[1]!, sum.b[0]! / sum.b[1]!];
}

const parseBoth = (x: ExchangeInput) => [JSON.parse(x.reference.body.toString('utf8')), JSON.parse(x.target.body.toString('utf8'))];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const result: string[] = [];
for (const size of [2 * 1024, 64 * 1024]) {
  const label = `${size / 1024}k`;
  const all = Array.from({ length: POOL }, (_, v) => pair(size, v));
  const shape = all.map((p) => p[0]!);
  const exact = all.map((p) => p[1]!);
  const sample = compareExchange(shape[0]!);
  console.log(`${label}: body ${shape[0]!.reference.body.length} B; shape finds ${sample.differences.map((d) => `${d.path} ${d.kind}`).join(', ')}; exact finds ${compareExchange(exact[0]!).differences.length} differences`);
  abPair(shape, parseBoth, compareExchange);
  const ratios = { shape: [] as number[], exact: [] as number[] };
  let lastBase = 0;
  for (let i = 1; i <= PAIRS; i++) {
    const [base, s] = abPair(shape, parseBoth, compareExchange);
    const [base2, e] = abPair(exact, parseBoth, compareExchange);
    ratios.shape.push(s / base);
    ratios.exact.push(e / base2);
    lastBase = base;
    console.log(`${label} pair ${i}: shape ${s.toFixed(0)} pairs/cpu-s vs JSON.parse both ${base.toFixed(0)} (ratio ${(s / base).toFixed(2)}); exact ${e.toFixed(0)} vs ${base2.toFixed(0)} (ratio ${(e / base2).toFixed(2)})`);
  }
  const ms = median(ratios.shape);
  const me = median(ratios.exact);
  console.log(`${label} median ratio: shape ${ms.toFixed(2)}, exact ${me.toFixed(2)} (target >= 0.5)`);
  result.push(`ratio_${label}_shape=${ms.toFixed(2)}`, `ratio_${label}_exact=${me.toFixed(2)}`, `parse_pairs_per_cpu_s_${label}=${lastBase.toFixed(0)}`);
}
console.log(`RESULT diff ${result.join(' ')}`);
