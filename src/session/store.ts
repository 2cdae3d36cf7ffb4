import type { ProcessSample, Snapshot } from '../proc/types.js';
import { isNodeProcess } from '../proc/thread-roles.js';
import { addCounts, ZERO_COUNTS } from '../load/counts.js';
import { EMPTY_HISTOGRAM, mergeAll, mergeHistograms, valueAtQuantileUs } from '../load/histogram.js';
import { stageAt, stagesDurationMs } from '../load/schedule.js';
import type { GeneratorSample, LoadCounts } from '../load/types.js';
import type { SessionConfig, SessionEvent } from './events.js';
import type { LoadState, MainThreadUnderLoad, PeakShape, ProcessEvent, ProcessEventLog, ProcessTrack, SessionState, ShapeCount, ThreadChange, TimelinePoint, WindowSlice } from './state.js';

/** How long latency batches stay in the sliding window ("last 5 s" percentiles). */
export const WINDOW_MS = 5_000;
/** How long a born or dead thread stays highlighted. */
export const CHANGE_TTL_MS = 2_000;
/** The most recent births/deaths kept, however many happened (a thread explosion). */
const MAX_CHANGES = 200;
/** The most recent process events kept: a server that forks per request would make thousands. */
export const MAX_PROCESS_EVENTS = 200;

export const NO_PROCESS_EVENTS: ProcessEventLog = Object.freeze({ recent: [], exited: 0, started: 0 });

export const INITIAL_STATE: SessionState = Object.freeze({
  config: null,
  phase: 'starting',
  nowMs: 0,
  upstreamUrl: null,
  upstreamFailure: null,
  server: null,
  snapshot: null,
  births: [],
  deaths: [],
  shape: { before: null, peak: null, after: null },
  timeline: [],
  processes: {},
  processEvents: NO_PROCESS_EVENTS,
  load: {
    startedAtMs: null,
    finishedAtMs: null,
    pausedTotalMs: 0,
    pausedSinceMs: null,
    counts: ZERO_COUNTS,
    cumulative: EMPTY_HISTOGRAM,
    window: [],
    rpsPerSecond: [],
    sentPerSecond: [],
    sent: 0,
    lastResponseAtMs: null,
    uncorrected: null,
    sendLag: null,
    generator: [],
    generatorPeak: null,
    totals: null,
    adjustments: [],
  },
  ended: null,
});

/** The server's own processes: what the shape counts (companions such as nginx are not it). */
export function serverProcesses(snapshot: Snapshot): readonly ProcessSample[] {
  return snapshot.processes.every((p) => p.group === undefined) ? snapshot.processes : snapshot.processes.filter((p) => p.group === undefined);
}

export function countShape(snapshot: Snapshot): ShapeCount {
  const processes = serverProcesses(snapshot);
  let threads = 0;
  for (const p of processes) threads += p.threads.length;
  return { processes: processes.length, threads };
}

function threadKeys(snapshot: Snapshot | null): Map<string, ThreadChange> {
  const keys = new Map<string, ThreadChange>();
  if (!snapshot) return keys;
  for (const p of snapshot.processes) {
    for (const t of p.threads) keys.set(`${p.pid}:${t.tid}`, { pid: p.pid, tid: t.tid, name: t.name, role: t.role, tMs: snapshot.tMs });
  }
  return keys;
}

function recent(changes: readonly ThreadChange[], nowMs: number): ThreadChange[] {
  return changes.filter((c) => nowMs - c.tMs <= CHANGE_TTL_MS).slice(-MAX_CHANGES);
}

/** Responses completed in the last second of the window, as a rate. */
export function currentRps(window: readonly WindowSlice[], nowMs: number): number {
  let completed = 0;
  for (const slice of window) if (nowMs - slice.tMs < 1_000) completed += slice.completed;
  return completed;
}

export function windowP99Ms(window: readonly WindowSlice[]): number | null {
  return windowPercentilesMs(window).p99Ms;
}

/** p50, p90, p99 of the sliding window, merged once; null while it is empty. */
export function windowPercentilesMs(window: readonly WindowSlice[]): { p50Ms: number | null; p90Ms: number | null; p99Ms: number | null } {
  const merged = mergeAll(window.map((s) => s.histogram));
  const ms = (q: number) => {
    const us = valueAtQuantileUs(merged, q);
    return us === null ? null : us / 1000;
  };
  return { p50Ms: ms(0.5), p90Ms: ms(0.9), p99Ms: ms(0.99) };
}

