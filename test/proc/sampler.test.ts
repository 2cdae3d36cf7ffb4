import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openByPath, type ProcReader } from '../../src/proc/reader.js';
import { createSampler } from '../../src/proc/sampler.js';
import type { ProcessSample, Snapshot } from '../../src/proc/types.js';

/**
 * The fixture is a real tree recorded by test/fixtures/proc/record.ts (see its comment):
 * every listing and file the sampler read at two instants ~630 ms apart, with the workers
 * under load in between. Pids below are the recorded ones.
 */
interface Recording {
  readonly dirs: Readonly<Record<string, string[] | null>>;
  readonly files: Readonly<Record<string, string | null>>;
}
const dir = new URL('../fixtures/proc/node-cluster/', import.meta.url);
const load = (name: string): Recording => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as Recording;
const meta = JSON.parse(readFileSync(new URL('meta.json', dir), 'utf8')) as { clockMs: number[] };
const T1 = load('t1.json');
const T2 = load('t2.json');

const PRIMARY = 19348;
const HELPER = 19356;
const WORKER1 = 19357;
const WORKER2 = 19358;
const ZOMBIE = 19359;
const SLEEPER = 19360;
const LEADER = 19361; // its main thread exited (Z), thread 19367 lives on
const PRIMARY_WORKER_THREAD = 19355; // the primary's Worker, ended between t1 and t2

/** A reader over one recording at a time, logging the paths read. */
function fixtureReader(first: Recording) {
  let current = first;
  const reads: string[] = [];
  const reader: ProcReader = {
    readText(path) {
      reads.push(path);
      return current.files[path] ?? null;
    },
    listDir(path) {
      reads.push(`${path}/`);
      return current.dirs[path] ?? null;
    },
  };
  return {
    reader,
    reads,
    /** The same reader with openFile(): files read by path, each open one counted until closed. */
    withFiles() {
      const open = new Set<string>();
      const released: string[] = [];
      let opened = 0;
      const files: ProcReader = {
        ...reader,
        openFile(path) {
          const file = openByPath(reader, path);
          const id = `${path}#${opened++}`;
          open.add(id);
          return { read: () => file.read(), release: () => released.push(path), close: () => open.delete(id) };
        },
      };
      return { reader: files, open, released };
    },
    show(next: Recording) {
      current = next;
      reads.length = 0;
    },
  };
}

/** The recording with some files or listings replaced (null = vanished). */
function edit(recording: Recording, files: Record<string, string | null>, dirs: Record<string, string[] | null> = {}): Recording {
  return { files: { ...recording.files, ...files }, dirs: { ...recording.dirs, ...dirs } };
}

const statOf = (r: Recording, pid: number, tid: number): string => r.files[`/proc/${pid}/task/${tid}/stat`] as string;
const withState = (stat: string, state: string): string => stat.replace(/\) [A-Z] /, `) ${state} `);

/**
 * The schedstat of a thread that ran `ms` more than in r and was switched in once more. The
 * sampler reads stat and wchan only when schedstat moved, so an edit that makes a thread run,
 * sleep or exit moves its schedstat too, as the kernel would: a thread must run to change state.
 */
const ranMore = (r: Recording, pid: number, tid: number, ms = 1): string => {
  const [run, wait, count] = (r.files[`/proc/${pid}/task/${tid}/schedstat`] as string).trim().split(' ').map(Number);
  return `${run + ms * 1e6} ${wait} ${count + 1}\n`;
};

/** The edits of a thread that turned into state `state` since r (it ran to get there). */
const turned = (r: Recording, pid: number, tid: number, state: string): Record<string, string> => ({
  [`/proc/${pid}/task/${tid}/stat`]: withState(statOf(r, pid, tid), state),
  [`/proc/${pid}/task/${tid}/schedstat`]: ranMore(r, pid, tid),
});

/** Every file of a thread gone (it exited and was reaped). */
const goneThread = (pid: number, tid: number): Record<string, null> =>
  Object.fromEntries(['stat', 'schedstat', 'wchan', 'syscall', 'statm'].map((f) => [`/proc/${pid}/task/${tid}/${f}`, null]));

