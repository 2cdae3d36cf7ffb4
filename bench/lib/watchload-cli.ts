import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { diesWithUs, isAlive } from './children.js';
import { REPO_ROOT } from './machine.js';
import { processCpuMs } from './threads.js';
import type { Tmux } from './tmux.js';

/**
 * watchload's CLI as users run it (bin/watchload.js, which sets NODE_ENV=production before
 * React loads), headless with `--json` or with its live view in a tmux pane, and what each
 * way reports at the end.
 */

export const WATCHLOAD_BIN = `${REPO_ROOT}bin/watchload.js`;

export function cliMissing(): string | null {
  return existsSync(`${REPO_ROOT}dist/src/cli.js`) ? null : `${REPO_ROOT}dist/src/cli.js is missing: run \`npm run build\` first`;
}

/** What a run reported, the same fields from `--json` and from the TUI's closing summary. */
export interface CliOutcome {
  readonly completed: number;
  readonly ok: number;
  /** Timeouts, connection errors, non-2xx and resets. */
  readonly failures: number;
  readonly rps: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

/** The `--json` report, version 1: the CLI's own type, not a copy of it. */
export type { JsonReport } from '../../src/report/json.js';
import type { JsonReport } from '../../src/report/json.js';

export function outcomeOfReport(report: JsonReport): CliOutcome {
  const l = report.load;
  // load.requests counts completed + timeouts + errors + resets; non2xx are among the completed.
  const completed = l.requests - l.timeouts - l.errors - l.resets;
  return { completed, ok: l.ok, failures: l.timeouts + l.errors + l.non2xx + l.resets, rps: l.rps, p50Ms: l.latencyMs.p50, p99Ms: l.latencyMs.p99 };
}

/** "850 µs", "2.35 ms", "201 ms", "1.20 s" (components/format.ts formatLatencyMs) → ms; null for "—". */
export function parseLatency(text: string): number | null {
  const m = /^([\d.,]+)\s*(µs|ms|s)$/.exec(text.trim());
  if (!m) return null;
  const value = Number(m[1].replaceAll(',', ''));
  return m[2] === 'µs' ? value / 1000 : m[2] === 's' ? value * 1000 : value;
}

const count = (text: string) => Number(text.replaceAll(',', ''));

/**
 * Reads the summary watchload prints after its live view unmounts (components/summary-text.ts):
 *
 *   requests  1,234 responses · 1,234 ok · 248 req/s over 5.0 s
 *   errors    0 timeouts · 0 non-2xx · 0 conn errors · 0 resets
 *   latency   p50 201 ms · p90 214 ms · p99 247 ms · p99.9 267 ms
 *
 * req/s is printed as a whole number from 100 up (formatRate): good to < 0.1 % at the rates
 * measured here. The last summary on the screen wins.
 */
export function parseSummary(screen: string): CliOutcome {
  const start = screen.lastIndexOf('watchload · ');
  if (start < 0) throw new Error(`no summary on the screen:\n${screen.slice(-2000)}`);
  const text = screen.slice(start);
  const requests = /requests\s+([\d,]+) responses · ([\d,]+) ok · ([\d.,—]+) req\/s/.exec(text);
  const errors = /errors\s+([\d,]+) timeouts? · ([\d,]+) non-2xx · ([\d,]+) conn errors? · ([\d,]+) resets?/.exec(text);
  const latency = /latency\s+p50 (.+?) · p90 (.+?) · p99 (.+?) · p99\.9/.exec(text);
  if (!requests || !errors || !latency) throw new Error(`unreadable summary:\n${text}`);
  return {
    completed: count(requests[1]),
    ok: count(requests[2]),
    failures: errors.slice(1).reduce((n, x) => n + count(x), 0),
    rps: count(requests[3]),
    p50Ms: parseLatency(latency[1]),
    p99Ms: parseLatency(latency[3]),
  };
}

export interface HeadlessRun {
  readonly pid: number;
  readonly report: JsonReport;
  readonly exitCode: number;
  /** utime + stime of watchload's own process (not the server it started), last read before it exited, ms. */
  readonly selfCpuMs: number;
  readonly stderrTail: string;
}

/**
 * Runs `watchload ARGS --json` (argv is prefixed by `wrap`, e.g. taskset), in our process
 * group and killed with us; its own CPU is polled from /proc every 100 ms, since cutime
 * would add the server it reaps. onStart gets its pid (to pin the server it spawns, say).
 */
export function runHeadless(
  args: readonly string[],
  options: {
    timeoutMs: number;
    wrap?: readonly string[];
    env?: NodeJS.ProcessEnv;
    onStart?: (pid: number) => void;
    /** Every line watchload writes on stderr (its status line each second: `[  3.0 s] loading …`). */
    onStderrLine?: (line: string) => void;
  },
): Promise<HeadlessRun> {
  return new Promise((resolve, reject) => {
    const [command, ...rest] = diesWithUs([...(options.wrap ?? []), process.execPath, WATCHLOAD_BIN, ...args, '--json']);
    const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    const pid = child.pid as number;
    let stdout = '';
    let stderr = '';
    let selfCpuMs = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let partial = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
      if (!options.onStderrLine) return;
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onStderrLine(line);
    });
    const poll = setInterval(() => {
      selfCpuMs = processCpuMs(pid) ?? selfCpuMs;
    }, 100);
    const timer = setTimeout(() => child.kill('SIGINT'), options.timeoutMs);
    options.onStart?.(pid);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      try {
        const report = JSON.parse(stdout) as JsonReport;
        resolve({ pid, report, exitCode: code ?? 128, selfCpuMs, stderrTail: stderr });
      } catch {
        reject(new Error(`watchload ${args.join(' ')} exited ${code ?? signal} without a JSON report: ${stderr.trim().slice(-1500)}`));
      }
    });
  });
}

