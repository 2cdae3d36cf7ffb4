import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseCmdline, parseStat } from '../proc/parse.js';
import { createProcReader } from '../proc/reader.js';
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeError } from '../util/errors.js';
import type { Launch } from './registry.js';
import { createOutputTail } from './output-tail.js';
import { startDeathGuard } from '../util/death-guard.js';

export const TAIL_LINES = 20;
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface ServerProcess {
  readonly pid: number;
  /** The server's own command line (without the setpriv wrapper). */
  readonly argv: readonly string[];
  /** The last lines the server wrote to stdout and stderr. */
  outputTail(): string[];
  /** Resolves when the server's own process exits, however it exits. */
  readonly exited: Promise<ExitStatus>;
  /** True once stop() was called: an exit after that was asked for. */
  readonly stopping: boolean;
  /**
   * Stops the whole process group: stopSignal, then SIGKILL after graceMs. Idempotent. An
   * attached server (attachServer) is only no longer watched: it is left running.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Live (non-zombie) pids of a process group, from /proc/<pid>/stat (proc(5)). */
export function groupMembers(pgid: number): number[] {
  const reader = createProcReader();
  const members: number[] = [];
  for (const entry of reader.listDir('/proc') ?? []) {
    if (!/^\d+$/.test(entry)) continue;
    const text = reader.readText(`/proc/${entry}/stat`);
    const stat = text === null ? null : parseStat(text); // null: gone between readdir and read
    if (stat !== null && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(stat.pid);
  }
  return members;
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Kills the server's whole group when watchload dies (startDeathGuard); /bin/sh: no Node process for it. */
function startGroupGuard(pgid: number): ChildProcess | null {
  return startDeathGuard(['/bin/sh', '-c', 'read _; kill -KILL -"$1" 2>/dev/null', 'watchload-guard', String(pgid)]);
}

/**
 * Starts a server in its own process group (so one signal reaches its workers) and, where
 * util-linux's setpriv exists, with a parent-death signal so that it dies with watchload
 * even when watchload is killed with SIGKILL; a group guard then kills what is left of its
 * group (workers the server had not stopped yet).
 */
export function spawnServer(launch: Launch): ServerProcess {
  const deathSignal = (launch.deathSignal ?? 'SIGKILL').replace(/^SIG/, '');
  const argv = SETPRIV ? [SETPRIV, '--pdeathsig', deathSignal, '--', ...launch.argv] : [...launch.argv];
  let child: ChildProcess;
  try {
    child = spawn(argv[0], argv.slice(1), {
      cwd: launch.cwd,
      env: { ...process.env, ...launch.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // As another user (PostgreSQL as postgres): set before exec, so setpriv's parent-death
      // signal is set after the change of user, which would otherwise clear it (prctl(2)).
      ...(launch.uid !== undefined ? { uid: launch.uid } : {}),
      ...(launch.gid !== undefined ? { gid: launch.gid } : {}),
    });
  } catch (error) {
    throw new RuntimeError(`cannot start ${launch.argv[0]}: ${(error as Error).message}`);
  }
  const tail = createOutputTail(TAIL_LINES);
  child.stdout?.on('data', tail.collector('stdout'));
  child.stderr?.on('data', tail.collector('stderr'));

  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error) => {
      tail.push(`cannot start ${launch.argv[0]}: ${error.message}`);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const pid = child.pid ?? -1;
  // Every server gets the group guard: the parent-death signal reaches the spawned process
  // alone (prctl(2): a fork's child does not inherit it; `sh -c` of --cmd forks the server), and
  // its forked workers die with it only if it stops them. While stop() waits out its grace that may never happen: gunicorn's gthread
  // workers, told SIGINT, can hang in shutdown (futex) after their master has exited; a
  // watchload killed with SIGKILL then never sends the SIGKILL fallback, and the orphaned
  // workers kept the port (test/e2e/kill-matrix.test.ts, 'gunicorn SIGKILL stopping').
  const guard = pid > 0 ? startGroupGuard(pid) : null;
  let stopping = false;
  let stopped: Promise<void> | null = null;

  return {
    pid,
    argv: launch.argv,
    outputTail: () => tail.lines(),
    exited,
    get stopping() {
      return stopping;
    },
    stop(graceMs = 3_000) {
      stopping = true;
      stopped ??= (async () => {
        if (pid <= 0) return;
        killGroup(pid, launch.stopSignal);
        const deadline = Date.now() + graceMs;
        while (Date.now() < deadline && groupMembers(pid).length > 0) await sleep(25);
        if (groupMembers(pid).length > 0) killGroup(pid, 'SIGKILL');
        const hardDeadline = Date.now() + 2_000;
        while (Date.now() < hardDeadline && groupMembers(pid).length > 0) await sleep(25);
        await Promise.race([exited, sleep(1_000)]);
        // The group is gone: its id could be reused, so the guard must not fire later.
        guard?.kill('SIGKILL');
      })();
      return stopped;
    },
  };
}

/** One GET; resolves with the status and body, rejects on connection errors. */
function probe(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

/**
 * Ready means the app answers a real request with 200, not that a port is open: prefork
 * masters listen before their workers exist, and a proxy answers 502 until its backend is up.
 * The user's own server (--cmd) is ready at its first HTTP answer, whatever the status: we
 * know nothing of what its URL should return.
 */
export async function waitReady(
  url: string,
  server: ServerProcess,
  timeoutMs: number,
  options: { readonly anyStatus?: boolean; /** Who is waited for, in the errors: 'the server' unless told. */ readonly what?: string } = {},
): Promise<void> {
  const what = options.what ?? 'the server';
  const deadline = Date.now() + timeoutMs;
  let exit: ExitStatus | null = null;
  void server.exited.then((status) => (exit = status));
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exit) {
      const { code, signal } = exit as ExitStatus;
      throw new RuntimeError(
        `${what} exited before it was ready (${signal ? `signal ${signal}` : `exit code ${code}`})`,
        server.outputTail(),
      );
    }
    try {
      const { status, body } = await probe(url, 2_000);
      if (status === 200 || options.anyStatus === true) return;
      last = `HTTP ${status}${body ? `: ${body.trim().slice(0, 80)}` : ''}`;
    } catch (error) {
      last = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    }
    await sleep(50);
  }
  throw new RuntimeError(`${what} was not ready after ${timeoutMs / 1000} s: GET ${url} (last: ${last})`, server.outputTail());
}

/**
 * --attach: the URL must answer now (any HTTP status): the server is said to be running, so a
 * refused connection is a mistake in the URL, not a server still starting.
 */
export async function assertAnswers(url: string, timeoutMs: number): Promise<void> {
  try {
    await probe(url, timeoutMs);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new RuntimeError(`nothing answers at ${url} (${why}): is the attached server listening there?`);
  }
}

/** The identity of a live process: its start time (proc(5) field 22); null when gone or a zombie. */
function startTimeOf(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const stat = parseStat(text);
  return stat === null || stat.state === 'Z' || stat.state === 'X' ? null : stat.starttime;
}

/**
 * A server watchload did not start (--attach PID). It is not our child, so its end is seen by
 * polling /proc (the same pid with another start time is another process) and comes without
 * an exit status; stop() only stops watching: the process is left running, untouched.
 */
export function attachServer(pid: number, pollMs = 100): ServerProcess {
  const startTime = startTimeOf(pid);
  if (startTime === null) throw new RuntimeError(`process ${pid} is gone`);
  let argv: string[] = [];
  try {
    argv = parseCmdline(readFileSync(`/proc/${pid}/cmdline`));
  } catch {
    // unreadable: fall back to its name below
  }
  if (argv.length === 0) argv = [`[pid ${pid}]`];
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  const exited = new Promise<ExitStatus>((resolve) => {
    const check = () => {
      if (stopping) return;
      if (startTimeOf(pid) !== startTime) {
        resolve({ code: null, signal: null });
        return;
      }
      timer = setTimeout(check, pollMs);
      timer.unref();
    };
    check();
  });
  return {
    pid,
    argv,
    outputTail: () => [],
    exited,
    get stopping() {
      return stopping;
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
    },
  };
}