/** A sampler over the fixture with the recorded clock replayed (each sample reads it twice). */
function fixtureSampler(first: Recording = T1) {
  const fx = fixtureReader(first);
  const clock = [...meta.clockMs];
  const nowMs = (): number => clock.shift() ?? 10_000;
  return { ...fx, sampler: createSampler({ rootPid: PRIMARY, reader: fx.reader, nowMs }) };
}

const proc = (snapshot: Snapshot, pid: number): ProcessSample => {
  const found = snapshot.processes.find((p) => p.pid === pid);
  if (found === undefined) throw new Error(`no process ${pid}`);
  return found;
};
const column = <K extends keyof ProcessSample['threads'][number]>(p: ProcessSample, key: K) => p.threads.map((t) => t[key]);

const NODE_STARTUP = ['main', 'V8 delayed', 'V8 platform', 'V8 platform', 'V8 platform', 'V8 platform', 'inspector'];
const POOL = ['libuv pool', 'libuv pool', 'libuv pool', 'libuv pool'];

describe('sampler over a recorded node:cluster tree, first sample', () => {
  const { sampler } = fixtureSampler();
  const s = sampler.sample();

  it('has the clock, no interval yet, and what the sample cost on that clock', () => {
    expect([s.tMs, s.intervalMs, s.costMs]).toEqual([0.318, 0, 18.7 - 0.318]);
  });

  it('lists the root first, then descendants by pid; the zombie child is left out', () => {
    expect(s.processes.map((p) => [p.pid, p.ppid, p.name, p.threads.length])).toEqual([
      [PRIMARY, 19331, 'node', 8],
      [HELPER, PRIMARY, 'python3', 6],
      [WORKER1, PRIMARY, 'node', 11],
      [WORKER2, PRIMARY, 'node', 11],
      [SLEEPER, HELPER, 'sleep', 1],
      [LEADER, HELPER, 'python3', 1],
    ]);
    expect(s.processes.map((p) => p.pid)).not.toContain(ZOMBIE);
  });

  it('keeps nasty thread names whole (15 bytes is the kernel cut) and sorts threads by tid', () => {
    const helper = proc(s, HELPER);
    expect(column(helper, 'tid')).toEqual([19356, 19362, 19363, 19364, 19365, 19366]);
    expect(column(helper, 'name')).toEqual(['python3', 'wait child', 'a) b (c', '(sd-pam)', 'abcdefghijklmno', 'busy']);
    expect(column(helper, 'state')).toEqual(['S', 'S', 'S', 'S', 'S', 'R']);
    expect(column(helper, 'wchan')).toEqual(['hrtimer_nanosleep', 'do_wait', 'hrtimer_nanosleep', 'hrtimer_nanosleep', 'hrtimer_nanosleep', '']);
    expect(column(helper, 'waitLabel')).toEqual(['sleep', 'wait child', 'sleep', 'sleep', 'sleep', '']);
    expect(column(helper, 'role')).toEqual(['', '', '', '', '', '']);
  });

  it('knows nothing of CPU on first sight', () => {
    for (const p of s.processes) {
      expect(p.cpuPercent).toBeNull();
      expect(p.threads.every((t) => t.cpuPercent === null && t.ranMs === null)).toBe(true);
    }
  });

  it('gives node threads their roles: the primary has a Worker, the workers the libuv pool', () => {
    expect(column(proc(s, PRIMARY), 'role')).toEqual([...NODE_STARTUP, 'worker thread']);
    expect(column(proc(s, WORKER1), 'role')).toEqual([...NODE_STARTUP, ...POOL]);
    expect(column(proc(s, WORKER2), 'role')).toEqual([...NODE_STARTUP, ...POOL]);
    expect(column(proc(s, WORKER1), 'waitLabel')).toEqual([
      'epoll wait',
      'epoll wait',
      ...Array<string>(9).fill('futex wait'),
    ]);
  });

  it('reads cmdline, RSS (statm resident × page) and the last CPU', () => {
    const primary = proc(s, PRIMARY);
    expect(primary.cmdline).toEqual(['/usr/bin/node', '/work/main/test/fixtures/proc/apps/cluster-primary.cjs']);
    expect(primary.rssBytes).toBe(13673 * 4096);
    expect(column(primary, 'lastCpu')).toEqual([1, 0, 0, 1, 0, 1, 0, 1]); // stat field 39
    expect(proc(s, SLEEPER).cmdline).toEqual(['/bin/sleep', '1000']);
  });

  it('keeps a process whose main thread exited (Z leader) with its live thread, RSS read through that thread', () => {
    const leader = proc(s, LEADER);
    expect(column(leader, 'tid')).toEqual([19367]);
    expect(leader.cmdline).toEqual([]); // the kernel gives no argv once the leader is gone
    expect(leader.rssBytes).toBe(2483 * 4096);
  });
});

