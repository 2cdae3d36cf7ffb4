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

/** What the load driver reports every batch period. */
export interface LatencyBatch {
  /** Latencies of the responses completed in this period (closed loop: from the send). */
  readonly histogram: SparseHistogram;
  /** Counts for this period only. */
  readonly counts: LoadCounts;
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
}
