import { once } from 'node:events';
import { startWorker } from '../util/worker.js';

export interface Upstream {
  /** Base URL, e.g. http://127.0.0.1:39211/ */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the slow API in a worker thread on 127.0.0.1, on a free port. */
export async function startUpstream(): Promise<Upstream> {
  const worker = startWorker(import.meta.url, './upstream-worker');
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`upstream exited early (code ${code})`)));
    worker.on('message', (message: { type: string; port?: number; message?: string }) => {
      if (message.type === 'listening') resolve(message.port!);
      if (message.type === 'error') reject(new Error(`upstream: ${message.message}`));
    });
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  worker.on('error', () => {});
  return {
    url: `http://127.0.0.1:${port}/`,
    async stop() {
      const exited = once(worker, 'exit');
      worker.postMessage({ type: 'stop' });
      const timer = setTimeout(() => void worker.terminate(), 1_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
