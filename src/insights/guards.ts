import { settledCount } from '../load/counts.js';
import { valueAtQuantileUs } from '../load/histogram.js';
import { failedCount } from '../session/store.js';
import type { SessionState } from '../session/state.js';
import type { Guards } from './guard-types.js';
import type { GuardResult } from './types.js';

const seconds = (tMs: number) => `${(tMs / 1000).toFixed(1)} s`;

interface Breach {
  readonly tMs: number;
  readonly value: number;
}

/** The first point whose value exceeds the limit, and the worst value of all. */
function firstOver(points: readonly { tMs: number; value: number | null }[], limit: number): { first: Breach | null; worst: number | null } {
  let first: Breach | null = null;
  let worst: number | null = null;
  for (const { tMs, value } of points) {
    if (value === null) continue;
    worst = worst === null ? value : Math.max(worst, value);
    if (first === null && value > limit) first = { tMs, value };
  }
  return { first, worst };
}

function result(guard: GuardResult['guard'], limit: number, what: string, unit: string, found: { first: Breach | null; worst: number | null }): GuardResult {
  const { first, worst } = found;
  const fmt = (v: number) => `${Math.round(v * 10) / 10}${unit}`;
  return {
    guard,
    limit: unit === '%' ? `${limit}%` : limit,
    breached: first !== null,
    value: worst,
    tMs: first?.tMs ?? null,
    text: first !== null
      ? `${what} ${fmt(first.value)} > ${limit}${unit} at ${seconds(first.tMs)}${worst !== null && worst > first.value ? ` (worst ${fmt(worst)})` : ''}`
      : worst === null ? `${what}: nothing measured (limit ${limit}${unit})` : `${what} at most ${fmt(worst)} (limit ${limit}${unit})`,
  };
}

/**
 * How the run fared against each --max-… guard it was given, with the moment a limit first
 * broke. Pure, so the TUI shows a breach live and the report states it at the end.
 */
export function evaluateGuards(state: SessionState): GuardResult[] {
  const guards: Guards | undefined = state.config?.guards;
  if (!guards) return [];
  const results: GuardResult[] = [];
  const { timeline } = state;
  if (guards.maxThreads !== null) {
    results.push(result('maxThreads', guards.maxThreads, 'threads', '', firstOver(timeline.map((p) => ({ tMs: p.tMs, value: p.threads })), guards.maxThreads)));
  }
  if (guards.maxProcesses !== null) {
    results.push(result('maxProcesses', guards.maxProcesses, 'processes', '', firstOver(timeline.map((p) => ({ tMs: p.tMs, value: p.processes })), guards.maxProcesses)));
  }
  if (guards.maxP99Ms !== null) {
    // The live window's p99 at each sample, then the whole run's (a short run may have no sample under load).
    const points = timeline.map((p) => ({ tMs: p.tMs, value: p.p99Ms }));
    const us = valueAtQuantileUs(state.load.cumulative, 0.99);
    if (us !== null) points.push({ tMs: state.load.finishedAtMs ?? state.nowMs, value: us / 1000 });
    results.push(result('maxP99Ms', guards.maxP99Ms, 'p99', ' ms', firstOver(points, guards.maxP99Ms)));
  }
  if (guards.maxErrors !== null) {
    const counts = state.load.totals ?? state.load.counts;
    const endMs = state.load.finishedAtMs ?? state.nowMs;
    if ('count' in guards.maxErrors) {
      const points = [...timeline.map((p) => ({ tMs: p.tMs, value: p.failed })), { tMs: endMs, value: failedCount(counts) }];
      results.push(result('maxErrors', guards.maxErrors.count, 'failed requests', '', firstOver(points, guards.maxErrors.count)));
    } else {
      // A share only means something over the whole run: judged on the final counts.
      const settled = settledCount(counts);
      const percent = settled > 0 ? (failedCount(counts) / settled) * 100 : null;
      results.push(result('maxErrors', guards.maxErrors.percent, 'failed requests', '%', firstOver([{ tMs: endMs, value: percent }], guards.maxErrors.percent)));
    }
  }
  return results;
}
