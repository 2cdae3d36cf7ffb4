import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createProcReader, type ProcReader } from '../../src/proc/reader.js';
import { createSampler } from '../../src/proc/sampler.js';
import type { Snapshot } from '../../src/proc/types.js';

// Issue 8 (a): processes and threads vanish, or their numbers are reused, between two reads of
// one sample. A small /proc of our own makes each race happen exactly where a test wants it:
// after a listing is returned, after a given file is read. (The real /proc under 1,000 threads
// a second: test/e2e/churn.test.ts.)

interface Task {
  readonly tid: number;
  readonly starttime: number;
  runNs: number;
}
interface Proc {
  readonly pid: number;
  ppid: number;
  readonly comm: string;
  readonly starttime: number;
  readonly threads: Map<number, Task>;
}

/** A stat line of proc(5): the fields the sampler reads set, the rest 0. */
function statLine(id: number, comm: string, ppid: number, numThreads: number, starttime: number, state = 'S'): string {
  const f = Array<string>(52).fill('0');
  f[0] = String(id);
  f[1] = `(${comm})`;
  f[2] = state;
  f[3] = String(ppid);
  f[4] = String(ppid);
  f[19] = String(numThreads);
  f[21] = String(starttime);
  return `${f.join(' ')}\n`;
}

/** A tree in a /proc of our own, and hooks that change it in the middle of a sample. */
class FakeProc {
  readonly procs = new Map<number, Proc>();
  private clock = 1_000;
  /** Run after a listing is returned (the path listed), and after a file is read. */
  afterList: (path: string) => void = () => {};
  afterRead: (path: string) => void = () => {};

  spawn(pid: number, ppid: number, comm: string, tids: readonly number[] = [pid]): Proc {
    const proc: Proc = { pid, ppid, comm, starttime: this.clock++, threads: new Map() };
    this.procs.set(pid, proc);
    for (const tid of tids) this.thread(pid, tid);
    return proc;
  }

  /** A new thread has run a little by the time anyone looks: its schedstat is its own. */
  thread(pid: number, tid: number): void {
    const starttime = this.clock++;
    this.procs.get(pid)?.threads.set(tid, { tid, starttime, runNs: starttime * 1_000 });
  }

  exitThread(pid: number, tid: number): void {
    this.procs.get(pid)?.threads.delete(tid);
  }

  exit(pid: number): void {
    this.procs.delete(pid);
  }

  readonly reader: ProcReader = {
    listDir: (path) => {
      const names = this.list(path);
      this.afterList(path);
      return names;
    },
    readText: (path) => {
      const text = this.read(path);
      this.afterRead(path);
      return text;
    },
  };

  private list(path: string): string[] | null {
    if (path === '/proc') return [...this.procs.keys()].map(String).concat(['self', 'stat']);
    const m = /^\/proc\/(\d+)\/task$/.exec(path);
    const proc = m === null ? undefined : this.procs.get(Number(m[1]));
    return proc === undefined ? null : [...proc.threads.keys()].map(String);
  }

  private read(path: string): string | null {
    const m = /^\/proc\/(\d+)\/(?:task\/(\d+)\/)?(\w+)$/.exec(path);
    if (m === null) return null;
    const proc = this.procs.get(Number(m[1]));
    if (proc === undefined) return null;
    const task = m[2] === undefined ? undefined : proc.threads.get(Number(m[2]));
    if (m[2] !== undefined && task === undefined) return null;
    switch (m[3]) {
      case 'stat':
        return task === undefined
          ? statLine(proc.pid, proc.comm, proc.ppid, proc.threads.size, proc.starttime)
          : statLine(task.tid, proc.comm, proc.ppid, proc.threads.size, task.starttime);
      case 'schedstat':
        return task === undefined ? null : `${task.runNs} 0 ${task.runNs}\n`;
      case 'wchan':
        return 'hrtimer_nanosleep';
      case 'statm':
        return '100 50 10 1 0 20 0\n';
      case 'cmdline':
        return `${proc.comm}\0`;
      default:
        return null;
    }
  }
}

const ROOT = 100;
const CHILD = 200;

