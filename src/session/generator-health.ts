import { GENERATOR_CPU_LIMIT_PERCENT } from '../load/generator.js';
import type { SessionState } from './state.js';
import { activeLoadMs, serverProcesses, targetRate } from './store.js';

/**
 * Is the load generator, rather than the server, what limits the load? A load that cannot be
 * sent as asked measures watchload, not the server: the header must say so while it happens.
 */

export interface GeneratorVerdict {
  /** True when the generator is the bottleneck; false for a shortfall the server causes. */
  readonly generatorBound: boolean;
  /** One line for the header. */
  readonly text: string;
}

/** An open loop sending less than this share of its target is behind. */
export const ACHIEVED_SHARE = 0.95;
/** A server using this share of all its cores, or with a thread busy this share of the time, is saturated. */
export const SERVER_SATURATED_SHARE = 0.9;
/** Load time before a shortfall is judged: the first second includes connecting. */
const SETTLE_MS = 1_000;
/** The span the achieved rate is measured over. */
const RATE_SPAN_MS = 1_000;

/**
 * Requests sent per second over about the last second: the achieved rate. Each load worker's
 * batch covers the time since its previous one, so each worker's rate runs from its last
 * batch at or before a second ago (or the start of the load) to its newest; the workers' rates add up.
 */
export function achievedRate(state: SessionState): number | null {
  const { window, startedAtMs } = state.load;
  if (window.length === 0 || startedAtMs === null) return null;
  const workers = new Set(window.map((s) => s.worker));
  let rate = 0;
  for (const worker of workers) {
    const slices = window.filter((s) => s.worker === worker);
    const latest = Math.max(...slices.map((s) => s.tMs));
    let from = startedAtMs;
    let sent = 0;
    for (const slice of slices) {
      if (latest - slice.tMs >= RATE_SPAN_MS) from = Math.max(from, slice.tMs);
      else sent += slice.sent;
    }
    if (latest > from) rate += (sent * 1000) / (latest - from);
  }
  return rate;
}

/** How busy the server is: all its processes as a share of all cores, and its busiest thread as a share of one. */
export function serverLoad(state: SessionState): { readonly coresShare: number; readonly busiestThreadShare: number } | null {
  const snapshot = state.snapshot;
  const cores = state.config?.cores ?? 0;
  if (snapshot === null || cores <= 0) return null;
  let percent = 0;
  let busiest = 0;
  for (const p of serverProcesses(snapshot)) {
    percent += p.cpuPercent ?? 0;
    for (const t of p.threads) busiest = Math.max(busiest, t.cpuPercent ?? 0);
  }
  return { coresShare: percent / (100 * cores), busiestThreadShare: busiest / 100 };
}

export function generatorVerdict(state: SessionState): GeneratorVerdict | null {
  const { load } = state;
  if (load.startedAtMs === null || load.finishedAtMs !== null || load.pausedSinceMs !== null) return null;
  const workers = load.generator;
  const busiest = workers.reduce<{ index: number; cpu: number }>((best, g, index) => ((g.cpuPercent ?? 0) > best.cpu ? { index, cpu: g.cpuPercent ?? 0 } : best), { index: -1, cpu: 0 });
  const loadWorkers = state.config?.loadWorkers ?? 1;
  if (busiest.cpu > GENERATOR_CPU_LIMIT_PERCENT) {
    const which = workers.length > 1 ? `load worker ${busiest.index + 1}` : 'the load worker';
    return {
      generatorBound: true,
      text: `generator-bound: ${which} at ${Math.round(busiest.cpu)}% of a core limits the load, not the server (try --load-workers ${loadWorkers + 1})`,
    };
  }
  const target = targetRate(state);
  const achieved = achievedRate(state);
  if (target === null || target <= 0 || achieved === null || activeLoadMs(state) < SETTLE_MS) return null;
  if (achieved >= ACHIEVED_SHARE * target) return null;
  const shortfall = `sending ${Math.round(achieved)} of ${Math.round(target)} req/s`;
  // Saturated: every core busy, or one thread busy all the time (an event loop, a GIL: a
  // server that cannot use a second core is as full as one that has none left).
  const server = serverLoad(state);
  if (server !== null && server.coresShare >= SERVER_SATURATED_SHARE) {
    return { generatorBound: false, text: `server-bound: ${shortfall}; the server uses ${Math.round(server.coresShare * 100)}% of ${state.config?.cores} cores` };
  }
  if (server !== null && server.busiestThreadShare >= SERVER_SATURATED_SHARE) {
    return { generatorBound: false, text: `server-bound: ${shortfall}; a server thread runs ${Math.round(server.busiestThreadShare * 100)}% of the time` };
  }
  const busy = workers.reduce((n, g) => n + g.busy, 0);
  const connections = workers.reduce((n, g) => n + g.connections, 0);
  const backlog = workers.reduce((n, g) => n + g.backlog, 0);
  if (connections > 0 && busy >= connections && backlog > 0) {
    return {
      generatorBound: true,
      text: `generator-bound: ${shortfall}; all ${connections} connections wait on the server and ${backlog} requests queue (raise -c)`,
    };
  }
  const delay = workers.reduce((max, g) => Math.max(max, g.loopDelayP99Ms ?? 0), 0);
  return {
    generatorBound: true,
    text: `generator-bound: ${shortfall} with the server not saturated${delay >= 1 ? ` (load loop delay p99 ${Math.round(delay)} ms)` : ''}`,
  };
}
