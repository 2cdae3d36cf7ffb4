import { describe, expect, it } from 'vitest';
import { checkExpectations, describeBound, holds, reportValue } from '../../src/scenario/expectations.js';
import { NUMERIC_EXPECTATIONS } from '../../src/scenario/schema.js';
import { makeReport } from './report-fixture.js';

const report = makeReport({
  before: { processes: 5, threads: 6 },
  peak: { processes: 5, threads: 160, threadsPerProcess: { '10': 1, '11': 51, '12': 40, '13': 38, '14': 30 } },
  rps: 147.8,
  p50Ms: 1020.4,
  p99Ms: 2566.1,
  errors: 1,
  timeouts: 2,
  resets: 3,
  non2xx: 4,
  insights: ['prefork', 'on-demand', 'prefork'],
});

describe('reportValue: the number of the report each expectation reads', () => {
  it.each([
    ['processesBeforeLoad', 5],
    ['threadsBeforeLoad', 6],
    ['processesDuringLoad', 5],
    ['maxThreadsPerProcess', 51],
    ['peakThreads', 160],
    ['rps', 147.8],
    ['p50Ms', 1020.4],
    ['p99Ms', 2566.1],
    ['failed', 10],
  ] as const)('%s = %s', (name, value) => {
    expect(reportValue(name, report)).toBe(value);
  });

  it('covers every numeric expectation', () => {
    expect(NUMERIC_EXPECTATIONS.map((n) => typeof reportValue(n, report))).toEqual(NUMERIC_EXPECTATIONS.map(() => 'number'));
  });

  it('is null when the run never got that far', () => {
    const early = makeReport({ before: null, peak: null, p50Ms: null });
    expect(reportValue('processesBeforeLoad', early)).toBeNull();
    expect(reportValue('maxThreadsPerProcess', early)).toBeNull();
    expect(reportValue('p50Ms', early)).toBeNull();
    expect(reportValue('maxThreadsPerProcess', makeReport({ peak: { processes: 0, threads: 0, threadsPerProcess: {} } }))).toBeNull();
  });
});

describe('holds and describeBound', () => {
  it.each([
    [{ eq: 5 }, 5, true, '= 5'],
    [{ eq: 5 }, 5.1, false, '= 5'],
    [{ gte: 140, lte: 200 }, 140, true, '≥ 140, ≤ 200'],
    [{ gte: 140, lte: 200 }, 139.9, false, '≥ 140, ≤ 200'],
    [{ gte: 140, lte: 200 }, 200.1, false, '≥ 140, ≤ 200'],
    [{ gt: 0 }, 0, false, '> 0'],
    [{ lt: 10 }, 9.99, true, '< 10'],
    [{ lt: 10 }, 10, false, '< 10'],
    [{ gt: 1, lt: 3, gte: 2 }, 2, true, '> 1, ≥ 2, < 3'],
  ])('%j with %s: %s', (bound, value, passed, text) => {
    expect(holds(bound, value)).toBe(passed);
    expect(describeBound(bound)).toBe(text);
  });
});

describe('checkExpectations', () => {
  it('lists every expectation, numbers in a fixed order, then the insights', () => {
    const results = checkExpectations(
      {
        failed: { eq: 0 },
        processesBeforeLoad: { eq: 5 },
        maxThreadsPerProcess: { lte: 50 },
        rps: { gte: 140 },
        insight: ['prefork', 'pool'],
        noInsight: ['thread-explosion', 'on-demand'],
      },
      report,
    );
    expect(results).toEqual([
      { name: 'processesBeforeLoad', expected: '= 5', actual: '5', passed: true },
      { name: 'maxThreadsPerProcess', expected: '≤ 50', actual: '51', passed: false },
      { name: 'rps', expected: '≥ 140', actual: '147.8', passed: true },
      { name: 'failed', expected: '= 0', actual: '10', passed: false },
      { name: 'insight', expected: 'prefork', actual: 'prefork, on-demand', passed: true },
      { name: 'insight', expected: 'pool', actual: 'prefork, on-demand', passed: false },
      { name: 'noInsight', expected: 'not thread-explosion', actual: 'prefork, on-demand', passed: true },
      { name: 'noInsight', expected: 'not on-demand', actual: 'prefork, on-demand', passed: false },
    ]);
  });

  it('a value the run did not measure fails, and says so', () => {
    expect(checkExpectations({ threadsBeforeLoad: { gte: 0 } }, makeReport({ before: null }))).toEqual([
      { name: 'threadsBeforeLoad', expected: '≥ 0', actual: 'not measured', passed: false },
    ]);
  });

  it('no insights at all reads "none"', () => {
    expect(checkExpectations({ insight: ['flat'] }, makeReport({ insights: [] }))[0]).toEqual({ name: 'insight', expected: 'flat', actual: 'none', passed: false });
  });

  it('nothing expected, nothing listed', () => {
    expect(checkExpectations({}, report)).toEqual([]);
  });
});
