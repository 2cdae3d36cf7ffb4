import { parseCmdline, parseSchedstat, parseStat, parseStatm, parseSyscallArg1, waitLabel, type StatRecord } from './parse.js';
import { openProcFile, type ProcFile, type ProcReader } from './reader.js';
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
  /** Lets go of every file the sampler keeps open. Do not sample after. */
  close(): void;
}

/** A thread still undecided after this many samples keeps role '' (bounds syscall reads). */
const ROLE_ATTEMPTS = 20;
/** cmdline is re-read this often even when nothing says it changed (nginx-style titles). */
const CMDLINE_REFRESH_SAMPLES = 10;
/**
 * A thread idle for this many samples in a row lets go of its stat and wchan descriptors
 * (each pins a 4 KB kernel buffer: reader.ts); they are opened again once it moves.
 */
const WARM_IDLE_SAMPLES = 20;
/**
 * Every this many samples the stat of every pid is read, not only of new pids and the tree's:
 * it bounds how late a tree process is found whose pid an unrelated process held at the
 * previous sample (pid reuse within one interval; pid_max is 32,768 here).
 */
const FULL_SCAN_SAMPLES = 10;

/**
 * What the sampler remembers about a thread between samples, and what it found this sample.
 * Threads are many (thousands): one object per thread, its files opened once.
 */
interface ThreadMemory {
  readonly tid: number;
  /** /proc/<pid>/task/<tid>/ */
  readonly dir: string;
  /** With the tid, the thread's identity: a reused tid has another start time. */
  readonly starttime: number;
  readonly schedstatFile: ProcFile;
  readonly statFile: ProcFile;
  /** Opened the first time the thread is seen asleep: a thread that always runs needs none. */
  wchanFile: ProcFile | null;
  /** schedstat's text at the last read (null: unreadable), compared whole to tell an idle thread. */
  schedText: string | null;
  runNs: number | null;
  ticks: number;
  atMs: number;
  stat: StatRecord;
  wchan: string;
  role: string;
  /** The evidence the role was decided on (kept so later inferences see the same shape). */
  clue: ThreadClue | null;
  attempts: number;
  /** This sample: CPU over the interval (null on first sight), and whether schedstat stood still. */
  cpuPercent: number | null;
  ranMs: number | null;
  idle: boolean;
  /** Samples in a row its schedstat stood still. */
  idleSamples: number;
  /** The record given last sample, given again while the thread stays idle. */
  given: ThreadSample | null;
  /** The sample that last found it alive. */
  generation: number;
}

/** What the sampler remembers about a process between samples; pid + starttime is its identity. */
interface ProcessMemory {
  readonly starttime: number;
  comm: string;
  cmdline: readonly string[];
  cmdlineText: string;
  cmdlineAge: number;
  readonly cmdlineFile: ProcFile;
  readonly statmFile: ProcFile;
  /** By tid, in the order first seen. */
  readonly threads: Map<number, ThreadMemory>;
}

/** A pid of the whole machine, as the scan of /proc/<pid>/stat last saw it. */
interface PidEntry {
  readonly pid: number;
  ppid: number;
  /** Its stat at the last read; null when that read found it gone. */
  stat: StatRecord | null;
  /** Kept open while the process is in a sampled tree (read every sample). */
  file: ProcFile | null;
  /** The sample that last listed it, and the one that last read its stat. */
  listedAt: number;
  readAt: number;
  tracked: boolean;
}

const byNumber = (a: number, b: number): number => a - b;
const NUMERIC = /^\d+$/;

function liveStat(text: string | null): StatRecord | null {
  const stat = text === null ? null : parseStat(text);
  // Gone between readdir and read, or dead: PID 1 here reaps late, so a zombie (Z) or a
  // dying task (X) counts as gone (FACTS.md).
  return stat === null || stat.state === 'Z' || stat.state === 'X' ? null : stat;
}

