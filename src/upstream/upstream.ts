import type { EventEmitter } from 'node:events';
import { startWorker } from '../util/worker.js';

export interface Upstream {
  /** Base URL, e.g. http://127.0.0.1:39211/ */
  readonly url: string;
  stop(): Promise<void>;
}

export interface UpstreamOptions {
  /**
   * Called once if the upstream stops serving on its own once it listens (its thread threw,
   * exited, or its server failed). The run goes on: the app's calls to it fail from then on,
   * and the load counts what the app answers (500, 502) or the time it no longer answers in.
   */
  readonly onFailed?: (message: string) => void;
}

/** How a run starts its upstream: startUpstream, or (tests) one that fails on cue. */
export type StartUpstream = (options?: UpstreamOptions) => Promise<Upstream>;

/**
 * Watches the upstream's worker thread once it listens: an uncaught exception there is an
 * 'error' event on the Worker, which must have a listener or it would throw in watchload's
 * own thread (node:worker_threads, event 'error'). Whatever comes first of an error, an exit
 * not asked for (`stopping()` false) or a failure its server reports is told once.
 */
export function watchUpstreamWorker(worker: EventEmitter, stopping: () => boolean, onFailed: (message: string) => void = () => {}): void {
  let told = false;
  const fail = (message: string) => {
    if (told || stopping()) return;
    told = true;
    onFailed(message);
  };
  worker.on('error', (error: unknown) => fail(`its thread threw: ${error instanceof Error ? error.message : String(error)}`));
  worker.on('exit', (code: number) => fail(`its thread exited (code ${code})`));
  worker.on('message', (message: { type: string; message?: string }) => {
    if (message.type === 'error') fail(`its server failed: ${message.message}`);
  });
}

/** Starts the slow API in a worker thread on 127.0.0.1, on a free port. */
export async function startUpstream(options: UpstreamOptions = {}): Promise<Upstream> {
  const worker = startWorker(import.meta.url, './upstream-worker');
  // Kept from the start: a thread that already died must not leave stop() waiting for an exit.
  let gone = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => ((gone = true), resolve())));
  let onError!: (error: Error) => void;
  let onExit!: (code: number) => void;
  let onMessage!: (message: { type: string; port?: number; message?: string }) => void;
  const port = await new Promise<number>((resolve, reject) => {
    onError = reject;
    onExit = (code) => reject(new Error(`upstream exited early (code ${code})`));
    onMessage = (message) => {
      if (message.type === 'listening') resolve(message.port!);
      if (message.type === 'error') reject(new Error(`upstream: ${message.message}`));
    };
    worker.on('error', onError).on('exit', onExit).on('message', onMessage);
  }).finally(() => worker.off('error', onError).off('exit', onExit).off('message', onMessage));
  let stopping = false;
  watchUpstreamWorker(worker, () => stopping, options.onFailed);
  return {
    url: `http://127.0.0.1:${port}/`,
    async stop() {
      stopping = true;
      if (gone) return;
      worker.postMessage({ type: 'stop' });
      const timer = setTimeout(() => void worker.terminate(), 1_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