describe('sampler over a recorded node:cluster tree, second sample', () => {
  const fx = fixtureSampler();
  fx.sampler.sample();
  fx.show(T2);
  const s = fx.sampler.sample();
  const intervalMs = 631.694 - 0.318;

  it('measures the interval on the session clock', () => {
    expect([s.tMs, s.intervalMs]).toEqual([631.694, intervalMs]);
  });

  it('drops the thread that ended (the primary Worker) and the process that vanished between readdir and read', () => {
    expect(T2.dirs['/proc']).toContain(String(SLEEPER)); // listed, then gone
    expect(s.processes.map((p) => [p.pid, p.threads.length])).toEqual([
      [PRIMARY, 7],
      [HELPER, 6],
      [WORKER1, 11],
      [WORKER2, 11],
      [LEADER, 1],
    ]);
    expect(column(proc(s, PRIMARY), 'tid')).not.toContain(PRIMARY_WORKER_THREAD);
  });

  it('computes CPU from schedstat run-time deltas over the interval', () => {
    // schedstat run ns of each worker's main thread, t1 → t2 (see the fixture files).
    const worker1 = proc(s, WORKER1).threads[0];
    expect(worker1.ranMs).toBeCloseTo((429812384 - 92100533) / 1e6, 9);
    expect(worker1.cpuPercent).toBeCloseTo(((429812384 - 92100533) / 1e6 / intervalMs) * 100, 9);
    expect(worker1.cpuPercent).toBeCloseTo(53.49, 2);
    const worker2 = proc(s, WORKER2).threads[0];
    expect(worker2.cpuPercent).toBeCloseTo(((350381329 - 116628021) / 1e6 / intervalMs) * 100, 9);
    const busy = proc(s, HELPER).threads[5];
    expect([busy.name, busy.state]).toEqual(['busy', 'R']);
    expect(busy.cpuPercent).toBeCloseTo(((1182449262 - 771634159) / 1e6 / intervalMs) * 100, 9);
  });

  it('sums a process CPU from its threads', () => {
    for (const p of s.processes) {
      const sum = p.threads.reduce((total, t) => total + (t.cpuPercent ?? 0), 0);
      expect(p.cpuPercent).toBeCloseTo(sum, 9);
    }
    expect(proc(s, WORKER1).cpuPercent).toBeGreaterThan(proc(s, PRIMARY).cpuPercent as number);
  });

  it('keeps roles and reads neither syscall nor a known cmdline again', () => {
    expect(column(proc(s, PRIMARY), 'role')).toEqual(NODE_STARTUP);
    expect(column(proc(s, WORKER1), 'role')).toEqual([...NODE_STARTUP, ...POOL]);
    expect(fx.reads.filter((p) => p.endsWith('/syscall'))).toEqual([]);
    // Only the Z leader's cmdline, which read empty, is asked for again.
    expect(fx.reads.filter((p) => p.endsWith('/cmdline'))).toEqual([`/proc/${LEADER}/cmdline`]);
  });
});

