import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * Everything a benchmark starts dies with it, on every path.
 *
 * - Each child gets its own process group (detached) and is killed as a group (SIGKILL to
 *   -pgid) when the benchmark ends normally, throws, or gets SIGINT/SIGTERM/SIGHUP.
 * - `setpriv --pdeathsig KILL` (util-linux) makes the child die even if the benchmark is
 *   killed with SIGKILL and runs no handler at all (FACTS.md).
 * - Its stdin is a pipe we hold: servers written for the benchmarks exit at EOF as well.
 */

const SETPRIV = '/usr/bin/setpriv';
const started = new Set<ChildProcess>();

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone.
  }
}

/** Kills every child still running (their whole process groups). Synchronous; safe to repeat. */
export function killAllChildren(): void {
  for (const child of started) killGroup(child);
  started.clear();
}

let handlersInstalled = false;
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllChildren);
  const signals: Array<[NodeJS.Signals, number]> = [
    ['SIGHUP', 129],
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ];
  for (const [signal, code] of signals) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(code);
    });
  }
}

export interface StartOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the child's stderr goes: 'inherit' to see it, 'ignore', or 'pipe' to read it. */
  readonly stderr?: 'inherit' | 'ignore' | 'pipe';
}

/** argv run under `setpriv --pdeathsig KILL` when util-linux has it: it dies with us, even on SIGKILL. */
export function diesWithUs(argv: readonly string[]): string[] {
  return existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...argv] : [...argv];
}

/** Starts a long-lived child (a server under test) that is killed whatever happens to us. */
export function startChild(argv: readonly string[], options: StartOptions = {}): ChildProcess {
  installHandlers();
  const [command, ...args] = diesWithUs(argv);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['pipe', 'pipe', options.stderr ?? 'inherit'],
  });
  started.add(child);
  child.on('exit', () => started.delete(child));
  return child;
}

/** Kills a child's process group and waits (up to timeoutMs) until it has exited. */
export async function stopChild(child: ChildProcess, timeoutMs = 5_000): Promise<void> {
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.destroy();
  killGroup(child);
  started.delete(child);
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
}

/** Resolves with the first stdout line that matches, or rejects on exit or timeout. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => done(new Error(`no line matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = pattern.exec(line);
        if (match) return done(null, match);
      }
    };
    const onExit = (code: number | null, signal: string | null) => done(new Error(`exited (${code ?? signal}) before printing ${pattern}`));
    function done(error: Error | null, match?: RegExpExecArray): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(match as RegExpExecArray);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** True while /proc/<pid> exists and is not a zombie (PID 1 here reaps late: FACTS.md). */
export function isAlive(pid: number): boolean {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = text.charAt(text.lastIndexOf(')') + 2);
  return state !== 'Z' && state !== 'X';
}
