import type { ProcessSample, Snapshot, ThreadSample } from '../src/proc/types.js';
import type { ProcessEvent, ProcessEventLog, ProcessTrack, ThreadChange } from '../src/session/state.js';
import { respawnsOf } from '../src/session/store.js';
import { sanitizeForTerminal } from '../src/util/sanitize.js';
import { formatCount, formatCpuPercent, formatRssBytes } from './format.js';
import { fitLine, lineText, lineWidth, type Line, type Segment } from './line.js';
import { displayWidth, padEnd, padStart, truncateEnd } from './text.js';
import type { ThreadSort } from './keys.js';
import { toSparkline } from './Sparkline.js';

/**
 * The view math of the thread pane (`top -H` for the server's tree): which rows fit in the
 * budget and what each says. Pure: a Snapshot and the recent births/deaths in, lines out.
 *
 * When every thread does not fit, threads of a process are folded, the same way for every
 * process (so that workers that look alike also read alike), at the most detailed level that
 * fits (rows left over then give the first processes the next finer level):
 *   'all'       one row per thread;
 *   'grouped'   threads with the same label, state and wait collapse into `4× node·V8 platform`;
 *   'by-wait'   threads with the same state and wait collapse, whatever their label (but
 *               the main thread keeps its own row);
 *   'busy'      only threads worth a look (running, in D, zombie, using CPU, just born), by wait;
 *   'processes' process rows only, each with its thread count (`7 thr`, `7 thr: 1 D`);
 * and if the process rows alone do not fit, the first ones and `… N more processes`.
 *
 * Beside the state letter (what the thread was doing at the instant of the sample), each row
 * says what it did over the whole interval between the last two samples: `ran 37ms` or
 * `slept` (issue 4). The letter alone misses short runs: a thread that handled a request in
 * 2 ms and went back to its epoll wait reads `S` at every sample.
 */

export const DETAIL_LEVELS = ['processes', 'busy', 'by-wait', 'grouped', 'all'] as const;
export type Detail = (typeof DETAIL_LEVELS)[number];

/** Threads born this recently get a green `+`. */
export const BORN_HIGHLIGHT_MS = 2000;
/** Threads that died this recently are listed in red (the store keeps them 2 s: CHANGE_TTL_MS). */
export const DIED_SHOW_MS = 2000;

/** What some threads did over the last interval (schedstat run time: src/proc/sampler.ts). */
export interface Activity {
  /** Threads with a figure for the interval (seen at the sample before too). */
  readonly known: number;
  /** Of those, how many ran at all. */
  readonly ran: number;
  /** Their time on a CPU summed, ms. */
  readonly ranMs: number;
}

/** One row under a process: a thread, or several that look the same. */
export interface ThreadEntry {
  /** Ascending; one tid for a plain thread row. */
  readonly tids: readonly number[];
  /** Sanitized; `node·V8 platform` for a Node thread whose role is known. */
  readonly label: string;
  readonly state: string;
  readonly waitLabel: string;
  /** The raw kernel symbol it sleeps in, when all members share it; '' otherwise. */
  readonly wchan: string;
  /** Sum over the members; null when none has been seen twice yet. */
  readonly cpuPercent: number | null;
  /** What the members did over the last interval. */
  readonly activity: Activity;
  /** The CPU a single running thread last ran on; null for groups. */
  readonly lastCpu: number | null;
  /** How many members were born within the highlight window. */
  readonly bornCount: number;
}

export interface ProcessView {
  readonly pid: number;
  /** 0 for the root, 1 for its children, and so on. */
  readonly depth: number;
  /** Sanitized comm. */
  readonly name: string;
  /** The companion it belongs to (nginx in front), sanitized; absent for the server's tree. */
  readonly group?: string;
  readonly rssBytes: number;
  readonly cpuPercent: number | null;
  readonly threadCount: number;
  /** Threads per state letter, running first. */
  readonly states: ReadonlyArray<readonly [string, number]>;
  /** What its threads did over the last interval. */
  readonly activity: Activity;
  /** The process itself appeared within the highlight window. */
  readonly born: boolean;
  /** The rows under the process at the plan's detail. */
  readonly entries: readonly ThreadEntry[];
  /**
   * Its thread count per second of the session (0 before it existed) and at its first sample,
   * when a line is given to it.
   */
  readonly spark: { readonly perSecond: readonly number[]; readonly first: number } | null;
}

export interface ThreadTotals {
  readonly processes: number;
  readonly threads: number;
  /** Threads per state letter, running first. */
  readonly states: ReadonlyArray<readonly [string, number]>;
  /** What the threads did over the last interval: how many ran, how many did not. */
  readonly activity: Activity;
  readonly cpuPercent: number | null;
  readonly born: number;
  readonly died: number;
  /** Processes of companions (nginx in front), shown but not counted above: e.g. nginx: 2. */
  readonly companions: ReadonlyArray<readonly [string, number]>;
}

export interface ThreadPlan {
  /** The detail every process gets; some get the next finer one when rows are left over. */
  readonly detail: Detail;
  /** The interval the activity covers (the snapshot's), ms; 0 before a second sample. */
  readonly intervalMs: number;
  readonly totals: ThreadTotals;
  readonly processes: readonly ProcessView[];
  /** Processes left out for lack of rows, and their threads. */
  readonly hiddenProcesses: number;
  readonly hiddenThreads: number;
  readonly showHeader: boolean;
  /** The deaths to list on the `− died` line; empty when there is no room or none. */
  readonly died: readonly ThreadChange[];
  /** Processes of the server that exited or started during the run, for the `✝` line; null when none or no room. */
  readonly processEvents: ProcessEventLog | null;
  /** What to say instead of the tree (no sample yet, tree gone); null otherwise. */
  readonly note: string | null;
  /** How the user asked to see it (sort, filter, collapsed, cursor). */
  readonly view: ThreadView;
  /** With a filter: threads of the server's tree before it (the totals count the matches). */
  readonly unfilteredThreads: number;
  /** The largest value of the processes' sparklines: one scale for all, so rows compare. */
  readonly sparkMax: number;
}

