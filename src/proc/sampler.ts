import { parseCmdline, parseSchedstat, parseStat, parseStatm, parseSyscallArg1, waitLabel, type StatRecord } from './parse.js';
import type { ProcReader } from './reader.js';
import { futexKey, isFutexWait, isNodeProcess, nodeThreadRoles, type ThreadClue } from './thread-roles.js';
import { descendants } from './tree.js';
import type { ProcessSample, Snapshot, ThreadSample } from './types.js';

export interface SamplerOptions {
  /** The server's pid: the root of the sampled tree. */
  readonly rootPid: number;
  /** Processes started beside the server (nginx in front): their trees are sampled too, as groups. */
  readonly companions?: readonly CompanionRoot[];
  readonly reader: ProcReader;
  /** The session clock in milliseconds (same clock as every SessionEvent). */
  readonly nowMs: () => number;
  /** sysconf(_SC_CLK_TCK), the unit of stat's utime/stime: 100 on Linux (USER_HZ). */
  readonly clockTicksPerSecond?: number;
  /** Bytes per page, the unit of statm: 4096 on x86-64. */
  readonly pageSize?: number;
}

export interface CompanionRoot {
  /** The group its processes are shown in, e.g. 'nginx'. */
  readonly name: string;
  readonly pid: number;
}

export interface Sampler {
  /** Reads the tree once; CPU figures cover the time since the previous call. */
  sample(): Snapshot;
}

/** A thread still undecided after this many samples keeps role '' (bounds syscall reads). */
const ROLE_ATTEMPTS = 20;
/** cmdline is re-read this often even when nothing says it changed (nginx-style titles). */
const CMDLINE_REFRESH_SAMPLES = 10;

/** What the sampler remembers about a thread between samples. */
interface ThreadMemory {
  /** With the tid, the thread's identity: a reused tid has another start time. */
  readonly starttime: number;
  runNs: number | null;
  ticks: number;
  atMs: number;
  role: string;
  /** The evidence the role was decided on (kept so later inferences see the same shape). */
  clue: ThreadClue | null;
  attempts: number;
}

/** What the sampler remembers about a process between samples; pid + starttime is its identity. */
interface ProcessMemory {
  readonly starttime: number;
  comm: string;
  cmdline: readonly string[];
  cmdlineText: string;
  cmdlineAge: number;
  readonly threads: Map<number, ThreadMemory>;
}

interface LiveThread {
  readonly tid: number;
  readonly stat: StatRecord;
  readonly wchan: string;
  readonly memory: ThreadMemory;
  readonly cpuPercent: number | null;
  readonly ranMs: number | null;
}

const byNumber = (a: number, b: number): number => a - b;
const NUMERIC = /^\d+$/;

/**
 * Samples the process tree below rootPid from /proc: who exists, their state, CPU share over
 * the last interval, what they wait on, and (for node) what each thread is for.
 */
