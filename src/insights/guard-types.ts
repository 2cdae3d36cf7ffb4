/** Limits a run must stay within (--max-threads, …): CI's pass/fail. null: no limit. */
export interface Guards {
  /** Threads of the server's tree (all its processes) at any sample. */
  readonly maxThreads: number | null;
  /** Processes of the server's tree at any sample. */
  readonly maxProcesses: number | null;
  /** p99 of the sliding latency window at any sample, and of the whole run. */
  readonly maxP99Ms: number | null;
  /** Failed requests (errors, timeouts, resets, non-2xx): a count, or a share of the requests. */
  readonly maxErrors: { readonly count: number } | { readonly percent: number } | null;
}

export const NO_GUARDS: Guards = Object.freeze({ maxThreads: null, maxProcesses: null, maxP99Ms: null, maxErrors: null });

export function hasGuards(guards: Guards): boolean {
  return guards.maxThreads !== null || guards.maxProcesses !== null || guards.maxP99Ms !== null || guards.maxErrors !== null;
}
