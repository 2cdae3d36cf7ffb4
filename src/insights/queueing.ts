import type { SessionState } from '../session/state.js';
import { clientView, duration, loadSpan, round1, waitedMs, type ClientView } from './evidence.js';
import type { Insight } from './types.js';

/** Below this many responses the rates and percentiles say little. */
const MIN_RESPONSES = 5;
/** Requests wait when they take this many times the upstream delay. */
const WAITING = 1.5;

/** Requests the server works on at once: throughput × the time each needs (Little's law with W = delay). */
function servedAtOnce(view: ClientView): number {
  return view.rps * view.delayS;
}

function measurable(view: ClientView | null): view is ClientView {
  return view !== null && view.completed >= MIN_RESPONSES && view.delayS >= 0.01 && view.latency.p50 !== null;
}

/** The first sample under load from which the window's p99 stayed above the bound (when queueing set in). */
function queuedSinceMs(state: SessionState, boundMs: number, fallbackMs: number): number {
  const under = state.timeline.filter((p) => p.p99Ms !== null);
  const first = under.find((p) => (p.p99Ms ?? 0) >= boundMs);
  return first?.tMs ?? fallbackMs;
}

function oneAtATimeApplies(view: ClientView): boolean {
  const served = servedAtOnce(view);
  return !view.openLoop && view.connections >= 2 && served >= 0.5 && served <= 1.5 && waitedMs(view) >= WAITING * view.delayS * 1000;
}

/** one at a time: throughput ≈ 1 / delay while several connections wait. */
export function oneAtATime(state: SessionState): Insight[] {
  const view = clientView(state);
  const span = loadSpan(state);
  if (!measurable(view) || span === null || !oneAtATimeApplies(view)) return [];
  const served = servedAtOnce(view);
  const p50 = view.latency.p50 ?? 0;
  const waitMs = waitedMs(view);
  const threads = state.shape.before?.threads ?? null;
  const shape = state.shape.before?.processes === 1 && threads === 1 ? ' (1 process, 1 thread)' : '';
  return [{
    kind: 'one-at-a-time',
    tMs: queuedSinceMs(state, WAITING * view.delayS * 1000, span.startMs),
    pid: state.server?.pid ?? null,
    text: `one request at a time${shape}: ${round1(view.rps)} req/s × ${view.delayS} s delay ≈ ${round1(served)} in service; the other connections queue: mean ${duration(waitMs)} ≈ ${round1(waitMs / 1000 / view.delayS)} × delay (p50 ${duration(p50)})`,
    evidence: { rps: round1(view.rps), delayS: view.delayS, servedAtOnce: round1(served), connections: view.connections, meanMs: Math.round(waitMs), p50Ms: Math.round(p50) },
  }];
}

function p99Trend(state: SessionState): { early: number; late: number } | null {
  const points = state.timeline.filter((p) => p.p99Ms !== null);
  if (points.length < 4) return null;
  const half = Math.floor(points.length / 2);
  const mean = (xs: typeof points) => xs.reduce((n, p) => n + (p.p99Ms ?? 0), 0) / xs.length;
  return { early: mean(points.slice(0, half)), late: mean(points.slice(half)) };
}

/**
 * saturation: the server completes fewer requests at once than the load offers, so the rest
 * wait (closed loop: fewer than the connections; open loop: less than the rate asked).
 */
export function saturation(state: SessionState): Insight[] {
  const view = clientView(state);
  const span = loadSpan(state);
  if (!measurable(view) || span === null || oneAtATimeApplies(view)) return [];
  const p50 = view.latency.p50 ?? 0;
  const p99 = view.latency.p99 ?? p50;
  const trend = p99Trend(state);
  const rising = trend !== null && trend.late >= 1.5 * trend.early ? `; the live p99 rose from ${duration(trend.early)} to ${duration(trend.late)}` : '';
  const served = servedAtOnce(view);
  if (view.openLoop) {
    if (view.targetRate === null || view.rps >= 0.9 * view.targetRate || p50 < WAITING * view.delayS * 1000) return [];
    return [{
      kind: 'saturation',
      tMs: queuedSinceMs(state, WAITING * view.delayS * 1000, span.startMs),
      pid: state.server?.pid ?? null,
      text: `saturated: asked ${round1(view.targetRate)} req/s, served ${round1(view.rps)}; requests queue: p50 ${duration(p50)}, p99 ${duration(p99)} from their intended send for a ${view.delayS} s delay${rising}`,
      evidence: { targetRps: round1(view.targetRate), rps: round1(view.rps), p50Ms: Math.round(p50), p99Ms: Math.round(p99), delayS: view.delayS },
    }];
  }
  if (view.ramped || waitedMs(view) < WAITING * view.delayS * 1000 || served >= 0.9 * view.connections) return [];
  return [{
    kind: 'saturation',
    tMs: queuedSinceMs(state, WAITING * view.delayS * 1000, span.startMs),
    pid: state.server?.pid ?? null,
    text: `saturated: ${view.connections} connections, but the server completes about ${Math.round(served)} at once (${round1(view.rps)} req/s × ${view.delayS} s); the rest wait: p50 ${duration(p50)}, p99 ${duration(p99)} for a ${view.delayS} s delay${rising}`,
    evidence: { connections: view.connections, servedAtOnce: round1(served), rps: round1(view.rps), p50Ms: Math.round(p50), p99Ms: Math.round(p99), delayS: view.delayS },
  }];
}

/** Little's law: in flight = throughput × mean latency, against the connections kept open. */
export function littlesLaw(state: SessionState): Insight[] {
  const view = clientView(state);
  const span = loadSpan(state);
  if (view === null || span === null || view.openLoop || view.ramped || view.completed < 20 || view.latency.mean === null) return [];
  if (span.activeMs < 1_000) return [];
  const inFlight = view.rps * (view.latency.mean / 1000);
  const share = inFlight / view.connections;
  const verdict = share >= 0.85 && share <= 1.1
    ? `the ${view.connections} connections, kept busy (${Math.round(share * 100)} %)`
    : share < 0.85
      ? `fewer than the ${view.connections} connections (${Math.round(share * 100)} %) on average: some were idle part of the time (between requests, or as the last ones drained)`
      : `more than the ${view.connections} connections (${Math.round(share * 100)} %): the rate window is shorter than the latencies`;
  return [{
    kind: 'littles-law',
    tMs: span.endMs,
    pid: null,
    text: `Little's law: ${round1(view.rps)} req/s × ${duration(view.latency.mean)} mean latency = ${Math.round(inFlight)} in flight, ${verdict}`,
    evidence: { rps: round1(view.rps), meanMs: Math.round(view.latency.mean), inFlight: round1(inFlight), connections: view.connections },
  }];
}
