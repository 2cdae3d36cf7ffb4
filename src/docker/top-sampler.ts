/**
 * Thread samples of a container through its engine (issue 7), for an engine whose host's
 * /proc this machine cannot read (ssh://, tcp://). One `GET /containers/{id}/top` per sample:
 * the engine runs `ps` on ITS host with our ps_args plus `-q <the container's pids>` and keeps
 * the rows whose PID is in the container (moby daemon/top_unix.go). So the numbers are ps's:
 *
 * - pids and tids are the engine host's, not the container's (docker-init shows as 32600,
 *   not 1); only their relations matter here.
 * - CPU: ps has no per-thread CPU time finer than whole seconds (`cputimes`, `times`; `time`
 *   and `bsdtime` are the same seconds formatted). Deltas of whole seconds over a 1 s interval
 *   read 0 % or 100 %. What ps does have is `%CUU` (procps-ng ≥ 4.0): the thread's lifetime
 *   CPU share with 3 decimals, computed from its CPU ticks over its elapsed time as a float
 *   (measured: %CUU × elapsed gives the stat ticks back within 10 ms). Its lifetime CPU is then
 *   %CUU × elapsed, if elapsed were known finely: ps gives it in whole seconds (`etimes`), but a
 *   thread's start does not move, so each sample narrows when it started ({@link TopState}) and
 *   both ends of an interval use the same estimate; an error δ in the start time then costs
 *   only δ × (change of %CUU), which is small once a thread has lived a few seconds. The result
 *   is clamped into [cputimes, cputimes + 1 s). `pcpu` is the same lifetime share with one
 *   decimal: too coarse for this. A ps without %CUU (procps-ng 3.3: Ubuntu 22.04, RHEL 9)
 *   fails the call; the sampler then asks without it and CPU comes from whole seconds (coarse,
 *   noisy: 0 or 100 % per interval for a thread using half a core).
 * - wchan is the kernel symbol (asked 64 wide: ps cuts it at its column width, 6 by default);
 *   "-" for a running thread. comm is the last column: the engine splits rows on whitespace and
 *   joins what overhangs into the last title, so a comm with spaces survives (runs of spaces
 *   become one).
 * - The container's init (docker-init or tini, with --init) is not the server: it is dropped,
 *   and the root of the tree is its child.
 * - No zombies: the engine lists the pids of the container's cgroup, which a process leaves
 *   when it exits (measured: an unreaped child never shows).
 *
 * Measured on this machine (Docker 20.10.24, API 1.41, local socket, 2 cores): one call takes
 * 25–30 ms for 4 processes × 50 threads (202 rows), 13–16 ms for 5 rows; over ssh:// each call
 * adds the round trips. Each call forks ps on the engine's host and a call never overlaps the
 * next, so samples are at least {@link MIN_ENGINE_INTERVAL_MS} apart whatever is asked.
 */
import type Dockerode from 'dockerode';
import { waitLabel } from '../proc/parse.js';
import type { SamplerThread } from '../proc/sampler-thread.js';
import { isNodeProcess, nodeThreadRoles, type ThreadClue } from '../proc/thread-roles.js';
import { descendants, type ParentLink } from '../proc/tree.js';
import type { ProcessSample, Snapshot, ThreadSample } from '../proc/types.js';
import { engineMessage } from './container.js';
import { MIN_ENGINE_INTERVAL_MS, sourceIntervalMs } from './types.js';

export { MIN_ENGINE_INTERVAL_MS };

/** One row per thread (-L): what a sample needs, comm last (it may hold spaces). */
export const THREAD_PS_ARGS = '-L -o pid,ppid,lwp,s,psr,cputimes,cuu,etimes,rss,wchan:64,comm';
/** The same for a ps without %CUU (procps-ng < 4.0): CPU in whole seconds only. */
export const COARSE_THREAD_PS_ARGS = '-L -o pid,ppid,lwp,s,psr,cputimes,etimes,rss,wchan:64,comm';
/** One row per process with its command line: asked only when processes appear, and every few samples. */
export const ARGS_PS_ARGS = '-o pid,args';