/** What the user chose with the keys (see keys.ts); the defaults give the fitted overview. */
export interface ThreadView {
  readonly sort: ThreadSort;
  /** Case-insensitive part of a thread's or a process's name; '' for all. */
  readonly filter: string;
  /** Process rows only. */
  readonly collapsed: boolean;
  /**
   * Null: the pane fits its rows by folding threads. A row index: every thread gets a row (or
   * every process, collapsed), the list scrolls, and this row is highlighted.
   */
  readonly cursor: number | null;
}

export const DEFAULT_VIEW: ThreadView = { sort: 'tid', filter: '', collapsed: false, cursor: null };

export interface ThreadPaneInput {
  readonly snapshot: Snapshot | null;
  readonly births: readonly ThreadChange[];
  readonly deaths: readonly ThreadChange[];
  readonly nowMs: number;
  readonly bornHighlightMs?: number;
  readonly diedShowMs?: number;
  /** How to show it; DEFAULT_VIEW when absent. */
  readonly view?: ThreadView;
  /** The processes' thread counts over the run (state.processes): a sparkline under each process row when there is room. */
  readonly tracks?: Readonly<Record<string, ProcessTrack>>;
  /** Processes that exited or started during the run (state.processEvents): a `✝` line for the whole run. */
  readonly processEvents?: ProcessEventLog;
}

/** A Node thread is named `node`: say what it is for when the sampler could tell. */
export function threadLabel(name: string, role: string): string {
  const clean = sanitizeForTerminal(name);
  const cleanRole = sanitizeForTerminal(role);
  return cleanRole === '' ? clean : `${clean}·${cleanRole}`;
}

/** State letters in reading order: what runs first, what is stuck next, then the sleepers. */
const STATE_ORDER = ['R', 'D', 'S', 'I', 'T', 't', 'Z', 'X'];

/** How many threads are in each state, in STATE_ORDER (unknown letters last), zeros left out. */
export function stateCounts(states: readonly string[]): Array<readonly [string, number]> {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  const rank = (s: string) => (STATE_ORDER.includes(s) ? STATE_ORDER.indexOf(s) : STATE_ORDER.length);
  return [...counts.entries()].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/** `1 R, 10 S` (or `1R 10S` when tight). */
export function stateSummary(states: readonly string[], tight = false): string {
  return stateCounts(states)
    .map(([s, n]) => (tight ? `${n}${s}` : `${n} ${s}`))
    .join(tight ? ' ' : ', ');
}

/** The activity of some threads: who ran, for how long in all. */
export function activityOf(threads: readonly ThreadSample[]): Activity {
  let known = 0;
  let ran = 0;
  let ranMs = 0;
  for (const t of threads) {
    if (t.ranMs === null) continue;
    known++;
    if (t.ranMs > 0) {
      ran++;
      ranMs += t.ranMs;
    }
  }
  return { known, ran, ranMs };
}

/** Columns of the activity column: `LAST 250ms` over `ran 850µs`, `12 ran 36ms` cut to `12 ran`. */
export const ACTIVITY_COLUMNS = 11;

/**
 * Time on a CPU in at most 6 columns, as short as its size allows: `<1µs`, `850µs`, `9.9ms`,
 * `37ms`, `1.2s`, `12s`. `whole` drops the decimal of milliseconds (`10ms` for 9.9).
 */
export function formatRanMs(ms: number, whole = false): string {
  if (ms < 0.0005) return '<1µs';
  if (ms < 0.9995) return `${Math.round(ms * 1000)}µs`;
  if (ms < 9.95 && !whole) return `${ms.toFixed(1)}ms`;
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  return s < 9.95 ? `${s.toFixed(1)}s` : `${Math.round(s)}s`;
}

/**
 * What threads that did not run at all were doing, by their state letter: asleep, stuck in
 * the kernel (D), runnable but never given a CPU (R: a thread that had run would have run time),
 * stopped, or dead.
 */
export function idleWord(state: string): string {
  switch (state) {
    case 'D':
      return 'blocked';
    case 'R':
      return 'queued';
    case 'T':
    case 't':
      return 'stopped';
    case 'Z':
    case 'X':
      return 'exited';
    default:
      return 'slept';
  }
}

/**
 * A row's activity in ACTIVITY_COLUMNS: one thread `ran 37ms` / `slept`; several (a group, a
 * process) `3 ran 12ms`, how many ran and their time in all, or `3 ran` when that is too
 * long; `—` before the thread was seen at two samples.
 */
export function activityText(activity: Activity, single: boolean, state: string): string {
  if (activity.known === 0) return '—';
  if (activity.ran === 0) return idleWord(state);
  if (single) return `ran ${formatRanMs(activity.ranMs)}`;
  const count = formatCount(activity.ran);
  for (const text of [`${count} ran ${formatRanMs(activity.ranMs)}`, `${count} ran ${formatRanMs(activity.ranMs, true)}`]) {
    if (text.length <= ACTIVITY_COLUMNS) return text;
  }
  return `${count} ran`;
}

/** Ran is green; what did not run stays dim, except the waits worth a look (queued, blocked, stopped). */
function activityStyle(activity: Activity, state: string): Omit<Segment, 'text'> {
  if (activity.known === 0) return { dim: true };
  if (activity.ran > 0) return { color: 'green' };
  return idleWord(state) === 'slept' ? { dim: true } : { color: 'yellow' };
}

/** The interval in the header: `250ms` (to 10 ms: the sampler's ticks jitter by a few), `1.0s`. */
export function formatIntervalMs(ms: number): string {
  if (ms < 995) return `${Math.round(ms / 10) * 10}ms`;
  const s = ms / 1000;
  return s < 9.95 ? `${s.toFixed(1)}s` : `${Math.round(s)}s`;
}

/** The root first (the process whose parent is outside the tree), then the others by pid. */
export function orderProcesses(processes: readonly ProcessSample[]): ProcessSample[] {
  // The server's tree first, then each companion's (nginx in front) as a group of its own.
  const groups = new Map<string | undefined, ProcessSample[]>([[undefined, []]]);
  for (const p of processes) {
    const members = groups.get(p.group);
    if (members) members.push(p);
    else groups.set(p.group, [p]);
  }
  return [...groups.values()].flatMap((members) => {
    const pids = new Set(members.map((p) => p.pid));
    const root = members.find((p) => !pids.has(p.ppid)) ?? members[0];
    const rest = members.filter((p) => p !== root).sort((a, b) => a.pid - b.pid);
    return root === undefined ? [] : [root, ...rest];
  });
}

function isSleeping(state: string): boolean {
  return state === 'S' || state === 'I';
}

/** Worth a row at 'busy' detail: not asleep, using CPU, or new. */
export function isNotable(thread: ThreadSample, born: boolean): boolean {
  return !isSleeping(thread.state) || (thread.cpuPercent ?? 0) >= 1 || born;
}

function commonLabel(labels: readonly string[], names: readonly string[]): string {
  if (labels.every((l) => l === labels[0])) return labels[0];
  if (names.every((n) => n === names[0])) {
    // Same program, several roles (4 V8 platform threads and the inspector wait alike): name
    // the most common role and count the rest, rather than drop what is known.
    const counts = new Map<string, number>();
    for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    const [top, topCount] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a));
    return top === names[0] ? names[0] : `${top}+${labels.length - topCount}`;
  }
  let prefix = labels[0];
  for (const l of labels) while (!l.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.length >= 2 ? `${prefix}…` : 'threads';
}

