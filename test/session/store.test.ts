import { NO_GUARDS } from '../../src/insights/guard-types.js';
import { describe, expect, it } from 'vitest';
import { INITIAL_STATE, activeLoadMs, reduce } from '../../src/session/store.js';
import type { SessionEvent, SessionConfig } from '../../src/session/events.js';
import type { SessionState } from '../../src/session/state.js';
import type { ProcessSample, Snapshot, ThreadSample } from '../../src/proc/types.js';
import type { LatencyBatch } from '../../src/load/types.js';

const config: SessionConfig = { model: 'cluster', workers: 4, threads: null, connections: 50, requests: 1000, durationS: null, delayS: 0.2, intervalMs: 250, keepAlive: true, rate: null, ramp: null, loadWorkers: 1, cores: 2, guards: NO_GUARDS };

function thread(tid: number, state = 'S'): ThreadSample {
  return { tid, name: 'node', state, cpuPercent: 0, ranMs: 0, lastCpu: 0, wchan: 'do_epoll_wait', waitLabel: 'epoll wait', role: '' };
}
function proc(pid: number, threadCount: number, ppid = 1): ProcessSample {
  const threads = Array.from({ length: threadCount }, (_, k) => thread(pid + k, k === 0 ? 'R' : 'S'));
  return { pid, ppid, name: 'node', cmdline: ['node'], rssBytes: 1 << 20, cpuPercent: 0, threads };
}
function snap(tMs: number, processes: ProcessSample[]): Snapshot {
  return { tMs, intervalMs: 250, processes, costMs: 0.1 };
}
function batch(valuesUs: number[], counts: number[], extra: Partial<LatencyBatch['counts']> = {}): LatencyBatch {
  const completed = counts.reduce((a, b) => a + b, 0);
  return { histogram: { valuesUs, counts }, sent: completed, counts: { completed, ok: completed, non2xx: 0, timeouts: 0, errors: 0, resets: 0, ...extra } };
}
const fold = (events: SessionEvent[], from: SessionState = INITIAL_STATE) => events.reduce(reduce, from);

const cluster = (tMs: number, workerThreads = 7) => snap(tMs, [proc(100, 7, 1), ...[200, 300, 400, 500].map((pid) => proc(pid, workerThreads, 100))]);

