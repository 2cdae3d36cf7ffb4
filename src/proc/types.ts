/** One thread as seen in one sample of /proc/<pid>/task/<tid>. */
export interface ThreadSample {
  readonly tid: number;
  /** comm of the thread (proc(5): at most 15 bytes); raw, not yet sanitized for the terminal. */
  readonly name: string;
  /** State letter from /proc/<pid>/task/<tid>/stat field 3: R, S, D, Z, T, t, X, I. */
  readonly state: string;
  /** Share of one core used during the last interval, 0..100; null the first time a thread is seen. */
  readonly cpuPercent: number | null;
  /** Milliseconds spent on a CPU during the last interval; null the first time a thread is seen. */
  readonly ranMs: number | null;
  /** Processor the thread last ran on (stat field 39). */
  readonly lastCpu: number;
  /** Raw kernel symbol from wchan ('' when running or unreadable). */
  readonly wchan: string;
  /** Human label of what a sleeping thread waits on ('' when it runs), e.g. 'epoll wait'. */
  readonly waitLabel: string;
  /** What the thread is for, where it can be told (Node: 'main', 'V8 platform', 'libuv pool', ...); '' when unknown. */
  readonly role: string;
}

/** One process of the sampled tree. */
export interface ProcessSample {
  readonly pid: number;
  readonly ppid: number;
  /** comm of the process; raw. */
  readonly name: string;
  /** argv from /proc/<pid>/cmdline; raw. */
  readonly cmdline: readonly string[];
  /** Resident set size in bytes (statm resident pages × page size). */
  readonly rssBytes: number;
  /** Sum of the threads' cpuPercent (may exceed 100 on several cores); null on first sight. */
  readonly cpuPercent: number | null;
  /** Threads sorted by tid. */
  readonly threads: readonly ThreadSample[];
  /**
   * Absent for the server's own tree. Otherwise the companion this process belongs to (e.g.
   * 'nginx' in front of the server): shown in its own group, never counted in the shape.
   */
  readonly group?: string;
}

/** Everything known about the tree below the root pid at one instant. */
export interface Snapshot {
  /** Milliseconds since the session started (same clock as every SessionEvent). */
  readonly tMs: number;
  /** Milliseconds since the previous sample (0 for the first). */
  readonly intervalMs: number;
  /**
   * The root process first, then its descendants by ascending pid (empty when the root is
   * gone); then each companion's tree the same way, its processes marked with `group`.
   */
  readonly processes: readonly ProcessSample[];
  /** Wall milliseconds this sample took to read. */
  readonly costMs: number;
  /**
   * The interval the sampler thread samples at from this sample on: the one asked for
   * (--interval), or longer while it backs off because samples cost too much (src/proc/pacing.ts,
   * issue 8); the engine's top says its own (never under its 1 s floor, see sourceIntervalMs).
   * Absent where no pacing applies (a sampler called directly) and in older recordings.
   */
  readonly targetIntervalMs?: number;
}