describe('sampler: things that vanish and change', () => {
  it('falls back to the thread\u2019s own stat ticks when schedstat is missing', () => {
    const fx = fixtureSampler();
    fx.sampler.sample();
    fx.show(edit(T2, { [`/proc/${WORKER1}/task/${WORKER1}/schedstat`]: null }));
    const thread = proc(fx.sampler.sample(), WORKER1).threads[0];
    // utime+stime: 8+1 ticks at t1, 41+1 at t2 (fields 14, 15), 10 ms each.
    expect(thread.ranMs).toBe(330);
    expect(thread.cpuPercent).toBeCloseTo((330 / (631.694 - 0.318)) * 100, 9);
  });

  it('skips a thread listed in task/ that is gone when it is read', () => {
    const fx = fixtureSampler();
    fx.sampler.sample();
    fx.show(edit(T2, goneThread(WORKER2, 19387)));
    const worker2 = proc(fx.sampler.sample(), WORKER2);
    expect(worker2.threads.length).toBe(10);
    expect(column(worker2, 'tid')).not.toContain(19387);
  });

  it('skips a process that vanished after the scan read its stat', () => {
    const fx = fixtureSampler();
    fx.sampler.sample();
    const gone = Object.fromEntries(Object.keys(T2.files).filter((path) => path.startsWith(`/proc/${WORKER2}/`) && path !== `/proc/${WORKER2}/stat`).map((path) => [path, null]));
    fx.show(edit(T2, gone, { [`/proc/${WORKER2}/task`]: null }));
    expect(fx.sampler.sample().processes.map((p) => p.pid)).toEqual([PRIMARY, HELPER, WORKER1, LEADER]);
  });

  it('counts a zombie thread as dead and a process with only zombies as gone', () => {
    const fx = fixtureSampler();
    fx.sampler.sample();
    fx.show(edit(T2, { ...turned(T2, WORKER1, 19383, 'Z'), ...turned(T2, LEADER, 19367, 'Z') }));
    const s = fx.sampler.sample();
    expect(proc(s, WORKER1).threads.length).toBe(10);
    expect(s.processes.map((p) => p.pid)).not.toContain(LEADER);
  });

  it('a new thread with a reused tid (another start time) is first seen again', () => {
    const fx = fixtureSampler();
    fx.sampler.sample();
    const stat = statOf(T2, WORKER1, WORKER1).replace(' 134275 ', ' 134999 ');
    fx.show(edit(T2, { [`/proc/${WORKER1}/task/${WORKER1}/stat`]: stat }));
    const thread = proc(fx.sampler.sample(), WORKER1).threads[0];
    expect([thread.cpuPercent, thread.ranMs]).toEqual([null, null]);
  });

  it('labels a node thread first seen running once it is seen waiting, then keeps the label while it runs', () => {
    const pool = [19384, 19385, 19386, 19387];
    const busy = (r: Recording) => Object.assign({}, ...pool.map((tid) => turned(r, WORKER2, tid, 'R'))) as Record<string, string>;
    const fx = fixtureSampler(edit(T1, busy(T1)));
    expect(column(proc(fx.sampler.sample(), WORKER2), 'role').slice(7)).toEqual(['', '', '', '']);
    // t2 has no syscall files (the live sampler did not need them): give the t1 ones.
    const syscalls = Object.fromEntries(pool.map((tid) => [`/proc/${WORKER2}/task/${tid}/syscall`, T1.files[`/proc/${WORKER2}/task/${tid}/syscall`] ?? null]));
    fx.show(edit(T2, syscalls));
    expect(column(proc(fx.sampler.sample(), WORKER2), 'role').slice(7)).toEqual(POOL);
    fx.show(edit(T2, busy(T2)));
    const s = fx.sampler.sample();
    expect(column(proc(s, WORKER2), 'state').slice(7)).toEqual(['R', 'R', 'R', 'R']);
    expect(column(proc(s, WORKER2), 'role').slice(7)).toEqual(POOL);
  });

  it('keeps roles given on an early sample even when a later sample does not fit the shape', () => {
    // First sight mid-startup: only main, the delayed-task thread and two platform threads exist.
    const early = (T1.dirs[`/proc/${WORKER1}/task`] ?? []).slice(0, 4);
    const fx = fixtureSampler(edit(T1, {}, { [`/proc/${WORKER1}/task`]: early }));
    expect(column(proc(fx.sampler.sample(), WORKER1), 'role')).toEqual(NODE_STARTUP.slice(0, 4));
    // Then a platform thread is first seen in a disk wait: nothing new can be told...
    const stat = withState(statOf(T2, WORKER1, 19376), 'D');
    fx.show(edit(T2, { [`/proc/${WORKER1}/task/19376/stat`]: stat, [`/proc/${WORKER1}/task/19376/wchan`]: 'folio_wait_bit_common' }));
    const roles = column(proc(fx.sampler.sample(), WORKER1), 'role');
    // ...but what was told stays.
    expect(roles).toEqual([...NODE_STARTUP.slice(0, 4), '', '', '', '', '', '', '']);
  });

  it('never changes a role once given, even when later evidence would tell another', () => {
    // The first listing misses platform thread 19374, so every later thread sits one slot
    // early: the start-io thread 19378 is taken for a platform thread.
    const listing = (T1.dirs[`/proc/${WORKER1}/task`] ?? []).filter((tid) => tid !== '19374');
    const fx = fixtureSampler(edit(T1, {}, { [`/proc/${WORKER1}/task`]: listing }));
    const first = proc(fx.sampler.sample(), WORKER1);
    expect(first.threads.find((t) => t.tid === 19378)?.role).toBe('V8 platform');
    fx.show(edit(T2, { [`/proc/${WORKER1}/task/19374/syscall`]: T1.files[`/proc/${WORKER1}/task/19374/syscall`] ?? null }));
    const second = proc(fx.sampler.sample(), WORKER1);
    expect(second.threads.find((t) => t.tid === 19374)?.role).toBe('V8 platform');
    expect(second.threads.find((t) => t.tid === 19378)?.role).toBe('V8 platform');
  });

  it('keeps a known cmdline when it reads empty, and picks up a new title within 10 samples', () => {
    const fx = fixtureSampler();
    fx.sampler.sample();
    const argv = ['/usr/bin/node', '/work/main/test/fixtures/proc/apps/cluster-primary.cjs'];
    fx.show(edit(T2, { [`/proc/${WORKER1}/cmdline`]: '' }));
    for (let i = 0; i < 12; i++) expect(proc(fx.sampler.sample(), WORKER1).cmdline).toEqual(argv);
    fx.show(edit(T2, { [`/proc/${WORKER1}/cmdline`]: 'node: worker 1\u0000\u0000\u0000' }));
    const seen = Array.from({ length: 10 }, () => proc(fx.sampler.sample(), WORKER1).cmdline.join(' '));
    expect(seen[0]).toBe(argv.join(' '));
    expect(seen[9]).toBe('node: worker 1');
  });

  it('forgets roles and re-reads cmdline when exec changes the comm', () => {
    const fx = fixtureSampler();
    fx.sampler.sample();
    const renamed = (r: Recording, pid: number, tid: number) => statOf(r, pid, tid).replace('(node)', '(python3)');
    const files: Record<string, string | null> = { [`/proc/${WORKER1}/cmdline`]: '/usr/bin/python3\u0000app.py\u0000' };
    for (const tid of T2.dirs[`/proc/${WORKER1}/task`] ?? []) files[`/proc/${WORKER1}/task/${tid}/stat`] = renamed(T2, WORKER1, Number(tid));
    files[`/proc/${WORKER1}/stat`] = (T2.files[`/proc/${WORKER1}/stat`] as string).replace('(node)', '(python3)');
    fx.show(edit(T2, files));
    const worker1 = proc(fx.sampler.sample(), WORKER1);
    expect([worker1.name, worker1.cmdline]).toEqual(['python3', ['/usr/bin/python3', 'app.py']]);
    expect(new Set(column(worker1, 'role'))).toEqual(new Set(['']));
    expect(worker1.cpuPercent).toBeNull();
  });
});

