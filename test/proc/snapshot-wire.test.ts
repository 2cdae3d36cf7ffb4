import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot } from '../../src/proc/snapshot-wire.js';
import type { ProcessSample, Snapshot, ThreadSample } from '../../src/proc/types.js';

const thread = (tid: number, over: Partial<ThreadSample> = {}): ThreadSample => ({
  tid,
  name: 'node',
  state: 'S',
  cpuPercent: 0,
  ranMs: 0,
  lastCpu: 1,
  wchan: 'do_epoll_wait',
  waitLabel: 'epoll wait',
  role: '',
  ...over,
});

const SNAPSHOT: Snapshot = {
  tMs: 1234.5,
  intervalMs: 100.25,
  costMs: 0.75,
  processes: [
    {
      pid: 10,
      ppid: 1,
      name: 'node',
      cmdline: ['node', 'server.js'],
      rssBytes: 50 * 4096,
      cpuPercent: 37.5,
      threads: [
        thread(10, { state: 'R', cpuPercent: 37.5, ranMs: 37.5, wchan: '', waitLabel: '', role: 'main', lastCpu: 0 }),
        thread(11, { cpuPercent: null, ranMs: null, role: 'V8 delayed' }),
        thread(12, { name: 'a) b (c', wchan: 'futex_do_wait', waitLabel: 'futex wait', role: 'V8 platform' }),
      ],
    },
    { pid: 20, ppid: 10, name: 'sleep', cmdline: [], rssBytes: 0, cpuPercent: null, threads: [thread(20, { name: 'sleep', cpuPercent: null, ranMs: null })] },
    { pid: 30, ppid: 1, name: 'nginx', cmdline: ['nginx: master process'], rssBytes: 4096, cpuPercent: 0, threads: [thread(30, { name: 'nginx' })], group: 'nginx' },
  ],
};

describe('encodeSnapshot / decodeSnapshot', () => {
  it('gives back the same snapshot, nulls, empty strings and the companion group included', () => {
    expect(decodeSnapshot(encodeSnapshot(SNAPSHOT))).toStrictEqual(SNAPSHOT);
  });

  it('survives the structured clone of postMessage', () => {
    expect(decodeSnapshot(structuredClone(encodeSnapshot(SNAPSHOT)))).toStrictEqual(SNAPSHOT);
  });

  it('sends each distinct string once', () => {
    expect(encodeSnapshot(SNAPSHOT).strings).toEqual([
      'node', 'R', '', 'main', 'S', 'do_epoll_wait', 'epoll wait', 'V8 delayed', 'a) b (c', 'futex_do_wait', 'futex wait', 'V8 platform', 'sleep', 'nginx',
    ]);
  });

  it('carries a tree with no process, and a process with no thread', () => {
    const empty: Snapshot = { tMs: 0, intervalMs: 0, costMs: 0, processes: [] };
    expect(decodeSnapshot(encodeSnapshot(empty))).toStrictEqual(empty);
    const bare: ProcessSample = { ...SNAPSHOT.processes[1], threads: [] };
    const one: Snapshot = { ...empty, processes: [bare, SNAPSHOT.processes[0]] };
    expect(decodeSnapshot(encodeSnapshot(one))).toStrictEqual(one);
  });

  it('carries the interval the sampler runs at, when the snapshot has one', () => {
    const paced: Snapshot = { ...SNAPSHOT, targetIntervalMs: 400 };
    expect(decodeSnapshot(structuredClone(encodeSnapshot(paced)))).toStrictEqual(paced);
    expect('targetIntervalMs' in decodeSnapshot(encodeSnapshot(SNAPSHOT))).toBe(false);
  });
});