/** Command lines are asked again this often even when no process appeared (titles change: nginx, setproctitle). */
const ARGS_REFRESH_SAMPLES = 10;
/** A node thread still undecided after this many samples keeps role '' (as in proc/sampler.ts). */
const ROLE_ATTEMPTS = 20;
/** comm of the inits an engine puts in front of the command (--init: docker-init, or tini and kin). */
const INITS: ReadonlySet<string> = new Set(['docker-init', 'tini', 'tini-static', 'catatonit', 'dumb-init']);

/** The body of GET /containers/{id}/top. */
export interface TopResult {
  readonly Titles: readonly string[];
  readonly Processes: readonly (readonly string[])[];
}

/** What is remembered about a thread between samples. */
interface ThreadMemory {
  readonly pid: number;
  /**
   * When the thread started, in session milliseconds: the interval every sample's whole-second
   * ELAPSED allows, intersected over the samples (its middle is the estimate).
   */
  readonly bornLoMs: number;
  readonly bornHiMs: number;
  /** %CUU (null: not asked) and TIME in seconds at the last sample, and that sample's time. */
  readonly cuu: number | null;
  readonly cpuSeconds: number;
  readonly atMs: number;
  readonly role: string;
  /** The evidence the role was decided on, kept so later inferences see the same shape. */
  readonly clue: ThreadClue | null;
  readonly attempts: number;
}

/** What snapshotFromTop carries from one sample to the next. */
export interface TopState {
  /** The previous sample's time (null before the first). */
  readonly tMs: number | null;
  /** The server, fixed once found: the init's child (or the first process, without init). */
  readonly rootPid: number | null;
  /** True once the root was found and then missing: the server stays gone. */
  readonly rootGone: boolean;
  /** By tid (the engine host's tids are unique across the container). */
  readonly threads: ReadonlyMap<number, ThreadMemory>;
}

export const INITIAL_TOP_STATE: TopState = { tMs: null, rootPid: null, rootGone: false, threads: new Map() };

/** One thread row of a top result. */
export interface TopRow {
  readonly pid: number;
  readonly ppid: number;
  readonly tid: number;
  readonly state: string;
  readonly lastCpu: number;
  readonly cpuSeconds: number;
  readonly cuu: number | null;
  readonly elapsedSeconds: number;
  readonly rssKiB: number;
  readonly wchan: string;
  readonly comm: string;
}

/** Column titles ps prints for each field (procps-ng 4.0.2), by what they mean here. */
const TITLES = {
  pid: ['PID'],
  ppid: ['PPID'],
  tid: ['LWP', 'TID', 'SPID'],
  state: ['S'],
  lastCpu: ['PSR'],
  cpuTime: ['TIME'],
  cuu: ['%CUU'],
  elapsed: ['ELAPSED'],
  rss: ['RSS', 'RSZ'],
  wchan: ['WCHAN'],
  comm: ['COMMAND', 'CMD'],
} as const;

type Column = keyof typeof TITLES;

function columnsOf(titles: readonly string[]): Partial<Record<Column, number>> {
  const columns: Partial<Record<Column, number>> = {};
  for (const [column, names] of Object.entries(TITLES) as [Column, readonly string[]][]) {
    const at = titles.findIndex((title) => names.includes(title));
    if (at >= 0) columns[column] = at;
  }
  return columns;
}

/** Seconds from `cputimes`/`etimes` (plain seconds) or `time`/`etime` ([[dd-]hh:]mm:ss). */
function parseSeconds(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(text);
  if (match === null) return null;
  const [, days, hours, minutes, seconds] = match;
  return ((Number(days ?? 0) * 24 + Number(hours ?? 0)) * 60 + Number(minutes)) * 60 + Number(seconds);
}

function numberOr(text: string | undefined, fallback: number): number {
  const value = text === undefined ? NaN : Number(text);
  return Number.isFinite(value) ? value : fallback;
}

