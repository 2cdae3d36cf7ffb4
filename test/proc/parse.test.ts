import { describe, expect, it } from 'vitest';
import {
  parseCmdline,
  parseOpenFilesLimit,
  parsePageSize,
  parseSchedstat,
  parseStat,
  parseStatm,
  parseSyscallArg1,
  waitLabel,
} from '../../src/proc/parse.js';

/** The tail of a real task stat after the comm (recorded on this machine), fields 3–52. */
const TAIL =
  'S 19348 19348 19348 0 -1 4194368 3 77 0 0 12 3 0 0 20 0 6 0 134283 393945088 2803 18446744073709551615 4321280 7148169 140729768161776 0 0 0 0 16781318 0 1 0 0 -1 1 0 0 0 0 0 9723336 11027064 941416448 140729768163924 140729768164070 140729768164070 140729768165351 0';

const task = (pid: number, comm: string, tail = TAIL): string => `${pid} (${comm}) ${tail}\n`;
const record = (pid: number, comm: string) => ({
  pid,
  comm,
  state: 'S',
  ppid: 19348,
  pgrp: 19348,
  utime: 12,
  stime: 3,
  numThreads: 6,
  starttime: 134283,
  processor: 1,
});

describe('parseStat', () => {
  it.each([
    ['a plain name', task(19356, 'python3'), record(19356, 'python3')],
    ['spaces', task(7, 'wait child'), record(7, 'wait child')],
    ['a name in parentheses', task(8, '(sd-pam)'), record(8, '(sd-pam)')],
    ['") " inside the name', task(9, 'a) b (c'), record(9, 'a) b (c')],
    ['a name ending in ")"', task(10, 'x)'), record(10, 'x)')],
    ['an empty name', task(11, ''), record(11, '')],
    ['15 bytes, the kernel maximum for user tasks', task(12, 'abcdefghijklmno'), record(12, 'abcdefghijklmno')],
    ['a long kworker name', task(13, 'kworker/R-kvfree_rcu_reclaim'), record(13, 'kworker/R-kvfree_rcu_reclaim')],
    ['digits and a fake stat inside the name', task(14, '1 (x) R 2 3'), record(14, '1 (x) R 2 3')],
    ['no trailing newline', task(15, 'node').trimEnd(), record(15, 'node')],
  ])('reads %s', (_, text, expected) => {
    expect(parseStat(text)).toEqual(expected);
  });

  it('reads a zombie: state Z, no memory, still its start time', () => {
    const zombie =
      '19359 (true) Z 19356 19348 19348 0 -1 4227084 48 0 0 0 0 0 0 0 20 0 1 0 134282 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0';
    expect(parseStat(zombie)).toEqual({
      pid: 19359,
      comm: 'true',
      state: 'Z',
      ppid: 19356,
      pgrp: 19348,
      utime: 0,
      stime: 0,
      numThreads: 1,
      starttime: 134282,
      processor: 0,
    });
  });

  it.each([
    ['empty text', ''],
    ['truncated before field 39', task(5, 'node').slice(0, 120)],
    ['truncated inside the comm', '5 (no'],
    ['no comm', '5 S 1 1 1'],
    ['a pid that is not a number', task(5, 'node').replace(/^5/, 'x')],
    ['pid 0', task(0, 'node')],
    ['a state that is not a letter', task(5, 'node', TAIL.replace(/^S/, '?'))],
    ['a field that is not a number', task(5, 'node', TAIL.replace(' 134283 ', ' 13x283 '))],
    ['no space after the comm', '5 (node)S 1'],
    ['binary garbage', '\u0000\u0001\u0002)('],
  ])('returns null for %s', (_, text) => {
    expect(parseStat(text)).toBeNull();
  });
});

describe('parseSchedstat', () => {
  it.each([
    ['429812384 231537242 248\n', 429812384],
    ['0 0 0', 0],
    ['27556491 184705 11', 27556491],
  ])('%j → %j ns on a CPU', (text, ns) => {
    expect(parseSchedstat(text)).toBe(ns);
  });

  it.each([[''], ['429812384'], ['429812384 231537242'], ['a b c'], ['-1 0 0'], ['1 2 3 4']])('%j → null', (text) => {
    expect(parseSchedstat(text)).toBeNull();
  });
});

describe('parseOpenFilesLimit', () => {
  const limits = (row: string) =>
    `Limit                     Soft Limit           Hard Limit           Units     \nMax processes             7651                 7651                 processes \n${row}\nMax locked memory         8388608              8388608              bytes     \n`;
  it.each([
    [limits('Max open files            20000                20000                files     '), 20000],
    [limits('Max open files            1024                 1048576              files     '), 1024],
    [limits('Max open files            unlimited            unlimited            files     '), Infinity],
    [limits('Max open fils             1024                 1048576              files     '), null],
    ['', null],
  ])('%#: the soft limit', (text, soft) => expect(parseOpenFilesLimit(text)).toBe(soft));
});

describe('parseStatm', () => {
  it.each([
    ['398727 13673 9681 6802 0 16251 0\n', 13673],
    ['0 0 0 0 0 0 0', 0],
  ])('%j → %j resident pages', (text, pages) => {
    expect(parseStatm(text)).toBe(pages);
  });

  it.each([[''], ['398727 13673'], ['398727 x 9681 6802 0 16251 0']])('%j → null', (text) => {
    expect(parseStatm(text)).toBeNull();
  });
});

