import type { ContainerInfo, ContainerUsage } from '../docker/types.js';
import type { Snapshot } from '../proc/types.js';
import type { GeneratorSample, LoadCounts, SparseHistogram } from '../load/types.js';
import type { EndReason, SessionConfig } from './events.js';

/** Processes and threads of the server's tree at one instant. */
export interface ShapeCount {
  readonly processes: number;
  readonly threads: number;
}

export interface PeakShape extends ShapeCount {
  /** Highest thread count seen per pid while load ran. */
  readonly threadsPerProcess: Readonly<Record<string, number>>;
}

/** One point per sample: what the timeline of the report and the sparklines read. */
export interface TimelinePoint {
  readonly tMs: number;
  readonly processes: number;
  readonly threads: number;
  readonly running: number;
  readonly sleeping: number;
  /** Threads first seen in this sample / gone since the previous one. */
  readonly born: number;
  readonly died: number;
  /** Responses per second over the last second of load; 0 before load. */
  readonly rps: number;
  /** p50, p90 and p99 of the sliding latency window in ms; null while it is empty. */
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
  /** What the load was set to at this time: requests/s (open loop), connections (ramp); null for a constant closed loop. */
  readonly target: number | null;
  /** Failed requests so far (errors, timeouts, resets, non-2xx): when a --max-errors guard broke. */
  readonly failed: number;
  /** The interval the sampler ran at when it took this sample (longer than asked: it backed off); null when not said. */
  readonly intervalMs: number | null;
}

/** A latency batch kept for the sliding window. */
export interface WindowSlice {
  readonly tMs: number;
  /** Open loop: from the intended send time; closed loop: from the send. */
  readonly histogram: SparseHistogram;
  /** Open loop only: the same responses from their actual send. */
  readonly uncorrected: SparseHistogram | null;
  readonly completed: number;
  readonly sent: number;
  /** The load worker that sent the batch (0 without --load-workers). */
  readonly worker: number;
}

/** A thread that appeared or vanished, kept for a few seconds so the UI can highlight it. */
export interface ThreadChange {
  readonly pid: number;
  readonly tid: number;
  readonly name: string;
  readonly role: string;
  readonly tMs: number;
}

/**
 * One process of the server's tree over the whole run, as the insights read it: its thread
 * count each time it changed, and what its main thread did while the load ran.
 */
export interface ProcessTrack {
  readonly pid: number;
  readonly ppid: number;
  readonly name: string;
  readonly firstMs: number;
  readonly lastMs: number;
  /** False once a sample no longer has it. */
  readonly alive: boolean;
  /** [tMs, threads] at the first sample and at each change, oldest first. */
  readonly threads: readonly (readonly [number, number])[];
  /** [tMs, count] of threads in a pool the sampler could name (Node's worker threads, libuv's pool), likewise. */
  readonly pooled: readonly (readonly [number, number])[];
  /** Whether its main thread (tid = pid) was ever seen waiting in epoll: it runs an event loop (libuv, gevent's hub). */
  readonly eventLoop: boolean;
  /**
   * Whether another of its threads, one no role names, was ever seen waiting in epoll: its
   * threads take turns at one epoll (uWSGI's --threads share the accept), so the main thread
   * serving a request is one of several workers, not a loop frozen. Node's own threads that
   * wait in epoll (V8's delayed-task runner, worker threads) do not count.
   */
  readonly sharedEpoll: boolean;
  /**
   * Samples of its main thread while the load ran: running, in its event loop's epoll, elsewhere
   * (by wait label), and of those elsewhere, how many found another unnamed thread asleep in
   * the same wait (threads serving requests side by side, as uWSGI's --threads do).
   */
  readonly mainUnderLoad: MainThreadUnderLoad;
}

export interface MainThreadUnderLoad {
  readonly samples: number;
  readonly running: number;
  readonly inEventLoop: number;
  readonly elsewhere: Readonly<Record<string, number>>;
  readonly elsewhereWithPeers: number;
  readonly firstAwayMs: number | null;
}

/**
 * A process of the server's own tree (not a companion's) that went, or came, while the
 * server ran: derived from two consecutive samples (its pid left the tree or became a zombie;
 * a pid new to the tree after the load started). An exit followed by a start under the same
 * parent is a respawn (see `respawnsOf`): a worker that died and the one its master forked.
 */
export interface ProcessEvent {
  /** The sample that first showed it: the change happened in the interval before. */
  readonly tMs: number;
  readonly pid: number;
  readonly ppid: number;
  /** comm of the process; raw. */
  readonly name: string;
  readonly kind: 'exited' | 'started';
}

