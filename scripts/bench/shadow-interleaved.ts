/**
 * bench:shadow-interleaved — what shadow mode costs production's latency
 * tail, measured so that the machine's drift cancels out. bench:proxy-shadow
 * runs each configuration in a phase of its own, seconds apart; there the
 * open model's p99 moved between two identical phases by more than the 5 %
 * being judged (its A/A check: 0.86–1.39 over 20 rounds). Here one
 * `parity proxy` mirroring to a shadow serves one continuous stream of
 * requests while its mirroring is switched on and off from the admin plane
 * (POST /shadow/resume, /shadow/pause) every window, so both states share
 * the same process, connections, heap and minute of the machine's life.
 *
 * A block is four windows labelled on-a, on-b, paused-a, paused-b in a
 * random order; a stream runs BENCH_BLOCKS blocks back to back. Windows are
 * short (600 ms) so that the box's stalls — on these shared machines one
 * took a round's p99 from 4 to 70 ms — fall on both states alike instead of
 * deciding the comparison. Requests issued in a window's first
 * BENCH_GUARD_MS are not counted: the capture thread batches every 20 ms,
 * and a pause sends the shadow work still waiting for a flush at once, so
 * until then the proxy may still be enqueueing what the previous window
 * mirrored. Pooled over blocks:
 *   - p50/p99/p99.9 of each request from when it was issued (and from its
 *     intended send time), on / paused, with a 90 % bootstrap interval of
 *     the p99 ratio (blocks resampled with replacement);
 *   - two A/A checks, on-a / on-b and paused-a / paused-b: what the same
 *     state compared with itself gives, the noise the on / paused ratio has
 *     to stand out from;
 *   - the proxy's CPU per request in each state (from /proc, per window);
 *   - closed-model streams (10 connections back to back): req/s per state.
 * Both shadows of the issue are measured, a fast one and one that answers
 * after 200 ms, each behind a proxy of its own; streams alternate between
 * them. With BENCH_WORKER=elsewhere (default) the worker and the shadow
 * deployments stand in for other machines: stopped (SIGSTOP) during a
 * stream and resumed to drain the queue between streams, so a stream
 * measures all that shadow mode costs production's own machine (gate,
 * capture thread, Redis). With BENCH_WORKER=beside they run throughout,
 * niced, on the same two cores.
 *
 * Ends with one RESULT line. Loopback only; bounded (about 8 minutes at
 * the defaults).
 *
 * Env: BENCH_SAMPLE (default 1), BENCH_RATE (open-model arrivals/s, 1000),
 * BENCH_STREAMS (open-model streams per shadow, 8), BENCH_CLOSED_STREAMS
 * (2), BENCH_BLOCKS (blocks per stream, 6), BENCH_WINDOW_MS (600),
 * BENCH_GUARD_MS (200), BENCH_WORKER.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Histogram } from 'hdr-histogram-js';
import { Pool } from 'undici';
import { watchMachine } from './machine.js';
import { bootstrap, isOn, newBlock, ON, PAUSED, pairedRatio, pool, pooledRatio, SIDE_A, SIDE_B, sum, type Block, type Label } from './interleaved-blocks.js';
import { cpuUs, drained, f3, setMirroring, shadowCounters, startProxy, withShadowRig, type ProxyProcess } from './shadow-harness.js';

const machine = watchMachine();

const SAMPLE = process.env.BENCH_SAMPLE ?? '1';
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 8);
const CLOSED_STREAMS = Number(process.env.BENCH_CLOSED_STREAMS ?? 2);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 6);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 600);
const GUARD_MS = Number(process.env.BENCH_GUARD_MS ?? 200);
const WORKER: 'elsewhere' | 'beside' = process.env.BENCH_WORKER === 'beside' ? 'beside' : 'elsewhere';

/** A stream of BLOCKS blocks on one proxy: the windows in order, what each moment belongs to, and the toggles. */
class Stream {
  readonly blocks = Array.from({ length: BLOCKS }, newBlock);
  readonly windows = this.blocks.flatMap((b) => b.order.map((label) => ({ block: b, label })));
  readonly durationMs = this.windows.length * WINDOW_MS;
  failed = 0;
  readonly #proxy: ProxyProcess;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #toggles: Promise<void>[] = [];
  #start = 0;

  constructor(proxy: ProxyProcess) {
    this.#proxy = proxy;
  }

