import type { LatencyBatch, LoadConfig, LoadCounts, LoadSetting } from './types.js';

/** Plain data that crosses the thread boundary between driver.ts and load-worker.ts. */

export interface LoadWorkerData {
  readonly config: LoadConfig;
  /** Epoch milliseconds at which the session started: batch times are relative to it. */
  readonly sessionStartMs: number;
  /** This worker's index with --load-workers (tagged on its batches); null when it is the only one. */
  readonly worker: number | null;
}

export type ToWorker =
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'stop' }
  | { readonly type: 'adjust'; readonly setting: LoadSetting };

export type FromWorker =
  | { readonly type: 'started'; readonly tMs: number }
  | { readonly type: 'batch'; readonly tMs: number; readonly batch: LatencyBatch }
  | { readonly type: 'finished'; readonly tMs: number; readonly totals: LoadCounts }
  | { readonly type: 'error'; readonly message: string };

/**
 * Milliseconds since the session started. timeOrigin + now() is epoch-based in every
 * thread (a worker's timeOrigin is its own start), so the driver and the worker agree.
 */
export function sessionMs(sessionStartMs: number): number {
  return performance.timeOrigin + performance.now() - sessionStartMs;
}