function fixture() {
  const proc = new FakeProc();
  proc.spawn(ROOT, 1, 'server', [ROOT, 101, 102]);
  proc.spawn(CHILD, ROOT, 'worker', [CHILD, 201, 202]);
  proc.spawn(300, 1, 'unrelated');
  let t = 0;
  const sampler = createSampler({ rootPid: ROOT, reader: proc.reader, nowMs: () => (t += 50) });
  return { proc, sampler };
}

const tidsOf = (s: Snapshot, pid: number): number[] | undefined => s.processes.find((p) => p.pid === pid)?.threads.map((t) => t.tid);
const pidsOf = (s: Snapshot): number[] => s.processes.map((p) => p.pid);

describe('sampler: a process or thread gone between two reads of one sample', () => {
  it('a pid listed in /proc that is gone before its stat is read', () => {
    const { proc, sampler } = fixture();
    sampler.sample();
    proc.spawn(250, ROOT, 'short', [250]);
    proc.afterList = (path) => path === '/proc' && proc.exit(250);
    expect(pidsOf(sampler.sample())).toEqual([ROOT, CHILD]);
  });

  it('a process that exits between its stat and its task listing, or while its threads are read', () => {
    const { proc, sampler } = fixture();
    sampler.sample();
    proc.thread(CHILD, 203); // its count moves: the task list is read
    proc.afterRead = (path) => path === `/proc/${CHILD}/stat` && proc.exit(CHILD);
    expect(pidsOf(sampler.sample())).toEqual([ROOT]);
    proc.afterRead = () => {};
    proc.spawn(CHILD + 1, ROOT, 'worker', [CHILD + 1, 211, 212]);
    proc.afterList = (path) => path === `/proc/${CHILD + 1}/task` && proc.exit(CHILD + 1);
    expect(pidsOf(sampler.sample())).toEqual([ROOT]);
  });

  it('a thread listed in task/ that exits before its files are read, and one that exits between its stat and its schedstat', () => {
    const { proc, sampler } = fixture();
    sampler.sample();
    proc.thread(ROOT, 103);
    proc.thread(ROOT, 104);
    proc.afterList = (path) => path === `/proc/${ROOT}/task` && proc.exitThread(ROOT, 103);
    proc.afterRead = (path) => path === `/proc/${ROOT}/task/104/stat` && proc.exitThread(ROOT, 104);
    // 104 was alive when its stat was read: it counts this once, with what the stat said.
    expect(tidsOf(sampler.sample(), ROOT)).toEqual([ROOT, 101, 102, 104]);
    proc.afterList = proc.afterRead = () => {};
    expect(tidsOf(sampler.sample(), ROOT)).toEqual([ROOT, 101, 102]);
  });

  it('a known thread that exits while the count stands (another was born): found through its files, the newborn listed', () => {
    const { proc, sampler } = fixture();
    sampler.sample();
    proc.exitThread(CHILD, 201);
    proc.thread(CHILD, 203);
    expect(tidsOf(sampler.sample(), CHILD)).toEqual([CHILD, 202, 203]);
  });
});

describe('sampler: numbers reused (pid_max is 32,768 here: pids wrap within a minute of churn)', () => {
  it('a child\u2019s pid reused by another process of the tree: the old one\u2019s threads are forgotten, the new one first seen', () => {
    const { proc, sampler } = fixture();
    sampler.sample();
    const known = sampler.sample().processes.find((p) => p.pid === CHILD);
    expect(known?.threads.every((t) => t.cpuPercent === 0)).toBe(true);
    proc.exit(CHILD);
    proc.spawn(CHILD, ROOT, 'other', [CHILD, 205]);
    const reused = sampler.sample().processes.find((p) => p.pid === CHILD);
    expect(reused?.name).toBe('other');
    expect(reused?.cmdline).toEqual(['other']);
    expect(reused?.threads.map((t) => [t.tid, t.cpuPercent])).toEqual([
      [CHILD, null],
      [205, null],
    ]);
  });

  it('a child\u2019s pid reused by a process outside the tree: it leaves the tree', () => {
    const { proc, sampler } = fixture();
    sampler.sample();
    proc.exit(CHILD);
    proc.spawn(CHILD, 1, 'stranger', [CHILD]);
    expect(pidsOf(sampler.sample())).toEqual([ROOT]);
  });

  it('a tid reused by a new thread of the same process (another start time): first seen again', () => {
    const { proc, sampler } = fixture();
    sampler.sample();
    proc.exitThread(ROOT, 101);
    proc.thread(ROOT, 101);
    const thread = sampler.sample().processes[0].threads.find((t) => t.tid === 101);
    expect([thread?.cpuPercent, thread?.ranMs]).toEqual([null, null]);
  });
});