/**
 * Samples the process tree below rootPid from /proc: who exists, their state, CPU share over
 * the last interval, what they wait on, and (for node) what each thread is for.
 *
 * What it reads is what a sample needs (issue 4):
 * - every thread's `schedstat`, on a kept descriptor; its `stat` and `wchan` only when
 *   schedstat moved (on kept descriptors while the thread keeps moving). schedstat is
 *   "run ns, runqueue wait ns, times run" (the kernel's
 *   sched-stats.rst): a thread whose three numbers all stood still neither ran nor waited
 *   for a CPU, so it cannot have changed its state, wait channel or name, and its previous
 *   values stand (CPU 0). The whole text is compared, not only the count and the wait: a
 *   thread that ran on without being switched out and then went to sleep moved only its run
 *   time. One caveat: a thread woken but not yet run shows its old state (S) until it runs.
 * - `comm` from that stat, so once per new thread and again only when it ran;
 * - the task list only when the process's thread count (its stat, read every sample) differs
 *   from the threads known, or a known thread turned out gone;
 * - `/proc/<pid>/stat` of new pids and of the tree's processes; every pid once a second;
 * - `cmdline` every 10 samples, `statm` every sample (one per process).
 */
export function createSampler(options: SamplerOptions): Sampler {
  const { rootPid, reader, nowMs } = options;
  const ticksPerSecond = options.clockTicksPerSecond ?? 100;
  const pageSize = options.pageSize ?? 4096;
  const memory = new Map<number, ProcessMemory>();
  const pids = new Map<number, PidEntry>();
  let tracked: readonly number[] = [];
  let rootStarttime: number | null = null;
  let rootGone = false;
  let previousMs: number | null = null;
  let generation = 0;

  /** Reads a pid's stat: through its kept file when it has one, else by path. */
  function readEntry(entry: PidEntry): void {
    const path = `/proc/${entry.pid}/stat`;
    let text = entry.file === null ? reader.readText(path) : entry.file.read();
    if (text === null && entry.file !== null) {
      // The process its descriptor was bound to is gone; the pid may name a new one already.
      entry.file.close();
      entry.file = null;
      text = reader.readText(path);
    }
    entry.stat = text === null ? null : parseStat(text);
    if (entry.stat !== null) entry.ppid = entry.stat.ppid;
    entry.readAt = generation;
  }

  /**
   * Brings the pid table up to date. A process's parent changes only when its parent exits,
   * and then it leaves the tree; a process joins the tree only by being born into it (a new
   * pid). So only new pids and the tree's own need their stat read; the rest every
   * FULL_SCAN_SAMPLES, against pid reuse.
   */
  function scan(full: boolean): void {
    for (const name of reader.listDir('/proc') ?? []) {
      if (!NUMERIC.test(name)) continue;
      const pid = Number(name);
      let entry = pids.get(pid);
      if (entry === undefined) {
        entry = { pid, ppid: 0, stat: null, file: null, listedAt: generation, readAt: -1, tracked: false };
        pids.set(pid, entry);
      }
      entry.listedAt = generation;
      if (full || entry.tracked || entry.readAt < 0) readEntry(entry);
    }
    for (const [pid, entry] of pids) {
      if (entry.listedAt === generation) continue;
      entry.file?.close();
      pids.delete(pid);
    }
  }

  function* links(): Generator<PidEntry> {
    for (const entry of pids.values()) if (entry.stat !== null) yield entry;
  }

  /** The stat of a pid read this sample (null when gone). */
  function freshStat(pid: number): StatRecord | null {
    const entry = pids.get(pid);
    if (entry === undefined) return null;
    if (entry.readAt !== generation) readEntry(entry);
    return entry.stat;
  }

  /** From now on these pids' stat is read every sample, on kept descriptors. */
  function track(now: readonly number[]): void {
    const set = new Set(now);
    for (const pid of tracked) {
      const entry = pids.get(pid);
      if (entry === undefined || set.has(pid)) continue;
      entry.tracked = false;
      entry.file?.close();
      entry.file = null;
    }
    for (const pid of now) {
      const entry = pids.get(pid);
      if (entry === undefined) continue;
      entry.tracked = true;
      entry.file ??= openProcFile(reader, `/proc/${pid}/stat`, 'hot');
    }
    tracked = now;
  }

  function forgetThread(thread: ThreadMemory): void {
    thread.schedstatFile.close();
    thread.statFile.close();
    thread.wchanFile?.close();
  }

  function forgetProcess(pid: number, process: ProcessMemory): void {
    for (const thread of process.threads.values()) forgetThread(thread);
    process.cmdlineFile.close();
    process.statmFile.close();
    memory.delete(pid);
  }

  function readWchan(thread: ThreadMemory): string {
    // A running task has no wait channel (wchan reads "0"); skipping the read saves time.
    if (thread.stat.state === 'R') return '';
    thread.wchanFile ??= openProcFile(reader, `${thread.dir}wchan`, 'warm');
    const raw = (thread.wchanFile.read() ?? '').trim();
    return raw === '0' ? '' : raw;
  }

  /** A thread seen for the first time (or again under a reused tid); null when it is gone. */
  function firstSight(pid: number, tid: number, tMs: number): ThreadMemory | null {
    const dir = `/proc/${pid}/task/${tid}/`;
    const statFile = openProcFile(reader, `${dir}stat`, 'warm');
    const stat = liveStat(statFile.read());
    if (stat === null) {
      statFile.close();
      return null;
    }
    const schedstatFile = openProcFile(reader, `${dir}schedstat`, 'hot');
    const schedText = schedstatFile.read();
    const thread: ThreadMemory = {
      tid,
      dir,
      starttime: stat.starttime,
      schedstatFile,
      statFile,
      wchanFile: null,
      schedText,
      runNs: schedText === null ? null : parseSchedstat(schedText),
      ticks: stat.utime + stat.stime,
      atMs: tMs,
      stat,
      wchan: '',
      role: '',
      clue: null,
      attempts: 0,
      cpuPercent: null,
      ranMs: null,
      idle: false,
      idleSamples: 0,
      given: null,
      generation,
    };
    thread.wchan = readWchan(thread);
    return thread;
  }

  /** Reads a known thread again; false when it is gone (or its tid now names another thread). */
  function refresh(thread: ThreadMemory, tMs: number): boolean {
    const spanMs = tMs - thread.atMs;
    const schedText = thread.schedstatFile.read();
    if (schedText !== null && schedText === thread.schedText) {
      thread.ranMs = 0;
      thread.cpuPercent = spanMs > 0 ? 0 : null;
      thread.atMs = tMs;
      thread.idle = true;
      thread.generation = generation;
      if (++thread.idleSamples === WARM_IDLE_SAMPLES) {
        thread.statFile.release();
        thread.wchanFile?.release();
      }
      return true;
    }
    // schedstat moved, or cannot be read (gone, or a kernel without it): stat says which.
    const stat = liveStat(thread.statFile.read());
    if (stat === null || stat.starttime !== thread.starttime) return false;
    const runNs = schedText === null ? null : parseSchedstat(schedText);
    const ticks = stat.utime + stat.stime;
    // schedstat's nanoseconds when both samples have them; the thread's own stat ticks
    // otherwise (never the process stat, which sums every thread, the dead included).
    const ranNs = runNs !== null && thread.runNs !== null ? runNs - thread.runNs : ((ticks - thread.ticks) * 1e9) / ticksPerSecond;
    thread.ranMs = Math.max(0, ranNs) / 1e6;
    thread.cpuPercent = spanMs > 0 ? (thread.ranMs / spanMs) * 100 : null;
    thread.schedText = schedText;
    thread.runNs = runNs;
    thread.ticks = ticks;
    thread.atMs = tMs;
    thread.stat = stat;
    thread.wchan = readWchan(thread);
    thread.idle = false;
    thread.idleSamples = 0;
    thread.generation = generation;
    return true;
  }

  /** The thread under tid this sample: the known one read again, or a first sight; null when gone. */
  function threadOf(pid: number, tid: number, process: ProcessMemory, tMs: number): ThreadMemory | null {
    const known = process.threads.get(tid);
    if (known !== undefined) {
      if (known.generation === generation) return known;
      if (refresh(known, tMs)) return known;
      forgetThread(known);
      process.threads.delete(tid);
    }
    const thread = firstSight(pid, tid, tMs);
    if (thread !== null) process.threads.set(tid, thread);
    return thread;
  }

  function listTids(pid: number): number[] | null {
    const names = reader.listDir(`/proc/${pid}/task`);
    if (names === null) return null;
    const tids: number[] = [];
    for (const name of names) if (NUMERIC.test(name)) tids.push(Number(name));
    return tids;
  }

  /**
   * The live threads of a process. The task list is read only when it may have changed: the
   * thread count from the process's stat (read this sample, before the threads) equals the
   * threads known, and each of them is still alive after that read, so none was born before it
   * either; those born since are found next sample.
   */
  function liveThreads(pid: number, process: ProcessMemory, stat: StatRecord, fresh: boolean, tMs: number): ThreadMemory[] | null {
    const live: ThreadMemory[] = [];
    let listed: number[] | null = null;
    if (fresh || stat.numThreads !== process.threads.size) {
      listed = listTids(pid);
      if (listed === null) return null;
    } else {
      let lost = false;
      for (const thread of process.threads.values()) {
        if (refresh(thread, tMs)) live.push(thread);
        else {
          forgetThread(thread);
          process.threads.delete(thread.tid);
          lost = true;
        }
      }
      if (!lost) return live;
      listed = listTids(pid);
      if (listed === null) return null;
    }
    for (const tid of listed) {
      const known = process.threads.get(tid);
      if (known !== undefined && known.generation === generation) continue; // already read above
      const thread = threadOf(pid, tid, process, tMs);
      if (thread !== null) live.push(thread);
    }
    for (const thread of process.threads.values()) {
      if (thread.generation === generation) continue;
      forgetThread(thread);
      process.threads.delete(thread.tid);
    }
    return live;
  }

  /** Reads cmdline when the process is new, exec'd (comm changed), had none, or is due a refresh. */
  function refreshCmdline(process: ProcessMemory, fresh: boolean): void {
    process.cmdlineAge++;
    if (!fresh && process.cmdlineText !== '' && process.cmdlineAge < CMDLINE_REFRESH_SAMPLES) return;
    process.cmdlineAge = 0;
    const text = process.cmdlineFile.read();
    // A zombie leader (main thread exited, others alive) reads as empty: keep what we had.
    if (text === null || text === '' || text === process.cmdlineText) return;
    process.cmdlineText = text;
    process.cmdline = parseCmdline(text);
  }

  /** Gives node threads their roles; a role once given is kept (see thread-roles.ts). */
  function assignRoles(pid: number, process: ProcessMemory, threads: readonly ThreadMemory[]): void {
    if (!isNodeProcess(process.comm, process.cmdline)) return;
    let undecided = false;
    for (const t of threads) if (t.role === '' && t.attempts < ROLE_ATTEMPTS) undecided = true;
    if (!undecided) return;
    const clues = threads.map((t): ThreadClue => {
      if (t.clue !== null && t.role !== '') return t.clue;
      let key: number | null = null;
      // syscall only for an undecided thread in a futex wait: its address tells the pool apart.
      if (t.tid !== pid && isFutexWait(t.wchan)) {
        const text = reader.readText(`${t.dir}syscall`);
        const address = text === null ? null : parseSyscallArg1(text);
        key = address === null ? null : futexKey(address);
      }
      return { tid: t.tid, state: t.stat.state, wchan: t.wchan, futexKey: key };
    });
    const roles = nodeThreadRoles(pid, process.cmdline, clues);
    for (let i = 0; i < threads.length; i++) {
      const thread = threads[i];
      if (thread.role !== '') continue;
      const role = roles.get(thread.tid) ?? '';
      if (role !== '') {
        thread.role = role;
        thread.clue = clues[i];
      } else {
        thread.attempts++;
      }
    }
  }

  /** The record of a thread; an idle thread's record of last sample is given again when it says the same. */
  function threadSample(t: ThreadMemory): ThreadSample {
    const given = t.given;
    if (t.idle && given !== null && given.ranMs === 0 && given.cpuPercent === t.cpuPercent && given.role === t.role) return given;
    t.given = {
      tid: t.tid,
      name: t.stat.comm,
      state: t.stat.state,
      cpuPercent: t.cpuPercent,
      ranMs: t.ranMs,
      lastCpu: t.stat.processor,
      wchan: t.wchan,
      waitLabel: waitLabel(t.wchan, t.stat.state),
      role: t.role,
    };
    return t.given;
  }

  function processOf(pid: number, stat: StatRecord, tMs: number): ProcessSample | null {
    let process = memory.get(pid);
    // A zombie whose one counted thread is its leader has no live thread left (a leader that
    // exited before its threads stays counted until they are all gone): no need to look.
    if (stat.state === 'Z' && stat.numThreads <= 1) {
      if (process !== undefined) forgetProcess(pid, process);
      return null;
    }
    let fresh = false;
    if (process !== undefined && process.starttime !== stat.starttime) {
      forgetProcess(pid, process);
      process = undefined;
    }
    if (process === undefined) {
      process = {
        starttime: stat.starttime,
        comm: stat.comm,
        cmdline: [],
        cmdlineText: '',
        cmdlineAge: 0,
        cmdlineFile: openProcFile(reader, `/proc/${pid}/cmdline`, 'warm'),
        statmFile: openProcFile(reader, `/proc/${pid}/statm`, 'hot'),
        threads: new Map(),
      };
      memory.set(pid, process);
      fresh = true;
    } else if (process.comm !== stat.comm) {
      // exec(2) changed the program: earlier roles were about another program.
      process.comm = stat.comm;
      for (const thread of process.threads.values()) forgetThread(thread);
      process.threads.clear();
      fresh = true;
    }

    const threads = liveThreads(pid, process, stat, fresh, tMs);
    // No live thread: a zombie process (or one that exited while we read it).
    if (threads === null || threads.length === 0) {
      forgetProcess(pid, process);
      return null;
    }
    for (let i = 1; i < threads.length; i++) {
      if (threads[i - 1].tid > threads[i].tid) {
        threads.sort((a, b) => byNumber(a.tid, b.tid));
        break;
      }
    }

    refreshCmdline(process, fresh);
    // statm is the process's memory; a zombie leader reads zeros there, a live thread does not.
    const statmText = stat.state === 'Z' ? reader.readText(`${threads[0].dir}statm`) : process.statmFile.read();
    const residentPages = statmText === null ? null : parseStatm(statmText);
    assignRoles(pid, process, threads);

    let cpuPercent: number | null = null;
    const samples: ThreadSample[] = new Array<ThreadSample>(threads.length);
    for (let i = 0; i < threads.length; i++) {
      const t = threads[i];
      if (t.cpuPercent !== null) cpuPercent = (cpuPercent ?? 0) + t.cpuPercent;
      samples[i] = threadSample(t);
    }
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
    generation++;
    scan(generation % FULL_SCAN_SAMPLES === 1);
    const root = freshStat(rootPid);
    // The root's identity is fixed at first sight: the same pid with another start time is a
    // new process that merely reuses the number. Once gone, the server stays gone.
    if (root !== null && rootStarttime === null) rootStarttime = root.starttime;
    const processes: ProcessSample[] = [];
    if (!rootGone && root !== null && root.starttime === rootStarttime) {
      for (const pid of descendants(rootPid, links())) {
        const stat = freshStat(pid);
        const process = stat === null ? null : processOf(pid, stat, tMs);
        if (process !== null) processes.push(process);
        // A root that is a zombie or vanished mid-sample means no tree.
        else if (pid === rootPid) break;
      }
    }
    if (rootStarttime !== null && processes.length === 0) rootGone = true;
    for (const companion of options.companions ?? []) {
      if (freshStat(companion.pid) === null) continue;
      for (const pid of descendants(companion.pid, links())) {
        const stat = freshStat(pid);
        const process = stat === null ? null : processOf(pid, stat, tMs);
        if (process !== null) processes.push({ ...process, group: companion.name });
      }
    }
    const kept = processes.map((p) => p.pid);
    const keptSet = new Set(kept);
    for (const [pid, process] of memory) if (!keptSet.has(pid)) forgetProcess(pid, process);
    track(kept);
    return { tMs, intervalMs, processes, costMs: nowMs() - tMs };
  }

  function close(): void {
    for (const [pid, process] of memory) forgetProcess(pid, process);
    for (const entry of pids.values()) entry.file?.close();
    pids.clear();
    tracked = [];
  }

  return { sample, close };
}