export function createSampler(options: SamplerOptions): Sampler {
  const { rootPid, reader, nowMs } = options;
  const ticksPerSecond = options.clockTicksPerSecond ?? 100;
  const pageSize = options.pageSize ?? 4096;
  const memory = new Map<number, ProcessMemory>();
  let rootStarttime: number | null = null;
  let rootGone = false;
  let previousMs: number | null = null;

  function scan(): Map<number, StatRecord> {
    const stats = new Map<number, StatRecord>();
    for (const name of reader.listDir('/proc') ?? []) {
      if (!NUMERIC.test(name)) continue;
      const text = reader.readText(`/proc/${name}/stat`);
      const stat = text === null ? null : parseStat(text);
      if (stat !== null) stats.set(stat.pid, stat);
    }
    return stats;
  }

  function threadOf(pid: number, tid: number, process: ProcessMemory, tMs: number): LiveThread | null {
    const dir = `/proc/${pid}/task/${tid}`;
    const statText = reader.readText(`${dir}/stat`);
    const stat = statText === null ? null : parseStat(statText);
    // Gone between readdir and read, or dead: PID 1 here reaps late, so a zombie (Z) or a
    // dying task (X) counts as gone (FACTS.md).
    if (stat === null || stat.state === 'Z' || stat.state === 'X') return null;
    const schedText = reader.readText(`${dir}/schedstat`);
    const runNs = schedText === null ? null : parseSchedstat(schedText);
    // A running task has no wait channel (wchan reads "0"); skipping the read saves time.
    const rawWchan = stat.state === 'R' ? '' : (reader.readText(`${dir}/wchan`) ?? '').trim();
    const wchan = rawWchan === '0' ? '' : rawWchan;
    const ticks = stat.utime + stat.stime;

    let thread = process.threads.get(tid);
    let cpuPercent: number | null = null;
    let ranMs: number | null = null;
    if (thread !== undefined && thread.starttime === stat.starttime) {
      // schedstat's nanoseconds when both samples have them; the thread's own stat ticks
      // otherwise (never the process stat, which sums every thread, the dead included).
      const ranNs = runNs !== null && thread.runNs !== null ? runNs - thread.runNs : ((ticks - thread.ticks) * 1e9) / ticksPerSecond;
      ranMs = Math.max(0, ranNs) / 1e6;
      const spanMs = tMs - thread.atMs;
      cpuPercent = spanMs > 0 ? (ranMs / spanMs) * 100 : null;
      thread.runNs = runNs;
      thread.ticks = ticks;
      thread.atMs = tMs;
    } else {
      thread = { starttime: stat.starttime, runNs, ticks, atMs: tMs, role: '', clue: null, attempts: 0 };
      process.threads.set(tid, thread);
    }
    return { tid, stat, wchan, memory: thread, cpuPercent, ranMs };
  }

  /** Reads cmdline when the process is new, exec'd (comm changed), had none, or is due a refresh. */
  function refreshCmdline(pid: number, process: ProcessMemory, fresh: boolean): void {
    process.cmdlineAge++;
    if (!fresh && process.cmdlineText !== '' && process.cmdlineAge < CMDLINE_REFRESH_SAMPLES) return;
    process.cmdlineAge = 0;
    const text = reader.readText(`/proc/${pid}/cmdline`);
    // A zombie leader (main thread exited, others alive) reads as empty: keep what we had.
    if (text === null || text === '' || text === process.cmdlineText) return;
    process.cmdlineText = text;
    process.cmdline = parseCmdline(text);
  }

  /** Gives node threads their roles; a role once given is kept (see thread-roles.ts). */
  function assignRoles(pid: number, process: ProcessMemory, threads: readonly LiveThread[]): void {
    if (!isNodeProcess(process.comm, process.cmdline)) return;
    const undecided = threads.filter((t) => t.memory.role === '' && t.memory.attempts < ROLE_ATTEMPTS);
    if (undecided.length === 0) return;
    const clues = threads.map((t): ThreadClue => {
      if (t.memory.clue !== null && t.memory.role !== '') return t.memory.clue;
      let key: number | null = null;
      // syscall only for an undecided thread in a futex wait: its address tells the pool apart.
      if (t.tid !== pid && isFutexWait(t.wchan)) {
        const text = reader.readText(`/proc/${pid}/task/${t.tid}/syscall`);
        const address = text === null ? null : parseSyscallArg1(text);
        key = address === null ? null : futexKey(address);
      }
      return { tid: t.tid, state: t.stat.state, wchan: t.wchan, futexKey: key };
    });
    const roles = nodeThreadRoles(pid, process.cmdline, clues);
    for (let i = 0; i < threads.length; i++) {
      const thread = threads[i].memory;
      if (thread.role !== '') continue;
      const role = roles.get(threads[i].tid) ?? '';
      if (role !== '') {
        thread.role = role;
        thread.clue = clues[i];
      } else {
        thread.attempts++;
      }
    }
  }

  function processOf(pid: number, stat: StatRecord, tMs: number): ProcessSample | null {
    const tids = reader.listDir(`/proc/${pid}/task`);
    if (tids === null) return null;
    let process = memory.get(pid);
    let fresh = false;
    if (process === undefined || process.starttime !== stat.starttime) {
      process = { starttime: stat.starttime, comm: stat.comm, cmdline: [], cmdlineText: '', cmdlineAge: 0, threads: new Map() };
      memory.set(pid, process);
      fresh = true;
    } else if (process.comm !== stat.comm) {
      // exec(2) changed the program: earlier roles were about another program.
      process.comm = stat.comm;
      process.threads.clear();
      fresh = true;
    }

    const threads: LiveThread[] = [];
    const seen = new Set<number>();
    for (const tid of tids.filter((name) => NUMERIC.test(name)).map(Number).sort(byNumber)) {
      const thread = threadOf(pid, tid, process, tMs);
      if (thread === null) continue;
      threads.push(thread);
      seen.add(tid);
    }
    for (const tid of process.threads.keys()) if (!seen.has(tid)) process.threads.delete(tid);
    // No live thread: a zombie process (or one that exited while we read it).
    if (threads.length === 0) {
      memory.delete(pid);
      return null;
    }

    refreshCmdline(pid, process, fresh);
    // statm is the process's memory; a zombie leader reads zeros there, a live thread does not.
    const statmPath = stat.state === 'Z' ? `/proc/${pid}/task/${threads[0].tid}/statm` : `/proc/${pid}/statm`;
    const statmText = reader.readText(statmPath);
    const residentPages = statmText === null ? null : parseStatm(statmText);
    assignRoles(pid, process, threads);

    let cpuPercent: number | null = null;
    for (const t of threads) if (t.cpuPercent !== null) cpuPercent = (cpuPercent ?? 0) + t.cpuPercent;
    const samples = threads.map(
      (t): ThreadSample => ({
        tid: t.tid,
        name: t.stat.comm,
        state: t.stat.state,
        cpuPercent: t.cpuPercent,
        ranMs: t.ranMs,
        lastCpu: t.stat.processor,
        wchan: t.wchan,
        waitLabel: waitLabel(t.wchan, t.stat.state),
        role: t.memory.role,
      }),
    );
    return {
      pid,
      ppid: stat.ppid,
      name: stat.comm,
      cmdline: process.cmdline,
      rssBytes: (residentPages ?? 0) * pageSize,
      cpuPercent,
      threads: samples,
    };
  }

  function sample(): Snapshot {
    const tMs = nowMs();
    const intervalMs = previousMs === null ? 0 : tMs - previousMs;
    previousMs = tMs;
    const stats = scan();
    const root = stats.get(rootPid);
    // The root's identity is fixed at first sight: the same pid with another start time is a
    // new process that merely reuses the number. Once gone, the server stays gone.
    if (root !== undefined && rootStarttime === null) rootStarttime = root.starttime;
    const processes: ProcessSample[] = [];
    if (!rootGone && root !== undefined && root.starttime === rootStarttime) {
      for (const pid of descendants(rootPid, stats.values())) {
        const process = processOf(pid, stats.get(pid) as StatRecord, tMs);
        if (process !== null) processes.push(process);
        // A root that is a zombie or vanished mid-sample means no tree.
        else if (pid === rootPid) break;
      }
    }
    if (rootStarttime !== null && processes.length === 0) rootGone = true;
    for (const companion of options.companions ?? []) {
      if (!stats.has(companion.pid)) continue;
      for (const pid of descendants(companion.pid, stats.values())) {
        const process = processOf(pid, stats.get(pid) as StatRecord, tMs);
        if (process !== null) processes.push({ ...process, group: companion.name });
      }
    }
    const kept = new Set(processes.map((p) => p.pid));
    for (const pid of memory.keys()) if (!kept.has(pid)) memory.delete(pid);
    return { tMs, intervalMs, processes, costMs: nowMs() - tMs };
  }

  return { sample };
}
