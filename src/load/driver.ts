import type { Worker } from 'node:worker_threads';
import { startWorker } from '../util/worker.js';
import { UsageError } from '../util/errors.js';
import { addCounts, ZERO_COUNTS } from './counts.js';
import { PAUSE_GRACE_MS, splitProblem, splitWhole, STOP_GRACE_MS, validateLoadConfig, workerShare } from './plan.js';
import { sessionMs, type FromWorker, type LoadWorkerData, type ToWorker } from './protocol.js';
import type { LatencyBatch, LoadConfig, LoadCounts, LoadSetting } from './types.js';

/**
 * Main-thread side of the load driver. autocannon runs in a worker thread (load-worker.ts
 * → engine.ts) so that a UI tick never delays a request and 10,000 responses a second never
 * delay a frame; only one small batch per `batchMs` crosses over.
 */

export interface LoadListeners {
  /** Epoch milliseconds at which the session started; every tMs is relative to it. */
  readonly sessionStartMs: number;
  /** Once, when the first requests go out (after the worker has loaded autocannon). */
  onStarted?(tMs: number): void;
  /** One batch per config.batchMs while the load runs, and a last one when it ends. */
  onBatch(tMs: number, batch: LatencyBatch): void;
  /** Exactly once, when the load has ended for any reason (done, stopped, or failed). */
  onFinished(tMs: number, totals: LoadCounts): void;
  /** Failures of the driver itself; request failures are counts, not errors. */
  onError(message: string): void;
}

export interface LoadHandle {
  /**
   * Stops sending; requests on the wire may still complete and count for up to
   * PAUSE_GRACE_MS (then they are cut off, and sent again on resume).
   */
  pause(): void;
  /** Sends what is left: the remaining requests, or the remaining duration. */
  resume(): void;
  /** Ends the load early and resolves with the totals once the last batch is out. */
  stop(): Promise<LoadCounts>;
  /** Changes the running load (config.adjustable): connections that send, or the rate in total. */
  adjust(setting: LoadSetting): void;
}

/** If the worker has not finished this long after stop(), it is terminated. */
const STOP_WATCHDOG_MS = Math.max(PAUSE_GRACE_MS, STOP_GRACE_MS) + 5_000;

/**
 * Starts a load: a closed loop (`connections` connections, each sending its next request
 * when the previous one settles), or an open loop (`rate`: on a schedule), until `requests`
 * have settled or `durationS` has passed. With `workers` > 1 the load is spread over that
 * many worker threads (workerShare), and their batches arrive tagged with `worker`.
 * Throws a UsageError for a config that cannot run (see validateLoadConfig).
 */
export function startLoad(config: LoadConfig, listeners: LoadListeners, workers = 1): LoadHandle {
  const problems = validateLoadConfig(config);
  const splitIssue = splitProblem(config, workers);
  if (splitIssue !== null) problems.push(splitIssue);
  if (problems.length > 0) throw new UsageError(`load: ${problems.join('; ')}`);
  if (workers === 1) return startLoadWorker(config, 0, null, listeners);

  let started = false;
  let running = workers;
  let totals: LoadCounts = ZERO_COUNTS;
  let lastMs = 0;
  const handles: LoadHandle[] = [];
  for (let index = 0; index < workers; index++) {
    handles.push(
      startLoadWorker(workerShare(config, index, workers), index, workers, {
        sessionStartMs: listeners.sessionStartMs,
        // The load has started when the first worker sends.
        onStarted: (tMs) => {
          if (started) return;
          started = true;
          listeners.onStarted?.(tMs);
        },
        onBatch: (tMs, batch) => listeners.onBatch(tMs, batch),
        onFinished: (tMs, workerTotals) => {
          totals = addCounts(totals, workerTotals);
          lastMs = Math.max(lastMs, tMs);
          if (--running === 0) listeners.onFinished(lastMs, totals);
        },
        onError: (message) => listeners.onError(`load worker ${index + 1}: ${message}`),
      }),
    );
  }
  return {
    pause: () => handles.forEach((h) => h.pause()),
    resume: () => handles.forEach((h) => h.resume()),
    // Each worker its share, as at the start (workerShare): connections split, the rate divided.
    adjust: (setting) =>
      handles.forEach((h, index) =>
        h.adjust('connections' in setting ? { connections: splitWhole(setting.connections, workers)[index] } : { rate: setting.rate / workers }),
      ),
    stop: async () => {
      const all = await Promise.all(handles.map((h) => h.stop()));
      return all.reduce(addCounts, ZERO_COUNTS);
    },
  };
}