export interface TuiRun {
  readonly pid: number;
  readonly outcome: CliOutcome;
  /** The screen when the load had ended, before quitting. */
  readonly screenAtDone: string;
  /** Everything the pane showed, scrollback included (the summary is at the end). */
  readonly screen: string;
  /** What onDone returned. */
  readonly atDone: unknown;
}

/** The header's first line ends with the phase and the clock: `… done  0:12`. */
const DONE = /\bdone\s+\d+:\d\d\s*$/m;

/**
 * Runs watchload with its live view in a tmux pane of columns × rows, waits for the load to
 * end (the header says `done`; the view then holds, still sampling), calls onDone (read the
 * process's CPU then, say), presses q, and reads the summary watchload prints once Ink has
 * unmounted. onStart gets watchload's pid as soon as it runs.
 */
export async function runTui(
  tmux: Tmux,
  args: readonly string[],
  options: {
    session: string;
    columns: number;
    rows: number;
    timeoutMs: number;
    wrap?: readonly string[];
    env?: Record<string, string>;
    onStart?: (pid: number) => void;
    /** Awaited before q is pressed: measure the held view here, say. */
    onDone?: (pid: number) => unknown;
  },
): Promise<TuiRun> {
  const pid = tmux.run(options.session, [...(options.wrap ?? []), process.execPath, WATCHLOAD_BIN, ...args], {
    columns: options.columns,
    rows: options.rows,
    env: options.env,
  });
  options.onStart?.(pid);
  const deadline = performance.now() + options.timeoutMs;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  try {
    let screenAtDone = '';
    for (;;) {
      await sleep(100);
      const screen = tmux.capture(options.session);
      if (DONE.test(screen.split('\n', 1)[0] ?? '')) {
        screenAtDone = screen;
        break;
      }
      if (!isAlive(pid)) throw new Error(`watchload exited before the load ended:\n${tmux.capture(options.session, true).trim().slice(-2000)}`);
      if (performance.now() > deadline) throw new Error(`watchload's load did not end within ${options.timeoutMs} ms:\n${screen}`);
    }
    const atDone = await options.onDone?.(pid);
    tmux.sendKeys(options.session, 'q');
    while (isAlive(pid)) {
      if (performance.now() > deadline + 10_000) throw new Error('watchload did not exit after q');
      await sleep(50);
    }
    const screen = tmux.capture(options.session, true);
    return { pid, outcome: parseSummary(screen), screenAtDone, screen, atDone };
  } finally {
    tmux.kill(options.session);
  }
}
