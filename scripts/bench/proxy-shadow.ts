/**
 * bench:proxy-shadow — what shadow mode costs production traffic. Three
 * `parity proxy` processes in front of one upstream, alike but for shadow:
 * off (the baseline), on to a fast shadow, on to a shadow that sleeps
 * 200 ms. One `parity worker` drains the shadow queue, running 256
 * mirrored requests at once (sized as a deployment would be to keep up with
 * 1,000 req/s against the 200 ms shadow; the default 32 drains 160/s).
 * Where the worker and the shadow deployments run is BENCH_WORKER:
 *   - elsewhere (default): they stand in for machines elsewhere, so they
 *     are stopped (SIGSTOP) while a phase is measured and resumed to drain
 *     the queue between phases. What a phase measures is then all that
 *     shadow mode costs the machine production runs on: the proxy's gate,
 *     its capture thread's enqueueing and Redis' addBulk. The proxy never
 *     talks to the shadow, so fast and slow do the same work here: an A/A
 *     pair whose gap (printed, and in the RESULT line) is the noise a
 *     shadow / off ratio has to stand out from.
 *   - beside: they keep running during phases, niced, on the same two
 *     cores as the proxy, Redis, the upstream and the load — the worker's
 *     and the shadows' CPU then counts as production's cost too.
 * Each shadow proxy also runs phases with its mirroring paused from the
 * admin plane (POST /shadow/pause): shadow on / paused then compares one
 * process with itself, free of what differs between two processes (heap,
 * JIT, where the scheduler put them), which moved single-process-pair
 * comparisons by up to 1.5x. Per configuration (off, fast, fast-paused,
 * slow, slow-paused), alternated in rounds after a warm-up:
 *   - closed model: 10 connections back to back for 3 s → req/s;
 *   - open model: a fixed arrival rate for 3 s → p50/p99 of each request
 *     from when it was issued (see open()), HDR histogram in µs, and the
 *     proxy's CPU per request (the same work in every configuration, so the
 *     steadiest of the ratios on a shared machine). A round's p99 rests on
 *     its 30 slowest requests, so the RESULT line also gives the p99 of all
 *     rounds' requests pooled per configuration.
 * Before every phase the shadow queue is drained (waiting and active jobs,
 * at most 30 s): a closed-model phase leaves a backlog the worker would
 * otherwise work off during whichever phase came next — "off" included —
 * which charged one configuration's shadow work to another.
 * Prints the ratios shadow/off per round and their median; ends with one
 * RESULT line. Phases seconds apart leave the p99 ratios at the mercy of the
 * machine's drift: bench:shadow-interleaved switches one proxy's mirroring
 * every 600 ms under one load instead, the finer measure of the p99 target. Loopback only; bounded in time (about 2 minutes a round).
 *
 * Env: BENCH_WORKER (elsewhere | beside), BENCH_SAMPLE (capture and shadow sample rate, default 1),
 * BENCH_RATE (open-model arrivals/s, default 1000), BENCH_ROUNDS (default 4).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { watchMachine } from './machine.js';
import { cpuUs, drained, f3 as f2, histogram, median, setMirroring, shadowCounters, startProxy, withShadowRig } from './shadow-harness.js';

const machine = watchMachine();

const SAMPLE = process.env.BENCH_SAMPLE ?? '1';
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const PHASE_MS = 3000;
const WORKER: 'elsewhere' | 'beside' = process.env.BENCH_WORKER === 'beside' ? 'beside' : 'elsewhere';

/** Closed model: `connections` loops back to back for `ms`; req/s and latency. */
async function closed(url: string, ms: number, connections = 10) {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const h = histogram();
  const end = performance.now() + ms;
  let done = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t = process.hrtime.bigint();
        try {
          const res = await pool.request({ path: '/api/items', method: 'GET' });
          await res.body.dump();
          h.recordValue(Number((process.hrtime.bigint() - t) / 1000n));
          done++;
        } catch {
          failed++;
        }
      }
    }),
  );
  await pool.close();
  return { rps: done / (ms / 1000), requests: done, p99Us: h.getValueAtPercentile(99), failed };
}

