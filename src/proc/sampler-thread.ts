import { startWorker } from '../util/worker.js';
import type { FromSampler, SamplerWorkerData, ToSampler } from './sampler-messages.js';
import type { CompanionRoot } from './sampler.js';
import { decodeSnapshot } from './snapshot-wire.js';
import type { Snapshot } from './types.js';

export interface SamplerThreadOptions {
  /** The server's pid: the root of the sampled tree. */
  readonly rootPid: number;
  /** Trees started beside the server (nginx in front), sampled as their own groups. */
  readonly companions?: readonly CompanionRoot[];
  /** Milliseconds between scheduled samples. */
  readonly intervalMs: number;
  /** performance.timeOrigin + performance.now() when the session started. */
  readonly sessionStartMs: number;
  /** Every snapshot, scheduled or asked for with sampleNow(), in the order taken. */
  readonly onSnapshot: (snapshot: Snapshot) => void;
  /** A sample that failed, or the worker that died; the main thread never throws for it. */
  readonly onError: (message: string) => void;
}

export interface SamplerThread {
  /** Takes an extra sample now; it also goes to onSnapshot. Rejects once stopped. */
  sampleNow(): Promise<Snapshot>;
  /** Terminates the worker; pending sampleNow() calls reject. Safe to call twice. */
  stop(): Promise<void>;
}

interface Pending {
  readonly resolve: (snapshot: Snapshot) => void;
  readonly reject: (error: Error) => void;
}

/** Starts the /proc sampler in a worker thread (src/proc/sampler-worker.ts). */
export function startSamplerThread(options: SamplerThreadOptions): SamplerThread {
  const data: SamplerWorkerData = {
    rootPid: options.rootPid,
    companions: options.companions ?? [],
    intervalMs: options.intervalMs,
    sessionStartMs: options.sessionStartMs,
  };
  const worker = startWorker(import.meta.url, './sampler-worker', { workerData: data });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stopping: Promise<void> | null = null;
  let dead = false;

  function failPending(reason: string): void {
    for (const { reject } of pending.values()) reject(new Error(reason));
    pending.clear();
  }

  function died(reason: string): void {
    if (dead) return;
    dead = true;
    failPending(reason);
    if (stopping === null) options.onError(reason);
  }

  worker.on('message', (message: FromSampler) => {
    // Once stop() is called nothing more is delivered: the runner tears down in order.
    if (stopping !== null) return;
    if (message.type === 'error') {
      options.onError(message.message);
      return;
    }
    const snapshot = decodeSnapshot(message.snapshot);
    options.onSnapshot(snapshot);
    for (const id of message.requestIds) {
      pending.get(id)?.resolve(snapshot);
      pending.delete(id);
    }
  });
  worker.on('error', (error) => died(`sampler worker failed: ${error.stack ?? error.message}`));
  worker.on('exit', (code) => died(`sampler worker exited with code ${code}`));

  function sampleNow(): Promise<Snapshot> {
    if (stopping !== null || dead) return Promise.reject(new Error('sampler stopped'));
    const id = nextId++;
    return new Promise<Snapshot>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'sample-now', id } satisfies ToSampler);
    });
  }

  function stop(): Promise<void> {
    // The /proc descriptors the sampler keeps open go with the worker: Node closes the fds a
    // worker opened through fs when it exits (Worker option trackUnmanagedFds, on by default).
    stopping ??= (async () => {
      failPending('sampler stopped');
      await worker.terminate();
    })();
    return stopping;
  }

  return { sampleNow, stop };
}