/** The thread rows of a top result; rows that are not one (a '-' pid, a short row) are skipped. */
export function parseTopRows(top: TopResult): TopRow[] {
  const at = columnsOf(top.Titles);
  if (at.pid === undefined) return [];
  const pidAt = at.pid;
  const rows: TopRow[] = [];
  for (const fields of top.Processes) {
    const field = (column: Column): string | undefined => {
      const index = at[column];
      return index === undefined ? undefined : fields[index];
    };
    const pid = Number(fields[pidAt]);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const tid = at.tid === undefined ? pid : Number(field('tid'));
    if (!Number.isInteger(tid) || tid <= 0) continue;
    const cuuText = field('cuu');
    const cuu = cuuText === undefined ? null : Number(cuuText);
    const wchan = field('wchan') ?? '';
    rows.push({
      pid,
      ppid: numberOr(field('ppid'), 0),
      tid,
      state: (field('state') ?? '').charAt(0),
      lastCpu: numberOr(field('lastCpu'), 0),
      cpuSeconds: parseSeconds(field('cpuTime') ?? '') ?? 0,
      cuu: cuu !== null && Number.isFinite(cuu) ? cuu : null,
      elapsedSeconds: parseSeconds(field('elapsed') ?? '') ?? 0,
      rssKiB: numberOr(field('rss'), 0),
      wchan: wchan === '-' ? '' : wchan,
      comm: field('comm') ?? '',
    });
  }
  return rows;
}

/**
 * Command lines from a `-o pid,args` top: argv split at spaces. Lossy: ps joins argv with
 * spaces and the engine's row splitting collapses runs of them, so an argument with a space
 * comes back as two.
 */
export function cmdlinesFromTop(top: TopResult): Map<number, readonly string[]> {
  const pidAt = top.Titles.indexOf('PID');
  const argsAt = top.Titles.findIndex((title) => title === 'COMMAND' || title === 'CMD');
  const cmdlines = new Map<number, readonly string[]>();
  if (pidAt < 0 || argsAt < 0) return cmdlines;
  for (const fields of top.Processes) {
    const pid = Number(fields[pidAt]);
    const args = fields[argsAt];
    if (Number.isInteger(pid) && pid > 0 && args !== undefined && args !== '') cmdlines.set(pid, args.split(' ').filter((arg) => arg !== ''));
  }
  return cmdlines;
}

/** Lifetime CPU in ms at a sample: %CUU × elapsed, kept within what whole-second TIME allows. */
function cpuMsAt(cuu: number | null, cpuSeconds: number, elapsedMs: number): number {
  const coarseMs = cpuSeconds * 1000;
  if (cuu === null) return coarseMs;
  const estimateMs = (cuu / 100) * Math.max(0, elapsedMs);
  return Math.min(coarseMs + 999, Math.max(coarseMs, estimateMs));
}

/** A thread whose start, from this sample, cannot be the remembered one's (a reused tid), even allowing 2 s of clock slack. */
function startsApart(memory: ThreadMemory, loMs: number, hiMs: number): boolean {
  return loMs > memory.bornHiMs + 2000 || hiMs < memory.bornLoMs - 2000;
}

/** The pid the tree hangs from: the init's first child, or the first process without a parent in the container. */
function findRoot(rows: readonly TopRow[], byPid: ReadonlyMap<number, TopRow>): number | null {
  let top: TopRow | null = null;
  for (const row of byPid.values()) if (!byPid.has(row.ppid) && (top === null || row.pid < top.pid)) top = row;
  if (top === null) return null;
  const leader = byPid.get(top.pid);
  if (leader === undefined || !INITS.has(leader.comm)) return top.pid;
  let child: number | null = null;
  for (const row of rows) if (row.ppid === top.pid && row.pid !== top.pid && (child === null || row.pid < child)) child = row.pid;
  return child; // null: the init has not forked the server yet
}

/**
 * The snapshot's processes from one thread top (pure: tests feed it recorded answers).
 * tMs is the session time the rows describe (the middle of the call); `cmdlines` are the
 * known command lines by pid (a process without one shows [comm]).
 */
