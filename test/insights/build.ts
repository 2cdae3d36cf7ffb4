import { NO_GUARDS, type Guards } from '../../src/insights/guard-types.js';
import { INITIAL_STATE, reduce } from '../../src/session/store.js';
import type { SessionConfig, SessionEvent } from '../../src/session/events.js';
import type { SessionState } from '../../src/session/state.js';
import type { ProcessSample, Snapshot, ThreadSample } from '../../src/proc/types.js';

/** A process in a constructed sample: its thread count, and what its main thread is doing. */
export interface ProcSpec {
  readonly pid: number;
  readonly ppid?: number;
  readonly threads: number;
  /** Of those, threads in a named pool (role 'libuv pool'). */
  readonly pooled?: number;
  /** The main thread: 'R', or the wait label it sleeps in (default 'epoll wait'). */
  readonly main?: string;
  /** The wait label of the first other thread (default 'futex wait'); the rest wait on a futex. */
  readonly peer?: string;
  readonly name?: string;
}

function thread(tid: number, state: string, waitLabel: string, role: string): ThreadSample {
  return { tid, name: 'x', state, cpuPercent: 0, ranMs: 0, lastCpu: 0, wchan: '', waitLabel, role };
}

function processSample(spec: ProcSpec): ProcessSample {
  const main = spec.main ?? 'epoll wait';
  const threads: ThreadSample[] = [thread(spec.pid, main === 'R' ? 'R' : 'S', main === 'R' ? '' : main, 'main')];
  const pooled = spec.pooled ?? 0;
  for (let k = 1; k < spec.threads; k++) threads.push(thread(spec.pid + k, 'S', k === 1 && spec.peer !== undefined ? spec.peer : 'futex wait', k <= pooled ? 'libuv pool' : ''));
  return { pid: spec.pid, ppid: spec.ppid ?? 1, name: spec.name ?? 'server', cmdline: ['server'], rssBytes: 1 << 20, cpuPercent: 0, threads };
}

export const baseConfig: SessionConfig = {
  model: 'test', workers: null, threads: null, connections: 50, requests: null, durationS: 10, delayS: 1, intervalMs: 250,
  keepAlive: true, rate: null, ramp: null, loadWorkers: 1, cores: 2, guards: NO_GUARDS,
};

const CONTAINER = { id: 'c0ffee'.repeat(10) + 'c0ff', name: 'watchload-x-1-abcd', image: 'watchload-models:0123456789ab', engine: 'unix:///run/docker.sock', sampling: 'proc' } as const;

/**
 * A session told as events, through the real reducer: samples of a constructed tree, the
 * load's start, latency batches and its end.
 */
export class SessionBuilder {
  private events: SessionEvent[] = [];

  /** container: the server runs in one (--docker), as the engine made it. */
  constructor(config: Partial<SessionConfig> & { guards?: Guards } = {}, container = false) {
    this.events.push({ type: 'session/started', tMs: 0, config: { ...baseConfig, ...config } });
    this.events.push({ type: 'server/spawned', tMs: 1, pid: 100, command: ['server'], url: 'http://127.0.0.1:1/', ...(container ? { container: CONTAINER } : {}) });
    this.events.push({ type: 'server/ready', tMs: 2 });
  }

  sample(tMs: number, processes: readonly ProcSpec[]): this {
    const snapshot: Snapshot = { tMs, intervalMs: 250, processes: processes.map(processSample), costMs: 0.1 };
    this.events.push({ type: 'proc/sample', tMs, snapshot });
    return this;
  }

  /** Samples every 250 ms from fromMs to toMs (inclusive), the tree given by time. */
  samples(fromMs: number, toMs: number, at: (tMs: number) => readonly ProcSpec[]): this {
    for (let t = fromMs; t <= toMs; t += 250) this.sample(t, at(t));
    return this;
  }

  startLoad(tMs: number): this {
    this.events.push({ type: 'load/started', tMs });
    return this;
  }

  /** `count` responses, each taking latencyMs, `failed` of them errors. */
  responses(tMs: number, count: number, latencyMs: number, failed = 0): this {
    this.events.push({
      type: 'load/batch',
      tMs,
      batch: {
        histogram: { valuesUs: [Math.round(latencyMs * 1000)], counts: [count] },
        sent: count + failed,
        lastResponseMs: tMs,
        counts: { completed: count, ok: count, non2xx: 0, timeouts: 0, errors: failed, resets: 0 },
      },
    });
    return this;
  }

  /** The load changed while it ran (a key in the live view). */
  adjust(tMs: number, setting: { connections: number } | { rate: number }): this {
    this.events.push({ type: 'load/adjusted', tMs, connections: 'connections' in setting ? setting.connections : null, rate: 'rate' in setting ? setting.rate : null });
    return this;
  }

  /** The engine's reading of the container's cgroup (--docker): pids now, and the limit. */
  containerUsage(tMs: number, pidsCurrent: number, pidsLimit: number | null, pidsRefused: number | null = null): this {
    this.events.push({ type: 'server/container-usage', tMs, usage: { pidsCurrent, pidsLimit, cpuLimit: null, memoryBytes: null, memoryLimitBytes: null, pidsRefused } });
    return this;
  }

  finishLoad(tMs: number): this {
    this.events.push({ type: 'load/finished', tMs, totals: this.state().load.counts });
    return this;
  }

  state(): SessionState {
    return this.events.reduce(reduce, INITIAL_STATE);
  }
}
