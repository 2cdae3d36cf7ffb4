import { NO_GUARDS } from '../../src/insights/guard-types.js';
import type { ProcessSample, Snapshot, ThreadSample } from '../../src/proc/types.js';
import type { SessionEvent } from '../../src/session/events.js';

/** A realistic event stream for the recording tests (test/session/recording*.test.ts). */

const thread = (tid: number, over: Partial<ThreadSample> = {}): ThreadSample => ({
  tid, name: 'node', state: 'S', cpuPercent: 0, ranMs: 0, lastCpu: 0, wchan: 'futex_wait_queue', waitLabel: 'futex wait', role: '', ...over,
});

/**
 * A cluster of a primary and 4 workers under load for `samples` samples: main threads run and
 * sleep in turn with uneven CPU, a worker spawns libuv pool threads on demand and loses one,
 * a fifth worker appears, a companion (nginx) sits beside, latency batches come between samples.
 */
export function syntheticRun(samples = 40): SessionEvent[] {
  const events: SessionEvent[] = [
    {
      type: 'session/started',
      tMs: 0,
      config: { model: 'cluster', workers: 4, threads: null, connections: 10, requests: null, durationS: 10, delayS: 0.01, intervalMs: 250, keepAlive: true, rate: null, ramp: null, loadWorkers: 1, cores: 2, guards: NO_GUARDS },
    },
    { type: 'upstream/ready', tMs: 60.88, url: 'http://127.0.0.1:41055/' },
    { type: 'server/spawned', tMs: 70.53, pid: 100, command: ['/usr/bin/node', 'node-cluster.cjs', '--workers', '4'], url: 'http://127.0.0.1:41056/' },
    { type: 'server/ready', tMs: 400.1 },
  ];
  const proc = (pid: number, ppid: number, k: number, extra: ThreadSample[] = [], group?: string): ProcessSample => {
    const busy = group === undefined && (k + pid) % 3 !== 0;
    const cpu = busy ? ((k * 7.31 + pid) % 40) + 0.123456789 : 0;
    const threads = [
      thread(pid, { state: busy ? 'R' : 'S', cpuPercent: k === 0 ? null : cpu, ranMs: k === 0 ? null : cpu * 2.5, lastCpu: busy ? (k + pid) % 2 : 0, wchan: busy ? '' : 'do_epoll_wait', waitLabel: busy ? '' : 'epoll wait', role: 'main' }),
      ...[1, 2, 3, 4].map((n) => thread(pid + n, { role: 'V8 platform', cpuPercent: k === 0 ? null : n === 1 && busy ? 0.4 : 0 })),
      thread(pid + 5, { role: 'V8 delayed' }),
      ...extra,
    ];
    const p: ProcessSample = { pid, ppid, name: group ?? 'node', cmdline: ['node', 'x.cjs', String(pid)], rssBytes: 48_000_000 + (busy ? k * 4096 : 0), cpuPercent: k === 0 ? null : cpu + 0.4, threads };
    return group === undefined ? p : { ...p, group };
  };
  for (let k = 0; k < samples; k++) {
    const tMs = 500 + k * 250 + (k % 3) * 0.123;
    // The libuv pool of pid 200 grows 0 → 4 over samples 5..8, and one pool thread is gone after sample 30.
    const pool = Array.from({ length: Math.max(0, Math.min(4, k - 4)) }, (_, n) => thread(200 + 10 + n, { role: 'libuv pool', name: 'node' })).filter((t) => !(k > 30 && t.tid === 211));
    const processes = [proc(100, 1, k), proc(200, 100, k, pool), proc(300, 100, k), proc(400, 100, k)];
    if (k >= 12) processes.push(proc(500, 100, k));
    if (k === 20) processes.splice(2, 1); // pid 300 is gone for one sample
    processes.push(proc(900, 1, k, [], 'nginx'));
    // One sample lists a process's threads out of tid order: the order must survive.
    if (k === 25) processes[0] = { ...processes[0], threads: [...processes[0].threads].reverse() };
    const snapshot: Snapshot = { tMs, intervalMs: k === 0 ? 0 : 250.0123, processes, costMs: 0.8 + (k % 5) * 0.01 };
    events.push({ type: 'proc/sample', tMs, snapshot });
    if (k === 2) events.push({ type: 'load/started', tMs: tMs + 10 });
    if (k > 2 && k < samples - 3) {
      events.push({
        type: 'load/batch',
        tMs: tMs + 100.5,
        batch: {
          histogram: { valuesUs: [12375, 12959, 13447 + k], counts: [3, 10 + k, 2] },
          sent: 15 + k,
          lastResponseMs: tMs + 99.25,
          counts: { completed: 15 + k, ok: 15 + k, non2xx: 0, timeouts: 0, errors: 0, resets: 0 },
          generator: { cpuPercent: 20.5, loopDelayP99Ms: 1.25, loopDelayMaxMs: 3.451263000000001, busy: 10, connections: 10, backlog: 0 },
        },
      });
    }
    if (k === samples - 3) events.push({ type: 'load/finished', tMs: tMs + 50, totals: { completed: 900, ok: 900, non2xx: 0, timeouts: 0, errors: 0, resets: 0 } });
  }
  events.push({ type: 'session/ended', tMs: 500 + samples * 250, reason: 'completed' });
  events.push({ type: 'server/exited', tMs: 520 + samples * 250, code: 0, signal: null, expected: true, stderrTail: [] });
  return events;
}