export function snapshotFromTop(
  top: TopResult,
  previous: TopState,
  tMs: number,
  cmdlines: ReadonlyMap<number, readonly string[]> = new Map(),
): { readonly processes: readonly ProcessSample[]; readonly state: TopState } {
  const rows = parseTopRows(top);
  // Per process, the leader's row (tid == pid) when it has one: comm, ppid and rss are the process's.
  const byPid = new Map<number, TopRow>();
  const threadsOf = new Map<number, TopRow[]>();
  for (const row of rows) {
    const known = byPid.get(row.pid);
    if (known === undefined || row.tid === row.pid) byPid.set(row.pid, row);
    const list = threadsOf.get(row.pid);
    if (list === undefined) threadsOf.set(row.pid, [row]);
    else list.push(row);
  }

  let { rootPid, rootGone } = previous;
  if (!rootGone && rootPid === null) rootPid = findRoot(rows, byPid);
  else if (!rootGone && rootPid !== null && !byPid.has(rootPid)) rootGone = true;

  const threads = new Map<number, ThreadMemory>();
  const processes: ProcessSample[] = [];
  if (!rootGone && rootPid !== null) {
    const links: ParentLink[] = [...byPid.values()].map(({ pid, ppid }) => ({ pid, ppid }));
    for (const pid of descendants(rootPid, links)) {
      const process = processOf(pid, threadsOf.get(pid) ?? [], byPid.get(pid), previous, tMs, cmdlines, threads);
      if (process !== null) processes.push(process);
      else if (pid === rootPid) break; // a root without a live thread means no tree
    }
    if (processes.length === 0 && previous.rootPid !== null) rootGone = true;
  }
  return { processes, state: { tMs, rootPid, rootGone, threads } };
}

function processOf(
  pid: number,
  rows: readonly TopRow[],
  leader: TopRow | undefined,
  previous: TopState,
  tMs: number,
  cmdlines: ReadonlyMap<number, readonly string[]>,
  remembered: Map<number, ThreadMemory>,
): ProcessSample | null {
  // A zombie or dying thread counts as gone (as in proc/sampler.ts).
  const live = rows.filter((row) => row.state !== 'Z' && row.state !== 'X').sort((a, b) => a.tid - b.tid);
  if (live.length === 0 || leader === undefined) return null;
  const name = leader.comm;
  const cmdline = cmdlines.get(pid) ?? [name];

  const memories: ThreadMemory[] = [];
  /** Per thread: CPU ms over the interval (null on first sight), and its lifetime CPU now. */
  const ran: (number | null)[] = [];
  const lifetimeMs: number[] = [];
  let spanMs: number | null = null;
  for (const row of live) {
    // This sample's ELAPSED (whole seconds, rounded down) allows a start in (t − (e+1) s, t − e s].
    let loMs = tMs - (row.elapsedSeconds + 1) * 1000;
    let hiMs = tMs - row.elapsedSeconds * 1000;
    let memory = previous.threads.get(row.tid);
    if (memory !== undefined && (memory.pid !== pid || startsApart(memory, loMs, hiMs))) memory = undefined;
    if (memory !== undefined) {
      const narrowLo = Math.max(loMs, memory.bornLoMs);
      const narrowHi = Math.min(hiMs, memory.bornHiMs);
      // Empty when the call's timing jittered past a second boundary: this sample's bounds stand.
      if (narrowLo <= narrowHi) [loMs, hiMs] = [narrowLo, narrowHi];
    }
    const bornMs = (loMs + hiMs) / 2;
    const nowMs = cpuMsAt(row.cuu, row.cpuSeconds, tMs - bornMs);
    lifetimeMs.push(nowMs);
    if (memory !== undefined) {
      // Both ends from the same start estimate: its error cancels but for the change of %CUU.
      ran.push(Math.max(0, nowMs - cpuMsAt(memory.cuu, memory.cpuSeconds, memory.atMs - bornMs)));
      spanMs = tMs - memory.atMs;
    } else {
      ran.push(null);
    }
    memories.push({
      pid,
      bornLoMs: loMs,
      bornHiMs: hiMs,
      cuu: row.cuu,
      cpuSeconds: row.cpuSeconds,
      atMs: tMs,
      role: memory?.role ?? '',
      clue: memory?.clue ?? null,
      attempts: memory?.attempts ?? 0,
    });
  }

  // procps-ng 4.0.2 gives the leader's row (tid == pid) the PROCESS's TIME and %CUU (its
  // /proc/<pid>/stat: every thread, the dead included), not the main thread's (measured: a
  // main thread at 32 ms of CPU read as 2 s beside a busy thread). The main thread's share is
  // what is left of the process's after the other threads' (a thread born in the interval
  // counts whole); what threads that ended in the interval ran lands on it too. A ps that
  // gives the leader its own numbers shows a total below the others' sum: taken as it is.
  const leaderAt = live.findIndex((row) => row.tid === pid);
  const leaderRan = leaderAt >= 0 ? ran[leaderAt] : null;
  if (leaderRan !== null) {
    let others = 0;
    let othersLifetime = 0;
    for (let i = 0; i < live.length; i++) {
      if (i === leaderAt) continue;
      others += ran[i] ?? lifetimeMs[i];
      othersLifetime += lifetimeMs[i];
    }
    if (lifetimeMs[leaderAt] + 1000 >= othersLifetime) ran[leaderAt] = Math.max(0, leaderRan - others);
  }
  const rates = ran.map((ranMs) => ({
    ranMs,
    cpuPercent: ranMs !== null && spanMs !== null && spanMs > 0 ? Math.min(100, (ranMs / spanMs) * 100) : null,
  }));

  assignRoles(pid, name, cmdline, live, memories);

  let processCpu: number | null = null;
  const threads: ThreadSample[] = live.map((row, i) => {
    const { cpuPercent, ranMs } = rates[i];
    if (cpuPercent !== null) processCpu = (processCpu ?? 0) + cpuPercent;
    remembered.set(row.tid, memories[i]);
    return {
      tid: row.tid,
      name: row.comm,
      state: row.state,
      cpuPercent,
      ranMs,
      lastCpu: row.lastCpu,
      wchan: row.wchan,
      waitLabel: waitLabel(row.wchan, row.state),
      role: memories[i].role,
    };
  });
  return { pid, ppid: leader.ppid, name, cmdline, rssBytes: leader.rssKiB * 1024, cpuPercent: processCpu, threads };
}

