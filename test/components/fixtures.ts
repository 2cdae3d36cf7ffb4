import { NO_GUARDS } from '../../src/insights/guard-types.js';
import type { ProcessSample, Snapshot, ThreadSample } from '../../src/proc/types.js';
import type { SparseHistogram } from '../../src/load/types.js';
import type { SessionState, ThreadChange } from '../../src/session/state.js';

/** The interval of the snapshots below, ms: a thread's ranMs is its cpuPercent of it. */
const INTERVAL_MS = 250;

/** A thread sample with quiet defaults; ranMs follows cpuPercent unless given. */
export function thread(tid: number, over: Partial<ThreadSample> = {}): ThreadSample {
  const cpuPercent = over.cpuPercent === undefined ? 0 : over.cpuPercent;
  const ranMs = cpuPercent === null ? null : (cpuPercent * INTERVAL_MS) / 100;
  return { tid, name: 'node', state: 'S', cpuPercent, ranMs, lastCpu: 0, wchan: 'futex_wait_queue', waitLabel: 'futex', role: '', ...over };
}

/**
 * A Node 20 process as src/proc/thread-roles.ts labels it: main, V8 delayed, 4 V8
 * platform workers, inspector.
 * `busy` puts the main thread on a CPU.
 */
export function nodeProcess(pid: number, ppid: number, opts: { busy?: number; rssMiB?: number; mainState?: string } = {}): ProcessSample {
  const busy = opts.busy ?? 0;
  const mainState = opts.mainState ?? (busy > 0 ? 'R' : 'S');
  const threads: ThreadSample[] = [
    thread(pid, {
      state: mainState,
      cpuPercent: busy,
      role: 'main',
      lastCpu: pid % 2,
      wchan: mainState === 'R' ? '' : 'do_epoll_wait',
      waitLabel: mainState === 'R' ? '' : 'epoll wait',
    }),
    thread(pid + 1, { role: 'V8 delayed', wchan: 'do_epoll_wait', waitLabel: 'epoll wait' }),
    ...[2, 3, 4, 5].map((k) => thread(pid + k, { role: 'V8 platform', cpuPercent: k === 2 && busy > 0 ? 0.4 : 0, waitLabel: 'futex wait' })),
    thread(pid + 6, { role: 'inspector' }),
  ];
  return {
    pid,
    ppid,
    name: 'node',
    cmdline: ['node', '/work/main/dist/src/models/servers/cluster.js', '--workers', '4'],
    rssBytes: Math.round((opts.rssMiB ?? 48.2) * 1024 * 1024),
    cpuPercent: threads.reduce((n, t) => n + (t.cpuPercent ?? 0), 0),
    threads,
  };
}

/** `watchload --model cluster --workers 4` under load: 1 primary + 4 workers × 7 threads. */
export function clusterSnapshot(tMs = 14_000): Snapshot {
  return {
    tMs,
    intervalMs: INTERVAL_MS,
    costMs: 0.4,
    processes: [
      nodeProcess(4242, 4100, { busy: 8.1, rssMiB: 52.7 }),
      nodeProcess(4250, 4242, { busy: 18.4, rssMiB: 47.9 }),
      nodeProcess(4257, 4242, { busy: 0, rssMiB: 48.3 }),
      nodeProcess(4264, 4242, { busy: 21.2, rssMiB: 48.1 }),
      nodeProcess(4271, 4242, { busy: 3.5, rssMiB: 47.6, mainState: 'S' }),
    ],
  };
}

/** Latencies around the upstream's 200 ms delay, with a slow tail. */
export const WINDOW_HISTOGRAM: SparseHistogram = {
  valuesUs: [200_150, 200_700, 201_300, 202_100, 203_500, 205_000, 208_000, 212_000, 226_000, 251_000],
  counts: [310, 402, 255, 120, 60, 31, 12, 6, 3, 1],
};

export const CUMULATIVE_HISTOGRAM: SparseHistogram = {
  valuesUs: [200_150, 200_700, 201_300, 202_100, 203_500, 205_000, 208_000, 212_000, 226_000, 251_000, 318_000, 412_000],
  counts: [880, 1104, 610, 210, 90, 41, 16, 8, 4, 2, 4, 3],
};

