import type { Snapshot } from '../proc/types.js';
import type { LatencyBatch, LoadCounts, Ramp } from '../load/types.js';
import type { Guards } from '../insights/guard-types.js';
import type { ContainerInfo, ContainerUsage } from '../docker/types.js';

/** What a run was asked to do; fixed for the whole session. */
export interface SessionConfig {
  readonly model: string;
  readonly workers: number | null;
  readonly threads: number | null;
  readonly connections: number;
  readonly requests: number | null;
  readonly durationS: number | null;
  readonly delayS: number;
  readonly intervalMs: number;
  /** Whether the load reuses connections (false: one per request, as ab without -k). */
  readonly keepAlive: boolean;
  /** Open loop: requests per second on a schedule; null for a closed loop (or a ramp of rates). */
  readonly rate: number | null;
  /** Steps over time (`--ramp`): connections, or requests/s; null for a constant load. */
  readonly ramp: Ramp | null;
  /** Worker threads the load is spread over (--load-workers). */
  readonly loadWorkers: number;
  /** CPUs watchload and the server share: what "the server is saturated" is measured against. */
  readonly cores: number;
  /** Limits whose breach fails the run (exit 3): --max-threads, --max-processes, --max-p99, --max-errors. */
  readonly guards: Guards;
}

/**
 * Everything that happens in a session, in one stream. Every producer (server supervisor,
 * sampler, load driver, keys) emits these; the store folds them; a recording is these as NDJSON.
 * tMs is milliseconds since the session started, on one clock for all producers.
 */
export type SessionEvent =
  | { readonly type: 'session/started'; readonly tMs: number; readonly config: SessionConfig }
  | { readonly type: 'upstream/ready'; readonly tMs: number; readonly url: string }
  /** The upstream stopped serving on its own (its worker thread threw or exited); the run goes on. */
  | { readonly type: 'upstream/failed'; readonly tMs: number; readonly message: string }
  | {
      readonly type: 'server/spawned';
      readonly tMs: number;
      readonly pid: number;
      readonly command: readonly string[];
      readonly url: string;
      /** --docker: the container it runs in; absent: on this host. */
      readonly container?: ContainerInfo;
    }
  /** --docker: the container's cgroup, read every few seconds while it runs. */
  | { readonly type: 'server/container-usage'; readonly tMs: number; readonly usage: ContainerUsage }
  | { readonly type: 'server/ready'; readonly tMs: number }
  | {
      readonly type: 'server/exited';
      readonly tMs: number;
      readonly code: number | null;
      readonly signal: string | null;
      /** True when watchload stopped it; false when it died on its own. */
      readonly expected: boolean;
      readonly stderrTail: readonly string[];
    }
  | { readonly type: 'proc/sample'; readonly tMs: number; readonly snapshot: Snapshot }
  | { readonly type: 'load/started'; readonly tMs: number }
  | { readonly type: 'load/batch'; readonly tMs: number; readonly batch: LatencyBatch }
  | { readonly type: 'load/paused'; readonly tMs: number }
  | { readonly type: 'load/resumed'; readonly tMs: number }
  | { readonly type: 'load/finished'; readonly tMs: number; readonly totals: LoadCounts }
  /**
   * The load was changed while it ran (a key in the live view): from tMs on, `connections`
   * (closed loop) or `rate` requests/s (open loop); the other is null.
   */
  | { readonly type: 'load/adjusted'; readonly tMs: number; readonly connections: number | null; readonly rate: number | null }
  | { readonly type: 'session/ended'; readonly tMs: number; readonly reason: EndReason };

export type EndReason = 'completed' | 'quit' | 'interrupted' | 'server-exited' | 'error';