/** Requests that did not get a 2xx: errors, timeouts, silent resets and other statuses. */
export function failedCount(counts: LoadCounts): number {
  return counts.errors + counts.timeouts + counts.resets + counts.non2xx;
}

function addAtSecond(series: readonly number[], second: number, amount: number): number[] {
  const next = [...series];
  while (next.length <= second) next.push(0);
  next[second] += amount;
  return next;
}

function growGeneratorPeak(peak: LoadState['generatorPeak'], sample: GeneratorSample): NonNullable<LoadState['generatorPeak']> {
  return {
    cpuPercent: Math.max(peak?.cpuPercent ?? 0, sample.cpuPercent ?? 0),
    loopDelayMaxMs: Math.max(peak?.loopDelayMaxMs ?? 0, sample.loopDelayMaxMs ?? 0),
  };
}

/**
 * What the load is set to `activeMs` into it: requests/s in open loop, connections in a
 * closed-loop ramp; null for a constant closed loop (nothing to compare with).
 */
export function loadTargetAt(config: SessionConfig, activeMs: number): number | null {
  if (config.ramp !== null) return stageAt(config.ramp.stages, activeMs)?.stage.value ?? null;
  return config.rate;
}

/**
 * What the load is set to now, after the changes made while it ran (keys): connections in a
 * closed loop, requests/s in an open one; null for a ramp (its stages set it).
 */
export function currentLoadSetting(state: SessionState): { readonly connections: number } | { readonly rate: number } | null {
  const config = state.config;
  if (config === null || config.ramp !== null) return null;
  const last = state.load.adjustments[state.load.adjustments.length - 1];
  if (config.rate !== null) return { rate: last?.rate ?? config.rate };
  return { connections: last?.connections ?? config.connections };
}

/** The load's target at tMs: the latest change made by then, else what the config says. */
function targetAt(state: SessionState, tMs: number): number | null {
  const config = state.config;
  if (config === null) return null;
  let adjusted: number | null = null;
  for (const a of state.load.adjustments) if (a.tMs <= tMs) adjusted = a.rate ?? a.connections;
  if (adjusted !== null) return adjusted;
  const fromConfig = loadTargetAt(config, activeLoadMs({ ...state, nowMs: tMs }));
  return fromConfig ?? (state.load.adjustments.length > 0 ? config.connections : null);
}

/** Requests per second an open loop asked for, averaged over its stages; null in closed loop. */
export function meanTargetRate(config: SessionConfig): number | null {
  if (config.rate !== null) return config.rate;
  if (config.ramp === null || config.ramp.unit !== 'rate') return null;
  const totalMs = stagesDurationMs(config.ramp.stages);
  return totalMs > 0 ? config.ramp.stages.reduce((n, s) => n + s.value * s.durationMs, 0) / totalMs : null;
}

/** The open-loop rate the load is set to now (null in closed loop). */
export function targetRate(state: SessionState): number | null {
  const config = state.config;
  if (config === null) return null;
  if (config.ramp !== null) return config.ramp.unit === 'rate' ? loadTargetAt(config, activeLoadMs(state)) : null;
  const setting = currentLoadSetting(state);
  return setting !== null && 'rate' in setting ? setting.rate : null;
}

function isLoadRunning(state: SessionState): boolean {
  return state.load.startedAtMs !== null && state.load.finishedAtMs === null;
}

function growPeak(peak: PeakShape | null, snapshot: Snapshot): PeakShape {
  const shape = countShape(snapshot);
  const threadsPerProcess: Record<string, number> = { ...(peak?.threadsPerProcess ?? {}) };
  for (const p of serverProcesses(snapshot)) {
    threadsPerProcess[p.pid] = Math.max(threadsPerProcess[p.pid] ?? 0, p.threads.length);
  }
  return {
    processes: Math.max(peak?.processes ?? 0, shape.processes),
    threads: Math.max(peak?.threads ?? 0, shape.threads),
    threadsPerProcess,
  };
}

/** Threads in a pool the sampler named: Node's worker_threads and libuv's threadpool. */
const POOL_ROLES = new Set(['worker thread', 'libuv pool']);

function appendChange(series: readonly (readonly [number, number])[], tMs: number, value: number): readonly (readonly [number, number])[] {
  const last = series[series.length - 1];
  return last !== undefined && last[1] === value ? series : [...series, [tMs, value] as const];
}

/**
 * Folds one sample into the per-process tracks; a track that did not change keeps its
 * identity, so a steady tree costs one pass over its threads and no copies.
 */