/** The process events of a run: the latest ones, and how many of each there were in all. */
export interface ProcessEventLog {
  /** Oldest first; at most the last MAX_PROCESS_EVENTS (store.ts). */
  readonly recent: readonly ProcessEvent[];
  readonly exited: number;
  readonly started: number;
}

/** The upstream (watchload's slow API) stopped serving on its own: its worker thread crashed or exited. */
export interface UpstreamFailure {
  readonly tMs: number;
  readonly message: string;
}

export type Phase = 'starting' | 'ready' | 'loading' | 'paused' | 'done' | 'failed';

export interface ServerInfo {
  readonly pid: number;
  readonly command: readonly string[];
  readonly url: string;
  readonly readyAtMs: number | null;
  /** --docker: the container it runs in, and its cgroup as last read; null on this host. */
  readonly container: ContainerInfo | null;
  readonly containerUsage: ContainerUsage | null;
  /** The most pids (processes + threads) the engine reported for the container; null before a read. */
  readonly containerPidsPeak: number | null;
  /** When the container was first seen at its pids limit, or refusing forks; null while below it (or no limit). */
  readonly containerPidsLimitAtMs: number | null;
  readonly exited: { readonly tMs: number; readonly code: number | null; readonly signal: string | null; readonly expected: boolean; readonly stderrTail: readonly string[] } | null;
}

export interface LoadState {
  readonly startedAtMs: number | null;
  readonly finishedAtMs: number | null;
  /** Milliseconds of load time spent paused, not counting a pause in progress. */
  readonly pausedTotalMs: number;
  /** When the current pause began, or null. */
  readonly pausedSinceMs: number | null;
  /** Cumulative counts since load started. */
  readonly counts: LoadCounts;
  /** Every latency since load started. */
  readonly cumulative: SparseHistogram;
  /** The batches of the last windowMs, oldest first. */
  readonly window: readonly WindowSlice[];
  /** Completed responses per whole second of load, oldest first (for the sparkline). */
  readonly rpsPerSecond: readonly number[];
  /** Requests sent per whole second of load: the achieved rate, against the target. */
  readonly sentPerSecond: readonly number[];
  /** Requests written to a connection since load started. */
  readonly sent: number;
  /** When the last response came; null before the first. */
  readonly lastResponseAtMs: number | null;
  /** Open loop only: every latency from the actual send time (cumulative is from the intended one). */
  readonly uncorrected: SparseHistogram | null;
  /** Open loop only: how late each request went out against its schedule. */
  readonly sendLag: SparseHistogram | null;
  /** The latest health sample of each load worker, by worker index. */
  readonly generator: readonly GeneratorSample[];
  /** The worst CPU and event-loop delay any load worker reported during the run. */
  readonly generatorPeak: { readonly cpuPercent: number; readonly loopDelayMaxMs: number } | null;
  /** Final totals from the driver, once it finished. */
  readonly totals: LoadCounts | null;
  /** Changes made to the load while it ran (keys), oldest first: marks on the time axis. */
  readonly adjustments: readonly LoadAdjustment[];
}

/** The load set, from tMs on, to a number of connections (closed loop) or a rate (open loop). */
export interface LoadAdjustment {
  readonly tMs: number;
  readonly connections: number | null;
  readonly rate: number | null;
}

export interface SessionState {
  readonly config: SessionConfig | null;
  readonly phase: Phase;
  /** The latest tMs of any event: the session's "now". */
  readonly nowMs: number;
  readonly upstreamUrl: string | null;
  /** Set when the upstream failed during the run; requests that need it fail from then on. */
  readonly upstreamFailure: UpstreamFailure | null;
  readonly server: ServerInfo | null;
  /** The latest sample of the server's tree. */
  readonly snapshot: Snapshot | null;
  /** Threads born / dead in the last few seconds, newest last. */
  readonly births: readonly ThreadChange[];
  readonly deaths: readonly ThreadChange[];
  readonly shape: {
    readonly before: ShapeCount | null;
    readonly peak: PeakShape | null;
    readonly after: ShapeCount | null;
  };
  readonly timeline: readonly TimelinePoint[];
  /** The server's own processes (not companions), by pid, over the whole run. */
  readonly processes: Readonly<Record<string, ProcessTrack>>;
  /** Processes of the server's tree that exited or started while the load ran (workers that died, respawns). */
  readonly processEvents: ProcessEventLog;
  readonly load: LoadState;
  readonly ended: EndReason | null;
}