describe('parseCmdline', () => {
  it.each([
    ['/usr/bin/node\u0000app.cjs\u0000', ['/usr/bin/node', 'app.cjs']],
    ['node\u0000-e\u0000\u0000x\u0000', ['node', '-e', '', 'x']],
    ['nginx: worker process\u0000\u0000\u0000\u0000', ['nginx: worker process']],
    ['gunicorn: master [app:app]', ['gunicorn: master [app:app]']],
    ['', []],
    ['\u0000', []],
  ])('%j → %j', (text, argv) => {
    expect(parseCmdline(text)).toEqual(argv);
  });

  it('reads bytes as UTF-8', () => {
    expect(parseCmdline(Buffer.from('caf\u00e9\u0000\u00e9t\u00e9\u0000', 'utf8'))).toEqual(['caf\u00e9', '\u00e9t\u00e9']);
  });
});

describe('parseSyscallArg1', () => {
  it.each([
    ['202 0x566f9cc 0x189 0x0 0x0 0x0 0xffffffff 0x7ff91277bcb0 0x7ff93a8a3f16\n', 0x566f9cc],
    ['281 0xe 0x7ffdc1eb7dd0 0x400 0xffffffff 0x0 0x8 0x7ffdc1eb7d90 0x7f353a4e3f16', 0xe],
    ['202 0x7fffffffffff 0x189 0x0 0x0 0x0 0x0 0x0 0x0', 0x7fffffffffff],
  ])('%j → %j', (text, address) => {
    expect(parseSyscallArg1(text)).toBe(address);
  });

  it.each([['running\n'], ['-1 0x7ffc 0x7f12\n'], [''], ['202'], ['202 zz 0x1']])('%j → null', (text) => {
    expect(parseSyscallArg1(text)).toBeNull();
  });
});

describe('parsePageSize', () => {
  it('reads the first KernelPageSize of smaps', () => {
    const smaps = '00400000-0040b000 r-xp 00000000 fe:00 1 /usr/bin/node\nSize:  44 kB\nKernelPageSize:        4 kB\nMMUPageSize:  4 kB\n';
    expect(parsePageSize(smaps)).toBe(4096);
  });

  it('is null without one', () => {
    expect(parsePageSize('')).toBeNull();
  });
});

describe('waitLabel', () => {
  // Symbols seen on this machine (Linux 6.18) unless marked; the call that produced each.
  it.each([
    ['do_epoll_wait', 'S', 'epoll wait'], // node's loop
    ['ep_poll', 'S', 'epoll wait'], // older kernels
    ['futex_do_wait', 'S', 'futex wait'], // pthread cond/mutex
    ['futex_wait_queue', 'S', 'futex wait'], // 5.16–6.x
    ['futex_wait_queue_me', 'S', 'futex wait'], // ≤ 5.15
    ['inet_csk_accept', 'S', 'accept'],
    ['wait_woken', 'S', 'socket/tty wait'], // TCP recv, TCP send, tty read
    ['sk_wait_data', 'S', 'socket read'],
    ['tcp_recvmsg_locked', 'S', 'socket read'],
    ['__skb_wait_for_more_packets', 'S', 'socket read'], // UDP recv
    ['sk_stream_wait_memory', 'S', 'socket write'],
    ['unix_stream_read_generic', 'S', 'unix socket read'],
    ['hrtimer_nanosleep', 'S', 'sleep'],
    ['do_nanosleep', 'S', 'sleep'],
    ['poll_schedule_timeout.constprop.0', 'S', 'poll/select'], // select() and poll()
    ['do_select', 'S', 'select'],
    ['core_sys_select', 'S', 'select'],
    ['do_sys_poll', 'S', 'poll'],
    ['anon_pipe_read', 'S', 'pipe read'],
    ['pipe_read', 'S', 'pipe read'],
    ['anon_pipe_write', 'S', 'pipe write'],
    ['wait_for_partner', 'S', 'fifo open'],
    ['do_wait', 'S', 'wait child'],
    ['do_sigtimedwait.isra.0', 'S', 'signal wait'],
    ['sigsuspend.isra.0', 'S', 'signal wait'],
    ['__do_sys_pause', 'S', 'signal wait'],
    ['locks_lock_inode_wait', 'S', 'file lock'], // flock
    ['fcntl_setlk', 'S', 'file lock'], // lockf
    ['folio_wait_bit_common', 'D', 'disk I/O'],
    ['jbd2_log_wait_commit', 'D', 'disk I/O'],
    ['__mutex_lock.constprop.0', 'D', 'kernel lock'],
    ['do_signal_stop', 'T', 'stopped'],
    ['ptrace_stop', 't', 'traced'],
  ])('%s (%s) → %j', (wchan, state, label) => {
    expect(waitLabel(wchan, state)).toBe(label);
  });

  it.each([
    ['do_epoll_wait', 'R', ''], // state read just before it slept: running wins
    ['0', 'S', ''], // waking up
    ['', 'S', ''], // unreadable or gone
    ['do_epoll_wait\n', 'S', 'epoll wait'],
    ['rescuer_thread', 'I', 'rescuer_thread'], // unknown: the raw symbol
    ['some_driver_wait.cold', 'D', 'some_driver_wait.cold'],
    ['constructor', 'S', 'constructor'], // no Object.prototype lookups
  ])('%j (%s) → %j', (wchan, state, label) => {
    expect(waitLabel(wchan, state)).toBe(label);
  });
});
