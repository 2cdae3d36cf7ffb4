import type { ContainerUsage, SampleSource } from '../docker/types.js';
import { EMPTY_HISTOGRAM, summarizeMs, type LatencySummaryMs } from '../load/histogram.js';
import type { SparseHistogram } from '../load/types.js';
import { activeLoadMs, meanTargetRate, rateWindowMs, respawnsOf } from '../session/store.js';
import type { SessionState } from '../session/state.js';
import { deriveInsights } from '../insights/index.js';
import { evaluateGuards } from '../insights/guards.js';
import type { GuardName, Insight, InsightKind } from '../insights/types.js';

/** Where the run came from, beside what the store folded. */
export interface RunFacts {
  readonly command: readonly string[];
  readonly url: string | null;
}

type LatencyMs = Omit<LatencySummaryMs, 'count'>;

/**
 * Where the server ran: this host, or a container (--docker) with the engine's view of its
 * cgroup: the limits, the last reading, and the most pids it reached.
 */
export type Runtime =
  | { readonly kind: 'host' }
  | {
      readonly kind: 'docker';
      readonly image: string;
      /** The container's name (watchload-MODEL-PID-XXXX); its id beside it. */
      readonly container: string;
      readonly id: string;
      readonly engine: string;
      /** Where the thread samples came from: this host's /proc, or the engine's top. */
      readonly sampling: SampleSource;
      readonly limits: { readonly pids: number | null; readonly cpus: number | null; readonly memoryBytes: number | null };
      readonly pidsPeak: number | null;
      readonly usage: ContainerUsage | null;
    };

