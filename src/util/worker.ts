import { Worker, type WorkerOptions } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

/**
 * Starts a worker thread from a module beside the caller. Built code runs the `.js` file.
 * Tests run the TypeScript sources, which node 20 cannot load by itself, so there the worker
 * starts from a bootstrap that registers tsx (a dev dependency, present wherever sources run).
 */
export function startWorker(callerUrl: string, moduleBase: string, options: WorkerOptions = {}): Worker {
  const fromSource = callerUrl.endsWith('.ts') || callerUrl.endsWith('.tsx');
  const target = fileURLToPath(new URL(`${moduleBase}.${fromSource ? 'ts' : 'js'}`, callerUrl));
  if (!fromSource) return new Worker(target, options);
  const bootstrap = fileURLToPath(new URL('./tsx-worker.mjs', import.meta.url));
  return new Worker(bootstrap, { ...options, argv: [...(options.argv ?? []), target] });
}
