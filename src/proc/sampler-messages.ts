import type { CompanionRoot } from './sampler.js';
import type { WireSnapshot } from './snapshot-wire.js';

/** What the sampler worker is started with (workerData). */
export interface SamplerWorkerData {
  readonly rootPid: number;
  readonly companions: readonly CompanionRoot[];
  readonly intervalMs: number;
  /** performance.timeOrigin + performance.now() on the main thread when the session started. */
  readonly sessionStartMs: number;
}

/** Main thread → sampler worker. */
export type ToSampler = { readonly type: 'sample-now'; readonly id: number };

/** Sampler worker → main thread. */
export type FromSampler =
  /** requestIds: the sampleNow() calls this sample answers (empty for a scheduled one). */
  | { readonly type: 'snapshot'; readonly snapshot: WireSnapshot; readonly requestIds: readonly number[] }
  | { readonly type: 'error'; readonly message: string };
