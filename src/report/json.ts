import { summarizeMs, type LatencySummaryMs } from '../load/histogram.js';
import { activeLoadMs, rateWindowMs } from '../session/store.js';
import type { SessionState } from '../session/state.js';

/** Where the run came from, beside what the store folded. */
export interface RunFacts {
  readonly command: readonly string[];
  readonly url: string | null;
}

type LatencyMs = Omit<LatencySummaryMs, 'count'>;

/** The JSON report of DESIGN.md, version 1: stable, read by tests and scripts. */
export interface JsonReport {
  readonly version: 1;
  readonly model: string;
  readonly command: readonly string[];
  readonly url: string | null;
  readonly server: { readonly pid: number | null; readonly runtime: { readonly kind: 'host' }; readonly exit: { code: number | null; signal: string | null; expected: boolean } | null };
  readonly config: {
    readonly connections: number;
    readonly requests: number | null;
    readonly durationS: number | null;
    readonly rate: null;
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
    readonly latencyMs: LatencyMs;
  };
  readonly shape: SessionState['shape'];
  readonly timeline: readonly {
    t: number; processes: number; threads: number; running: number; sleeping: number; born: number; died: number; rps: number; p99Ms: number | null;
  }[];
  readonly insights: readonly { kind: string; t: number; text: string }[];
  readonly ended: string | null;
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
const roundOrNull = (value: number | null) => (value === null ? null : round(value));

export function buildJsonReport(state: SessionState, facts: RunFacts): JsonReport {
  const config = state.config;
  if (!config) throw new Error('buildJsonReport: the session never started');
  const counts = state.load.totals ?? state.load.counts;
  const summary = summarizeMs(state.load.cumulative);
  const durationS = activeLoadMs(state) / 1000;
  const rateWindowS = rateWindowMs(state) / 1000;
  return {
    version: 1,
    model: config.model,
    command: facts.command,
    url: facts.url,
    server: {
      pid: state.server?.pid ?? null,
      runtime: { kind: 'host' },
      exit: state.server?.exited ? { code: state.server.exited.code, signal: state.server.exited.signal, expected: state.server.exited.expected } : null,
    },
    config: {
      connections: config.connections,
      requests: config.requests,
      durationS: config.durationS,
      rate: null,
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
      latencyMs: {
        min: roundOrNull(summary.min),
        p50: roundOrNull(summary.p50),
        p90: roundOrNull(summary.p90),
        p99: roundOrNull(summary.p99),
        p999: roundOrNull(summary.p999),
        max: roundOrNull(summary.max),
        mean: roundOrNull(summary.mean),
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
      p99Ms: roundOrNull(p.p99Ms),
    })),
    insights: [],
    ended: state.ended,
  };
}
