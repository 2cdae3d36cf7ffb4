import type { JsonReport } from '../../src/report/json.js';
import type { InsightKind } from '../../src/insights/types.js';

const latency = (p50: number | null, p99: number | null) => ({ min: p50, p50, p90: p99, p99, p999: p99, max: p99, mean: p50 });

export interface ReportFacts {
  model?: string;
  connections?: number;
  requests?: number | null;
  delayS?: number;
  rate?: number | null;
  ramp?: JsonReport['config']['ramp'];
  rps?: number;
  p50Ms?: number | null;
  p99Ms?: number | null;
  errors?: number;
  timeouts?: number;
  resets?: number;
  non2xx?: number;
  before?: { processes: number; threads: number } | null;
  peak?: { processes: number; threads: number; threadsPerProcess: Record<string, number> } | null;
  insights?: InsightKind[];
  guards?: JsonReport['guards'];
}

/** A JSON report with the numbers a test names, and plausible values for the rest. */
export function makeReport(facts: ReportFacts = {}): JsonReport {
  const before = facts.before === undefined ? { processes: 5, threads: 5 } : facts.before;
  const peak = facts.peak === undefined ? { processes: 5, threads: 205, threadsPerProcess: { '100': 1, '101': 51, '102': 51, '103': 51, '104': 51 } } : facts.peak;
  return {
    version: 1,
    model: facts.model ?? 'gunicorn',
    command: ['gunicorn'],
    url: 'http://127.0.0.1:8000/',
    server: { pid: 100, runtime: { kind: 'host' }, exit: null },
    config: {
      connections: facts.connections ?? 200,
      requests: facts.requests === undefined ? 2000 : facts.requests,
      durationS: null,
      rate: facts.rate ?? null,
      ramp: facts.ramp ?? null,
      loadWorkers: 1,
      delayS: facts.delayS ?? 1,
      workers: 4,
      threads: 50,
      intervalMs: 250,
      keepAlive: false,
    },
    load: {
      requests: 2000,
      ok: 2000,
      errors: facts.errors ?? 0,
      timeouts: facts.timeouts ?? 0,
      non2xx: facts.non2xx ?? 0,
      resets: facts.resets ?? 0,
      durationS: 12,
      rps: facts.rps ?? 150,
      latencyMs: latency(facts.p50Ms === undefined ? 1020 : facts.p50Ms, facts.p99Ms === undefined ? 2210.5 : facts.p99Ms),
      sent: 2000,
      generator: { cpuPercentMax: 20, loopDelayMaxMs: 5, workers: 1 },
    },
    shape: { before, peak, after: before },
    timeline: [],
    processEvents: [],
    processEventCounts: { exited: 0, started: 0, respawned: 0 },
    upstream: { url: 'http://127.0.0.1:40111/', failure: null },
    insights: (facts.insights ?? []).map((kind, i) => ({ kind, t: i, pid: null, text: `${kind} happened`, evidence: {} })),
    guards: facts.guards ?? [],
    ended: 'completed',
  };
}
