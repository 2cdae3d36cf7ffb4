import type { JsonReport } from '../report/json.js';
import { NUMERIC_EXPECTATIONS, type Bound, type Expectations, type NumericExpectation } from './schema.js';

/** One expectation held against one report. */
export interface ExpectationResult {
  /** The expectation's name in the file: `maxThreadsPerProcess`, `insight`. */
  readonly name: string;
  /** What was asked, for people: `= 5`, `≥ 140, ≤ 200`, `on-demand`, `not thread-explosion`. */
  readonly expected: string;
  /** What the report says: `51`, `prefork, pool`, `none`, `not measured`. */
  readonly actual: string;
  readonly passed: boolean;
}

/** The number of the report each numeric expectation reads; null when the run did not get that far. */
export function reportValue(name: NumericExpectation, report: JsonReport): number | null {
  const { before, peak } = report.shape;
  const load = report.load;
  switch (name) {
    case 'processesBeforeLoad':
      return before?.processes ?? null;
    case 'threadsBeforeLoad':
      return before?.threads ?? null;
    case 'processesDuringLoad':
      return peak?.processes ?? null;
    case 'maxThreadsPerProcess': {
      const counts = Object.values(peak?.threadsPerProcess ?? {});
      return counts.length > 0 ? Math.max(...counts) : null;
    }
    case 'peakThreads':
      return peak?.threads ?? null;
    case 'rps':
      return load.rps;
    case 'p50Ms':
      return load.latencyMs.p50;
    case 'p99Ms':
      return load.latencyMs.p99;
    case 'failed':
      return failedRequests(report);
  }
}

/** Requests that did not get a 2xx: errors, timeouts, resets and non-2xx answers. */
export function failedRequests(report: JsonReport): number {
  return report.load.errors + report.load.timeouts + report.load.resets + report.load.non2xx;
}

export function holds(bound: Bound, value: number): boolean {
  return (
    (bound.eq === undefined || value === bound.eq) &&
    (bound.lte === undefined || value <= bound.lte) &&
    (bound.gte === undefined || value >= bound.gte) &&
    (bound.lt === undefined || value < bound.lt) &&
    (bound.gt === undefined || value > bound.gt)
  );
}

/** `= 5`; `≥ 140, ≤ 200` (lower bounds first). */
export function describeBound(bound: Bound): string {
  const parts = [
    bound.eq !== undefined && `= ${bound.eq}`,
    bound.gt !== undefined && `> ${bound.gt}`,
    bound.gte !== undefined && `≥ ${bound.gte}`,
    bound.lt !== undefined && `< ${bound.lt}`,
    bound.lte !== undefined && `≤ ${bound.lte}`,
  ].filter((p): p is string => typeof p === 'string');
  return parts.join(', ');
}

/** Every expectation of an entry against its report, numbers first (in a fixed order), then insights. */
export function checkExpectations(expect: Expectations, report: JsonReport): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  for (const name of NUMERIC_EXPECTATIONS) {
    const bound = expect[name];
    if (!bound) continue;
    const value = reportValue(name, report);
    results.push({ name, expected: describeBound(bound), actual: value === null ? 'not measured' : String(value), passed: value !== null && holds(bound, value) });
  }
  const seen = [...new Set(report.insights.map((i) => i.kind))];
  const seenText = seen.length > 0 ? seen.join(', ') : 'none';
  for (const kind of expect.insight ?? []) results.push({ name: 'insight', expected: kind, actual: seenText, passed: seen.includes(kind) });
  for (const kind of expect.noInsight ?? []) results.push({ name: 'noInsight', expected: `not ${kind}`, actual: seenText, passed: !seen.includes(kind) });
  return results;
}
