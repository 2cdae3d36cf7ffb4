import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { CLOCK_TICKS_PER_SECOND } from './cpu.js';

/**
 * Per-process and per-thread CPU of processes the benchmark did not necessarily start itself
 * (watchload run under tmux, the server watchload starts), all from /proc (proc(5)).
 */

/** The fields of a stat file after `(comm)`; index 0 is field 3 (state). comm may hold spaces. */
function fieldsAfterComm(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** utime + stime of a live process (all its threads, not its children), ms; null once gone. */
export function processCpuMs(pid: number): number | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === null) return null;
  const f = fieldsAfterComm(text);
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

export interface ThreadCpu {
  readonly tid: number;
  readonly comm: string;
  /** Field 22 of the thread's stat: when it started, clock ticks after boot; orders creation. */
  readonly startTicks: number;
  /** schedstat's first field: time spent on a CPU, ns (exact, unlike stat's 10 ms ticks). */
  readonly cpuNs: number;
}

/** Every thread of a process with its CPU so far, in creation order (start time, then tid). */
export function threadsOf(pid: number): ThreadCpu[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const threads: ThreadCpu[] = [];
  for (const name of tids) {
    const stat = readText(`/proc/${pid}/task/${name}/stat`);
    const sched = readText(`/proc/${pid}/task/${name}/schedstat`);
    if (stat === null || sched === null) continue; // ended between readdir and read
    threads.push({
      tid: Number(name),
      comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      startTicks: Number(fieldsAfterComm(stat)[19]),
      cpuNs: Number(sched.split(' ')[0]),
    });
  }
  return threads.sort((a, b) => a.startTicks - b.startTicks || a.tid - b.tid);
}

/** Live (non-zombie) descendants of pid, found by ppid over /proc/*\/stat (no `children` files here). */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = readText(`/proc/${name}/stat`);
    if (text === null) continue;
    const f = fieldsAfterComm(text);
    if (f[0] === 'Z' || f[0] === 'X') continue;
    const ppid = Number(f[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  for (let i = 0; i < queue.length; i++) {
    for (const child of children.get(queue[i]) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Puts every thread of a process on one CPU (`taskset -a -p`); false if it is gone. */
export function pinProcess(pid: number, cpu: number): boolean {
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * Keeps the descendants of `rootPid` on `cpu` while it runs: a process started under
 * `taskset -c 0` passes CPU 0 to the server it spawns, which must sit on the other core like
 * the servers the peers load. Each new descendant is pinned when first seen (within pollMs)
 * and again after 1 s, to catch threads it started in between (Node starts its own at boot).
 */
export function keepDescendantsOn(rootPid: number, cpu: number, pollMs = 20): { stop(): number[] } {
  const seen = new Map<number, number>();
  const timer = setInterval(() => {
    const now = performance.now();
    for (const pid of descendantsOf(rootPid)) {
      const first = seen.get(pid);
      if (first === undefined) {
        seen.set(pid, now);
        pinProcess(pid, cpu);
      } else if (first > 0 && now - first >= 1_000) {
        seen.set(pid, -1);
        pinProcess(pid, cpu);
      }
    }
  }, pollMs);
  return {
    stop() {
      clearInterval(timer);
      return [...seen.keys()];
    },
  };
}

/** Affinity list of a process as taskset prints it ("0", "1", "0,1"); null if unreadable. */
export function affinityOf(pid: number): string | null {
  const r = spawnSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return /:\s*(\S+)\s*$/.exec(r.stdout.trim())?.[1] ?? null;
}