function trackProcesses(tracks: SessionState['processes'], snapshot: Snapshot, loadRunning: boolean): SessionState['processes'] {
  const next: Record<string, ProcessTrack> = { ...tracks };
  const seen = new Set<string>();
  for (const p of serverProcesses(snapshot)) {
    const key = String(p.pid);
    seen.add(key);
    let pooled = 0;
    let main: ProcessSample['threads'][number] | undefined;
    // The waits of the main thread's peers: its other threads that no role names, asleep.
    // Node's threads carry inferred roles, and an inference that failed leaves them unnamed:
    // in a Node process no thread is taken for a peer of the main one.
    const peerWaits = new Set<string>();
    const node = isNodeProcess(p.name, p.cmdline);
    for (const t of p.threads) {
      if (POOL_ROLES.has(t.role)) pooled++;
      if (t.tid === p.pid) main = t;
      else if (!node && t.role === '' && t.state !== 'R') peerWaits.add(t.waitLabel);
    }
    const peerInEpoll = peerWaits.has('epoll wait');
    const old = next[key];
    const mainInEpoll = main !== undefined && main.waitLabel === 'epoll wait';
    let mainUnderLoad: MainThreadUnderLoad = old?.mainUnderLoad ?? { samples: 0, running: 0, inEventLoop: 0, elsewhere: {}, elsewhereWithPeers: 0, firstAwayMs: null };
    if (loadRunning && main !== undefined) {
      const running = main.state === 'R';
      const label = running ? '' : main.state === 'D' ? 'disk wait (D)' : main.waitLabel || `state ${main.state}`;
      const away = !running && !mainInEpoll;
      const withPeers = away && main.waitLabel !== '' && peerWaits.has(main.waitLabel);
      mainUnderLoad = {
        samples: mainUnderLoad.samples + 1,
        running: mainUnderLoad.running + (running ? 1 : 0),
        inEventLoop: mainUnderLoad.inEventLoop + (mainInEpoll ? 1 : 0),
        elsewhere: away ? { ...mainUnderLoad.elsewhere, [label]: (mainUnderLoad.elsewhere[label] ?? 0) + 1 } : mainUnderLoad.elsewhere,
        elsewhereWithPeers: mainUnderLoad.elsewhereWithPeers + (withPeers ? 1 : 0),
        firstAwayMs: mainUnderLoad.firstAwayMs ?? (mainInEpoll ? null : snapshot.tMs),
      };
    }
    const threads = appendChange(old?.threads ?? [], snapshot.tMs, p.threads.length);
    const pooledSeries = appendChange(old?.pooled ?? [], snapshot.tMs, pooled);
    const eventLoop = (old?.eventLoop ?? false) || mainInEpoll;
    const sharedEpoll = (old?.sharedEpoll ?? false) || peerInEpoll;
    if (old && old.alive && old.threads === threads && old.pooled === pooledSeries && old.eventLoop === eventLoop && old.sharedEpoll === sharedEpoll && old.mainUnderLoad === mainUnderLoad) {
      next[key] = { ...old, lastMs: snapshot.tMs };
      continue;
    }
    next[key] = {
      pid: p.pid,
      ppid: p.ppid,
      name: p.name,
      firstMs: old?.firstMs ?? snapshot.tMs,
      lastMs: snapshot.tMs,
      alive: true,
      threads,
      pooled: pooledSeries,
      eventLoop,
      sharedEpoll,
      mainUnderLoad,
    };
  }
  for (const [key, track] of Object.entries(next)) {
    if (track.alive && !seen.has(key)) next[key] = { ...track, alive: false };
  }
  return next;
}

/**
 * Whether a sampled process still runs: one whose threads are all zombies (Z, or X) has exited
 * and waits for its parent to reap it (proc(5)). Unread threads (an empty list) count as alive.
 */
function isLive(p: ProcessSample): boolean {
  return p.threads.length === 0 || p.threads.some((t) => t.state !== 'Z' && t.state !== 'X');
}

function livePids(snapshot: Snapshot): Map<number, ProcessSample> {
  const live = new Map<number, ProcessSample>();
  for (const p of snapshot.processes) if (p.group === undefined && isLive(p)) live.set(p.pid, p);
  return live;
}

/**
 * The server's own processes (companions are not it) that exited or started between two
 * samples, exits first, each by pid: two pid sets compared, nothing more. A tree that is
 * empty now is the server itself gone, which server/exited tells: no event for each process.
 */