  /**
   * Sets the first window's state, then from `start` on: at each window's
   * start the proxy's mirroring is switched to the window's state, after the
   * guard the proxy's CPU clock is read, and again at the window's end.
   */
  async begin(): Promise<number> {
    await setMirroring(this.#proxy.admin, isOn(this.windows[0]!.label));
    this.#start = performance.now();
    const pid = this.#proxy.child.pid!;
    let cpuAtGuardEnd = 0;
    this.windows.forEach(({ block, label }, k) => {
      const at = (ms: number, fn: () => void) => this.#timers.push(setTimeout(fn, Math.max(0, this.#start + ms - performance.now())));
      if (k > 0 && isOn(label) !== isOn(this.windows[k - 1]!.label)) at(k * WINDOW_MS, () => this.#toggles.push(setMirroring(this.#proxy.admin, isOn(label))));
      at(k * WINDOW_MS + GUARD_MS, () => (cpuAtGuardEnd = cpuUs(pid)));
      at((k + 1) * WINDOW_MS, () => (block.cpuUs[label] += cpuUs(pid) - cpuAtGuardEnd));
    });
    return this.#start;
  }

  /** The window a moment (ms since the start) falls in, or undefined inside a guard or past the end. */
  at(offsetMs: number): { block: Block; label: Label } | undefined {
    const k = Math.floor(offsetMs / WINDOW_MS);
    return k < this.windows.length && offsetMs - k * WINDOW_MS >= GUARD_MS ? this.windows[k] : undefined;
  }

  async end(): Promise<void> {
    await Promise.all(this.#toggles);
    for (const t of this.#timers) clearTimeout(t);
  }
}

/**
 * Open model: RATE arrivals/s across the stream's windows. As in
 * bench:proxy-shadow, a request is never sent before its intended time and
 * is timed from when it was issued to its last byte.
 */
async function openStream(proxy: ProxyProcess): Promise<Stream> {
  const stream = new Stream(proxy);
  const pool = new Pool(proxy.url, { connections: 64, pipelining: 1 });
  const total = Math.floor((RATE * stream.durationMs) / 1000);
  const start = await stream.begin();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const intended = start + (i * 1000) / RATE;
    const wait = intended - performance.now();
    if (wait > 0) await sleep(wait);
    const issued = performance.now();
    const w = stream.at(issued - start);
    if (w) w.block.requests[w.label]++;
    inflight.push(
      pool.request({ path: '/api/items', method: 'GET' }).then(
        async (res) => {
          await res.body.dump();
          if (!w) return;
          const end = performance.now();
          w.block.latency[w.label].recordValue(Math.max(1, Math.round((end - issued) * 1000)));
          w.block.fromIntended[w.label].recordValue(Math.max(1, Math.round((end - intended) * 1000)));
        },
        () => void stream.failed++,
      ),
    );
  }
  await Promise.all(inflight);
  await stream.end();
  await pool.close();
  return stream;
}

/** Closed model: 10 connections back to back across the stream's windows; completions counted per window. */
async function closedStream(proxy: ProxyProcess): Promise<Stream> {
  const stream = new Stream(proxy);
  const connections = 10;
  const pool = new Pool(proxy.url, { connections, pipelining: 1 });
  const start = await stream.begin();
  const end = start + stream.durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const issued = performance.now();
        try {
          const res = await pool.request({ path: '/api/items', method: 'GET' });
          await res.body.dump();
          const done = performance.now();
          const w = stream.at(done - start);
          if (w) {
            w.block.requests[w.label]++;
            w.block.latency[w.label].recordValue(Math.max(1, Math.round((done - issued) * 1000)));
          }
        } catch {
          stream.failed++;
        }
      }
    }),
  );
  await stream.end();
  await pool.close();
  return stream;
}

const ms = (us: number) => (us / 1000).toFixed(2);

interface OpenSummary {
  pooled: number;
  pooledInterval: [number, number];
  pooledAA: number;
  paired: number;
  pairedInterval: [number, number];
  pairedAA: number;
  pairedAAInterval: [number, number];
  p50Ratio: number;
  cpuRatio: number;
}