/** A thread with what every level needs computed once per frame. */
interface PreparedThread {
  readonly sample: ThreadSample;
  readonly name: string;
  readonly label: string;
  readonly wait: string;
  readonly born: boolean;
  readonly notable: boolean;
}

function prepareThreads(threads: readonly ThreadSample[], bornTids: ReadonlySet<number>): PreparedThread[] {
  return [...threads]
    .sort((a, b) => a.tid - b.tid)
    .map((t) => {
      const born = bornTids.has(t.tid);
      return {
        sample: t,
        name: sanitizeForTerminal(t.name),
        label: threadLabel(t.name, t.role),
        // A running thread waits on nothing, whatever a stale wchan said.
        wait: t.state === 'R' ? '' : sanitizeForTerminal(t.waitLabel),
        born,
        notable: isNotable(t, born),
      };
    });
}

function groupKey(t: PreparedThread, detail: Detail): string {
  if (detail === 'all') return String(t.sample.tid);
  if (detail === 'grouped') return `${t.label}\0${t.sample.state}\0${t.wait}`;
  // The main thread (the event loop) keeps a row of its own even when its wait is shared.
  return `${t.sample.state}\0${t.wait}\0${t.sample.role === 'main' ? 'main' : ''}`;
}

function picked(threads: readonly PreparedThread[], detail: Detail): readonly PreparedThread[] {
  if (detail === 'processes') return [];
  return detail === 'busy' ? threads.filter((t) => t.notable) : threads;
}

/** How many rows the threads take at a detail level, without building them. */
function rowsAt(threads: readonly PreparedThread[], detail: Detail): number {
  if (detail === 'all') return threads.length;
  const keys = new Set<string>();
  for (const t of picked(threads, detail)) keys.add(groupKey(t, detail));
  return keys.size;
}

function entriesAt(threads: readonly PreparedThread[], detail: Detail): ThreadEntry[] {
  const groups = new Map<string, PreparedThread[]>();
  for (const t of picked(threads, detail)) {
    const key = groupKey(t, detail);
    const members = groups.get(key);
    if (members) members.push(t);
    else groups.set(key, [t]);
  }
  return [...groups.values()].map((members) => {
    const first = members[0].sample;
    let cpu: number | null = null;
    let bornCount = 0;
    for (const m of members) {
      if (m.sample.cpuPercent !== null) cpu = (cpu ?? 0) + m.sample.cpuPercent;
      if (m.born) bornCount++;
    }
    const activity = activityOf(members.map((m) => m.sample));
    return {
      tids: members.map((m) => m.sample.tid),
      label: commonLabel(members.map((m) => m.label), members.map((m) => m.name)),
      state: first.state,
      waitLabel: members[0].wait,
      wchan: members.every((m) => m.sample.wchan === first.wchan) ? sanitizeForTerminal(first.wchan) : '',
      cpuPercent: cpu,
      activity,
      lastCpu: members.length === 1 ? first.lastCpu : null,
      bornCount,
    };
  });
}

/**
 * The rows under one process at a detail level, in order of their first tid. Threads are
 * grouped by label+state+wait ('grouped') or by state+wait ('by-wait', 'busy').
 */
export function groupThreads(
  threads: readonly ThreadSample[],
  detail: Detail,
  bornTids: ReadonlySet<number>,
): ThreadEntry[] {
  return entriesAt(prepareThreads(threads, bornTids), detail);
}

function recent(changes: readonly ThreadChange[], nowMs: number, windowMs: number): ThreadChange[] {
  return changes.filter((c) => nowMs - c.tMs <= windowMs);
}

const stateRank = (s: string) => (STATE_ORDER.includes(s) ? STATE_ORDER.indexOf(s) : STATE_ORDER.length);

/** The rows under a process in the order the user chose; ties (and 'tid') by first tid. */
export function sortEntries(entries: readonly ThreadEntry[], sort: ThreadSort): ThreadEntry[] {
  const byTid = (a: ThreadEntry, b: ThreadEntry) => a.tids[0] - b.tids[0];
  const compare: Record<ThreadSort, (a: ThreadEntry, b: ThreadEntry) => number> = {
    tid: byTid,
    // The busiest first: %CPU, then time on a CPU over the last interval (the first sample has no %CPU).
    cpu: (a, b) => (b.cpuPercent ?? -1) - (a.cpuPercent ?? -1) || b.activity.ranMs - a.activity.ranMs || byTid(a, b),
    state: (a, b) => stateRank(a.state) - stateRank(b.state) || byTid(a, b),
    name: (a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) || byTid(a, b),
  };
  return [...entries].sort(compare[sort]);
}

/**
 * The tree with only what matches `filter` (case-insensitive, in the sanitized name): a
 * process whose name matches keeps all its threads; otherwise it keeps the threads whose
 * name or role matches, and goes when none does.
 */
export function filterProcesses(processes: readonly ProcessSample[], filter: string): ProcessSample[] {
  const needle = filter.trim().toLowerCase();
  if (needle === '') return [...processes];
  const out: ProcessSample[] = [];
  for (const p of processes) {
    if (sanitizeForTerminal(p.name).toLowerCase().includes(needle)) {
      out.push(p);
      continue;
    }
    const threads = p.threads.filter((t) => threadLabel(t.name, t.role).toLowerCase().includes(needle));
    if (threads.length > 0) out.push({ ...p, threads });
  }
  return out;
}