export function processChanges(previous: Snapshot, next: Snapshot): ProcessEvent[] {
  const after = livePids(next);
  if (after.size === 0) return [];
  const before = livePids(previous);
  const events: ProcessEvent[] = [];
  for (const [pid, p] of before) if (!after.has(pid)) events.push({ tMs: next.tMs, pid, ppid: p.ppid, name: p.name, kind: 'exited' });
  for (const [pid, p] of after) if (!before.has(pid)) events.push({ tMs: next.tMs, pid, ppid: p.ppid, name: p.name, kind: 'started' });
  return events;
}

function logProcessEvents(log: ProcessEventLog, events: readonly ProcessEvent[]): ProcessEventLog {
  if (events.length === 0) return log;
  let exited = 0;
  for (const e of events) if (e.kind === 'exited') exited++;
  return {
    recent: [...log.recent, ...events].slice(-MAX_PROCESS_EVENTS),
    exited: log.exited + exited,
    started: log.started + events.length - exited,
  };
}

/** A process that exited, and the one started in its place (null: none yet). */
export interface ProcessExit {
  readonly exited: ProcessEvent;
  readonly respawn: ProcessEvent | null;
}

/**
 * Respawns in a list of process events: each exit is paired with the first start, at or after
 * it, under the same parent and not already paired (a prefork master forks a worker for each
 * one that died: gunicorn's manage_workers, uWSGI's master). Starts left over are processes
 * the server added (a pool that grew, a fork per request).
 */
export function respawnsOf(events: readonly ProcessEvent[]): { readonly exits: readonly ProcessExit[]; readonly starts: readonly ProcessEvent[] } {
  const taken = new Set<ProcessEvent>();
  const exits: ProcessExit[] = [];
  for (const e of events) {
    if (e.kind !== 'exited') continue;
    // In the same sample (the exit and its respawn seen together) or a later one.
    const respawn = events.find((s) => s.kind === 'started' && s.ppid === e.ppid && s.tMs >= e.tMs && !taken.has(s)) ?? null;
    if (respawn !== null) taken.add(respawn);
    exits.push({ exited: e, respawn });
  }
  return { exits, starts: events.filter((e) => e.kind === 'started' && !taken.has(e)) };
}

function reduceSample(state: SessionState, snapshot: Snapshot): SessionState {
  const before = threadKeys(state.snapshot);
  const now = threadKeys(snapshot);
  // The first sample is the server as it starts: nothing in it counts as born.
  const born = state.snapshot ? [...now].filter(([key]) => !before.has(key)).map(([, c]) => c) : [];
  const died = [...before].filter(([key]) => !now.has(key)).map(([, c]) => ({ ...c, tMs: snapshot.tMs }));

  const shape = countShape(snapshot);
  let running = 0;
  let sleeping = 0;
  for (const p of serverProcesses(snapshot)) {
    for (const t of p.threads) {
      if (t.state === 'R') running++;
      else if (t.state === 'S' || t.state === 'I') sleeping++;
    }
  }
  const loadRunning = isLoadRunning(state);
  const point: TimelinePoint = {
    tMs: snapshot.tMs,
    processes: shape.processes,
    threads: shape.threads,
    running,
    sleeping,
    born: born.length,
    died: died.length,
    rps: loadRunning ? currentRps(state.load.window, snapshot.tMs) : 0,
    ...(loadRunning ? windowPercentilesMs(state.load.window) : { p50Ms: null, p90Ms: null, p99Ms: null }),
    target: loadRunning ? targetAt(state, snapshot.tMs) : null,
    failed: failedCount(state.load.counts),
    intervalMs: snapshot.targetIntervalMs ?? null,
  };

  return {
    ...state,
    nowMs: Math.max(state.nowMs, snapshot.tMs),
    snapshot,
    births: recent([...state.births, ...born], snapshot.tMs),
    deaths: recent([...state.deaths, ...died], snapshot.tMs),
    shape: {
      before: state.load.startedAtMs === null ? shape : state.shape.before,
      peak: loadRunning ? growPeak(state.shape.peak, snapshot) : state.shape.peak,
      after: state.load.finishedAtMs !== null && state.shape.after === null ? shape : state.shape.after,
    },
    timeline: [...state.timeline, point],
    processes: trackProcesses(state.processes, snapshot, loadRunning),
    // From the load on: before it, processes that come are the server starting (the 'before'
    // shape waits for them); after the server exited, nothing it did is its own doing.
    processEvents:
      state.snapshot !== null && state.load.startedAtMs !== null && !state.server?.exited
        ? logProcessEvents(state.processEvents, processChanges(state.snapshot, snapshot))
        : state.processEvents,
    // Age the window on samples too: after the load ends no batch comes to push old ones out.
    load: state.load.window.length > 0 && snapshot.tMs - state.load.window[0].tMs >= WINDOW_MS
      ? { ...state.load, window: state.load.window.filter((s) => snapshot.tMs - s.tMs < WINDOW_MS) }
      : state.load,
  };
}

