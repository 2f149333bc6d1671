import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';

/**
 * What the machine did besides the benchmark, printed with its figures:
 * these are shared 2-core VMs, and time the hypervisor gave to other guests
 * (steal) moves every figure, ratios included, without showing in the load
 * average. Linux only (/proc/stat); elsewhere it reports nothing.
 */

interface CpuTicks {
  total: number;
  steal: number;
  idle: number;
}

function ticks(): CpuTicks | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0, idle: (f[3] ?? 0) + (f[4] ?? 0) };
  } catch {
    return undefined;
  }
}

/** Starts watching; `report()` is one line: load average at the start, steal and busy share of CPU time since. */
export function watchMachine(): { report(): string } {
  const start = ticks();
  const load = loadavg()[0]!;
  return {
    report() {
      const end = ticks();
      if (!start || !end || end.total === start.total) return `machine: load average ${load.toFixed(2)} at the start`;
      const d = end.total - start.total;
      const pct = (x: number) => ((100 * x) / d).toFixed(1);
      return `machine: load average ${load.toFixed(2)} at the start; during the run ${pct(d - (end.idle - start.idle) - (end.steal - start.steal))} % of CPU time busy here, ${pct(end.steal - start.steal)} % stolen by the hypervisor`;
    },
  };
}
