import { parentPort } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { createSlowApi } from './slow-api.js';

// Runs the slow API off the UI's event loop, so a long render cannot delay its timers and
// add latency that the server under test did not cause.
const server = createSlowApi();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  parentPort?.postMessage({ type: 'listening', port });
});
server.on('error', (error) => parentPort?.postMessage({ type: 'error', message: error.message }));
parentPort?.on('message', (message: { type: string }) => {
  if (message.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
