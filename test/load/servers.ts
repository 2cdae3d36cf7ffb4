import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Real node:http servers on 127.0.0.1, port 0, for the load tests. */

export interface TestServer {
  readonly url: string;
  /** Requests the server has received (answered or not). */
  readonly received: () => number;
  /** Connections the server has accepted. */
  readonly accepted: () => number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export async function startServer(handler: Handler): Promise<TestServer> {
  let received = 0;
  const server = createServer((req, res) => {
    received++;
    handler(req, res, received);
  });
  let accepted = 0;
  server.on('connection', () => accepted++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    received: () => received,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Answers `status(n)` (200 by default) after delayMs. */
export function delayed(delayMs: number, status: (n: number) => number = () => 200): Handler {
  return (_req, res, n) => {
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(status(n), { 'content-type': 'text/plain' });
      res.end('ok\n');
    }, delayMs);
  };
}

/** Never answers. */
export const silent: Handler = () => {};

/** Closes the connection without answering when `drop(n)`, else answers after delayMs. */
export function dropping(drop: (n: number) => boolean, delayMs: number): Handler {
  const answer = delayed(delayMs);
  return (req, res, n) => {
    if (drop(n)) req.socket.destroy();
    else answer(req, res, n);
  };
}
