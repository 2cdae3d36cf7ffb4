import { NO_GUARDS } from '../../src/insights/guard-types.js';
import { describe, expect, it } from 'vitest';
import { INITIAL_STATE, rateWindowMs, reduce } from '../../src/session/store.js';
import { achievedRate, generatorVerdict } from '../../src/session/generator-health.js';
import { buildJsonReport } from '../../src/report/json.js';
import type { SessionConfig, SessionEvent } from '../../src/session/events.js';
import type { SessionState } from '../../src/session/state.js';
import type { GeneratorSample, LatencyBatch } from '../../src/load/types.js';
import type { Snapshot } from '../../src/proc/types.js';

const openLoop: SessionConfig = {
  model: 'cluster', workers: 2, threads: null, connections: 1000, requests: null, durationS: 4, delayS: 0.05, intervalMs: 250,
  keepAlive: true, rate: 200, ramp: null, loadWorkers: 2, cores: 2, guards: NO_GUARDS,
};

const healthy: GeneratorSample = { cpuPercent: 12, loopDelayP99Ms: 1, loopDelayMaxMs: 2, busy: 5, connections: 500, backlog: 0 };

/** A batch of `sent` requests answered in 50 ms from their send and `waitMs` more from their intended time. */
function batch(sent: number, waitMs: number, worker: number, generator: GeneratorSample = healthy): LatencyBatch {
  return {
    histogram: { valuesUs: [(50 + waitMs) * 1000], counts: [sent] },
    uncorrected: { valuesUs: [50_000], counts: [sent] },
    sendLag: { valuesUs: [waitMs * 1000 || 100], counts: [sent] },
    sent,
    counts: { completed: sent, ok: sent, non2xx: 0, timeouts: 0, errors: 0, resets: 0 },
    generator,
    worker,
  };
}

function sample(tMs: number, cpuPercent: number, threadCpu: readonly number[] = [cpuPercent / 2, cpuPercent / 2]): Snapshot {
  const threads = threadCpu.map((cpu, k) => ({ tid: 10 + k, name: 'node', state: 'S', cpuPercent: cpu, ranMs: cpu * 2.5, lastCpu: 0, wchan: '', waitLabel: '', role: '' }));
  return { tMs, intervalMs: 250, costMs: 0, processes: [{ pid: 10, ppid: 1, name: 'node', cmdline: [], rssBytes: 0, cpuPercent, threads }] };
}

const fold = (events: SessionEvent[]) => events.reduce<SessionState>(reduce, INITIAL_STATE);

/** Two load workers, each sending `perBatch` every 250 ms from t = 1 s to 3 s. */
function run(perBatch: number, options: { waitMs?: number; generator?: GeneratorSample; serverCpu?: number; threadCpu?: number[] } = {}): SessionEvent[] {
  const events: SessionEvent[] = [{ type: 'session/started', tMs: 0, config: openLoop }, { type: 'load/started', tMs: 1_000 }];
  for (let t = 1_250; t <= 3_000; t += 250) {
    events.push({ type: 'load/batch', tMs: t, batch: batch(perBatch, options.waitMs ?? 0, 0, options.generator) });
    events.push({ type: 'load/batch', tMs: t - 1, batch: batch(perBatch, options.waitMs ?? 0, 1, options.generator) });
    events.push({ type: 'proc/sample', tMs: t + 2, snapshot: sample(t + 2, options.serverCpu ?? 20, options.threadCpu) });
  }
  return events;
}

describe('the store in open loop', () => {
  it('keeps corrected and uncorrected latencies, what was sent, and each worker\'s health apart', () => {
    const state = fold(run(25, { waitMs: 100 }));
    expect(state.load.sent).toBe(400);
    expect(state.load.cumulative).toEqual({ valuesUs: [150_000], counts: [400] });
    expect(state.load.uncorrected).toEqual({ valuesUs: [50_000], counts: [400] });
    expect(state.load.sendLag).toEqual({ valuesUs: [100_000], counts: [400] });
    expect(state.load.generator).toHaveLength(2);
    expect(state.load.sentPerSecond).toEqual([200, 200]);
    expect(state.timeline.every((p) => p.target === 200)).toBe(true);
  });

  it('measures the achieved rate over the last second of batches', () => {
    expect(achievedRate(fold(run(25)))).toBeCloseTo(200, 0);
    expect(achievedRate(fold(run(20)))).toBeCloseTo(160, 0);
  });
});