/**
 * Node roles by creation order and wait (proc/thread-roles.ts), kept once given. ps shows no
 * futex address (proc's `syscall`), so the libuv pool cannot be told apart here: its threads
 * stay ''.
 */
function assignRoles(pid: number, comm: string, cmdline: readonly string[], rows: readonly TopRow[], memories: ThreadMemory[]): void {
  if (!isNodeProcess(comm, cmdline)) return;
  if (!memories.some((m) => m.role === '' && m.attempts < ROLE_ATTEMPTS)) return;
  const clues = rows.map((row, i): ThreadClue => {
    const { clue, role } = memories[i];
    return clue !== null && role !== '' ? clue : { tid: row.tid, state: row.state, wchan: row.wchan, futexKey: null };
  });
  const roles = nodeThreadRoles(pid, cmdline, clues);
  for (let i = 0; i < memories.length; i++) {
    const memory = memories[i];
    if (memory.role !== '') continue;
    const role = roles.get(rows[i].tid) ?? '';
    memories[i] = role !== '' ? { ...memory, role, clue: clues[i] } : { ...memory, attempts: memory.attempts + 1 };
  }
}

export interface EngineSamplerOptions {
  /** The container whose processes are sampled; its init is left out of the tree. */
  readonly container: Dockerode.Container;
  /** Milliseconds between scheduled samples; raised to MIN_ENGINE_INTERVAL_MS. */
  readonly intervalMs: number;
  /** performance.timeOrigin + performance.now() when the session started. */
  readonly sessionStartMs: number;
  /** Every snapshot, scheduled or asked for with sampleNow(), in the order taken. */
  readonly onSnapshot: (snapshot: Snapshot) => void;
  /** A call that failed for another reason than the container being gone; never thrown. */
  readonly onError: (message: string) => void;
}

/** The container is gone (404) or not running (409): its end is seen by whoever waits on it. */
function containerGone(error: unknown): boolean {
  const status = (error as { statusCode?: number }).statusCode;
  return status === 404 || status === 409;
}

/** ps on the engine's host does not know a format specifier (%CUU before procps-ng 4.0). */
function unknownSpecifier(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 500 && /format specifier/i.test(engineMessage(error));
}

/**
 * Samples the container's threads through the engine every intervalMs (at least
 * MIN_ENGINE_INTERVAL_MS): the same SamplerThread as the /proc sampler. Calls never overlap:
 * a sampleNow() during a call is taken right after it. A failed sampleNow() rejects (after
 * onError); a container that is gone gives a snapshot without processes.
 */
