import type { Stage } from './schedule.js';

/** A histogram as plain data: non-empty buckets in ascending order of value. */
export interface SparseHistogram {
  /** Representative latency of each bucket, in microseconds, ascending. */
  readonly valuesUs: readonly number[];
  /** How many samples fell in each bucket; same length as valuesUs. */
  readonly counts: readonly number[];
}

/** Outcome counts; each error kind counted apart, never hidden. */
export interface LoadCounts {
  /** Responses received (any status). */
  readonly completed: number;
  /** Responses with a 2xx status. */
  readonly ok: number;
  /** Responses with any other status. */
  readonly non2xx: number;
  /** Requests that timed out. */
  readonly timeouts: number;
  /** Connection errors other than timeouts (refused, reset with an error). */
  readonly errors: number;
  /** Requests sent but never answered nor errored: connections silently reset by the server. */
  readonly resets: number;
}

export interface Ramp {
  readonly unit: 'connections' | 'rate';
  readonly stages: readonly Stage[];
}

/** How the load generator itself fared over one batch period (is it the bottleneck?). */
export interface GeneratorSample {
  /** CPU of the load worker's thread over the period, % of one core; null where unreadable. */
  readonly cpuPercent: number | null;
  /** Event-loop delay of the load worker over the period: a busy loop sends late. */
  readonly loopDelayP99Ms: number | null;
  readonly loopDelayMaxMs: number | null;
  /** Requests on the wire at the end of the period. */
  readonly busy: number;
  /** Connections this worker may use (-c, its share). */
  readonly connections: number;
  /** Open loop: requests due by the schedule and not yet sent (all connections busy, or late). */
  readonly backlog: number;
}

/** What the load driver reports every batch period. */
export interface LatencyBatch {
  /**
   * Latencies of the responses completed in this period: in open loop from each request's
   * intended send time (coordinated omission corrected), in closed loop from the send.
   */
  readonly histogram: SparseHistogram;
  /** Open loop only: the same responses from their actual send time (what a naive client reports). */
  readonly uncorrected?: SparseHistogram;
  /** Open loop only: how late each request of this period went out against its schedule. */
  readonly sendLag?: SparseHistogram;
  /** Requests written to a connection in this period. */
  readonly sent: number;
  /** Session time of the last response of this period; absent when none came. */
  readonly lastResponseMs?: number;
  /** Counts for this period only. */
  readonly counts: LoadCounts;
  readonly generator?: GeneratorSample;
  /** Which load worker sent this batch (0-based), with --load-workers. */
  readonly worker?: number;
}

export interface LoadConfig {
  readonly url: string;
  readonly connections: number;
  /** Total requests to send, or null to run for durationS. */
  readonly requests: number | null;
  /** Seconds to run, or null when bounded by requests. */
  readonly durationS: number | null;
  /** Per-request timeout in seconds. */
  readonly timeoutS: number;
  /** How often batches are emitted, in milliseconds. */
  readonly batchMs: number;
  /**
   * Reuse connections (HTTP/1.1 keep-alive; default true). False opens a new connection for
   * every request, as ab does without -k: for servers that close connections after each
   * response without saying so (uWSGI's --http-socket), on which a reused connection loses
   * the request written just as the server closes it.
   */
  readonly keepAlive?: boolean;
  /**
   * Open loop: requests per second in total, sent on a schedule whatever the responses do;
   * null (default) for a closed loop. `connections` then caps the connections the schedule
   * may use at once; they open as they are needed.
   */
  readonly rate?: number | null;
  /**
   * Steps over time (`--ramp`): connections per stage (a closed loop), or requests/s per stage
   * (an open loop; `rate` is then null). The load lasts as long as the stages.
   */
  readonly ramp?: Ramp | null;
  /** Open loop: offset of this worker's schedule, a fraction of one interval (see createPacer). */
  readonly ratePhase?: number;
  /**
   * The load may be changed while it runs (LoadEngine.adjust; keys in the live view). A closed
   * loop then runs gated, with up to `maxConnections` clients of which `connections` send;
   * null or absent: fixed, as given.
   */
  readonly adjustable?: { readonly maxConnections: number } | null;
}

/** A change to a running load: the connections that send (closed loop), or the rate (open loop). */
export type LoadSetting = { readonly connections: number } | { readonly rate: number };