function summariseOpen(name: string, blocks: Block[]): OpenSummary {
  const on = pool(blocks, ON);
  const paused = pool(blocks, PAUSED);
  const p = (h: Histogram, q: number) => h.getValueAtPercentile(q);
  const cpu = (labels: Label[]) => sum(blocks, labels, (s, l) => s.cpuUs[l]) / Math.max(1, sum(blocks, labels, (s, l) => s.requests[l]));
  const onI = pool(blocks, ON, 'fromIntended');
  const pausedI = pool(blocks, PAUSED, 'fromIntended');
  const out: OpenSummary = {
    pooled: pooledRatio(ON, PAUSED)(blocks),
    pooledInterval: bootstrap(blocks, pooledRatio(ON, PAUSED)),
    pooledAA: pooledRatio(SIDE_A, SIDE_B)(blocks),
    paired: pairedRatio(ON, PAUSED)(blocks),
    pairedInterval: bootstrap(blocks, pairedRatio(ON, PAUSED)),
    pairedAA: pairedRatio(SIDE_A, SIDE_B)(blocks),
    pairedAAInterval: bootstrap(blocks, pairedRatio(SIDE_A, SIDE_B)),
    p50Ratio: p(on, 50) / p(paused, 50),
    cpuRatio: cpu(ON) / cpu(PAUSED),
  };
  const range = (r: [number, number]) => `${f3(r[0])}–${f3(r[1])}`;
  process.stdout.write(
    `${name}: open model, ${blocks.length} blocks, ${on.totalCount} requests on / ${paused.totalCount} paused\n` +
      `  from issue:    p50 ${ms(p(on, 50))} / ${ms(p(paused, 50))} ms  p99 ${ms(p(on, 99))} / ${ms(p(paused, 99))} ms  p99.9 ${ms(p(on, 99.9))} / ${ms(p(paused, 99.9))} ms  max ${ms(on.maxValue)} / ${ms(paused.maxValue)} ms\n` +
      `  from intended: p50 ${ms(p(onI, 50))} / ${ms(p(pausedI, 50))} ms  p99 ${ms(p(onI, 99))} / ${ms(p(pausedI, 99))} ms\n` +
      `  p99 on / paused, all requests pooled: ${f3(out.pooled)} (90 % bootstrap interval ${range(out.pooledInterval)}; A/A ${f3(out.pooledAA)})\n` +
      `  p99 on / paused, median of the blocks' own ratios: ${f3(out.paired)} (${range(out.pairedInterval)}; A/A ${f3(out.pairedAA)}, ${range(out.pairedAAInterval)})\n` +
      `  p50 on / paused ${f3(out.p50Ratio)}; proxy CPU per request: on ${cpu(ON).toFixed(1)} µs, paused ${cpu(PAUSED).toFixed(1)} µs (${f3(out.cpuRatio)})\n`,
  );
  return out;
}

/** Completions per counted second of the windows labelled `labels`. */
const rpsOf = (blocks: Block[], labels: Label[]) => sum(blocks, labels, (s, l) => s.requests[l]) / ((blocks.length * labels.length * (WINDOW_MS - GUARD_MS)) / 1000);

function summariseClosed(name: string, blocks: Block[]): number {
  const rps = (labels: Label[]) => rpsOf(blocks, labels);
  const cpu = (labels: Label[]) => sum(blocks, labels, (s, l) => s.cpuUs[l]) / Math.max(1, sum(blocks, labels, (s, l) => s.requests[l]));
  const ratio = rps(ON) / rps(PAUSED);
  process.stdout.write(
    `${name}: closed model, ${blocks.length} blocks: ${rps(ON).toFixed(0)} req/s on, ${rps(PAUSED).toFixed(0)} paused (${f3(ratio)}); A/A on-a / on-b ${f3(rps(['on-a']) / rps(['on-b']))}, paused-a / paused-b ${f3(rps(['paused-a']) / rps(['paused-b']))}; proxy CPU per request ${cpu(ON).toFixed(1)} / ${cpu(PAUSED).toFixed(1)} µs\n`,
  );
  return ratio;
}