export function startEngineSampler(options: EngineSamplerOptions): SamplerThread {
  const { container } = options;
  const intervalMs = sourceIntervalMs('engine', options.intervalMs);
  const nowMs = (): number => performance.timeOrigin + performance.now() - options.sessionStartMs;
  let psArgs = THREAD_PS_ARGS;
  let state = INITIAL_TOP_STATE;
  let cmdlines = new Map<number, readonly string[]>();
  let samplesSinceArgs = 0;
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const pending = new Set<(error: Error) => void>();

  async function top(args: string): Promise<TopResult> {
    return (await container.top({ ps_args: args })) as TopResult;
  }

  /** The thread top, falling back once to the coarse columns when ps lacks %CUU. */
  async function threadTop(): Promise<TopResult> {
    try {
      return await top(psArgs);
    } catch (error) {
      if (psArgs === THREAD_PS_ARGS && unknownSpecifier(error)) {
        psArgs = COARSE_THREAD_PS_ARGS;
        return top(psArgs);
      }
      throw error;
    }
  }

  /** Asks for command lines when a pid has none, and every ARGS_REFRESH_SAMPLES samples. */
  async function refreshCmdlines(result: TopResult): Promise<void> {
    samplesSinceArgs++;
    const pidAt = result.Titles.indexOf('PID');
    const unknown = result.Processes.some((fields) => !cmdlines.has(Number(fields[pidAt])));
    if (!unknown && samplesSinceArgs < ARGS_REFRESH_SAMPLES) return;
    samplesSinceArgs = 0;
    try {
      // A process that has left is forgotten with the old map; one born between the two calls
      // shows [comm] until the next refresh.
      cmdlines = cmdlinesFromTop(await top(ARGS_PS_ARGS));
    } catch {
      // The thread top stands: command lines are only labels (the container's end is seen elsewhere).
    }
  }

  async function sample(): Promise<Snapshot> {
    const startedMs = nowMs();
    let result: TopResult | null = null;
    let atMs = startedMs;
    try {
      result = await threadTop();
      atMs = (startedMs + nowMs()) / 2;
      await refreshCmdlines(result);
    } catch (error) {
      if (!containerGone(error)) throw new Error(`engine top of ${container.id.slice(0, 12)}: ${engineMessage(error)}`);
      result = null;
    }
    const previousMs = state.tMs;
    let processes: readonly ProcessSample[] = [];
    if (result !== null) {
      const read = snapshotFromTop(result, state, atMs, cmdlines);
      processes = read.processes;
      state = read.state;
    } else {
      state = { ...state, tMs: atMs, rootGone: state.rootPid !== null, threads: new Map() };
    }
    // The interval it runs at: the header says when it is longer than --interval asked.
    return { tMs: atMs, intervalMs: previousMs === null ? 0 : atMs - previousMs, processes, costMs: nowMs() - startedMs, targetIntervalMs: intervalMs };
  }

  /** One sample after those queued: delivered unless stopped meanwhile. */
  function enqueue(): Promise<Snapshot> {
    const next = queue.then(async () => {
      if (stopped) throw new Error('sampler stopped');
      const snapshot = await sample();
      if (stopped) throw new Error('sampler stopped');
      options.onSnapshot(snapshot);
      return snapshot;
    });
    queue = next.catch(() => undefined);
    return next;
  }

  // Drift-free, as the /proc worker: tick k is due at start + k × interval; ticks missed
  // (a slow call) are skipped, not bunched.
  const startedAt = performance.now();
  let tick = 0;
  function schedule(): void {
    if (stopped) return;
    const now = performance.now();
    tick = Math.max(tick + 1, Math.floor((now - startedAt) / intervalMs) + 1);
    timer = setTimeout(() => {
      timer = null;
      enqueue()
        .catch((error: Error) => {
          if (!stopped) options.onError(error.message);
        })
        .finally(schedule);
    }, startedAt + tick * intervalMs - now);
    timer.unref();
  }
  enqueue()
    .catch((error: Error) => {
      if (!stopped) options.onError(error.message);
    })
    .finally(schedule);

  function sampleNow(): Promise<Snapshot> {
    if (stopped) return Promise.reject(new Error('sampler stopped'));
    return new Promise<Snapshot>((resolve, reject) => {
      pending.add(reject);
      enqueue().then(
        (snapshot) => {
          pending.delete(reject);
          resolve(snapshot);
        },
        (error: Error) => {
          pending.delete(reject);
          if (!stopped) options.onError(error.message);
          reject(error);
        },
      );
    });
  }

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    for (const reject of pending) reject(new Error('sampler stopped'));
    pending.clear();
  }

  return { sampleNow, stop };
}
