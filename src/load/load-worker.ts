import { parentPort, workerData } from 'node:worker_threads';
import { startEngine } from './engine.js';
import { createGeneratorProbe } from './generator.js';
import { sessionMs, type FromWorker, type LoadWorkerData, type ToWorker } from './protocol.js';

/**
 * Worker-thread entry of the load driver: autocannon and its per-response bookkeeping run
 * here, off the UI's event loop; only batches (a sparse histogram and counts) cross over.
 */

if (parentPort === null) throw new Error('load-worker.ts runs only as a worker thread (see driver.ts)');
const port = parentPort;
const { config, sessionStartMs, worker } = workerData as LoadWorkerData;
const post = (message: FromWorker) => port.postMessage(message);

const engine = startEngine(config, () => sessionMs(sessionStartMs), {
  onStarted: (tMs) => post({ type: 'started', tMs }),
  onBatch: (tMs, batch) => post({ type: 'batch', tMs, batch }),
  // The driver terminates the worker when it receives this.
  onFinished: (tMs, totals) => post({ type: 'finished', tMs, totals }),
  onError: (message) => post({ type: 'error', message }),
}, { probe: createGeneratorProbe(), ...(worker !== null ? { worker } : {}) });

port.on('message', (message: ToWorker) => {
  if (message.type === 'pause') engine.pause();
  else if (message.type === 'resume') engine.resume();
  else if (message.type === 'stop') engine.stop();
  else if (message.type === 'adjust') engine.adjust(message.setting);
});
