import type { GateMode } from './gate.js';
import { peakValue, stagesDurationMs, stagesFrom, type Stage } from './schedule.js';
import type { LoadConfig } from './types.js';

/**
 * Pure planning for the load worker: which configs are acceptable, and what each
 * autocannon instance of a load must do. A load runs as one instance, or as several when
 * it is paused and resumed (autocannon has no pause; see engine.ts).
 */

/** autocannon rejects timeouts under 1 s (lib/validate.js: "timeout must be greater than 0" for < 1). */
export const MIN_TIMEOUT_S = 1;

/**
 * How long a pause waits for the requests on the wire before cutting them off (engine.ts).
 * Long enough for a server with a 1 s upstream delay to answer what it holds, so a pause
 * rarely abandons anything; a resume asked for meanwhile waits for the drain to end.
 */
export const PAUSE_GRACE_MS = 3_000;

/** The same for stop(): short, since the user is leaving (Ctrl-C, q). */
export const STOP_GRACE_MS = 1_000;

/** Problems with a config, one line each; empty when it can run. */
export function validateLoadConfig(config: LoadConfig): string[] {
  const problems: string[] = [];
  let url: URL | null = null;
  try {
    url = new URL(config.url);
  } catch {
    problems.push(`url: not a URL: ${JSON.stringify(config.url)}`);
  }
  if (url !== null) {
    if (url.protocol !== 'http:') problems.push(`url: only http: is supported, got ${url.protocol}`);
    // The load must never leave the machine: only the loopback address we start servers on.
    if (url.hostname !== '127.0.0.1') problems.push(`url: load goes only to 127.0.0.1, got ${url.hostname}`);
  }
  if (!Number.isInteger(config.connections) || config.connections < 1) {
    problems.push(`connections: a whole number >= 1, got ${config.connections}`);
  }
  if (config.requests !== null && (!Number.isInteger(config.requests) || config.requests < 1)) {
    problems.push(`requests: a whole number >= 1 or null, got ${config.requests}`);
  }
  if (config.durationS !== null && !(Number.isFinite(config.durationS) && config.durationS > 0)) {
    problems.push(`durationS: a number > 0 or null, got ${config.durationS}`);
  }
  if (config.requests === null && config.durationS === null) {
    problems.push('a load needs a bound: requests, durationS, or both');
  }
  if (!(Number.isFinite(config.timeoutS) && config.timeoutS >= MIN_TIMEOUT_S)) {
    problems.push(`timeoutS: a number >= ${MIN_TIMEOUT_S} (autocannon's minimum), got ${config.timeoutS}`);
  }
  const rate = config.rate ?? null;
  if (rate !== null && !(Number.isFinite(rate) && rate > 0)) problems.push(`rate: requests per second > 0, got ${rate}`);
  const ramp = config.ramp ?? null;
  if (ramp !== null) {
    if (rate !== null) problems.push('rate and ramp: a ramp of rates replaces a constant rate; give one');
    if (ramp.stages.length === 0) problems.push('ramp: at least one stage');
    for (const stage of ramp.stages) {
      if (!(stage.durationMs > 0) || !(stage.value >= 0) || (ramp.unit === 'connections' && !Number.isInteger(stage.value))) {
        problems.push(`ramp: a stage is a duration > 0 and ${ramp.unit === 'connections' ? 'a whole number of connections' : 'a rate'} >= 0, got ${stage.durationMs} ms at ${stage.value}`);
      }
    }
    if (ramp.unit === 'connections' && peakValue(ramp.stages) < 1) problems.push('ramp: some stage needs at least 1 connection');
    if (config.durationS === null || Math.abs(config.durationS * 1000 - stagesDurationMs(ramp.stages)) > 1e-6) {
      problems.push(`ramp: durationS must be the stages' total (${stagesDurationMs(ramp.stages) / 1000} s), got ${config.durationS}`);
    }
  }
  const phase = config.ratePhase ?? 0;
  if (!(phase >= 0 && phase < 1)) problems.push(`ratePhase: from 0 to below 1, got ${phase}`);
  if (!(Number.isFinite(config.batchMs) && config.batchMs >= 10)) {
    problems.push(`batchMs: a number >= 10, got ${config.batchMs}`);
  }
  return problems;
}

/** How far a load has come, summed over the instances run so far. */
export interface LoadProgress {
  /** Requests settled: completed + timeouts + errors + resets (not those we abandoned). */
  readonly settled: number;
  /** Milliseconds spent sending; paused time and drains do not count. */
  readonly activeMs: number;
}

/** What the next autocannon instance must do. */
export interface RunPlan {
  /** Requests for this instance (autocannon `amount`), or null when bounded by time only. */
  readonly amount: number | null;
  readonly connections: number;
  /** Milliseconds this instance may send for, or null when bounded by requests only. */
  readonly remainingMs: number | null;
  /**
   * Who may send when (gate.ts), or null for a plain closed loop (every connection sends as
   * soon as its previous request settled). Stages are re-based to this instance's start.
   */
  readonly gate: GateMode | null;
}