describe('reduce', () => {
  const start: SessionEvent[] = [
    { type: 'session/started', tMs: 0, config },
    { type: 'server/spawned', tMs: 10, pid: 100, command: ['node', 'cluster.cjs'], url: 'http://127.0.0.1:1/' },
    { type: 'server/ready', tMs: 300 },
    { type: 'proc/sample', tMs: 310, snapshot: cluster(310) },
  ];

  it('takes the before shape from samples before the load, and counts no births on the first sample', () => {
    const state = fold(start);
    expect(state.phase).toBe('ready');
    expect(state.shape).toEqual({ before: { processes: 5, threads: 35 }, peak: null, after: null });
    expect(state.births).toEqual([]);
    expect(state.timeline).toEqual([{ tMs: 310, processes: 5, threads: 35, running: 5, sleeping: 30, born: 0, died: 0, rps: 0, p50Ms: null, p90Ms: null, p99Ms: null, target: null, failed: 0, intervalMs: null }]);
  });

  it('keeps the peak per process while load runs and the after shape from the first sample after it', () => {
    const state = fold([
      ...start,
      { type: 'load/started', tMs: 400 },
      { type: 'load/batch', tMs: 650, batch: batch([200_000, 210_000], [40, 10]) },
      { type: 'proc/sample', tMs: 660, snapshot: cluster(660, 9) },
      { type: 'load/batch', tMs: 900, batch: batch([200_000, 400_000], [45, 5], { non2xx: 2, ok: 48 }) },
      { type: 'proc/sample', tMs: 910, snapshot: cluster(910, 8) },
      { type: 'load/finished', tMs: 1_400, totals: { completed: 100, ok: 98, non2xx: 2, timeouts: 0, errors: 0, resets: 0 } },
      { type: 'proc/sample', tMs: 1_410, snapshot: cluster(1_410, 7) },
      { type: 'proc/sample', tMs: 1_660, snapshot: cluster(1_660, 6) },
    ]);
    expect(state.shape.before).toEqual({ processes: 5, threads: 35 });
    expect(state.shape.peak).toEqual({ processes: 5, threads: 43, threadsPerProcess: { 100: 7, 200: 9, 300: 9, 400: 9, 500: 9 } });
    expect(state.shape.after).toEqual({ processes: 5, threads: 35 });
    expect(state.load.counts).toEqual({ completed: 100, ok: 98, non2xx: 2, timeouts: 0, errors: 0, resets: 0 });
    expect(state.load.cumulative).toEqual({ valuesUs: [200_000, 210_000, 400_000], counts: [85, 10, 5] });
    expect(state.load.rpsPerSecond).toEqual([100]);
    expect(activeLoadMs(state)).toBe(1_000);
    // The sample at 660 saw two new threads in each worker; the one at 910 saw one die in each.
    expect(state.timeline[1]).toMatchObject({ tMs: 660, threads: 43, born: 8, died: 0, rps: 50, p99Ms: 210 });
    expect(state.timeline[2]).toMatchObject({ tMs: 910, threads: 39, born: 0, died: 4, rps: 100, p99Ms: 400 });
  });

  it('highlights births and deaths for two seconds only', () => {
    const state = fold([...start, { type: 'proc/sample', tMs: 600, snapshot: cluster(600, 8) }]);
    expect(state.births.map((b) => `${b.pid}:${b.tid}`)).toEqual(['200:207', '300:307', '400:407', '500:507']);
    const later = fold([{ type: 'proc/sample', tMs: 2_700, snapshot: cluster(2_700, 8) }], state);
    expect(later.births).toEqual([]);
  });

  it('does not count paused time as load time', () => {
    const state = fold([
      ...start,
      { type: 'load/started', tMs: 1_000 },
      { type: 'load/paused', tMs: 2_000 },
      { type: 'load/resumed', tMs: 5_000 },
      { type: 'load/paused', tMs: 6_000 },
      { type: 'load/finished', tMs: 7_000, totals: { completed: 0, ok: 0, non2xx: 0, timeouts: 0, errors: 0, resets: 0 } },
    ]);
    expect(state.load.pausedTotalMs).toBe(4_000);
    expect(activeLoadMs(state)).toBe(2_000);
  });

  it('marks a server that exits on its own as failed, and one it stopped as expected', () => {
    const died = fold([...start, { type: 'server/exited', tMs: 900, code: 1, signal: null, expected: false, stderrTail: ['boom'] }]);
    expect(died.phase).toBe('failed');
    expect(died.server?.exited).toEqual({ tMs: 900, code: 1, signal: null, expected: false, stderrTail: ['boom'] });
    const stopped = fold([...start, { type: 'server/exited', tMs: 900, code: null, signal: 'SIGTERM', expected: true, stderrTail: [] }]);
    expect(stopped.phase).toBe('ready');
  });

  it('drops latency slices older than the window', () => {
    const state = fold([
      ...start,
      { type: 'load/started', tMs: 1_000 },
      { type: 'load/batch', tMs: 1_250, batch: batch([1_000], [1]) },
      { type: 'load/batch', tMs: 6_250, batch: batch([2_000], [1]) },
      { type: 'load/batch', tMs: 6_500, batch: batch([3_000], [1]) },
    ]);
    expect(state.load.window.map((s) => s.tMs)).toEqual([6_250, 6_500]);
    expect(state.load.rpsPerSecond).toEqual([1, 0, 0, 0, 0, 2]);
  });

  it('counts the server tree only: a companion such as nginx in front is shown, not counted', () => {
    const nginx = (pid: number, ppid: number): ProcessSample => ({ ...proc(pid, 1, ppid), name: 'nginx', group: 'nginx' });
    const withProxy = snap(310, [...cluster(310).processes, nginx(900, 1), nginx(901, 900)]);
    const state = fold([...start.slice(0, 3), { type: 'proc/sample', tMs: 310, snapshot: withProxy }]);
    expect(state.shape.before).toEqual({ processes: 5, threads: 35 });
    expect(state.timeline[0]).toMatchObject({ processes: 5, threads: 35, running: 5, sleeping: 30 });
    expect(state.snapshot?.processes).toHaveLength(7);
  });
});