/** The store's reducer: pure, (state, event) => state. */
export function reduce(state: SessionState, event: SessionEvent): SessionState {
  const nowMs = Math.max(state.nowMs, event.tMs);
  switch (event.type) {
    case 'session/started':
      return { ...state, nowMs, config: event.config, phase: 'starting' };
    case 'upstream/ready':
      return { ...state, nowMs, upstreamUrl: event.url };
    case 'upstream/failed':
      // The first failure is the one to tell: what follows it is its consequence.
      return state.upstreamFailure !== null ? { ...state, nowMs } : { ...state, nowMs, upstreamFailure: { tMs: event.tMs, message: event.message } };
    case 'server/spawned':
      return {
        ...state,
        nowMs,
        server: { pid: event.pid, command: event.command, url: event.url, readyAtMs: null, container: event.container ?? null, containerUsage: null, containerPidsPeak: null, containerPidsLimitAtMs: null, exited: null },
      };
    case 'server/container-usage':
      if (!state.server) return state;
      return {
        ...state,
        nowMs,
        server: {
          ...state.server,
          containerUsage: event.usage,
          containerPidsPeak: event.usage.pidsCurrent === null ? state.server.containerPidsPeak : Math.max(state.server.containerPidsPeak ?? 0, event.usage.pidsCurrent),
          containerPidsLimitAtMs:
            state.server.containerPidsLimitAtMs ??
            ((event.usage.pidsLimit !== null && event.usage.pidsCurrent !== null && event.usage.pidsCurrent >= event.usage.pidsLimit) || (event.usage.pidsRefused ?? 0) > 0
              ? event.tMs
              : null),
        },
      };
    case 'server/ready':
      if (!state.server) return state;
      return { ...state, nowMs, phase: 'ready', server: { ...state.server, readyAtMs: event.tMs } };
    case 'server/exited': {
      if (!state.server) return state;
      const { tMs, code, signal, expected, stderrTail } = event;
      return {
        ...state,
        nowMs,
        phase: expected ? state.phase : 'failed',
        server: { ...state.server, exited: { tMs, code, signal, expected, stderrTail } },
      };
    }
    case 'proc/sample':
      return reduceSample(state, event.snapshot);
    case 'load/started':
      return {
        ...state,
        nowMs,
        phase: 'loading',
        load: { ...state.load, startedAtMs: event.tMs },
        // Peak starts from the shape the load met, so a run too short for a sample still has one.
        shape: { ...state.shape, peak: state.snapshot ? growPeak(null, state.snapshot) : null },
      };
    case 'load/batch': {
      const { load } = state;
      const { batch } = event;
      const completed = batch.counts.completed;
      const second = load.startedAtMs === null ? 0 : Math.max(0, Math.floor((event.tMs - load.startedAtMs - 1e-9) / 1000));
      const slice: WindowSlice = { tMs: event.tMs, histogram: batch.histogram, uncorrected: batch.uncorrected ?? null, completed, sent: batch.sent, worker: batch.worker ?? 0 };
      const generator = [...load.generator];
      if (batch.generator) generator[batch.worker ?? 0] = batch.generator;
      return {
        ...state,
        nowMs,
        load: {
          ...load,
          counts: addCounts(load.counts, batch.counts),
          cumulative: mergeHistograms(load.cumulative, batch.histogram),
          uncorrected: batch.uncorrected ? mergeHistograms(load.uncorrected ?? EMPTY_HISTOGRAM, batch.uncorrected) : load.uncorrected,
          sendLag: batch.sendLag ? mergeHistograms(load.sendLag ?? EMPTY_HISTOGRAM, batch.sendLag) : load.sendLag,
          window: [...load.window.filter((s) => event.tMs - s.tMs < WINDOW_MS), slice],
          rpsPerSecond: addAtSecond(load.rpsPerSecond, second, completed),
          sentPerSecond: addAtSecond(load.sentPerSecond, second, batch.sent),
          sent: load.sent + batch.sent,
          lastResponseAtMs: batch.lastResponseMs === undefined ? load.lastResponseAtMs : Math.max(load.lastResponseAtMs ?? 0, batch.lastResponseMs),
          generator,
          generatorPeak: batch.generator ? growGeneratorPeak(load.generatorPeak, batch.generator) : load.generatorPeak,
        },
      };
    }
    case 'load/paused':
      if (state.load.pausedSinceMs !== null) return state;
      return { ...state, nowMs, phase: 'paused', load: { ...state.load, pausedSinceMs: event.tMs } };
    case 'load/resumed': {
      const since = state.load.pausedSinceMs;
      if (since === null) return state;
      return {
        ...state,
        nowMs,
        phase: 'loading',
        load: { ...state.load, pausedSinceMs: null, pausedTotalMs: state.load.pausedTotalMs + (event.tMs - since) },
      };
    }
    case 'load/finished': {
      const since = state.load.pausedSinceMs;
      return {
        ...state,
        nowMs,
        // The driver has drained what was on the wire before it reports the end.
        phase: 'done',
        load: {
          ...state.load,
          finishedAtMs: event.tMs,
          totals: event.totals,
          pausedSinceMs: null,
          pausedTotalMs: state.load.pausedTotalMs + (since === null ? 0 : event.tMs - since),
        },
      };
    }
    case 'load/adjusted':
      return { ...state, nowMs, load: { ...state.load, adjustments: [...state.load.adjustments, { tMs: event.tMs, connections: event.connections, rate: event.rate }] } };
    case 'session/ended':
      return {
        ...state,
        nowMs,
        ended: event.reason,
        phase: event.reason === 'server-exited' || event.reason === 'error' ? 'failed' : 'done',
      };
  }
}

