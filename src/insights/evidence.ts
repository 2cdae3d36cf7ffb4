import { summarizeMs, type LatencySummaryMs } from '../load/histogram.js';
import { isOpenLoop } from '../load/plan.js';
import { activeLoadMs, meanTargetRate, rateWindowMs } from '../session/store.js';
import type { ProcessTrack, SessionState } from '../session/state.js';

/** [tMs, value] each time a value changed, oldest first (ProcessTrack.threads). */
export type StepSeries = readonly (readonly [number, number])[];

/** The value a step series had at tMs (its first value before it starts). */
export function valueAt(series: StepSeries, tMs: number): number {
  let value = series[0]?.[1] ?? 0;
  for (const [t, v] of series) {
    if (t > tMs) break;
    value = v;
  }
  return value;
}

/** The highest value from fromMs to toMs, and when it was first reached. */
export function peakBetween(series: StepSeries, fromMs: number, toMs: number): { value: number; tMs: number } {
  let best = { value: valueAt(series, fromMs), tMs: fromMs };
  for (const [t, v] of series) {
    if (t > fromMs && t <= toMs && v > best.value) best = { value: v, tMs: t };
  }
  return best;
}

/** The span the load ran over, as far as the state knows: null before the first request. */
export interface LoadSpan {
  readonly startMs: number;
  /** When it finished, or the state's now while it runs. */
  readonly endMs: number;
  readonly finished: boolean;
  /** Load time without pauses. */
  readonly activeMs: number;
  /**
   * When the load stopped sending: a -d or --ramp run's deadline (what is still in flight then
   * drains after it), else the end. A count's trend is read up to here, not through the drain.
   */
  readonly sendEndMs: number;
}

export function loadSpan(state: SessionState): LoadSpan | null {
  const { startedAtMs, finishedAtMs } = state.load;
  if (startedAtMs === null) return null;
  const endMs = finishedAtMs ?? state.nowMs;
  const durationS = state.config?.durationS ?? null;
  const sendEndMs = durationS === null ? endMs : Math.min(endMs, startedAtMs + state.load.pausedTotalMs + durationS * 1000);
  return { startMs: startedAtMs, endMs, finished: finishedAtMs !== null, activeMs: activeLoadMs(state), sendEndMs };
}

/** What clients saw so far: the figures the load insights rest on. */
export interface ClientView {
  readonly completed: number;
  /** Responses per second over the rate window (the report's rps). */
  readonly rps: number;
  readonly latency: LatencySummaryMs;
  readonly connections: number;
  /** The upstream delay each request waits for, seconds; 0 when the server is not the tutorial's app. */
  readonly delayS: number;
  readonly openLoop: boolean;
  /** Open loop: the mean rate asked for. */
  readonly targetRate: number | null;
  /** The connections vary over the run (a closed-loop ramp): "connections in flight" has no single value. */
  readonly ramped: boolean;
}

/**
 * How long the requests waited, judged by the mean, not the median. A server that serves one
 * request at a time need not serve them in order (Node's event loop may answer one connection
 * again and again while another waits), so the median can sit at 1 × delay while the queue is
 * real; the mean is in-flight ÷ throughput (Little's law) whatever the order.
 */
export function waitedMs(view: ClientView): number {
  return view.latency.mean ?? view.latency.p50 ?? 0;
}

/** Several detectors read the same view of one state: summarized once. */
const views = new WeakMap<SessionState, ClientView | null>();

export function clientView(state: SessionState): ClientView | null {
  if (!views.has(state)) views.set(state, computeClientView(state));
  return views.get(state) ?? null;
}

function computeClientView(state: SessionState): ClientView | null {
  const config = state.config;
  if (config === null || state.load.startedAtMs === null) return null;
  const counts = state.load.totals ?? state.load.counts;
  const windowMs = rateWindowMs(state);
  return {
    completed: counts.completed,
    rps: windowMs > 0 ? counts.completed / (windowMs / 1000) : 0,
    latency: summarizeMs(state.load.cumulative),
    connections: config.connections,
    delayS: config.delayS,
    openLoop: isOpenLoop(config),
    // A load changed while it ran has no single rate or connection count to compare with.
    targetRate: state.load.adjustments.length > 0 ? null : meanTargetRate(config),
    ramped: config.ramp !== null || state.load.adjustments.length > 0,
  };
}

/** The server's processes, oldest first. */
export function tracks(state: SessionState): ProcessTrack[] {
  return Object.values(state.processes).sort((a, b) => a.firstMs - b.firstMs || a.pid - b.pid);
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** 0.42 → "420 ms", 3.1 → "3.1 s". */
export function duration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export const round1 = (value: number): number => Math.round(value * 10) / 10;

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "pid 4250 (gunicorn)" */
export function processName(track: ProcessTrack): string {
  return track.name ? `pid ${track.pid} (${track.name})` : `pid ${track.pid}`;
}
