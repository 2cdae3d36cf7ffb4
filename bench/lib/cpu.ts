import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU accounting for the benchmarks, all from /proc (proc(5)).
 *
 * Child commands (ps, top) are measured from this process's cutime + cstime
 * (/proc/self/stat fields 16–17): the CPU of every child we have waited for, which the
 * kernel adds up in nanoseconds from each child's sum_exec_runtime when it is reaped
 * (kernel/exit.c wait_task_zombie) and prints in clock ticks. One reading is only good to
 * 10 ms, so a command is run many times and the delta divided: over ≥ 500 ms of child CPU
 * the error is ≤ 2 %. getrusage(RUSAGE_CHILDREN) gives the same sums in µs, but Node does
 * not expose it (process.resourceUsage() is RUSAGE_SELF only), and `/usr/bin/time -f %U %S`
 * rounds each run to 10 ms, more than a whole `ps` run costs here.
 */

/** sysconf(_SC_CLK_TCK): the unit of utime/stime/cutime/cstime; 100 on Linux (USER_HZ). */
export const CLOCK_TICKS_PER_SECOND = 100;
const MS_PER_TICK = 1000 / CLOCK_TICKS_PER_SECOND;

/** The fields of /proc/<pid>/stat after the `(comm)`; index 0 is field 3 (state). */
function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

interface StatTimes {
  readonly ppid: number;
  /** utime + stime, ms. */
  readonly selfMs: number;
  /** cutime + cstime (reaped children), ms. */
  readonly childrenMs: number;
}

function readStatTimes(pid: number | 'self'): StatTimes | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const f = statFields(text);
  // Fields 4 (ppid), 14 (utime), 15 (stime), 16 (cutime), 17 (cstime), 1-based.
  return {
    ppid: Number(f[1]),
    selfMs: (Number(f[11]) + Number(f[12])) * MS_PER_TICK,
    childrenMs: (Number(f[13]) + Number(f[14])) * MS_PER_TICK,
  };
}

/** CPU (user + sys) of this process's reaped children, in ms (10 ms steps). */
export function reapedChildrenCpuMs(): number {
  return readStatTimes('self')?.childrenMs ?? 0;
}

/**
 * CPU used so far by this process, every live descendant, and every descendant already
 * reaped, in ms: what "we" cost the machine. Descendants are found by ppid over /proc.
 */
export function ownTreeCpuMs(): number {
  const links: Array<[number, StatTimes]> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const t = readStatTimes(Number(name));
    if (t !== null) links.push([Number(name), t]);
  }
  const children = new Map<number, Array<[number, StatTimes]>>();
  for (const link of links) {
    const list = children.get(link[1].ppid) ?? [];
    list.push(link);
    children.set(link[1].ppid, list);
  }
  const self = readStatTimes('self');
  let total = self === null ? 0 : self.selfMs + self.childrenMs;
  const queue = [process.pid];
  for (let i = 0; i < queue.length; i++) {
    for (const [pid, t] of children.get(queue[i]) ?? []) {
      total += t.selfMs + t.childrenMs;
      queue.push(pid);
    }
  }
  return total;
}

/** Busy CPU of the whole machine so far (user+nice+system+irq+softirq of /proc/stat), in ms. */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) * MS_PER_TICK;
}

export interface ForeignMeter {
  /**
   * Share of one core used since start() by everything on the machine that is not this
   * process or its descendants (other engineers' tests, kernel threads), in percent.
   */
  stop(): { readonly foreignCpuPercent: number; readonly ownCpuPercent: number; readonly wallMs: number };
}

/** Starts measuring the CPU other people used meanwhile: machine busy − our tree's CPU. */
export function startForeignMeter(): ForeignMeter {
  const busy0 = machineBusyMs();
  const own0 = ownTreeCpuMs();
  const t0 = performance.now();
  return {
    stop() {
      const wallMs = performance.now() - t0;
      const own = ownTreeCpuMs() - own0;
      const busy = machineBusyMs() - busy0;
      return {
        foreignCpuPercent: Math.max(0, ((busy - own) / wallMs) * 100),
        ownCpuPercent: (own / wallMs) * 100,
        wallMs,
      };
    },
  };
}

export interface CommandCost {
  readonly argv: readonly string[];
  readonly runs: number;
  /** CPU (user + sys) of one run of the command, ms. */
  readonly cpuMsPerRun: number;
  /** Wall time of one run, as seen from here (spawn to reap), ms. */
  readonly wallMsPerRun: number;
  /** Total child CPU the figure rests on, ms (its error is ± 10 ms). */
  readonly totalCpuMs: number;
  /** Lines the last run printed on stdout. */
  readonly stdoutLines: number;
}

export interface RepeatOptions {
  /** Keep running until the children used this much CPU in total (ms)... */
  readonly minCpuMs?: number;
  /** ...and at least this many runs... */
  readonly minRuns?: number;
  /** ...but never more runs than this, nor longer than maxWallMs. */
  readonly maxRuns?: number;
  readonly maxWallMs?: number;
}

/** Runs a command again and again, output discarded, and reports its CPU per run. */
export function measureCommand(argv: readonly string[], options: RepeatOptions = {}): CommandCost {
  const { minCpuMs = 500, minRuns = 20, maxRuns = 2_000, maxWallMs = 60_000 } = options;
  const cpu0 = reapedChildrenCpuMs();
  const t0 = performance.now();
  let runs = 0;
  let stdoutLines = 0;
  for (;;) {
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.toString().trim()}`);
    runs++;
    stdoutLines = r.stdout.toString().split('\n').filter((l) => l !== '').length;
    const cpu = reapedChildrenCpuMs() - cpu0;
    const wall = performance.now() - t0;
    if (runs >= maxRuns || wall >= maxWallMs) break;
    if (runs >= minRuns && cpu >= minCpuMs) break;
  }
  const totalCpuMs = reapedChildrenCpuMs() - cpu0;
  return {
    argv,
    runs,
    cpuMsPerRun: totalCpuMs / runs,
    wallMsPerRun: (performance.now() - t0) / runs,
    totalCpuMs,
    stdoutLines,
  };
}

/**
 * Waits until other processes use at most maxPercent of one core over a windowMs window
 * (or maxWaitMs has passed). Returns what the last window measured.
 */
export async function waitForIdleOthers(maxPercent: number, windowMs: number, maxWaitMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const meter = startForeignMeter();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const { foreignCpuPercent } = meter.stop();
    if (foreignCpuPercent <= maxPercent || performance.now() - t0 >= maxWaitMs) return foreignCpuPercent;
  }
}