/** Whether the load sends on a schedule (open loop) rather than on responses. */
export function isOpenLoop(config: Pick<LoadConfig, 'rate' | 'ramp'>): boolean {
  return (config.rate ?? null) !== null || config.ramp?.unit === 'rate';
}

/**
 * The next instance of a load, or null when nothing is left.
 *
 * Requests: autocannon's `amount` bounds requests *sent* (lib/httpClient.js destroys a
 * client once reqsMade reaches responseMax, whatever became of them), so timeouts, errors
 * and resets use up the amount just as responses do. What is left is therefore
 * requests − settled; requests we abandoned at a pause are sent again. A load that is never
 * paused sends exactly `requests`; a paused one too.
 *
 * Duration: paused time does not count against it.
 */
export function planNextRun(config: LoadConfig, progress: LoadProgress): RunPlan | null {
  const amount = config.requests === null ? null : config.requests - progress.settled;
  if (amount !== null && amount <= 0) return null;
  const remainingMs = config.durationS === null ? null : config.durationS * 1000 - progress.activeMs;
  if (remainingMs !== null && remainingMs <= 0) return null;
  const gate = planGate(config, progress.activeMs, amount, remainingMs);
  const adjustableClosedLoop = (config.adjustable ?? null) !== null && !isOpenLoop(config) && (config.ramp ?? null) === null;
  const wanted = adjustableClosedLoop
    ? Math.max(config.connections, config.adjustable?.maxConnections ?? 0)
    : config.ramp?.unit === 'connections' && gate?.kind === 'connections' ? Math.max(1, peakValue(gate.stages)) : config.connections;
  // autocannon throws "connections cannot be greater than amount" (lib/run.js) otherwise.
  const connections = amount === null ? wanted : Math.min(wanted, amount);
  return { amount, connections, remainingMs, gate };
}

function planGate(config: LoadConfig, activeMs: number, amount: number | null, remainingMs: number | null): GateMode | null {
  const ramp = config.ramp ?? null;
  if (ramp !== null) {
    const stages = stagesFrom(ramp.stages, activeMs);
    return ramp.unit === 'rate' ? { kind: 'rate', stages, phase: config.ratePhase ?? 0, limit: amount } : { kind: 'connections', stages };
  }
  const rate = config.rate ?? null;
  if (rate === null) {
    // An adjustable closed loop: every client asks; the first `connections` may send.
    if ((config.adjustable ?? null) === null) return null;
    return { kind: 'connections', stages: [{ durationMs: remainingMs ?? Infinity, value: config.connections }], limit: amount };
  }
  const stages: Stage[] = [{ durationMs: remainingMs ?? Infinity, value: rate }];
  return { kind: 'rate', stages, phase: config.ratePhase ?? 0, limit: amount };
}

/** Splits n among `parts` as evenly as whole numbers allow, the larger shares first. */
export function splitWhole(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

/**
 * The share of load worker `index` of `workers` (--load-workers): connections and requests
 * split as evenly as whole numbers allow; a rate split evenly, each worker's schedule offset
 * by its index so that together they send one even stream (createPacer's phase). Returns a
 * problem instead when the load cannot be split that far.
 */
export function workerShare(config: LoadConfig, index: number, workers: number): LoadConfig {
  if (workers === 1) return config;
  const share: { -readonly [K in keyof LoadConfig]: LoadConfig[K] } = { ...config };
  share.connections = splitWhole(config.connections, workers)[index];
  if (config.requests !== null) share.requests = splitWhole(config.requests, workers)[index];
  if ((config.rate ?? null) !== null) share.rate = (config.rate as number) / workers;
  const ramp = config.ramp ?? null;
  if (ramp !== null) {
    share.ramp = {
      unit: ramp.unit,
      stages: ramp.stages.map((stage) => ({
        durationMs: stage.durationMs,
        value: ramp.unit === 'connections' ? splitWhole(stage.value, workers)[index] : stage.value / workers,
      })),
    };
  }
  if (isOpenLoop(config)) share.ratePhase = index / workers;
  const adjustable = config.adjustable ?? null;
  if (adjustable !== null) share.adjustable = { maxConnections: Math.max(1, splitWhole(adjustable.maxConnections, workers)[index]) };
  return share;
}

/** Why the load cannot be spread over `workers` load workers, or null when it can. */
export function splitProblem(config: LoadConfig, workers: number): string | null {
  if (!Number.isInteger(workers) || workers < 1) return `load workers: a whole number >= 1, got ${workers}`;
  const ramp = config.ramp ?? null;
  const connections = ramp?.unit === 'connections' ? peakValue(ramp.stages) : config.connections;
  if (connections < workers) return `${workers} load workers need at least ${workers} connections, got ${connections}`;
  if (config.requests !== null && config.requests < workers) return `${workers} load workers need at least ${workers} requests, got ${config.requests}`;
  return null;
}