describe('sampler: the root', () => {
  const listing = (r: Recording, without: number) => (r.dirs['/proc'] ?? []).filter((n) => n !== String(without));

  it('gives no processes once the root is gone, and none after even if the pid comes back', () => {
    const fx = fixtureSampler();
    expect(fx.sampler.sample().processes.length).toBe(6);
    fx.show(edit(T2, {}, { '/proc': listing(T2, PRIMARY) }));
    expect(fx.sampler.sample().processes).toEqual([]);
    fx.show(T2);
    expect(fx.sampler.sample().processes).toEqual([]);
  });

  it('treats a zombie root as gone', () => {
    const fx = fixtureSampler();
    fx.sampler.sample();
    const files = Object.assign({}, ...(T2.dirs[`/proc/${PRIMARY}/task`] ?? []).map((tid) => turned(T2, PRIMARY, Number(tid), 'Z'))) as Record<string, string>;
    fx.show(edit(T2, files));
    expect(fx.sampler.sample().processes).toEqual([]);
  });

  it('treats the root pid reused by another process (another start time) as gone', () => {
    const fx = fixtureSampler();
    fx.sampler.sample();
    const stat = (T2.files[`/proc/${PRIMARY}/stat`] as string).replace(' 134266 ', ' 200000 ');
    fx.show(edit(T2, { [`/proc/${PRIMARY}/stat`]: stat }));
    expect(fx.sampler.sample().processes).toEqual([]);
  });

  it('gives no processes when the root never existed', () => {
    const fx = fixtureSampler(edit(T1, {}, { '/proc': listing(T1, PRIMARY) }));
    expect(fx.sampler.sample().processes).toEqual([]);
  });
});

