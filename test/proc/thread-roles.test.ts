import { describe, expect, it } from 'vitest';
import { futexKey, isFutexWait, isNodeProcess, nodeThreadRoles, type ThreadClue } from '../../src/proc/thread-roles.js';

const epoll = (tid: number): ThreadClue => ({ tid, state: 'S', wchan: 'do_epoll_wait', futexKey: null });
const futex = (tid: number, address: number): ThreadClue => ({ tid, state: 'S', wchan: 'futex_do_wait', futexKey: futexKey(address) });
const running = (tid: number): ThreadClue => ({ tid, state: 'R', wchan: '', futexKey: null });
const other = (tid: number, wchan: string): ThreadClue => ({ tid, state: 'S', wchan, futexKey: null });

const roles = (pid: number, argv: string[], threads: ThreadClue[]) => Object.fromEntries(nodeThreadRoles(pid, argv, threads));

// Thread lists recorded from real node 20.20 processes on this machine (tids renumbered
// from 100; futex addresses as read from /proc/<pid>/task/<tid>/syscall).
const V8 = 0x24cf8630;
const INSPECTOR = 0x5660460;
const POOL = 0x566f9cc;
const idleCjs = [epoll(100), epoll(102), futex(103, V8), futex(104, V8), futex(105, V8), futex(106, V8), futex(107, INSPECTOR)];
const STARTUP = {
  100: 'main',
  102: 'V8 delayed',
  103: 'V8 platform',
  104: 'V8 platform',
  105: 'V8 platform',
  106: 'V8 platform',
  107: 'inspector',
};

