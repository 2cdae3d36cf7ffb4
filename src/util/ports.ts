import { createServer } from 'node:net';
import { RuntimeError } from './errors.js';

function listenOnce(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port, host, exclusive: true }, () => {
      const address = probe.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      probe.close(() => resolve(bound));
    });
  });
}

/** A port free on host right now (the kernel's choice). The server binds it a moment later. */
export function freePort(host: string): Promise<number> {
  return listenOnce(0, host);
}

/** Fails with a one-line error when the user's --port is taken. */
export async function assertPortFree(port: number, host: string): Promise<void> {
  try {
    await listenOnce(port, host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new RuntimeError(`port ${port} on ${host} is already in use`);
    if (code === 'EACCES') throw new RuntimeError(`port ${port} on ${host} needs privileges watchload does not have`);
    throw error;
  }
}