/**
 * A process's thread count per second of the session, oldest first: the most it had in that
 * second, 0 before it appeared and after it went. From its step series (state.processes).
 */
export function threadsPerSecond(track: ProcessTrack, nowMs: number): number[] {
  const seconds = Math.max(0, Math.ceil(nowMs / 1000));
  const out = new Array<number>(seconds).fill(0);
  const steps = track.threads;
  let k = 0;
  let current = 0;
  for (let s = 0; s < seconds; s++) {
    const from = s * 1000;
    const to = from + 1000;
    let max = current;
    while (k < steps.length && steps[k][0] < to) {
      current = steps[k][1];
      max = steps[k][0] <= from ? current : Math.max(max, current);
      k++;
    }
    const gone = !track.alive && from > track.lastMs;
    out[s] = track.firstMs >= to || gone ? 0 : max;
  }
  return out;
}

/** Decides what the pane shows in `rows` lines: never more lines than `rows`. */
export function planThreadPane(input: ThreadPaneInput, rows: number): ThreadPlan {
  const view = input.view ?? DEFAULT_VIEW;
  const bornWindow = input.bornHighlightMs ?? BORN_HIGHLIGHT_MS;
  const born = recent(input.births, input.nowMs, bornWindow);
  const died = recent(input.deaths, input.nowMs, input.diedShowMs ?? DIED_SHOW_MS);
  const bornTids = new Set(born.map((c) => c.tid));
  const everything = orderProcesses(input.snapshot?.processes ?? []);
  const processes = filterProcesses(everything, view.filter);
  // The totals are the server's, as the report's shape is; companions are counted apart.
  const server = processes.filter((p) => p.group === undefined);
  const allThreads = server.flatMap((p) => p.threads);
  const cpus = server.map((p) => p.cpuPercent).filter((c): c is number => c !== null);
  const companions = new Map<string, number>();
  for (const p of processes) if (p.group !== undefined) companions.set(p.group, (companions.get(p.group) ?? 0) + 1);
  const totals: ThreadTotals = {
    processes: server.length,
    threads: allThreads.length,
    states: stateCounts(allThreads.map((t) => t.state)),
    activity: activityOf(allThreads),
    companions: [...companions],
    cpuPercent: cpus.length === 0 ? null : cpus.reduce((a, b) => a + b, 0),
    born: born.length,
    died: died.length,
  };
  const intervalMs = input.snapshot?.intervalMs ?? 0;
  const unfilteredThreads = everything.filter((p) => p.group === undefined).reduce((n, p) => n + p.threads.length, 0);
  const common = { intervalMs, totals, view, unfilteredThreads, sparkMax: 0 };
  const empty = {
    ...common,
    detail: 'processes' as const,
    processes: [],
    hiddenProcesses: 0,
    hiddenThreads: 0,
    showHeader: false,
    died: [],
    processEvents: null,
  };
  if (input.snapshot === null) return { ...empty, note: 'waiting for the first sample…' };
  if (everything.length === 0) return { ...empty, note: 'the server’s process tree is gone' };
  if (processes.length === 0) return { ...empty, note: `no thread or process name contains “${sanitizeForTerminal(view.filter)}” (Esc clears the filter)` };

  // Title, then the column header when there is room for at least one row below it.
  const showHeader = rows >= 3;
  let treeRows = Math.max(0, rows - 1 - (showHeader ? 1 : 0));
  const scrolling = view.cursor !== null;
  // A worker that died stays told for the whole run (its row is gone), before the dead threads
  // and even when the tree does not fit (then `… N more processes` takes the tree's last row).
  const events = input.processEvents !== undefined && input.processEvents.exited + input.processEvents.started > 0 ? input.processEvents : null;
  const showEvents = !scrolling && events !== null && treeRows >= 3;
  if (showEvents) treeRows -= 1;
  const showDied = !scrolling && died.length > 0 && treeRows >= processes.length + 1;
  if (showDied) treeRows -= 1;
  const processEvents = showEvents ? events : null;

  const byPid = new Map(everything.map((p) => [p.pid, p]));
  const depthOf = (p: ProcessSample): number => {
    let depth = 0;
    for (let q = byPid.get(p.ppid); q !== undefined && depth < everything.length; q = byPid.get(q.ppid)) depth++;
    return depth;
  };
  const sparks = processes.map((p) => {
    const track = input.tracks?.[String(p.pid)];
    return track === undefined ? null : { perSecond: threadsPerSecond(track, input.nowMs), first: track.threads[0]?.[1] ?? 0 };
  });
  const sparkMax = Math.max(0, ...sparks.flatMap((v) => v?.perSecond ?? []));
  const prepared = processes.map((p) => prepareThreads(p.threads, bornTids));
  const view_ = (k: number, detail: Detail, withSpark: boolean): ProcessView => {
    const p = processes[k];
    return {
      pid: p.pid,
      depth: depthOf(p),
      name: sanitizeForTerminal(p.name),
      ...(p.group === undefined ? {} : { group: sanitizeForTerminal(p.group) }),
      rssBytes: p.rssBytes,
      cpuPercent: p.cpuPercent,
      threadCount: p.threads.length,
      states: stateCounts(p.threads.map((t) => t.state)),
      activity: activityOf(p.threads),
      born: born.some((c) => c.pid === p.pid && c.tid === p.pid),
      entries: sortEntries(entriesAt(prepared[k], detail), view.sort),
      spark: withSpark ? sparks[k] : null,
    };
  };

  if (scrolling) {
    // The whole list, one row per thread (per process, collapsed); the lines scroll to the cursor.
    const detail: Detail = view.collapsed ? 'processes' : 'all';
    const length = processes.reduce((n, p) => n + 1 + (view.collapsed ? 0 : p.threads.length), 0);
    return {
      ...common,
      view: { ...view, cursor: Math.max(0, Math.min(length - 1, view.cursor ?? 0)) },
      detail,
      processes: processes.map((_, k) => view_(k, detail, false)),
      hiddenProcesses: 0,
      hiddenThreads: 0,
      showHeader,
      died: [],
      processEvents: null,
      note: null,
    };
  }

  if (processes.length > treeRows) {
    // Not even one row per process: the first ones, then a line that says what is left out.
    const shown = Math.max(0, treeRows - 1);
    const hidden = processes.slice(shown);
    return {
      ...common,
      detail: 'processes',
      processes: processes.slice(0, shown).map((_, k) => view_(k, 'processes', false)),
      hiddenProcesses: treeRows >= 1 ? hidden.length : 0,
      hiddenThreads: treeRows >= 1 ? hidden.reduce((n, p) => n + p.threads.length, 0) : 0,
      showHeader,
      died: showDied ? died : [],
      processEvents,
      note: null,
    };
  }
  // Rows per process at each level, counted without building the rows; collapsed: no threads.
  const maxLevel = view.collapsed ? 0 : DETAIL_LEVELS.length - 1;
  const threadRows = prepared.map((threads) => DETAIL_LEVELS.map((d) => rowsAt(threads, d)));
  const fit = (spark: boolean) => {
    const rowsPer = threadRows.map((r, k) => r.map((n) => 1 + n + (spark && sparks[k] !== null ? 1 : 0)));
    const total = (level: number) => rowsPer.reduce((n, r) => n + r[level], 0);
    let level = maxLevel;
    while (level > 0 && total(level) > treeRows) level--;
    return { rowsPer, total, level, fits: total(level) <= treeRows };
  };
  // A line of threads over time under each process, when it costs no level of detail (it may
  // take the rows left over, which would have shown some processes finer); collapsed (`t`),
  // whenever the process rows and their lines fit.
  const plain = fit(false);
  const withSparks = fit(true);
  const useSparks = sparks.some((v) => v !== null) && withSparks.fits && withSparks.level >= plain.level;
  const { rowsPer, total, level } = useSparks ? withSparks : plain;
  // Rows left over go to the next level of detail, process by process in display order
  // (the root first), so a tall pane is not left half empty.
  const levels = processes.map(() => level);
  if (level < maxLevel) {
    let used = total(level);
    for (let k = 0; k < processes.length; k++) {
      const extra = rowsPer[k][level + 1] - rowsPer[k][level];
      if (used + extra > treeRows) continue;
      used += extra;
      levels[k] = level + 1;
    }
  }
  return {
    ...common,
    sparkMax,
    detail: DETAIL_LEVELS[level],
    processes: processes.map((_, k) => view_(k, DETAIL_LEVELS[levels[k]], useSparks)),
    hiddenProcesses: 0,
    hiddenThreads: 0,
    showHeader,
    died: showDied ? died : [],
    processEvents,
    note: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Lines

/** Column widths of the pane at `width` columns. */
export interface ThreadColumns {
  /** PID of a process, or an indented TID, with the `+` mark. */
  readonly id: number;
  readonly name: number;
  /** What the row did over the last interval (ACTIVITY_COLUMNS). */
  readonly activity: number;
  /** %CPU (5 columns), left out of narrow panes: the activity says the same in ms. */
  readonly cpu: number;
  /** RSS for a process, what a sleeping thread waits on. */
  readonly last: number;
}

/** Fixed part of a row: id(10) sp name sp S sp activity [sp %CPU(5)] sp sp last. */
const FIXED_COLUMNS = 10 + 1 + 1 + 1 + 1 + ACTIVITY_COLUMNS + 2;
const CPU_COLUMNS = 1 + 5;
/** The shortest wait column worth showing: `epoll wait`, `futex wait`. */
const MIN_WAIT_COLUMNS = 10;

export function threadColumns(width: number): ThreadColumns {
  const flexible = Math.max(0, width - FIXED_COLUMNS - CPU_COLUMNS);
  if (flexible >= 18 + MIN_WAIT_COLUMNS) {
    // Names get up to 28 columns (a 15-byte comm, a role, a `4× ` prefix, tree indentation);
    // what is left goes to the wait column, which shows the raw wchan too once it is wide.
    // The sampler's wait labels are at most 17 columns (`futex wait`, `unix socket
    // write`: src/proc/parse.ts); names get the rest up to 28, and at least 18.
    const name = Math.min(28, Math.max(18, flexible - 17));
    return { id: 10, name, activity: ACTIVITY_COLUMNS, cpu: 5, last: Math.min(48, flexible - name) };
  }
  // Narrow (the side-by-side pane of a 100-column terminal is 50): %CPU goes, since the
  // activity says it in ms, and names shrink to 12 before the wait does (fitLabel drops the
  // program's name first: `4× V8 platform`).
  const rest = Math.max(0, width - FIXED_COLUMNS);
  const name = Math.min(rest, Math.max(12, Math.min(18, rest - MIN_WAIT_COLUMNS)));
  return { id: 10, name, activity: ACTIVITY_COLUMNS, cpu: 0, last: Math.max(0, rest - name) };
}

/** From this width of the wait column, a wait label is followed by its raw kernel symbol. */
export const WCHAN_SHOWN_FROM = 32;

/** The Ink colour of a state letter (proc(5)): R runs, D is stuck in the kernel, Z is dead. */
export function stateStyle(state: string): Omit<Segment, 'text'> {
  switch (state) {
    case 'R':
      return { color: 'green', bold: true };
    case 'D':
      return { color: 'yellow', bold: true };
    case 'Z':
    case 'X':
      return { color: 'red', bold: true };
    case 'T':
    case 't':
      return { color: 'yellow' };
    default:
      return { dim: true };
  }
}

/** The state summary as segments: running counts green, D yellow, Z red, sleepers plain. */
function stateSegments(counts: ReadonlyArray<readonly [string, number]>, tight = false): Segment[] {
  const out: Segment[] = [];
  counts.forEach(([letter, n], k) => {
    if (k > 0) out.push({ text: tight ? ' ' : ', ' });
    const style = stateStyle(letter);
    out.push({ text: tight ? `${n}${letter}` : `${n} ${letter}`, ...(style.dim ? {} : { color: style.color }) });
  });
  return out;
}

/** The letters worth a look in a summary that already says who ran: not R, S or I (D, Z, T…). */
function notableStates(counts: ReadonlyArray<readonly [string, number]>): Array<readonly [string, number]> {
  return counts.filter(([letter]) => letter !== 'R' && letter !== 'S' && letter !== 'I');
}

/** How the sort reads in the title: `Threads by CPU`; the default (tid) says nothing. */
export const SORT_LABELS: Readonly<Record<ThreadSort, string>> = { tid: 'tid', cpu: 'CPU', state: 'state', name: 'name' };

/** Rows of the pane's list (process rows and thread rows): what the cursor moves over. */
export function listLength(plan: ThreadPlan): number {
  return plan.processes.reduce((n, p) => n + 1 + p.entries.length, 0);
}

function titleLine(plan: ThreadPlan, width: number): Line {
  const t = plan.totals;
  const v = plan.view;
  const line: Segment[] = [{ text: 'Threads', bold: true }];
  if (v.sort !== 'tid') line.push({ text: ` by ${SORT_LABELS[v.sort]}`, color: 'cyan', bold: true });
  // What the user set stays in the title whatever the width: a filtered or scrolled pane says so.
  const tags: Segment[] = [];
  if (v.collapsed) tags.push({ text: ' · ' }, { text: 'collapsed', color: 'cyan' });
  if (v.filter !== '') tags.push({ text: ' · ' }, { text: `filter “${sanitizeForTerminal(v.filter)}”`, color: 'cyan', bold: true });
  if (v.cursor !== null) tags.push({ text: ` · row ${formatCount(v.cursor + 1)}/${formatCount(listLength(plan))}`, bold: true });
  const extras: Segment[][] = [];
  if (plan.note === null || t.processes > 0) {
    // Threads first seen this sample count in neither ran nor slept (they are the `+N new`);
    // on the first sample there is no interval at all, only the letters.
    const ran: Segment = { text: `${formatCount(t.activity.ran)} ran`, ...(t.activity.ran > 0 ? { color: 'green' } : {}) };
    const summaries: Segment[][] =
      t.activity.known === 0
        ? [stateSegments(t.states)]
        : [[ran, { text: `, ${formatCount(t.activity.known - t.activity.ran)} slept` }], [ran]];
    const filtered = v.filter !== '';
    const of = filtered ? ` of ${formatCount(plan.unfilteredThreads)}` : '';
    const slash = filtered ? `/${formatCount(plan.unfilteredThreads)}` : '';
    const counts = [
      ` · ${t.processes} ${t.processes === 1 ? 'process' : 'processes'} · ${formatCount(t.threads)}${of} threads: `,
      ` · ${t.processes} proc · ${formatCount(t.threads)}${slash} thr: `,
      ` · ${formatCount(t.threads)}${slash} thr: `,
    ];
    // The first that fits; a narrow pane (50 columns beside the latency pane) drops the
    // slept count (the rest of the threads), then takes the short words; with the view's
    // tags (sort, filter, row) it may come down to the count alone.
    const head = lineText(line) + lineText(tags);
    const candidates = [
      ...counts.flatMap((c) => summaries.map((summary): Segment[] => [{ text: c }, ...summary])),
      [{ text: ` · ${formatCount(t.threads)}${slash} thr` }],
    ];
    line.push(...(candidates.find((c) => displayWidth(head + lineText(c)) <= width) ?? candidates[candidates.length - 1]));
    if (t.activity.known > 0) {
      const notable = notableStates(t.states);
      if (notable.length > 0) extras.push([{ text: ' · ' }, ...stateSegments(notable)]);
    }
  }
  line.push(...tags);
  if (t.born > 0) extras.push([{ text: ' · ' }, { text: `+${t.born} new`, color: 'green' }]);
  if (t.died > 0) extras.push([{ text: ' · ' }, { text: `−${t.died} died`, color: 'red' }]);
  if (t.cpuPercent !== null) extras.push([{ text: ` · ${formatCpuPercent(t.cpuPercent)}% CPU`, dim: true }]);
  for (const [group, count] of t.companions) extras.push([{ text: ` · + ${group} ${count}`, dim: true }]);
  // Optional parts are added whole or not at all, so the line never ends in a cut number.
  let used = displayWidth(line.map((s) => s.text).join(''));
  for (const extra of extras) {
    const w = displayWidth(extra.map((s) => s.text).join(''));
    if (used + w > width) break;
    line.push(...extra);
    used += w;
  }
  return fitLine(line, width);
}

function headerLine(cols: ThreadColumns, intervalMs: number, width: number): Line {
  const last = intervalMs > 0 ? `LAST ${formatIntervalMs(intervalMs)}` : 'LAST';
  const cpu = cols.cpu > 0 ? ` ${padStart('%CPU', cols.cpu)}` : '';
  const text = `${padEnd('PID/TID', cols.id)} ${padEnd('NAME', cols.name)} S ${padEnd(last, cols.activity)}${cpu}  RSS / WAIT`;
  return fitLine([{ text, dim: true }], width);
}

/** How a process row sums up its threads' states; one style for the whole pane, so the rows line up. */
export type StatesStyle = 'full' | 'tight' | 'notable';

function processIndent(p: ProcessView): string {
  // Children under the root read as a tree: `└ node`, `  └ node`.
  // A companion's root says which group follows: `» nginx` (the server's own root has no mark).
  return p.depth === 0 ? (p.group === undefined ? '' : '» ') : `${'  '.repeat(Math.min(p.depth, 4) - 1)}└ `;
}

/** The tail after `N thr` in a style: `: 3 R, 209 S`, ` 3R 209S`, or the notable letters only (`: 1 D`). */
function statesTails(p: ProcessView, style: StatesStyle): Segment[][] {
  if (style === 'full' && p.states.length > 0) return [[{ text: ': ' }, ...stateSegments(p.states)]];
  if (style === 'tight' && p.states.length > 0) return [[{ text: ' ' }, ...stateSegments(p.states, true)]];
  // Who ran is in the activity column; the name cell adds the letters worth a look.
  const notable = notableStates(p.states);
  return notable.length === 0 ? [[]] : [[{ text: ': ' }, ...stateSegments(notable)], [{ text: ' ' }, ...stateSegments(notable, true)], []];
}

function nameCellWidth(p: ProcessView, tail: readonly Segment[]): number {
  return displayWidth(processIndent(p) + p.name + `  ${p.threadCount} thr` + lineText(tail));
}

/**
 * The style every process row of the pane can take: the states in full (`212 thr: 3 R, 209 S`),
 * tight (`212 thr 3R 209S`), or only the letters worth a look (D, Z, T…), as before.
 */
export function statesStyleFor(processes: readonly ProcessView[], cols: ThreadColumns): StatesStyle {
  for (const style of ['full', 'tight'] as const) {
    if (processes.every((p) => nameCellWidth(p, statesTails(p, style)[0]) <= cols.name)) return style;
  }
  return 'notable';
}

function processLine(p: ProcessView, cols: ThreadColumns, width: number, style: StatesStyle = 'notable'): Line {
  const mark: Segment = p.born ? { text: '+', color: 'green', bold: true } : { text: ' ' };
  const indent = processIndent(p);
  const name = indent + p.name;
  const short = `${p.threadCount} thr`;
  // When even `name  N thr` is too long, the name is cut, never the count (`└ gunic… 601 thr`).
  const countWidth = displayWidth(` ${short}`);
  let nameCell: Segment[] =
    cols.name >= countWidth + 4
      ? [{ text: indent, dim: true }, { text: truncateEnd(p.name, cols.name - countWidth - displayWidth(indent)), bold: true }, { text: ` ${short}` }]
      : [{ text: truncateEnd(name, cols.name), bold: true }];
  for (const tail of [...statesTails(p, style), []]) {
    if (nameCellWidth(p, tail) > cols.name) continue;
    nameCell = [{ text: indent, dim: true }, { text: p.name, bold: true }, { text: `  ${short}` }, ...tail];
    break;
  }
  const cellWidth = displayWidth(nameCell.map((s) => s.text).join(''));
  return fitLine(
    [
      mark,
      { text: padEnd(String(p.pid), cols.id - 1), bold: true },
      { text: ' ' },
      ...nameCell,
      { text: ' '.repeat(cols.name - cellWidth) + '   ' },
      { text: padEnd(activityText(p.activity, false, ''), cols.activity), ...activityStyle(p.activity, '') },
      ...(cols.cpu > 0 ? [{ text: ' ' }, { text: padStart(formatCpuPercent(p.cpuPercent), cols.cpu) }] : []),
      { text: '  ' },
      { text: formatRssBytes(p.rssBytes), dim: true },
    ],
    width,
  );
}

/**
 * A thread's label in `width` columns. Threads are named after their program (`node·main`):
 * when the whole label does not fit, the program's name goes first, since the process row
 * above says it, and only then is the role cut.
 */
export function fitLabel(prefix: string, label: string, width: number): string {
  const whole = prefix + label;
  if (displayWidth(whole) <= width) return whole;
  const dot = label.indexOf('·');
  return truncateEnd(dot < 0 ? whole : prefix + label.slice(dot + 1), width);
}

function threadLine(e: ThreadEntry, cols: ThreadColumns, width: number): Line {
  const group = e.tids.length > 1;
  // A new thread: `+4251`; a group with new members: `+3` (how many of them are new).
  const mark: Segment = e.bornCount > 0 ? { text: '+', color: 'green', bold: true } : { text: ' ' };
  const id = group ? (e.bornCount > 0 ? String(e.bornCount) : '') : String(e.tids[0]);
  const label = fitLabel(group ? `${e.tids.length}× ` : '', e.label, cols.name);
  const running = e.state === 'R';
  const last = running ? (e.lastCpu === null ? '' : `on cpu ${e.lastCpu}`) : e.waitLabel;
  const symbol = !running && cols.last >= WCHAN_SHOWN_FROM && e.wchan !== '' && e.wchan !== e.waitLabel ? e.wchan : '';
  const line: Segment[] = [
    { text: '  ' },
    mark,
    { text: padEnd(id, cols.id - 3), ...(e.bornCount > 0 ? { color: 'green' } : {}) },
    { text: ' ' },
    { text: padEnd(label, cols.name) },
    { text: ' ' },
    { text: e.state, ...stateStyle(e.state) },
    { text: ' ' },
    { text: padEnd(activityText(e.activity, !group, e.state), cols.activity), ...activityStyle(e.activity, e.state) },
  ];
  if (cols.cpu > 0) line.push({ text: ' ' }, { text: padStart(formatCpuPercent(e.cpuPercent), cols.cpu), ...(running ? { color: 'green' } : {}) });
  if (last !== '' && cols.last > 0) line.push({ text: '  ' }, { text: last });
  if (symbol !== '') line.push({ text: ` ${symbol}`, dim: true });
  return fitLine(line, width);
}

function diedLine(died: readonly ThreadChange[], width: number): Line {
  // `−3 died: 2× node·libuv pool (pid 4243), node (pid 4250)`
  const groups = new Map<string, { pid: number; label: string; n: number }>();
  for (const d of died) {
    const label = threadLabel(d.name, d.role);
    const key = `${d.pid}\0${label}`;
    const g = groups.get(key);
    if (g) g.n += 1;
    else groups.set(key, { pid: d.pid, label, n: 1 });
  }
  const parts = [...groups.values()].map((g) => `${g.n > 1 ? `${g.n}× ` : ''}${g.label} (pid ${g.pid})`);
  return fitLine([{ text: `−${died.length} died: ${parts.join(', ')}`, color: 'red' }], width);
}

const atSeconds = (tMs: number) => `${(tMs / 1000).toFixed(1)} s`;
const processName = (e: ProcessEvent) => `(${sanitizeForTerminal(e.name)})`;

/**
 * The processes that came and went, on one line for the whole run, longest wording that fits:
 *   `✝ pid 4312 (gunicorn) exited at 3.2 s · respawned as pid 4390 at 3.4 s`
 *   `✝ 3 exited, 3 respawned · last: pid 4312 (gunicorn) at 3.2 s → pid 4390 at 3.4 s`
 *   `✚ 2 started · last: pid 4390 (gunicorn) at 3.4 s` (a pool that grew: no exit)
 * Red while an exit has no respawn, yellow when every one had, cyan for starts only.
 */
export function processEventLine(log: ProcessEventLog, width: number): Line {
  const { exits, starts } = respawnsOf(log.recent);
  const respawned = exits.filter((x) => x.respawn !== null).length;
  const last = exits[exits.length - 1];
  let candidates: string[];
  let color: string;
  if (last !== undefined) {
    const e = last.exited;
    const r = last.respawn;
    const extra = log.started - respawned > 0 ? ` · ${formatCount(log.started - respawned)} started` : '';
    color = exits.some((x) => x.respawn === null) ? 'red' : 'yellow';
    if (log.exited === 1) {
      const at = atSeconds(e.tMs);
      candidates =
        r === null
          ? [`✝ pid ${e.pid} ${processName(e)} exited at ${at} · no respawn yet${extra}`, `✝ pid ${e.pid} ${processName(e)} exited at ${at} · no respawn yet`, `✝ pid ${e.pid} exited at ${at} · no respawn yet`, `✝ pid ${e.pid} exited at ${at}`]
          : [
              `✝ pid ${e.pid} ${processName(e)} exited at ${at} · respawned as pid ${r.pid} at ${atSeconds(r.tMs)}${extra}`,
              `✝ pid ${e.pid} ${processName(e)} exited at ${at} · respawned as pid ${r.pid} at ${atSeconds(r.tMs)}`,
              `✝ pid ${e.pid} ${processName(e)} exited at ${at} · respawned as ${r.pid} at ${atSeconds(r.tMs)}`,
              `✝ pid ${e.pid} exited at ${at} · respawned as ${r.pid} at ${atSeconds(r.tMs)}`,
              `✝ pid ${e.pid} exited at ${at} · respawned as ${r.pid}`,
              `✝ ${e.pid} exited → ${r.pid}`,
            ];
    } else {
      const counts = `✝ ${formatCount(log.exited)} exited, ${formatCount(respawned)} respawned${extra}`;
      const then = r === null ? '' : ` → pid ${r.pid} at ${atSeconds(r.tMs)}`;
      candidates = [
        `${counts} · last: pid ${e.pid} ${processName(e)} at ${atSeconds(e.tMs)}${then}`,
        `${counts} · last: pid ${e.pid} at ${atSeconds(e.tMs)}${r === null ? '' : ` → ${r.pid}`}`,
        counts,
      ];
    }
  } else {
    const s = starts[starts.length - 1] ?? log.recent[log.recent.length - 1];
    color = 'cyan';
    candidates =
      log.started === 1
        ? [`✚ pid ${s.pid} ${processName(s)} started at ${atSeconds(s.tMs)}`, `✚ pid ${s.pid} started at ${atSeconds(s.tMs)}`]
        : [`✚ ${formatCount(log.started)} processes started · last: pid ${s.pid} ${processName(s)} at ${atSeconds(s.tMs)}`, `✚ ${formatCount(log.started)} started · last: pid ${s.pid} at ${atSeconds(s.tMs)}`];
  }
  const text = candidates.find((c) => displayWidth(c) <= width) ?? candidates[candidates.length - 1];
  return fitLine([{ text, color, bold: color === 'red' }], width);
}

/**
 * A process's threads over the session, under its row: `threads ▁▁▃▅▇██ 1→51`. One scale for
 * every process (the plan's sparkMax), so a worker that grew reads taller than one that did not.
 */
function sparkLine(p: ProcessView, max: number, cols: ThreadColumns, width: number): Line {
  const values = p.spark?.perSecond ?? [];
  const first = p.spark?.first ?? p.threadCount;
  const suffix = first === p.threadCount ? ` ${formatCount(p.threadCount)}` : ` ${formatCount(first)}→${formatCount(p.threadCount)}`;
  const indent = ' '.repeat(cols.id + 1 + Math.min(p.depth, 4) * 2);
  const room = Math.max(0, width - displayWidth(indent) - 8 - displayWidth(suffix));
  return fitLine(
    [
      { text: indent },
      { text: 'threads ', dim: true },
      { text: toSparkline(values, room, max) || ' ', color: 'cyan' },
      { text: suffix, dim: true },
    ],
    width,
  );
}

/** The cursor's row: inverse across the pane, with `›` in its first column (seen without colour too). */
function cursorLine(line: Line, width: number): Line {
  const segments = line.map((s) => ({ ...s, inverse: true, dim: false }));
  const first = segments[0];
  if (first !== undefined && first.text.startsWith(' ')) segments[0] = { ...first, text: '›' + first.text.slice(1) };
  else segments.unshift({ text: '›', inverse: true, dim: false });
  const fitted = fitLine(segments, width);
  const pad = width - lineWidth(fitted);
  return pad > 0 ? [...fitted, { text: ' '.repeat(pad), inverse: true }] : fitted;
}

/** The first row of the list to show so that the cursor is in view, a third of the way down when it can be. */
export function scrollOffset(cursor: number, length: number, visible: number): number {
  if (visible <= 0 || length <= visible) return 0;
  return Math.max(0, Math.min(length - visible, cursor - Math.floor(visible / 3)));
}

/** The pane's lines for a plan at `width` columns. */
export function threadPaneLines(plan: ThreadPlan, width: number, rows: number): Line[] {
  if (rows <= 0) return [];
  const cols = threadColumns(width);
  const lines: Line[] = [titleLine(plan, width)];
  if (plan.note !== null) {
    if (rows >= 2) lines.push(fitLine([{ text: plan.note, dim: true }], width));
    return lines;
  }
  if (plan.showHeader) lines.push(headerLine(cols, plan.intervalMs, width));
  const list: Line[] = [];
  const style = statesStyleFor(plan.processes, cols);
  for (const p of plan.processes) {
    list.push(processLine(p, cols, width, style));
    if (p.spark !== null) list.push(sparkLine(p, plan.sparkMax, cols, width));
    for (const e of p.entries) list.push(threadLine(e, cols, width));
  }
  const cursor = plan.view.cursor;
  if (cursor !== null) {
    // Scrolling: the window of the list around the cursor (spark lines only in the overview).
    const visible = Math.max(0, rows - lines.length);
    const offset = scrollOffset(cursor, list.length, visible);
    list.slice(offset, offset + visible).forEach((line, k) => lines.push(offset + k === cursor ? cursorLine(line, width) : line));
    return lines.slice(0, rows);
  }
  lines.push(...list);
  if (plan.hiddenProcesses > 0) {
    const text = `… ${plan.hiddenProcesses} more ${plan.hiddenProcesses === 1 ? 'process' : 'processes'} (${formatCount(plan.hiddenThreads)} threads; j/k scrolls)`;
    lines.push(fitLine([{ text, dim: true }], width));
  }
  if (plan.processEvents !== null) lines.push(processEventLine(plan.processEvents, width));
  if (plan.died.length > 0) lines.push(diedLine(plan.died, width));
  return lines.slice(0, rows);
}
