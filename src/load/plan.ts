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
  // autocannon throws "connections cannot be greater than amount" (lib/run.js) otherwise.
  const connections = amount === null ? config.connections : Math.min(config.connections, amount);
  return { amount, connections, remainingMs };
}
