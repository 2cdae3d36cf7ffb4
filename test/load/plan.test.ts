import { describe, expect, it } from 'vitest';
import { planNextRun, splitProblem, validateLoadConfig, workerShare } from '../../src/load/plan.js';
import type { LoadConfig } from '../../src/load/types.js';

const base: LoadConfig = {
  url: 'http://127.0.0.1:8000/?delay=1',
  connections: 10,
  requests: 200,
  durationS: null,
  timeoutS: 10,
  batchMs: 250,
};

describe('validateLoadConfig', () => {
  it.each<[string, Partial<LoadConfig>, string[]]>([
    ['a good config', {}, []],
    ['duration instead of requests', { requests: null, durationS: 2.5 }, []],
    ['both bounds', { durationS: 5 }, []],
    ['no bound', { requests: null }, ['a load needs a bound: requests, durationS, or both']],
    ['another host', { url: 'http://example.com/' }, ['url: load goes only to 127.0.0.1, got example.com']],
    ['localhost (may be ::1 or elsewhere)', { url: 'http://localhost:8000/' }, ['url: load goes only to 127.0.0.1, got localhost']],
    ['https', { url: 'https://127.0.0.1/' }, ['url: only http: is supported, got https:']],
    ['no scheme', { url: '127.0.0.1:80' }, ['url: not a URL: "127.0.0.1:80"']],
    ['0 connections', { connections: 0 }, ['connections: a whole number >= 1, got 0']],
    ['fractional requests', { requests: 2.5 }, ['requests: a whole number >= 1 or null, got 2.5']],
    ['0 requests', { requests: 0 }, ['requests: a whole number >= 1 or null, got 0']],
    ['0 s', { requests: null, durationS: 0 }, ['durationS: a number > 0 or null, got 0']],
    ['timeout under 1 s', { timeoutS: 0.5 }, ["timeoutS: a number >= 1 (autocannon's minimum), got 0.5"]],
    ['tiny batches', { batchMs: 1 }, ['batchMs: a number >= 10, got 1']],
  ])('%s', (_name, change, problems) => {
    expect(validateLoadConfig({ ...base, ...change })).toEqual(problems);
  });
});

describe('planNextRun', () => {
  it.each<[string, Partial<LoadConfig>, number, number, ReturnType<typeof planNextRun>]>([
    ['start, by requests', {}, 0, 0, { amount: 200, connections: 10, remainingMs: null, gate: null }],
    ['resume: what was not settled', {}, 130, 999, { amount: 70, connections: 10, remainingMs: null, gate: null }],
    ['fewer left than connections', {}, 197, 0, { amount: 3, connections: 3, remainingMs: null, gate: null }],
    ['all settled', {}, 200, 0, null],
    ['start, by time', { requests: null, durationS: 2 }, 0, 0, { amount: null, connections: 10, remainingMs: 2000, gate: null }],
    ['resume: the time not yet spent', { requests: null, durationS: 2 }, 500, 1500.5, { amount: null, connections: 10, remainingMs: 499.5, gate: null }],
    ['time used up', { requests: null, durationS: 2 }, 500, 2000, null],
    ['both bounds: the tighter ends it', { durationS: 2 }, 200, 10, null],
    ['both bounds, both left', { durationS: 2 }, 150, 1000, { amount: 50, connections: 10, remainingMs: 1000, gate: null }],
    ['open loop by time: one stage of what is left', { requests: null, durationS: 2, rate: 100 }, 50, 500, {
      amount: null, connections: 10, remainingMs: 1500, gate: { kind: 'rate', stages: [{ durationMs: 1500, value: 100 }], phase: 0, limit: null },
    }],
    ['open loop by requests: an endless stage, limited', { rate: 100, ratePhase: 0.5 }, 150, 0, {
      amount: 50, connections: 10, remainingMs: null, gate: { kind: 'rate', stages: [{ durationMs: Infinity, value: 100 }], phase: 0.5, limit: 50 },
    }],
    ['ramp of rates, resumed inside the second stage', { requests: null, durationS: 30, ramp: { unit: 'rate', stages: [{ durationMs: 10_000, value: 50 }, { durationMs: 20_000, value: 200 }] } }, 0, 12_000, {
      amount: null, connections: 10, remainingMs: 18_000, gate: { kind: 'rate', stages: [{ durationMs: 18_000, value: 200 }], phase: 0, limit: null },
    }],
    ['ramp of connections: as many as the largest stage left', { requests: null, durationS: 3, ramp: { unit: 'connections', stages: [{ durationMs: 1000, value: 5 }, { durationMs: 1000, value: 40 }, { durationMs: 1000, value: 20 }] } }, 0, 1500, {
      amount: null, connections: 40, remainingMs: 1500, gate: { kind: 'connections', stages: [{ durationMs: 500, value: 40 }, { durationMs: 1000, value: 20 }] },
    }],
  ])('%s', (_name, change, settled, activeMs, plan) => {
    expect(planNextRun({ ...base, ...change }, { settled, activeMs })).toEqual(plan);
  });
});