/** The JSON report of DESIGN.md, version 1: stable, read by tests and scripts. */
export interface JsonReport {
  readonly version: 1;
  readonly model: string;
  readonly command: readonly string[];
  readonly url: string | null;
  readonly server: { readonly pid: number | null; readonly runtime: Runtime; readonly exit: { code: number | null; signal: string | null; expected: boolean } | null };
  readonly config: {
    readonly connections: number;
    readonly requests: number | null;
    readonly durationS: number | null;
    /** Open loop: requests/s; null for a closed loop. */
    readonly rate: number | null;
    /** `--ramp`: steps of connections or requests/s; null for a constant load. */
    readonly ramp: { readonly unit: 'connections' | 'rate'; readonly stages: readonly { readonly durationS: number; readonly value: number }[] } | null;
    readonly loadWorkers: number;
    readonly delayS: number;
    readonly workers: number | null;
    readonly threads: number | null;
    readonly intervalMs: number;
    readonly keepAlive: boolean;
  };
  readonly load: {
    readonly requests: number;
    readonly ok: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly resets: number;
    readonly durationS: number;
    readonly rps: number;
    /** Open loop: from each request's intended send time (coordinated omission corrected); closed loop: from the send. */
    readonly latencyMs: LatencyMs;
    /** Open loop only: from the actual send time. */
    readonly uncorrectedLatencyMs?: LatencyMs;
    /** Open loop only: the rate asked for (mean over the run), achieved (sent), and how late sends went out. */
    readonly rate?: { readonly target: number; readonly achieved: number; readonly sendLagMs: LatencyMs };
    /** Requests written to a connection. */
    readonly sent: number;
    /** The load generator itself: its worst CPU (% of a core) and event-loop delay, and whether it limited the load. */
    readonly generator: { readonly cpuPercentMax: number | null; readonly loopDelayMaxMs: number | null; readonly workers: number };
  };
  readonly shape: SessionState['shape'];
  readonly timeline: readonly {
    t: number; processes: number; threads: number; running: number; sleeping: number; born: number; died: number; rps: number; p50Ms: number | null; p90Ms: number | null; p99Ms: number | null; target: number | null;
    /** The sampler's interval then, in ms: longer than --interval when it backed off; null when not said. */
    intervalMs: number | null;
  }[];
  /**
   * Processes of the server's own tree that exited or started while the load ran, oldest first
   * (the last 200): an exit names the process started in its place under the same parent
   * (`respawnedAs`), a start the exit it replaced (`respawnOf`); null when none.
   */
  readonly processEvents: readonly { t: number; pid: number; ppid: number; name: string; kind: 'exited' | 'started'; respawnedAs?: number | null; respawnOf?: number | null }[];
  /** All of them counted (the list keeps the last 200); respawned: exits in the list with a respawn. */
  readonly processEventCounts: { readonly exited: number; readonly started: number; readonly respawned: number };
  /** watchload's slow API (registry models): where, and whether it failed during the run; null for the user's own server. */
  readonly upstream: { readonly url: string; readonly failure: { readonly t: number; readonly message: string } | null } | null;
  /** What the run showed, named, with when and the numbers (src/insights). */
  readonly insights: readonly { kind: InsightKind; t: number; pid: number | null; text: string; evidence: Insight['evidence'] }[];
  /** The --max-… guards given, and whether each held; any breach exits 3. */
  readonly guards: readonly { guard: GuardName; limit: number | string; breached: boolean; value: number | null; t: number | null; text: string }[];
  readonly ended: string | null;
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
const roundOrNull = (value: number | null) => (value === null ? null : round(value));

function latencyMs(h: SparseHistogram): LatencyMs {
  const summary = summarizeMs(h);
  return {
    min: roundOrNull(summary.min),
    p50: roundOrNull(summary.p50),
    p90: roundOrNull(summary.p90),
    p99: roundOrNull(summary.p99),
    p999: roundOrNull(summary.p999),
    max: roundOrNull(summary.max),
    mean: roundOrNull(summary.mean),
  };
}

export function buildJsonReport(state: SessionState, facts: RunFacts): JsonReport {
  const config = state.config;
  if (!config) throw new Error('buildJsonReport: the session never started');
  const counts = state.load.totals ?? state.load.counts;
  const target = meanTargetRate(config);
  const durationS = activeLoadMs(state) / 1000;
  const rateWindowS = rateWindowMs(state) / 1000;
  return {
    version: 1,
    model: config.model,
    command: facts.command,
    url: facts.url,
    server: {
      pid: state.server?.pid ?? null,
      runtime: runtimeOf(state),
      exit: state.server?.exited ? { code: state.server.exited.code, signal: state.server.exited.signal, expected: state.server.exited.expected } : null,
    },
    config: {
      connections: config.connections,
      requests: config.requests,
      durationS: config.durationS,
      rate: config.rate,
      ramp: config.ramp === null ? null : { unit: config.ramp.unit, stages: config.ramp.stages.map((s) => ({ durationS: s.durationMs / 1000, value: s.value })) },
      loadWorkers: config.loadWorkers,
      delayS: config.delayS,
      workers: config.workers,
      threads: config.threads,
      intervalMs: config.intervalMs,
      keepAlive: config.keepAlive,
    },
    load: {
      requests: counts.completed + counts.timeouts + counts.errors + counts.resets,
      ok: counts.ok,
      errors: counts.errors,
      timeouts: counts.timeouts,
      non2xx: counts.non2xx,
      resets: counts.resets,
      durationS: round(durationS),
      rps: rateWindowS > 0 ? round(counts.completed / rateWindowS, 1) : 0,
      latencyMs: latencyMs(state.load.cumulative),
      ...(state.load.uncorrected !== null ? { uncorrectedLatencyMs: latencyMs(state.load.uncorrected) } : {}),
      ...(target !== null
        ? { rate: { target: round(target, 1), achieved: rateWindowS > 0 ? round(state.load.sent / rateWindowS, 1) : 0, sendLagMs: latencyMs(state.load.sendLag ?? EMPTY_HISTOGRAM) } }
        : {}),
      sent: state.load.sent,
      generator: {
        cpuPercentMax: state.load.generatorPeak === null ? null : round(state.load.generatorPeak.cpuPercent, 1),
        loopDelayMaxMs: state.load.generatorPeak === null ? null : round(state.load.generatorPeak.loopDelayMaxMs, 1),
        workers: config.loadWorkers,
      },
    },
    shape: state.shape,
    timeline: state.timeline.map((p) => ({
      t: round(p.tMs / 1000),
      processes: p.processes,
      threads: p.threads,
      running: p.running,
      sleeping: p.sleeping,
      born: p.born,
      died: p.died,
      rps: p.rps,
      p50Ms: roundOrNull(p.p50Ms),
      p90Ms: roundOrNull(p.p90Ms),
      p99Ms: roundOrNull(p.p99Ms),
      target: p.target,
      failed: p.failed,
      intervalMs: p.intervalMs,
    })),
    ...processEventsOf(state),
    upstream: state.upstreamUrl === null ? null : { url: state.upstreamUrl, failure: state.upstreamFailure === null ? null : { t: round(state.upstreamFailure.tMs / 1000), message: state.upstreamFailure.message } },
    insights: deriveInsights(state).map((i) => ({ kind: i.kind, t: round(i.tMs / 1000), pid: i.pid, text: i.text, evidence: i.evidence })),
    guards: evaluateGuards(state).map((g) => ({ guard: g.guard, limit: g.limit, breached: g.breached, value: g.value === null ? null : round(g.value), t: g.tMs === null ? null : round(g.tMs / 1000), text: g.text })),
    ended: state.ended,
  };
}

function processEventsOf(state: SessionState): Pick<JsonReport, 'processEvents' | 'processEventCounts'> {
  const log = state.processEvents;
  const { exits } = respawnsOf(log.recent);
  const respawnedAs = new Map(exits.map((x) => [x.exited, x.respawn?.pid ?? null]));
  const respawnOf = new Map(exits.flatMap((x) => (x.respawn === null ? [] : [[x.respawn, x.exited.pid] as const])));
  return {
    processEvents: log.recent.map((e) => ({
      t: round(e.tMs / 1000),
      pid: e.pid,
      ppid: e.ppid,
      name: e.name,
      kind: e.kind,
      ...(e.kind === 'exited' ? { respawnedAs: respawnedAs.get(e) ?? null } : { respawnOf: respawnOf.get(e) ?? null }),
    })),
    processEventCounts: { exited: log.exited, started: log.started, respawned: exits.filter((x) => x.respawn !== null).length },
  };
}

function runtimeOf(state: SessionState): Runtime {
  const container = state.server?.container;
  if (!container) return { kind: 'host' };
  const usage = state.server?.containerUsage ?? null;
  return {
    kind: 'docker',
    image: container.image,
    container: container.name,
    id: container.id,
    engine: container.engine,
    sampling: container.sampling,
    limits: { pids: usage?.pidsLimit ?? null, cpus: usage?.cpuLimit ?? null, memoryBytes: usage?.memoryLimitBytes ?? null },
    pidsPeak: state.server?.containerPidsPeak ?? null,
    usage,
  };
}