export const BASE_STATE: SessionState = {
  config: { model: 'cluster', workers: 4, threads: null, connections: 50, requests: null, durationS: 30, delayS: 0.2, intervalMs: 250, keepAlive: true, rate: null, ramp: null, loadWorkers: 1, cores: 2, guards: NO_GUARDS },
  phase: 'loading',
  nowMs: 14_200,
  upstreamUrl: 'http://127.0.0.1:40111/',
  upstreamFailure: null,
  server: {
    pid: 4242,
    command: ['node', '/work/main/dist/src/models/servers/cluster.js', '--workers', '4', '--port', '41234'],
    url: 'http://127.0.0.1:41234/',
    readyAtMs: 1_100,
    container: null,
    containerUsage: null,
    containerPidsPeak: null,
    containerPidsLimitAtMs: null,
    exited: null,
  },
  snapshot: clusterSnapshot(),
  births: [],
  deaths: [],
  shape: {
    before: { processes: 5, threads: 35 },
    peak: { processes: 5, threads: 35, threadsPerProcess: { '4242': 7, '4250': 7, '4257': 7, '4264': 7, '4271': 7 } },
    after: null,
  },
  processes: {},
  processEvents: { recent: [], exited: 0, started: 0 },
  timeline: Array.from({ length: 48 }, (_, k) => {
    const tMs = 2_250 + k * 250;
    const loaded = k >= 1;
    return { tMs, processes: 5, threads: 35, running: loaded ? 3 : 0, sleeping: loaded ? 32 : 35, born: 0, died: 0, rps: loaded ? 248 : 0, p50Ms: loaded ? 201 : null, p90Ms: loaded ? 202 : null, p99Ms: loaded ? [208, 209, 212, 226, 210][k % 5] : null, target: null, failed: 0, intervalMs: 250 };
  }),
  load: {
    startedAtMs: 2_000,
    finishedAtMs: null,
    pausedTotalMs: 0,
    pausedSinceMs: null,
    counts: { completed: 2_972, ok: 2_972, non2xx: 0, timeouts: 0, errors: 0, resets: 0 },
    cumulative: CUMULATIVE_HISTOGRAM,
    window: [
      { tMs: 10_000, histogram: { valuesUs: WINDOW_HISTOGRAM.valuesUs.slice(0, 6), counts: [150, 200, 125, 60, 30, 15] }, uncorrected: null, completed: 580, sent: 580, worker: 0 },
      {
        tMs: 14_000,
        histogram: { valuesUs: WINDOW_HISTOGRAM.valuesUs, counts: [160, 202, 130, 60, 30, 16, 12, 6, 3, 1] },
        uncorrected: null,
        completed: 620,
        sent: 620,
        worker: 0,
      },
    ],
    rpsPerSecond: [168, 243, 249, 251, 247, 250, 248, 252, 249, 246, 250, 248],
    sentPerSecond: [218, 243, 249, 251, 247, 250, 248, 252, 249, 246, 250, 248],
    sent: 3_001,
    lastResponseAtMs: 13_950,
    uncorrected: null,
    sendLag: null,
    generator: [{ cpuPercent: 31.5, loopDelayP99Ms: 1.2, loopDelayMaxMs: 2.5, busy: 50, connections: 50, backlog: 0 }],
    generatorPeak: { cpuPercent: 33.1, loopDelayMaxMs: 4.2 },
    totals: null,
    adjustments: [],
  },
  ended: null,
};

export function change(pid: number, tid: number, tMs: number, role = ''): ThreadChange {
  return { pid, tid, name: 'node', role, tMs };
}

/** gunicorn gthread under load: one process, 200 threads (12 running, the rest in the pool or reading). */
export function threadExplosion(): ProcessSample {
  return {
    pid: 5000,
    ppid: 1,
    name: 'gunicorn',
    cmdline: ['gunicorn', '--threads', '200', 'app:app'],
    rssBytes: 80 * 1024 * 1024,
    cpuPercent: 40,
    threads: [
      thread(5000, { name: 'gunicorn', role: 'main', waitLabel: 'epoll wait' }),
      ...Array.from({ length: 199 }, (_, k) =>
        thread(5001 + k, {
          name: 'gunicorn',
          state: k % 17 === 0 ? 'R' : 'S',
          cpuPercent: k % 17 === 0 ? 3 : 0,
          waitLabel: k % 17 === 0 ? '' : k % 3 === 0 ? 'socket read' : 'futex wait',
        }),
      ),
    ],
  };
}

/** gunicorn with 4 workers × 50 threads: an arbiter and 4 workers of 51 threads each. */
export function gthreadWorkers(): ProcessSample[] {
  const proc = (pid: number, ppid: number): ProcessSample => ({
    pid,
    ppid,
    name: 'gunicorn',
    cmdline: ['gunicorn', '-w', '4', '--threads', '50', 'app:app'],
    rssBytes: 30 * 1024 * 1024,
    cpuPercent: 5,
    threads: [
      thread(pid, { name: 'gunicorn', role: 'main', waitLabel: 'epoll wait', cpuPercent: 5 }),
      ...Array.from({ length: 50 }, (_, k) =>
        thread(pid + 1 + k, { name: 'gunicorn', waitLabel: k < 45 ? 'futex wait' : 'socket read' }),
      ),
    ],
  });
  return [proc(7000, 1), proc(7100, 7000), proc(7200, 7000), proc(7300, 7000), proc(7400, 7000)];
}

export function snapshotOf(processes: readonly ProcessSample[], tMs = 10_000): Snapshot {
  return { tMs, intervalMs: INTERVAL_MS, costMs: 1, processes };
}

/** A store the tests drive by hand: publish() is the session's tick. */
export function fakeStore(initial: SessionState) {
  let state = initial;
  const listeners = new Set<(s: SessionState) => void>();
  return {
    getState: () => state,
    subscribe(listener: (s: SessionState) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish(next: SessionState) {
      state = next;
      for (const l of listeners) l(next);
    },
    listeners,
  };
}
