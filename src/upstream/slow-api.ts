import { createServer, type Server } from 'node:http';

/** The body the tutorial's slow API answers with; the apps under test append it to theirs. */
export const UPSTREAM_BODY = 'slow api response';
/** Delays above this are refused, so a typo cannot hold connections for hours. */
export const MAX_DELAY_S = 600;

/** Parses `?delay=S` (seconds, fractional allowed); null when absent or invalid. */
export function parseDelaySeconds(url: string): number | null {
  const raw = new URL(url, 'http://upstream').searchParams.get('delay');
  if (raw === null || raw.trim() === '') return 0;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 && seconds <= MAX_DELAY_S ? seconds : null;
}

/**
 * The tutorial's slow API: `GET /?delay=S` answers after S seconds. It stands for a remote
 * service the app waits on, so the server's concurrency model, not its CPU, decides throughput.
 */
export function createSlowApi(): Server {
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const delayS = parseDelaySeconds(req.url ?? '/');
    if (delayS === null) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`delay must be 0..${MAX_DELAY_S} seconds\n`);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(UPSTREAM_BODY) }).end(UPSTREAM_BODY);
    }, delayS * 1000);
    timers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('close', () => timers.forEach(clearTimeout));
  return server;
}
