import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = `${ROOT}bin/watchload.js`;

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI to the end (bounded by timeoutMs, after which it is killed). */
export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  const child = startCli(args, options.env);
  return collect(child, options.timeoutMs ?? 60_000);
}

export type StartedCli = ChildProcess & {
  output: { stdout: string; stderr: string };
  /** Settles when the CLI has exited and its output is read; listened for from the start. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): StartedCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as StartedCli;
  child.output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk) => (child.output.stdout += chunk));
  child.stderr!.on('data', (chunk) => (child.output.stderr += chunk));
  // A test that polls the output first must not miss an exit that happens meanwhile.
  child.closed = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return child;
}

/** Waits for the CLI to end (killing it after timeoutMs) and returns what it printed. */
export async function collect(child: StartedCli, timeoutMs: number): Promise<CliRun> {
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await child.closed;
  clearTimeout(timer);
  return { code, signal, stdout: child.output.stdout, stderr: child.output.stderr };
}

/** Waits until the predicate holds on the child's output so far, or throws after timeoutMs. */
export async function waitForOutput(child: { output: { stdout: string; stderr: string } }, predicate: (output: { stdout: string; stderr: string }) => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(child.output)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for output; stderr so far:\n${child.output.stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pids of live (non-zombie) processes whose command line contains the text. */
export function processesMatching(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (cmdline.includes(text) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // gone between readdir and read
    }
  }
  return pids;
}

/** True while the pid exists as a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits (bounded) for every pid to be gone; returns those still alive. */
export async function survivors(pids: readonly number[], waitMs = 3_000): Promise<number[]> {
  const deadline = Date.now() + waitMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    alive = alive.filter(isAlive);
  }
  return alive;
}

/** Live children of a pid, by ppid in /proc/<pid>/stat. */
export function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[1]) === parent && fields[0] !== 'Z';
      } catch {
        return false; // gone between readdir and read
      }
    })
    .map(Number);
}

/**
 * TCP sockets in LISTEN state (st 0A, include/net/tcp_states.h) by socket inode, with their
 * local port, from /proc/net/tcp and /proc/net/tcp6 (proc(5)): the local address is
 * `HEXADDR:HEXPORT`.
 */
export function listeningSockets(): Map<number, number> {
  const sockets = new Map<number, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // no IPv6 here
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue;
      sockets.set(Number(fields[9]), parseInt(fields[1].slice(fields[1].lastIndexOf(':') + 1), 16));
    }
  }
  return sockets;
}

/** Ports something listens on (TCP, IPv4 or IPv6), from listeningSockets. */
export function listeningPorts(): Set<number> {
  return new Set(listeningSockets().values());
}

/** Inodes of the sockets a process holds open, from its /proc/<pid>/fd links (`socket:[INODE]`). */
export function socketInodes(pid: number): number[] {
  const inodes: number[] = [];
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes; // gone
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.push(Number(match[1]));
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** Pids of live (non-zombie) processes whose environment holds the text (e.g. a test's marker variable). */
export function processesWithEnv(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(text) && isAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}