async function main(): Promise<void> {
  await withShadowRig(WORKER, async (rig) => {
    const proxies = { fast: await startProxy(rig.upstream, rig.redisUrl, SAMPLE, rig.fast), slow: await startProxy(rig.upstream, rig.redisUrl, SAMPLE, rig.slow) };
    rig.children.push(proxies.fast.child, proxies.slow.child);
    const { queue, away } = rig;
    process.stdout.write(
      `bench:shadow-interleaved  sample ${SAMPLE}, open model ${RATE}/s; per shadow ${STREAMS} open + ${CLOSED_STREAMS} closed streams of ${BLOCKS} blocks of 4 windows of ${WINDOW_MS} ms (first ${GUARD_MS} ms not counted); worker and shadows ${WORKER === 'elsewhere' ? 'elsewhere (stopped during streams)' : 'beside the proxy, niced'}\n`,
    );
    // warm-up: both states on both proxies, not counted
    for (const p of Object.values(proxies))
      for (const on of [true, false]) {
        await setMirroring(p.admin, on);
        const warm = new Pool(p.url, { connections: 10 });
        const until = performance.now() + 1000;
        await Promise.all(
          Array.from({ length: 10 }, async () => {
            while (performance.now() < until) await (await warm.request({ path: '/api/items', method: 'GET' })).body.dump();
          }),
        );
        await warm.close();
      }
    const open = { fast: [] as Block[], slow: [] as Block[] };
    const closed = { fast: [] as Block[], slow: [] as Block[] };
    let drainedMs = 0;
    let failed = 0;
    const run = async (kind: 'open' | 'closed', name: 'fast' | 'slow', i: number) => {
      drainedMs += await drained(queue);
      away(true);
      try {
        const stream = kind === 'open' ? await openStream(proxies[name]) : await closedStream(proxies[name]);
        (kind === 'open' ? open : closed)[name].push(...stream.blocks);
        failed += stream.failed;
        const { blocks } = stream;
        const figure =
          kind === 'open'
            ? `p99 on ${ms(pool(blocks, ON).getValueAtPercentile(99))} paused ${ms(pool(blocks, PAUSED).getValueAtPercentile(99))} ms`
            : `req/s on ${rpsOf(blocks, ON).toFixed(0)} paused ${rpsOf(blocks, PAUSED).toFixed(0)}`;
        process.stdout.write(`${kind.padEnd(6)} ${String(i + 1).padStart(2)} ${name}  ${figure}${stream.failed ? `  FAILED ${stream.failed}` : ''}\n`);
      } finally {
        away(false);
      }
    };
    const alternate = (i: number) => (i % 2 ? (['slow', 'fast'] as const) : (['fast', 'slow'] as const));
    for (let i = 0; i < CLOSED_STREAMS; i++) for (const name of alternate(i)) await run('closed', name, i);
    for (let i = 0; i < STREAMS; i++) for (const name of alternate(i)) await run('open', name, i);
    drainedMs += await drained(queue);
    for (const name of ['fast', 'slow'] as const) process.stdout.write(`shadow ${name}: ${JSON.stringify(await shadowCounters(proxies[name].admin))}\n`);
    if (failed) process.stdout.write(`FAILED requests: ${failed}\n`);
    const summary = STREAMS ? { fast: summariseOpen('fast shadow', open.fast), slow: summariseOpen('200 ms shadow', open.slow) } : undefined;
    // with the worker elsewhere both proxies do the same work on this machine (the shadow's speed reaches
    // only the stopped worker), so their blocks pool into one larger sample of the same comparison
    const both = STREAMS && WORKER === 'elsewhere' ? summariseOpen('both shadows pooled (the same work here)', [...open.fast, ...open.slow]) : undefined;
    const rps = { fast: CLOSED_STREAMS ? summariseClosed('fast shadow', closed.fast) : NaN, slow: CLOSED_STREAMS ? summariseClosed('200 ms shadow', closed.slow) : NaN };
    process.stdout.write(`waited ${(drainedMs / 1000).toFixed(1)} s in all for the shadow queue to drain between streams\n${machine.report()}\n`);
    const figures = (n: string, o: OpenSummary) =>
      `p99_pooled_${n}=${f3(o.pooled)} p99_pooled_ci90_${n}=${f3(o.pooledInterval[0])}..${f3(o.pooledInterval[1])} p99_pooled_aa_${n}=${f3(o.pooledAA)} ` +
      `p99_paired_${n}=${f3(o.paired)} p99_paired_ci90_${n}=${f3(o.pairedInterval[0])}..${f3(o.pairedInterval[1])} p99_paired_aa_${n}=${f3(o.pairedAA)} p50_${n}=${f3(o.p50Ratio)} cpu_${n}=${f3(o.cpuRatio)}`;
    const fields = [...(summary ? [figures('fast', summary.fast), figures('slow', summary.slow)] : []), ...(both ? [figures('both', both)] : []), `rps_fast=${f3(rps.fast)} rps_slow=${f3(rps.slow)}`].join(' ');
    process.stdout.write(`RESULT shadow-interleaved worker=${WORKER} sample=${SAMPLE} rate=${RATE} blocks=${STREAMS * BLOCKS} window_ms=${WINDOW_MS} ${fields}\n`);
  });
}

await main().then(() => process.exit(0));