function startLoadWorker(config: LoadConfig, index: number, workers: number | null, listeners: LoadListeners): LoadHandle {
  const data: LoadWorkerData = {
    config: {
      url: config.url,
      connections: config.connections,
      requests: config.requests,
      durationS: config.durationS,
      timeoutS: config.timeoutS,
      keepAlive: config.keepAlive ?? true,
      batchMs: config.batchMs,
      rate: config.rate ?? null,
      ramp: config.ramp ?? null,
      ratePhase: config.ratePhase ?? 0,
      adjustable: config.adjustable ?? null,
    },
    sessionStartMs: listeners.sessionStartMs,
    worker: workers === null ? null : index,
  };

  /** Sum of the batches received: the totals if the worker dies before it can send them. */
  let received: LoadCounts = ZERO_COUNTS;
  let totals: LoadCounts | null = null;
  let watchdog: NodeJS.Timeout | null = null;
  const waiting: Array<(totals: LoadCounts) => void> = [];

  // A listener that throws must not take the main thread down from inside a worker event.
  const call = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (error) {
      if (what === 'onError') return;
      const message = error instanceof Error ? error.message : String(error);
      call('onError', () => listeners.onError(`load ${what} listener threw: ${message}`));
    }
  };
  const fail = (message: string) => call('onError', () => listeners.onError(message));

  const finalize = (tMs: number, final: LoadCounts) => {
    if (totals !== null) return;
    totals = final;
    if (watchdog) clearTimeout(watchdog);
    // The worker never outlives the load: terminate it whatever ended the load.
    void worker.terminate().catch(() => {});
    call('onFinished', () => listeners.onFinished(tMs, final));
    for (const resolve of waiting.splice(0)) resolve(final);
  };

  let worker: Worker;
  try {
    worker = startWorker(import.meta.url, './load-worker', { workerData: data });
  } catch (error) {
    // e.g. the worker file is missing; report it like any other failure, then end.
    fail(`load worker did not start: ${error instanceof Error ? error.message : String(error)}`);
    const final: LoadCounts = ZERO_COUNTS;
    totals = final;
    queueMicrotask(() => call('onFinished', () => listeners.onFinished(sessionMs(listeners.sessionStartMs), final)));
    return { pause() {}, resume() {}, adjust() {}, stop: () => Promise.resolve(final) };
  }

  worker.on('message', (message: FromWorker) => {
    if (totals !== null) return;
    if (message.type === 'started') {
      call('onStarted', () => listeners.onStarted?.(message.tMs));
    } else if (message.type === 'batch') {
      received = addCounts(received, message.batch.counts);
      call('onBatch', () => listeners.onBatch(message.tMs, message.batch));
    } else if (message.type === 'finished') {
      finalize(message.tMs, message.totals);
    } else if (message.type === 'error') {
      fail(message.message);
    }
  });
  worker.on('error', (error) => {
    if (totals !== null) return;
    fail(`load worker failed: ${error.message}`);
    finalize(sessionMs(listeners.sessionStartMs), received);
  });
  worker.on('messageerror', (error) => fail(`load worker message could not be read: ${error.message}`));
  worker.on('exit', (code) => {
    if (totals !== null) return;
    fail(`load worker exited unexpectedly (code ${code})`);
    finalize(sessionMs(listeners.sessionStartMs), received);
  });

  const send = (message: ToWorker) => {
    if (totals === null) worker.postMessage(message);
  };

  return {
    pause: () => send({ type: 'pause' }),
    resume: () => send({ type: 'resume' }),
    adjust: (setting) => send({ type: 'adjust', setting }),
    stop() {
      if (totals !== null) return Promise.resolve(totals);
      const done = new Promise<LoadCounts>((resolve) => waiting.push(resolve));
      send({ type: 'stop' });
      watchdog ??= setTimeout(() => {
        fail(`load worker did not stop within ${STOP_WATCHDOG_MS} ms; terminated`);
        finalize(sessionMs(listeners.sessionStartMs), received);
      }, STOP_WATCHDOG_MS);
      return done;
    },
  };
}