/**
 * Open model: `rate` arrivals/s for `ms`. Each request is timed from when it
 * was issued to its last byte (a client's view of production: any queueing
 * in the client's pool included), and also from its intended send time
 * (the generator's own lateness included: timers on a busy machine wake
 * late, and that lateness is the load generator's, not the proxy's). A
 * request is never sent before its intended time: sending up to a timer
 * tick early made latencies from the intended time up to 1 ms short, as
 * much as the p99s compared here. Timers wake late, so requests go out a
 * little late and in small bursts; the rate over a phase is kept.
 */
async function open(url: string, ms: number, rate: number) {
  const pool = new Pool(url, { connections: 64, pipelining: 1 });
  const h = histogram();
  const fromIntended = histogram();
  const total = Math.floor((rate * ms) / 1000);
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  let failed = 0;
  for (let i = 0; i < total; i++) {
    const intended = start + (i * 1000) / rate;
    // no spinning to the exact time: a spinning generator would take a core from the proxy
    const wait = intended - performance.now();
    if (wait > 0) await sleep(wait);
    const issued = performance.now();
    inflight.push(
      pool.request({ path: '/api/items', method: 'GET' }).then(
        async (res) => {
          await res.body.dump();
          const end = performance.now();
          h.recordValue(Math.max(1, Math.round((end - issued) * 1000)));
          fromIntended.recordValue(Math.max(1, Math.round((end - intended) * 1000)));
        },
        () => void failed++,
      ),
    );
  }
  await Promise.all(inflight);
  const achieved = total / ((performance.now() - start) / 1000);
  await pool.close();
  return { p50Us: h.getValueAtPercentile(50), p99Us: h.getValueAtPercentile(99), maxUs: h.maxValue, count: h.totalCount, achieved, failed, histogram: h, fromIntended };
}