/** Seconds of load so far, not counting pauses. */
export function activeLoadMs(state: SessionState): number {
  const { startedAtMs, finishedAtMs, pausedTotalMs, pausedSinceMs } = state.load;
  if (startedAtMs === null) return 0;
  const end = finishedAtMs ?? state.nowMs;
  const pausedNow = pausedSinceMs === null ? 0 : Math.max(0, end - pausedSinceMs);
  return Math.max(0, end - startedAtMs - pausedTotalMs - pausedNow);
}

/**
 * The time a throughput is measured over. With -d, the configured duration: each connection
 * sends during it and the requests still on the wire at the deadline complete and count, as
 * they were sent within it (c / delay exactly, on an ideal server). But when requests queued
 * in the server answer long after the deadline (a pool smaller than -c), dividing them by the
 * duration would claim a rate the server never had: then it is the time until the last
 * response. With -n, from the first send to the last response, as ab does.
 */
export function rateWindowMs(state: SessionState): number {
  const active = activeLoadMs(state);
  const { finishedAtMs, lastResponseAtMs } = state.load;
  // After the end, the drain's tail past the last response is no load time.
  const tail = finishedAtMs !== null && lastResponseAtMs !== null ? Math.max(0, finishedAtMs - lastResponseAtMs) : 0;
  const untilLastResponse = Math.max(0, active - tail);
  const durationS = state.config?.durationS ?? null;
  return durationS === null ? untilLastResponse : Math.max(Math.min(active, durationS * 1000), untilLastResponse);
}

export type Listener = (state: SessionState) => void;

export interface Store {
  dispatch(event: SessionEvent): void;
  getState(): SessionState;
  /** Called at most once per publish tick, with the latest state, when it changed. */
  subscribe(listener: Listener): () => void;
  /** Publishes now if anything changed (used before the final frame). */
  flush(): void;
  close(): void;
}

/**
 * Folds events as they come and publishes the state at a fixed rate, never per event:
 * Ink reconciles on every update (FACTS.md), so a per-response publish would cost a core.
 */
export function createStore(options: { publishMs: number; initial?: SessionState; onEvent?: (event: SessionEvent) => void }): Store {
  let state = options.initial ?? INITIAL_STATE;
  let published = state;
  const listeners = new Set<Listener>();
  const publish = () => {
    if (published === state) return;
    published = state;
    for (const listener of listeners) listener(state);
  };
  const timer = setInterval(publish, options.publishMs);
  timer.unref();
  return {
    dispatch(event) {
      state = reduce(state, event);
      options.onEvent?.(event);
    },
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush: publish,
    close() {
      clearInterval(timer);
      listeners.clear();
    },
  };
}