describe('generatorVerdict', () => {
  it('says nothing while the schedule is kept', () => {
    expect(generatorVerdict(fold(run(25)))).toBeNull();
  });

  it('blames the generator when a load worker is past 85 % of a core', () => {
    const verdict = generatorVerdict(fold(run(25, { generator: { ...healthy, cpuPercent: 97 } })));
    expect(verdict).toEqual({ generatorBound: true, text: 'generator-bound: load worker 1 at 97% of a core limits the load, not the server (try --load-workers 3)' });
  });

  it('blames the generator for a shortfall while the server is not saturated', () => {
    const verdict = generatorVerdict(fold(run(20, { generator: { ...healthy, loopDelayP99Ms: 40 } })));
    expect(verdict?.generatorBound).toBe(true);
    expect(verdict?.text).toBe('generator-bound: sending 160 of 200 req/s with the server not saturated (load loop delay p99 40 ms)');
  });

  it('says when every connection waits on the server and requests queue', () => {
    const verdict = generatorVerdict(fold(run(20, { generator: { ...healthy, busy: 500, connections: 500, backlog: 40 } })));
    expect(verdict?.text).toMatch(/^generator-bound: sending 160 of 200 req\/s; all 1000 connections wait on the server/);
  });

  it('blames the server when one of its threads is busy all the time (one event loop, one core)', () => {
    const verdict = generatorVerdict(fold(run(20, { serverCpu: 99, threadCpu: [97, 2] })));
    expect(verdict).toEqual({ generatorBound: false, text: 'server-bound: sending 160 of 200 req/s; a server thread runs 97% of the time' });
  });

  it('blames the server when it uses every core', () => {
    const verdict = generatorVerdict(fold(run(20, { serverCpu: 190 })));
    expect(verdict).toEqual({ generatorBound: false, text: 'server-bound: sending 160 of 200 req/s; the server uses 95% of 2 cores' });
  });
});

describe('the JSON report in open loop', () => {
  it('has latency from the intended send, from the actual send, and the rate asked and achieved', () => {
    const events = [...run(25, { waitMs: 100 }), { type: 'load/finished', tMs: 5_000, totals: { completed: 400, ok: 400, non2xx: 0, timeouts: 0, errors: 0, resets: 0 } } as SessionEvent];
    const report = buildJsonReport(fold(events), { command: [], url: null });
    expect(report.config.rate).toBe(200);
    expect(report.load.latencyMs.p50).toBeCloseTo(150, 0);
    expect(report.load.uncorrectedLatencyMs?.p50).toBeCloseTo(50, 0);
    expect(report.load.rate?.target).toBe(200);
    expect(report.load.rate?.achieved).toBe(100); // 400 sent over the 4 s configured
    expect(report.load.rate?.sendLagMs.p50).toBeCloseTo(100, 0);
    expect(report.load.generator.workers).toBe(2);
  });
});

describe('rateWindowMs: what throughput is measured over', () => {
  const closed: SessionConfig = { ...openLoop, rate: null, connections: 50, durationS: 4 };
  const ended = (lastResponseMs: number, finishedMs: number): SessionEvent[] => [
    { type: 'session/started', tMs: 0, config: closed },
    { type: 'load/started', tMs: 1_000 },
    { type: 'load/batch', tMs: lastResponseMs, batch: { ...batch(78, 0, 0), lastResponseMs } },
    { type: 'load/finished', tMs: finishedMs, totals: { completed: 78, ok: 78, non2xx: 0, timeouts: 0, errors: 0, resets: 0 } },
  ];
  it('is the configured duration when the last answers come by the deadline', () => {
    expect(rateWindowMs(fold(ended(4_990, 5_100)))).toBe(4_000);
  });
  it('runs to the last response when requests queued in the server answer long after the deadline', () => {
    // A pool of 4 behind 50 connections: the last queued request answers 5.8 s after the deadline.
    expect(rateWindowMs(fold(ended(10_800, 10_900)))).toBe(9_800);
  });
});
