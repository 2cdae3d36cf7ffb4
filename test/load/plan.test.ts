import { describe, expect, it } from 'vitest';
import { planNextRun, validateLoadConfig } from '../../src/load/plan.js';
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
    ['start, by requests', {}, 0, 0, { amount: 200, connections: 10, remainingMs: null }],
    ['resume: what was not settled', {}, 130, 999, { amount: 70, connections: 10, remainingMs: null }],
    ['fewer left than connections', {}, 197, 0, { amount: 3, connections: 3, remainingMs: null }],
    ['all settled', {}, 200, 0, null],
    ['start, by time', { requests: null, durationS: 2 }, 0, 0, { amount: null, connections: 10, remainingMs: 2000 }],
    ['resume: the time not yet spent', { requests: null, durationS: 2 }, 500, 1500.5, { amount: null, connections: 10, remainingMs: 499.5 }],
    ['time used up', { requests: null, durationS: 2 }, 500, 2000, null],
    ['both bounds: the tighter ends it', { durationS: 2 }, 200, 10, null],
    ['both bounds, both left', { durationS: 2 }, 150, 1000, { amount: 50, connections: 10, remainingMs: 1000 }],
  ])('%s', (_name, change, settled, activeMs, plan) => {
    expect(planNextRun({ ...base, ...change }, { settled, activeMs })).toEqual(plan);
  });
});
