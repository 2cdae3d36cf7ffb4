import { spawn, spawnSync } from 'node:child_process';
import { diesWithUs } from './children.js';
import { REPO_ROOT } from './machine.js';

/**
 * The peer load tools (autocannon's CLI, wrk, ab): running one, and reading what it printed
 * into the same units whatever the tool.
 */

/** What one run of one tool measured, in the same units whatever the tool. */
export interface ToolResult {
  /** Responses received. */
  readonly completed: number;
  /** Errors of any kind the tool reports: connection errors, timeouts, non-2xx. */
  readonly failures: number;
  /** Seconds the tool says it ran. */
  readonly durationS: number;
  /** completed / durationS as the tool computes it. */
  readonly rps: number;
  /** Median latency in ms, at the tool's own resolution (autocannon, ab: whole ms). */
  readonly p50Ms: number | null;
  /** 99th percentile, ms, likewise; absent where not read. */
  readonly p99Ms?: number | null;
  /** Mean latency, ms, likewise (ab: its `Total` connection time, connect included). */
  readonly meanMs?: number | null;
  /**
   * wrk's "read" socket errors, not in failures: a server that closes the connection after
   * each response (uWSGI's --http-socket) makes one per request, answered all the same.
   */
  readonly readErrors?: number;
  /** What the tool printed, reduced to what was parsed (for the record). */
  readonly raw: unknown;
}

export const onPath = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** What `npx autocannon` runs (node_modules/.bin/autocannon), without npm's own start-up. */
export const AUTOCANNON = `${REPO_ROOT}node_modules/autocannon/autocannon.js`;

/** Runs a program once, bounded in time, in our process group and killed with us; resolves with its stdout. */
export function runProgram(argv: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // In our process group (Ctrl-C reaches it), and killed with us even on SIGKILL.
    const [command, ...args] = diesWithUs(argv);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${argv.join(' ')} exited ${code ?? signal}: ${stderr.trim() || stdout.trim()}`));
    });
  });
}

/** "812.00us", "1.23ms", "1.01s" → ms. */
export function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) throw new Error(`wrk: unreadable duration ${text}`);
  const scale = { us: 1e-3, ms: 1, s: 1e3, m: 6e4 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * scale;
}

function match(stdout: string, pattern: RegExp, what: string): RegExpExecArray {
  const m = pattern.exec(stdout);
  if (!m) throw new Error(`cannot find ${what} in:\n${stdout}`);
  return m;
}

/** `autocannon -j`: its JSON result. */
export function parseAutocannon(stdout: string): ToolResult {
  const r = JSON.parse(stdout) as {
    duration: number;
    errors: number;
    non2xx: number;
    resets: number;
    requests: { total: number; average: number; sent: number };
    latency: { p50: number; average: number; p99: number };
  };
  return {
    completed: r.requests.total,
    failures: r.errors + r.non2xx + r.resets,
    durationS: r.duration,
    rps: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    meanMs: r.latency.average,
    raw: { duration: r.duration, requests: r.requests, latency: r.latency, errors: r.errors, non2xx: r.non2xx, resets: r.resets },
  };
}

/**
 * `wrk --latency`: its text report. Requests still on the wire at the deadline are not
 * counted. Failures are connect, write and timeout errors and non-2xx; read errors apart.
 */
export function parseWrk(stdout: string): ToolResult {
  const [, count, took] = match(stdout, /(\d+) requests in (\S+),/, 'the request count');
  const seconds = wrkMs(took) / 1000;
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  const [connect, read, write, timeout] = errors ? errors.slice(1).map(Number) : [0, 0, 0, 0];
  return {
    completed: Number(count),
    failures: connect + write + timeout + (non2xx ? Number(non2xx[1]) : 0),
    readErrors: read,
    durationS: seconds,
    rps: Number(match(stdout, /Requests\/sec:\s+([\d.]+)/, 'Requests/sec')[1]),
    p50Ms: wrkMs(match(stdout, /^\s+50%\s+(\S+)/m, 'the 50% latency')[1]),
    p99Ms: wrkMs(match(stdout, /^\s+99%\s+(\S+)/m, 'the 99% latency')[1]),
    meanMs: wrkMs(match(stdout, /^\s+Latency\s+(\S+)/m, 'the mean latency')[1]),
    raw: stdout,
  };
}

/** ab's text report (whole-ms percentiles). */
export function parseAb(stdout: string): ToolResult {
  const failed = Number(match(stdout, /Failed requests:\s+(\d+)/, 'Failed requests')[1]);
  const non2xx = /Non-2xx responses:\s+(\d+)/.exec(stdout);
  const p99 = /^\s+99%\s+(\d+)/m.exec(stdout);
  // Connection Times: `Total:  min  mean[+/-sd] median  max`.
  const total = /^Total:\s+\d+\s+(\d+)/m.exec(stdout);
  return {
    completed: Number(match(stdout, /Complete requests:\s+(\d+)/, 'Complete requests')[1]),
    failures: failed + (non2xx ? Number(non2xx[1]) : 0),
    durationS: Number(match(stdout, /Time taken for tests:\s+([\d.]+)/, 'Time taken')[1]),
    rps: Number(match(stdout, /Requests per second:\s+([\d.]+)/, 'Requests per second')[1]),
    p50Ms: Number(match(stdout, /^\s+50%\s+(\d+)/m, 'the 50% line')[1]),
    p99Ms: p99 ? Number(p99[1]) : null,
    meanMs: total ? Number(total[1]) : null,
    raw: stdout,
  };
}