describe('nodeThreadRoles', () => {
  it('idle CommonJS entry: 7 threads', () => {
    expect(roles(100, ['node', 'idle.cjs'], idleCjs)).toEqual(STARTUP);
  });

  it('ESM entry (the loader starts the libuv pool): 11 threads; glibc parks cond waiters 4 bytes apart', () => {
    const threads = [...idleCjs, futex(108, POOL - 4), futex(109, POOL), futex(110, POOL), futex(111, POOL)];
    expect(roles(100, ['node', 'idle.mjs'], threads)).toEqual({
      ...STARTUP,
      108: 'libuv pool',
      109: 'libuv pool',
      110: 'libuv pool',
      111: 'libuv pool',
    });
  });

  it('a Worker adds one epoll thread; fs use later adds the pool; another Worker after it', () => {
    const threads = [...idleCjs, epoll(108), futex(109, POOL), futex(110, POOL), futex(111, POOL), futex(112, POOL), epoll(113)];
    expect(roles(100, ['/usr/bin/node', 'w.cjs'], threads)).toEqual({
      ...STARTUP,
      108: 'worker thread',
      109: 'libuv pool',
      110: 'libuv pool',
      111: 'libuv pool',
      112: 'libuv pool',
      113: 'worker thread',
    });
  });

  it('--inspect: its I/O thread (epoll) comes right after the start-io thread, before the pool', () => {
    const threads = [...idleCjs, epoll(108), futex(109, POOL), futex(110, POOL), futex(111, POOL), futex(112, POOL), epoll(113)];
    expect(roles(100, ['node', '--inspect=127.0.0.1:0', 'w.mjs'], threads)).toEqual({
      ...STARTUP,
      108: 'inspector',
      109: 'libuv pool',
      110: 'libuv pool',
      111: 'libuv pool',
      112: 'libuv pool',
      113: 'worker thread',
    });
  });

  it('--v8-pool-size=2: two platform threads, then the start-io thread', () => {
    const threads = [epoll(100), epoll(102), futex(103, V8), futex(104, V8), futex(105, INSPECTOR), futex(106, POOL), futex(107, POOL)];
    expect(roles(100, ['node', '--v8-pool-size=2', 'fs.cjs'], threads)).toEqual({
      100: 'main',
      102: 'V8 delayed',
      103: 'V8 platform',
      104: 'V8 platform',
      105: 'inspector',
      106: 'libuv pool',
      107: 'libuv pool',
    });
  });

  it('--v8-pool-size 0 (auto, unknown here): only main is told', () => {
    const threads = [epoll(100), epoll(102), futex(103, V8)];
    expect(roles(100, ['node', '--v8-pool-size', '0', 'app.js'], threads)).toEqual({ 100: 'main', 102: '', 103: '' });
  });

  it('flags after the script belong to the app, not to node', () => {
    expect(roles(100, ['node', 'app.js', '--v8-pool-size=2', '--inspect'], idleCjs)).toEqual(STARTUP);
    expect(roles(100, ['node', '--import', 'tsx', '--inspect', 'app.ts'], [...idleCjs, epoll(108)])).toEqual({ ...STARTUP, 108: 'inspector' });
  });

  it('under load: a busy main and busy pool threads; platform threads on a mutex still fit', () => {
    // Seen at c=50 with pbkdf2: pool threads all R at first sight; one platform thread on a mutex.
    const threads = [running(100), epoll(102), futex(103, V8), futex(104, V8 + 4), futex(105, 0x3b4cd5e0), futex(106, V8 + 4), futex(107, INSPECTOR), running(108), running(109), running(110), running(111)];
    expect(roles(100, ['node', 'load.cjs'], threads)).toEqual({ ...STARTUP, 108: '', 109: '', 110: '', 111: '' });
  });

  it('a lone futex waiter after the startup block is not called a pool (a Worker in Atomics.wait could be one)', () => {
    expect(roles(100, ['node', 'a.js'], [...idleCjs, futex(108, 0x7f0000001000)])).toEqual({ ...STARTUP, 108: '' });
  });

  it('a thread first seen mid-startup: the threads that exist so far get their slots', () => {
    expect(roles(100, ['node', 'a.js'], [epoll(100), epoll(102), futex(103, V8)])).toEqual({ 100: 'main', 102: 'V8 delayed', 103: 'V8 platform' });
  });

  it('a shape that does not fit gives no labels but main', () => {
    const threads = [epoll(100), futex(102, V8), futex(103, V8)];
    expect(roles(100, ['node', 'a.js'], threads)).toEqual({ 100: 'main', 102: '', 103: '' });
    const diskWait = [epoll(100), epoll(102), other(103, 'folio_wait_bit_common'), futex(104, V8)];
    expect(roles(100, ['node', 'a.js'], diskWait)).toEqual({ 100: 'main', 102: '', 103: '', 104: '' });
  });

  it('the order is by tid whatever the input order', () => {
    expect(roles(100, ['node', 'a.js'], [...idleCjs].reverse())).toEqual(STARTUP);
  });
});

describe('isNodeProcess', () => {
  it.each([
    ['node', [], true],
    ['nodejs', [], true],
    ['node20', [], true],
    ['MainThread', ['/usr/local/bin/node', 'app.js'], true],
    ['my-api', ['my-api'], false], // process.title hides node: no roles
    ['python3', ['/usr/bin/python3', 'node.py'], false],
    ['nodemon', ['/usr/bin/nodemon'], false],
    ['kworker/0:1', [], false],
  ] as Array<[string, string[], boolean]>)('%s %j → %s', (comm, argv, expected) => {
    expect(isNodeProcess(comm, argv)).toBe(expected);
  });
});

describe('isFutexWait / futexKey', () => {
  it.each([
    ['futex_do_wait', true],
    ['futex_wait_queue_me', true],
    ['do_epoll_wait', false],
    ['', false],
  ])('%j → %s', (wchan, expected) => {
    expect(isFutexWait(wchan)).toBe(expected);
  });

  it('puts the two words of one condition variable under one key, and the next 8 bytes under another', () => {
    expect([futexKey(0x566f9c8), futexKey(0x566f9cc), futexKey(0x566f9d0)]).toEqual([0xacdf39, 0xacdf39, 0xacdf3a]);
  });
});