async function main(): Promise<void> {
  await withShadowRig(WORKER, async ({ redisUrl, upstream, fast, slow, queue, children, away }) => {
    const off = { name: 'off', ...(await startProxy(upstream, redisUrl, SAMPLE)) };
    const fastProxy = await startProxy(upstream, redisUrl, SAMPLE, fast);
    const slowProxy = await startProxy(upstream, redisUrl, SAMPLE, slow);
    // the paused phases run on the same processes as fast and slow, mirroring paused from the admin plane:
    // shadow on / paused compares like with like (one process, its heap, its JIT, its place on the cores)
    const configs = [
      off,
      { name: 'fast', ...fastProxy, paused: false },
      { name: 'fast-paused', ...fastProxy, paused: true },
      { name: 'slow', ...slowProxy, paused: false },
      { name: 'slow-paused', ...slowProxy, paused: true },
    ];
    children.push(off.child, fastProxy.child, slowProxy.child);
    let drainedMs = 0;
    const pooled = new Map(configs.map((c) => [c.name, histogram()]));
    const pooledIntended = new Map(configs.map((c) => [c.name, histogram()]));
    process.stdout.write(`bench:proxy-shadow  sample ${SAMPLE}, open model ${RATE}/s, ${ROUNDS} rounds of ${PHASE_MS / 1000}s + ${PHASE_MS / 1000}s per configuration; worker and shadow deployments ${WORKER === 'elsewhere' ? 'elsewhere (stopped while a phase runs)' : 'beside the proxy, niced'}\n`);
    for (const c of [off, fastProxy, slowProxy]) await closed(c.url, 1500);

    const inProc = { fast: { rps: [] as number[], p99: [] as number[], openCpu: [] as number[] }, slow: { rps: [] as number[], p99: [] as number[], openCpu: [] as number[] } };
    const ratios = { rpsFast: [] as number[], rpsSlow: [] as number[], p99Fast: [] as number[], p99Slow: [] as number[], cpuFast: [] as number[], cpuSlow: [] as number[], openCpuFast: [] as number[], openCpuSlow: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = [...configs.slice(round % configs.length), ...configs.slice(0, round % configs.length)];
      const r: Record<string, { rps: number; closedP99: number; cpuPerReq: number; openCpuPerReq: number; p50: number; p99: number; achieved: number; failed: number }> = {};
      for (const c of order) {
        if ('paused' in c) await setMirroring(c.admin, !c.paused);
        drainedMs += await drained(queue);
        away(true);
        const cpu0 = cpuUs(c.child.pid!);
        const cl = await closed(c.url, PHASE_MS);
        const cpuPerReq = (cpuUs(c.child.pid!) - cpu0) / Math.max(1, cl.requests);
        away(false);
        drainedMs += await drained(queue);
        away(true);
        const cpu1 = cpuUs(c.child.pid!);
        const op = await open(c.url, PHASE_MS, RATE);
        away(false);
        pooled.get(c.name)!.add(op.histogram);
        pooledIntended.get(c.name)!.add(op.fromIntended);
        const openCpuPerReq = (cpuUs(c.child.pid!) - cpu1) / Math.max(1, op.count);
        r[c.name] = { rps: cl.rps, closedP99: cl.p99Us, cpuPerReq, openCpuPerReq, p50: op.p50Us, p99: op.p99Us, achieved: op.achieved, failed: cl.failed + op.failed };
      }
      const off = r.off!;
      ratios.rpsFast.push(r.fast!.rps / off.rps);
      ratios.rpsSlow.push(r.slow!.rps / off.rps);
      ratios.p99Fast.push(r.fast!.p99 / off.p99);
      ratios.p99Slow.push(r.slow!.p99 / off.p99);
      ratios.cpuFast.push(r.fast!.cpuPerReq - off.cpuPerReq);
      ratios.cpuSlow.push(r.slow!.cpuPerReq - off.cpuPerReq);
      ratios.openCpuFast.push(r.fast!.openCpuPerReq / off.openCpuPerReq);
      ratios.openCpuSlow.push(r.slow!.openCpuPerReq / off.openCpuPerReq);
      for (const side of ['fast', 'slow'] as const) {
        const on = r[side]!;
        const paused = r[`${side}-paused`]!;
        inProc[side].rps.push(on.rps / paused.rps);
        inProc[side].p99.push(on.p99 / paused.p99);
        inProc[side].openCpu.push(on.openCpuPerReq / paused.openCpuPerReq);
      }
      for (const name of configs.map((c) => c.name)) {
        const x = r[name]!;
        process.stdout.write(`round ${round + 1} ${name.padEnd(11)}  closed ${x.rps.toFixed(0).padStart(6)} req/s (p99 ${(x.closedP99 / 1000).toFixed(2)} ms, proxy CPU ${x.cpuPerReq.toFixed(0)} µs/req)  open ${x.achieved.toFixed(0)}/s p50 ${(x.p50 / 1000).toFixed(2)} ms p99 ${(x.p99 / 1000).toFixed(2)} ms proxy CPU ${x.openCpuPerReq.toFixed(0)} µs/req${x.failed ? `  FAILED ${x.failed}` : ''}\n`);
      }
      process.stdout.write(
        `round ${round + 1} same process, shadow on / paused: req/s fast ${f2(inProc.fast.rps.at(-1)!)} slow ${f2(inProc.slow.rps.at(-1)!)}  open p99 fast ${f2(inProc.fast.p99.at(-1)!)} slow ${f2(inProc.slow.p99.at(-1)!)}  open-model proxy CPU/req fast ${f2(inProc.fast.openCpu.at(-1)!)} slow ${f2(inProc.slow.openCpu.at(-1)!)}\n`,
      );
      process.stdout.write(`round ${round + 1} ratios vs off: req/s fast ${f2(ratios.rpsFast.at(-1)!)} slow ${f2(ratios.rpsSlow.at(-1)!)}  open p99 fast ${f2(ratios.p99Fast.at(-1)!)} slow ${f2(ratios.p99Slow.at(-1)!)}  added CPU µs/req fast ${ratios.cpuFast.at(-1)!.toFixed(0)} slow ${ratios.cpuSlow.at(-1)!.toFixed(0)}  open-model proxy CPU/req fast ${f2(ratios.openCpuFast.at(-1)!)} slow ${f2(ratios.openCpuSlow.at(-1)!)}\n`);
    }
    for (const [name, c] of [['fast', fastProxy], ['slow', slowProxy]] as const) process.stdout.write(`shadow ${name}: ${JSON.stringify(await shadowCounters(c.admin))}\n`);
    const p99 = (name: string) => pooled.get(name)!.getValueAtPercentile(99);
    const pooledP99 = { fast: p99('fast') / p99('off'), slow: p99('slow') / p99('off') };
    process.stdout.write(`open model, all rounds pooled: p99 off ${(p99('off') / 1000).toFixed(2)} ms, fast ${(p99('fast') / 1000).toFixed(2)} ms, slow ${(p99('slow') / 1000).toFixed(2)} ms\n`);
    const p99i = (name: string) => pooledIntended.get(name)!.getValueAtPercentile(99);
    process.stdout.write(
      `  timed from the intended send time instead (the generator's lateness included): p99 off ${(p99i('off') / 1000).toFixed(2)} ms, fast ${(p99i('fast') / 1000).toFixed(2)} ms (${f2(p99i('fast') / p99i('off'))}), slow ${(p99i('slow') / 1000).toFixed(2)} ms (${f2(p99i('slow') / p99i('off'))})\n`,
    );
    const inProcP99 = { fast: p99('fast') / p99('fast-paused'), slow: p99('slow') / p99('slow-paused') };
    process.stdout.write(
      `same process, shadow on / paused (the comparison least moved by which process is which): req/s fast ${f2(median(inProc.fast.rps))} slow ${f2(median(inProc.slow.rps))}, pooled p99 fast ${f2(inProcP99.fast)} slow ${f2(inProcP99.slow)} (paused ${(p99('fast-paused') / 1000).toFixed(2)}, ${(p99('slow-paused') / 1000).toFixed(2)} ms), open-model proxy CPU/req fast ${f2(median(inProc.fast.openCpu))} slow ${f2(median(inProc.slow.openCpu))}\n`,
    );
    // with the worker elsewhere, fast and slow do the same work on this machine: an A/A pair, so their gap is what this run can resolve
    const aa = { rps: median(ratios.rpsFast) / median(ratios.rpsSlow), pooledP99: p99('fast') / p99('slow') };
    if (WORKER === 'elsewhere') process.stdout.write(`A/A check, fast / slow (the same work here): req/s ${f2(aa.rps)}, pooled p99 ${f2(aa.pooledP99)} — a shadow / off ratio inside this spread is noise\n`);
    process.stdout.write(`waited ${(drainedMs / 1000).toFixed(1)} s in all for the shadow queue to drain between phases\n`);
    process.stdout.write(`${machine.report()}\n`);
    process.stdout.write(
      `RESULT proxy-shadow worker=${WORKER} sample=${SAMPLE} rate=${RATE} rps_ratio_fast=${f2(median(ratios.rpsFast))} rps_ratio_slow=${f2(median(ratios.rpsSlow))} p99_ratio_fast=${f2(median(ratios.p99Fast))} p99_ratio_slow=${f2(median(ratios.p99Slow))} pooled_p99_ratio_fast=${f2(pooledP99.fast)} pooled_p99_ratio_slow=${f2(pooledP99.slow)} cpu_us_added_fast=${median(ratios.cpuFast).toFixed(0)} cpu_us_added_slow=${median(ratios.cpuSlow).toFixed(0)} open_cpu_ratio_fast=${f2(median(ratios.openCpuFast))} open_cpu_ratio_slow=${f2(median(ratios.openCpuSlow))}${WORKER === 'elsewhere' ? ` aa_rps_fast_over_slow=${f2(aa.rps)} aa_pooled_p99_fast_over_slow=${f2(aa.pooledP99)}` : ''} inproc_rps_fast=${f2(median(inProc.fast.rps))} inproc_rps_slow=${f2(median(inProc.slow.rps))} inproc_pooled_p99_fast=${f2(inProcP99.fast)} inproc_pooled_p99_slow=${f2(inProcP99.slow)} inproc_open_cpu_fast=${f2(median(inProc.fast.openCpu))} inproc_open_cpu_slow=${f2(median(inProc.slow.openCpu))}\n`,
    );
  });
}

await main().then(() => process.exit(0));