/** A small seeded generator (mulberry32): the same churn on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('sampler under churn with races at every read (seeded)', () => {
  it('never throws; reports every thread alive from before a sample to after it, and none that never lived in it', () => {
    const rand = random(8);
    const proc = new FakeProc();
    proc.spawn(ROOT, 1, 'server', [ROOT]);
    let t = 0;
    const sampler = createSampler({ rootPid: ROOT, reader: proc.reader, nowMs: () => (t += 50) });
    // tids from a small space, so that they are reused (with another start time) as pids are.
    const TID_SPACE = 400;
    let next = ROOT + 1;
    const born = () => {
      for (let tries = 0; tries < TID_SPACE; tries++) {
        next = next >= ROOT + TID_SPACE ? ROOT + 1 : next + 1;
        if (!proc.procs.get(ROOT)?.threads.has(next)) return proc.thread(ROOT, next);
      }
    };
    const dies = (p: number) => {
      for (const tid of [...(proc.procs.get(ROOT)?.threads.keys() ?? [])]) if (tid !== ROOT && rand() < p) proc.exitThread(ROOT, tid);
    };
    /** Each live thread's identity: tid and start time. */
    const alive = () => new Map([...(proc.procs.get(ROOT)?.threads.values() ?? [])].map((task) => [task.tid, task.starttime]));
    for (let step = 0; step < 300; step++) {
      dies(0.2);
      for (let k = 0; k < 30; k++) born();
      for (const task of proc.procs.get(ROOT)?.threads.values() ?? []) if (rand() < 0.3) task.runNs += 1_000;
      // During the sample: threads die right after a listing or a read, others are born.
      proc.afterList = () => dies(0.05);
      proc.afterRead = () => {
        if (rand() < 0.02) dies(0.02);
        if (rand() < 0.02) born();
      };
      const before = alive();
      const snapshot = sampler.sample();
      proc.afterList = proc.afterRead = () => {};
      const after = alive();
      const reported = new Set(tidsOf(snapshot, ROOT) ?? []);
      for (const [tid, starttime] of before) if (after.get(tid) === starttime) expect(reported.has(tid), `step ${step}: tid ${tid} alive throughout`).toBe(true);
      // Reported: alive at some moment of the sample (before it, or born during it).
      for (const tid of reported) expect(tid >= ROOT && tid <= ROOT + TID_SPACE, `step ${step}: tid ${tid}`).toBe(true);
      expect(reported.size).toBeLessThanOrEqual(before.size + 60);
    }
  });
});

describe('createProcReader: races on the real /proc', () => {
  it('a file of a task gone before it was first read answers null (ENOENT at open) and keeps nothing open', async () => {
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const reader = createProcReader();
    const names = reader.listDir(`/proc/${child.pid}/task`);
    expect(names).toEqual([String(child.pid)]);
    const file = reader.openFile(`/proc/${child.pid}/task/${child.pid}/schedstat`, 'hot');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(file.read()).toBeNull();
    expect(reader.keptFiles()).toBe(0);
    expect(reader.readText(`/proc/${child.pid}/task/${child.pid}/stat`)).toBeNull();
    expect(reader.listDir(`/proc/${child.pid}/task`)).toBeNull();
  });

  it('a kept descriptor of a task that exits reads null ever after (ESRCH), even when asked again', async () => {
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const reader = createProcReader();
    const stat = reader.openFile(`/proc/${child.pid}/stat`, 'hot');
    expect(stat.read()).toMatch(/^\d+ \(sleep\) /);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect([stat.read(), stat.read(), reader.keptFiles()]).toEqual([null, null, 0]);
  });
});