describe('sampler: reading only what a sample needs', () => {
  const again = (r: Recording): Recording => edit(r, {}); // the same instant read twice: nothing moved

  it('reads neither stat nor wchan of a thread whose schedstat stood still, and keeps what they said', () => {
    const fx = fixtureSampler(T2);
    fx.sampler.sample();
    // 19373 (V8 delayed of worker 1) is idle: its stat now says R, but its schedstat did not move.
    fx.show(edit(T2, { [`/proc/${WORKER1}/task/19373/stat`]: withState(statOf(T2, WORKER1, 19373), 'R') }));
    const thread = proc(fx.sampler.sample(), WORKER1).threads.find((t) => t.tid === 19373);
    expect(thread).toMatchObject({ state: 'S', waitLabel: 'epoll wait', ranMs: 0, cpuPercent: 0, role: 'V8 delayed' });
    expect(fx.reads.filter((path) => path.startsWith(`/proc/${WORKER1}/task/19373/`))).toEqual([`/proc/${WORKER1}/task/19373/schedstat`]);
  });

  it('reads stat and wchan again once schedstat moved, whichever of its three numbers moved', () => {
    for (const moved of ['1117430 278140 1\n', '117430 278141 1\n', '117430 278140 2\n']) {
      const fx = fixtureSampler(T2);
      fx.sampler.sample();
      const path = `/proc/${LEADER}/task/19367/`;
      fx.show(edit(T2, { [`${path}schedstat`]: moved, [`${path}stat`]: withState(statOf(T2, LEADER, 19367), 'D'), [`${path}wchan`]: 'folio_wait_bit_common' }));
      const thread = proc(fx.sampler.sample(), LEADER).threads[0];
      expect([thread.state, thread.waitLabel, thread.ranMs]).toEqual(['D', 'disk I/O', moved.startsWith('1117430') ? 1 : 0]);
    }
  });

  it('gives an idle thread the same record again, and a new one once it ran', () => {
    const fx = fixtureSampler(T2);
    fx.sampler.sample();
    fx.show(again(T2));
    const second = proc(fx.sampler.sample(), WORKER1).threads;
    const third = proc(fx.sampler.sample(), WORKER1).threads;
    expect(third[1]).toBe(second[1]);
    fx.show(edit(T2, { [`/proc/${WORKER1}/task/19373/schedstat`]: ranMore(T2, WORKER1, 19373, 2) }));
    const fourth = proc(fx.sampler.sample(), WORKER1).threads;
    expect(fourth[1]).not.toBe(third[1]);
    expect(fourth[1].ranMs).toBe(2);
  });

  it('lists task/ only when the thread count changed or a known thread is gone', () => {
    const fx = fixtureSampler(T2);
    fx.sampler.sample();
    fx.show(again(T2));
    fx.sampler.sample();
    // Only the leader whose main thread is a zombie: its stat counts 2 threads, 1 lives.
    expect(fx.reads.filter((path) => path.endsWith('/task/'))).toEqual([`/proc/${LEADER}/task/`]);
    // A thread of worker 1 exits and another is born: the count stands, but the dead one says so.
    const listing = [...(T2.dirs[`/proc/${WORKER1}/task`] ?? []).filter((tid) => tid !== '19383'), '19399'];
    const born = Object.fromEntries(['stat', 'schedstat', 'wchan'].map((f) => [`/proc/${WORKER1}/task/19399/${f}`, T2.files[`/proc/${WORKER1}/task/19383/${f}`] ?? null]));
    fx.show(edit(T2, { ...goneThread(WORKER1, 19383), ...born }, { [`/proc/${WORKER1}/task`]: listing }));
    const worker1 = proc(fx.sampler.sample(), WORKER1);
    expect(fx.reads).toContain(`/proc/${WORKER1}/task/`);
    expect(column(worker1, 'tid').slice(-2)).toEqual([19382, 19399]);
    expect(worker1.threads.at(-1)?.cpuPercent).toBeNull(); // first sight
  });

  it('reads the stat of pids outside the tree only when new, and all of them every 10 samples', () => {
    const fx = fixtureSampler(T2);
    const readsOfPid1: number[] = [];
    for (let k = 1; k <= 21; k++) {
      fx.sampler.sample();
      if (fx.reads.includes('/proc/1/stat')) readsOfPid1.push(k);
      fx.show(again(T2));
    }
    expect(readsOfPid1).toEqual([1, 11, 21]);
  });

  it('finds a child born to the tree under a new pid at once', () => {
    const fx = fixtureSampler(T2);
    fx.sampler.sample();
    // A copy of the sleeper as a new child of worker 2, pid 19400 (not seen before).
    const stat = (T1.files[`/proc/${SLEEPER}/stat`] as string).replace(`${SLEEPER} (sleep) S ${HELPER} `, `19400 (sleep) S ${WORKER2} `);
    const files: Record<string, string | null> = { '/proc/19400/stat': stat };
    for (const [path, text] of Object.entries(T1.files)) if (path.startsWith(`/proc/${SLEEPER}/`) && path !== `/proc/${SLEEPER}/stat`) files[path.replace(`/proc/${SLEEPER}/`, '/proc/19400/').replace(`/task/${SLEEPER}/`, '/task/19400/')] = text;
    fx.show(edit(T2, files, { '/proc': [...(T2.dirs['/proc'] ?? []), '19400'], '/proc/19400/task': ['19400'] }));
    const s = fx.sampler.sample();
    expect(proc(s, 19400)).toMatchObject({ ppid: WORKER2, name: 'sleep', cmdline: ['/bin/sleep', '1000'] });
  });

  it('lets go of the stat and wchan descriptors of a thread idle for 20 samples, once', () => {
    const fx = fixtureSampler(T2);
    const { reader, released } = fx.withFiles();
    const sampler = createSampler({ rootPid: PRIMARY, reader, nowMs: () => 0 });
    const idle = `/proc/${WORKER1}/task/19373/`;
    for (let k = 1; k <= 20; k++) {
      sampler.sample();
      fx.show(again(T2));
    }
    expect(released).toEqual([]); // 19 idle samples after the first
    sampler.sample();
    expect(released.filter((path) => path.startsWith(idle))).toEqual([`${idle}stat`, `${idle}wchan`]);
    for (let k = 0; k < 20; k++) sampler.sample();
    expect(released.filter((path) => path.startsWith(idle))).toHaveLength(2);
  });

  it('closes every file it opened once the tree is gone, and on close()', () => {
    const fx = fixtureSampler(T1);
    const { reader, open } = fx.withFiles();
    const clock = [...meta.clockMs];
    const sampler = createSampler({ rootPid: PRIMARY, reader, nowMs: () => clock.shift() ?? 10_000 });
    sampler.sample();
    fx.show(T2);
    sampler.sample();
    expect(open.size).toBeGreaterThan(100); // per thread schedstat, stat (+ wchan asleep); per process stat, statm, cmdline
    const dead = T2.dirs[`/proc/${WORKER2}/task`] ?? [];
    fx.show(edit(T2, Object.assign({}, ...dead.map((tid) => goneThread(WORKER2, Number(tid)))) as Record<string, null>, { '/proc': (T2.dirs['/proc'] ?? []).filter((n) => n !== String(WORKER2)) }));
    sampler.sample();
    expect([...open].filter((id) => id.startsWith(`/proc/${WORKER2}/`))).toEqual([]);
    fx.show(edit(T2, {}, { '/proc': (T2.dirs['/proc'] ?? []).filter((n) => n !== String(PRIMARY)) }));
    expect(sampler.sample().processes).toEqual([]);
    expect([...open].filter((id) => id.startsWith(`/proc/${PRIMARY}/`))).toEqual([]);
    sampler.close();
    expect([...open]).toEqual([]);
  });
});