describe('validateLoadConfig: open loop and ramps', () => {
  const ramp = { unit: 'connections' as const, stages: [{ durationMs: 1000, value: 5 }, { durationMs: 2000, value: 10 }] };
  it.each<[string, Partial<LoadConfig>, string[]]>([
    ['a rate', { rate: 200 }, []],
    ['a zero rate', { rate: 0 }, ['rate: requests per second > 0, got 0']],
    ['a ramp lasting its duration', { requests: null, durationS: 3, ramp }, []],
    ['a ramp and another duration', { requests: null, durationS: 5, ramp }, ["ramp: durationS must be the stages' total (3 s), got 5"]],
    ['a ramp and a rate', { requests: null, durationS: 3, ramp: { ...ramp, unit: 'rate' }, rate: 10 }, ['rate and ramp: a ramp of rates replaces a constant rate; give one']],
    ['a ramp of no connection at all', { requests: null, durationS: 1, ramp: { unit: 'connections', stages: [{ durationMs: 1000, value: 0 }] } }, ['ramp: some stage needs at least 1 connection']],
    ['half a connection', { requests: null, durationS: 1, ramp: { unit: 'connections', stages: [{ durationMs: 1000, value: 1.5 }] } }, ['ramp: a stage is a duration > 0 and a whole number of connections >= 0, got 1000 ms at 1.5']],
  ])('%s', (_name, change, problems) => {
    expect(validateLoadConfig({ ...base, ...change })).toEqual(problems);
  });
});

describe('workerShare: a load spread over load workers', () => {
  it('splits connections and requests as evenly as whole numbers allow', () => {
    const shares = [0, 1, 2].map((i) => workerShare({ ...base, connections: 10, requests: 200 }, i, 3));
    expect(shares.map((s) => [s.connections, s.requests])).toEqual([[4, 67], [3, 67], [3, 66]]);
  });
  it('splits a rate into interleaved schedules', () => {
    const shares = [0, 1].map((i) => workerShare({ ...base, rate: 300 }, i, 2));
    expect(shares.map((s) => [s.rate, s.ratePhase])).toEqual([[150, 0], [150, 0.5]]);
  });
  it('splits every stage of a ramp', () => {
    const ramp = { unit: 'connections' as const, stages: [{ durationMs: 1000, value: 3 }, { durationMs: 1000, value: 8 }] };
    const shares = [0, 1].map((i) => workerShare({ ...base, requests: null, durationS: 2, ramp }, i, 2));
    expect(shares.map((s) => s.ramp?.stages.map((st) => st.value))).toEqual([[2, 4], [1, 4]]);
  });
  it('refuses more workers than connections or requests', () => {
    expect(splitProblem({ ...base, connections: 2 }, 3)).toBe('3 load workers need at least 3 connections, got 2');
    expect(splitProblem({ ...base, requests: 2 }, 3)).toBe('3 load workers need at least 3 requests, got 2');
    expect(splitProblem(base, 2)).toBeNull();
  });
});
