/**
 * What a run showed, named: each statement carries when it became true, which process it is
 * about, and the numbers it rests on, so a reader can check it against the panes.
 */
export type InsightKind =
  /** Worker processes existed before the first request. */
  | 'prefork'
  /** A process's threads grew under load (and stayed, or fell back). */
  | 'on-demand'
  /** Threads appeared (up front or on first use) and held at a fixed number. */
  | 'pool'
  /** Threads stayed flat: concurrency without threads (an event loop, green threads). */
  | 'flat'
  /** One thread serves one request at a time: the rest queue. */
  | 'one-at-a-time'
  /** Every worker or thread busy while requests wait; latency rising. */
  | 'saturation'
  /** A single-threaded worker stuck running, in D, or asleep outside its event loop while latency grew. */
  | 'blocked-loop'
  /** Threads growing without a plateau. */
  | 'thread-explosion'
  /** Little's law: in-flight requests ≈ throughput × latency, against the connections. */
  | 'littles-law'
  /** --docker: the container's pids (processes + threads) reached its --pids-limit. */
  | 'pids-limit';

export interface Insight {
  readonly kind: InsightKind;
  /** Milliseconds since the session started: when it became true. */
  readonly tMs: number;
  /** The process it is about; null for the whole tree or the load. */
  readonly pid: number | null;
  /** One sentence, with the numbers. */
  readonly text: string;
  /** The numbers the sentence rests on, by name. */
  readonly evidence: Readonly<Record<string, number | string | null>>;
}

export type GuardName = 'maxThreads' | 'maxProcesses' | 'maxP99Ms' | 'maxErrors';

/** One --max-… limit and how the run fared against it. */
export interface GuardResult {
  readonly guard: GuardName;
  /** As given: a number, or '5%' for a share of errors. */
  readonly limit: number | string;
  readonly breached: boolean;
  /** The worst value seen (threads, processes, p99 ms, failed requests or %). */
  readonly value: number | null;
  /** When it first broke (ms since the session started); null when it held. */
  readonly tMs: number | null;
  /** One line: "threads 212 > 100 at 4.5 s" / "threads peaked at 57 (limit 100)". */
  readonly text: string;
}
