/**
 * Pure parsers for the /proc files the sampler reads: text in, record out. They never read
 * files and never throw; a truncated or garbled file (a task exiting mid-read) gives null.
 * Field numbers below are the 1-based numbers of proc(5) (`man 5 proc`).
 */

/** The fields of /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat that the sampler uses. */
export interface StatRecord {
  /** Field 1: the pid (in a task's stat, the tid). */
  readonly pid: number;
  /** Field 2 without its parentheses: comm, at most 15 bytes for a user task (TASK_COMM_LEN 16). */
  readonly comm: string;
  /** Field 3: R, S, D, Z, T, t, X, I (proc(5) lists a few more on old kernels). */
  readonly state: string;
  /** Field 4: parent pid (for a thread, the parent of its process). */
  readonly ppid: number;
  /** Field 5: process group id (a server and its workers share the one watchload gave it). */
  readonly pgrp: number;
  /** Field 14: user-mode time in clock ticks (sysconf(_SC_CLK_TCK), 100 here). */
  readonly utime: number;
  /** Field 15: kernel-mode time in clock ticks. */
  readonly stime: number;
  /** Field 20: threads in the process. */
  readonly numThreads: number;
  /** Field 22: start time in clock ticks since boot; with the pid, the identity of a task. */
  readonly starttime: number;
  /** Field 39: CPU the task last ran on. */
  readonly processor: number;
}

const DECIMAL = /^-?\d+$/;

function int(text: string | undefined): number | null {
  if (text === undefined || !DECIMAL.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Parses /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat. comm may hold spaces and
 * parentheses (`(sd-pam)`, `a) b (c`), so it spans from the first `(` to the LAST `)`
 * (proc(5) warns of exactly this; procps does the same).
 */
export function parseStat(text: string): StatRecord | null {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open || text.charCodeAt(close + 1) !== SPACE) return null;
  const pid = intIn(text, 0, open);
  if (pid === null || pid <= 0) return null;
  let end = text.length;
  while (end > close + 2 && text.charCodeAt(end - 1) <= SPACE) end--;
  // The fields after the comm, walked in place rather than split: the sampler parses a stat
  // for every thread that ran, and splitting its ~50 fields made a parse cost 4.6 µs here;
  // the walk takes 1.3 µs.
  let state = '';
  let ppid: number | null = null;
  let pgrp: number | null = null;
  let utime: number | null = null;
  let stime: number | null = null;
  let numThreads: number | null = null;
  let starttime: number | null = null;
  let processor: number | null = null;
  let field = 3;
  let from = close + 2;
  for (let i = from; i <= end && field <= 39; i++) {
    if (i < end && text.charCodeAt(i) !== SPACE) continue;
    switch (field) {
      case 3:
        state = text.slice(from, i);
        break;
      case 4:
        ppid = intIn(text, from, i);
        break;
      case 5:
        pgrp = intIn(text, from, i);
        break;
      case 14:
        utime = intIn(text, from, i);
        break;
      case 15:
        stime = intIn(text, from, i);
        break;
      case 20:
        numThreads = intIn(text, from, i);
        break;
      case 22:
        starttime = intIn(text, from, i);
        break;
      case 39:
        processor = intIn(text, from, i);
        break;
    }
    field++;
    from = i + 1;
  }
  if (field <= 39 || !/^[A-Za-z]$/.test(state)) return null;
  if (ppid === null || pgrp === null || utime === null || stime === null || numThreads === null || starttime === null || processor === null) {
    return null;
  }
  return { pid, comm: text.slice(open + 2, close), state, ppid, pgrp, utime, stime, numThreads, starttime, processor };
}

const SPACE = 32;
const MINUS = 45;
const ZERO = 48;

/** The decimal integer that is exactly text[from, to) (an optional `-`, then digits), or null. */
function intIn(text: string, from: number, to: number): number | null {
  let i = from;
  const negative = i < to && text.charCodeAt(i) === MINUS;
  if (negative) i++;
  if (i >= to) return null;
  let n = 0;
  for (; i < to; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return null;
    n = n * 10 + digit;
  }
  if (!Number.isSafeInteger(n)) return null;
  return negative ? -n : n;
}

/**
 * /proc/<pid>/task/<tid>/schedstat: "run-ns wait-ns timeslices" (the kernel's
 * Documentation/scheduler/sched-stats.rst). Returns the time spent on a CPU in nanoseconds,
 * exact unlike stat's 10 ms ticks. A Number holds it exactly up to 2^53 ns (104 days of CPU).
 */
export function parseSchedstat(text: string): number | null {
  const fields = text.trim().split(' ');
  if (fields.length !== 3) return null;
  const ns = int(fields[0]);
  return ns === null || ns < 0 ? null : ns;
}

/**
 * The soft limit on open files from /proc/<pid>/limits (proc(5)): the "Max open files" row,
 * "Max open files  1024  4096  files". null when absent or garbled; "unlimited" is
 * Infinity (the kernel caps RLIMIT_NOFILE at fs.nr_open, but says unlimited when told so).
 */
export function parseOpenFilesLimit(limits: string): number | null {
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
  if (match === null) return null;
  return match[1] === 'unlimited' ? Infinity : Number(match[1]);
}

/** /proc/<pid>/statm: "size resident shared text lib data dt" in pages; returns resident pages. */
export function parseStatm(text: string): number | null {
  const fields = text.trim().split(' ');
  if (fields.length < 7) return null;
  const resident = int(fields[1]);
  return resident === null || resident < 0 ? null : resident;
}

/**
 * /proc/<pid>/cmdline: arguments separated and ended by NUL. Empty for kernel threads and
 * zombies. Trailing NULs are dropped: a process that rewrote its title (nginx, setproctitle)
 * pads with them.
 */
export function parseCmdline(raw: string | Uint8Array): string[] {
  const text = typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  return end === 0 ? [] : text.slice(0, end).split('\0');
}

/**
 * /proc/<pid>/task/<tid>/syscall while the task blocks in a system call: "nr arg1 … arg6 sp pc"
 * in hex (proc(5)); "running" or "-1 sp pc" otherwise. Returns the first argument, the
 * futex address for a futex wait. The number itself is per architecture, so callers go by
 * wchan, not by nr.
 */
export function parseSyscallArg1(text: string): number | null {
  const fields = text.trim().split(' ');
  if (fields.length < 3 || !DECIMAL.test(fields[0]) || fields[0] === '-1') return null;
  const arg = fields[1];
  if (!/^0x[0-9a-f]+$/i.test(arg)) return null;
  const n = Number(BigInt(arg));
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Kernel wait symbols → what a user would call the wait. Read off the threads of real
 * processes on this machine (Linux 6.18: node, python3 threads blocked in each call, sleep,
 * bash), plus the names older kernels use for the same waits (checked against
 * /proc/kallsyms here where they still exist). wchan is the first function on the stack
 * outside the scheduler, so one call can show different symbols on different kernels.
 */
const WAIT_LABELS: ReadonlyMap<string, string> = new Map(Object.entries({
  // epoll_wait(2): libuv's loop (every node thread with a loop), gevent's hub, nginx.
  do_epoll_wait: 'epoll wait', // measured (6.18)
  ep_poll: 'epoll wait', // ≤ 5.x
  // futex(2): pthread mutexes and condition variables; idle pool threads wait here.
  futex_do_wait: 'futex wait', // measured (6.18)
  futex_wait_queue: 'futex wait', // 5.16 – 6.x
  futex_wait_queue_me: 'futex wait', // ≤ 5.15
  // accept(2) on a blocking listening socket.
  inet_csk_accept: 'accept', // measured
  // recv on a blocking TCP socket, send into a full socket buffer, and read(2) on a tty all
  // park in wait_woken on 6.18 (measured): the symbol cannot tell them apart.
  wait_woken: 'socket/tty wait',
  sk_wait_data: 'socket read', // TCP recv on older kernels
  tcp_recvmsg: 'socket read',
  tcp_recvmsg_locked: 'socket read',
  __skb_wait_for_more_packets: 'socket read', // measured: UDP and unix datagram recv
  __skb_recv_datagram: 'socket read',
  sk_stream_wait_memory: 'socket write', // send buffer full
  unix_stream_read_generic: 'unix socket read', // measured
  unix_stream_data_wait: 'unix socket read', // older kernels
  unix_wait_for_peer: 'unix socket write',
  inet_wait_for_connect: 'connect',
  __inet_stream_connect: 'connect',
  // nanosleep(2) / clock_nanosleep(2): time.sleep, sleep(1).
  hrtimer_nanosleep: 'sleep', // measured
  do_nanosleep: 'sleep',
  // select(2) and poll(2) both park in poll_schedule_timeout on 6.18 (measured).
  poll_schedule_timeout: 'poll/select',
  do_select: 'select',
  core_sys_select: 'select',
  do_sys_poll: 'poll',
  // Pipes: 6.18 names them anon_pipe_* (measured); older kernels pipe_*.
  anon_pipe_read: 'pipe read',
  pipe_read: 'pipe read',
  pipe_wait: 'pipe read',
  pipe_wait_readable: 'pipe read',
  anon_pipe_write: 'pipe write',
  pipe_write: 'pipe write',
  pipe_wait_writable: 'pipe write',
  wait_for_partner: 'fifo open', // measured: open(2) of a FIFO with no peer
  do_wait: 'wait child', // measured: wait4/waitpid (a shell, a supervisor)
  // Signals: sigsuspend(2), sigtimedwait(2), pause(2), all measured.
  sigsuspend: 'signal wait',
  do_sigtimedwait: 'signal wait',
  __do_sys_pause: 'signal wait',
  __x64_sys_pause: 'signal wait',
  sys_pause: 'signal wait',
  // File locks: flock(2) and fcntl(2) F_SETLKW, both measured.
  locks_lock_inode_wait: 'file lock',
  locks_lock_file_wait: 'file lock',
  flock_lock_inode_wait: 'file lock',
  fcntl_setlk: 'file lock',
  // Disk: page cache reads, block layer, journal commits (fsync); usually state D.
  folio_wait_bit_common: 'disk I/O',
  wait_on_page_bit_common: 'disk I/O',
  io_schedule: 'disk I/O',
  bit_wait_io: 'disk I/O',
  blk_mq_get_tag: 'disk I/O',
  jbd2_log_wait_commit: 'disk I/O',
  n_tty_read: 'tty read',
  io_cqring_wait: 'io_uring wait',
  do_msgrcv: 'msgrcv',
  do_semtimedop: 'semaphore',
  // Kernel locks (mmap_lock, inode locks…): contention inside the kernel.
  rwsem_down_read_slowpath: 'kernel lock',
  rwsem_down_write_slowpath: 'kernel lock',
  __mutex_lock: 'kernel lock',
  do_signal_stop: 'stopped', // SIGSTOP / Ctrl-Z, state T
  ptrace_stop: 'traced', // state t
}));

/**
 * Human label of what a thread waits on, from its wchan symbol and state letter.
 * A running thread ('R') waits on nothing: ''. wchan is "0" for a running or waking task and
 * unreadable ('') when the task is gone. The compiler's clone suffixes (`.isra.0`,
 * `.constprop.0`, `.part.0`, `.cold`) are dropped before the lookup: C identifiers hold no dots.
 * Unknown symbols are returned as they are: a raw symbol says more than a guess.
 */
export function waitLabel(wchan: string, state: string): string {
  if (state === 'R') return '';
  const symbol = wchan.trim();
  if (symbol === '' || symbol === '0') return '';
  const base = symbol.split('.')[0];
  return WAIT_LABELS.get(base) ?? symbol;
}

/**
 * The kernel page size from /proc/<pid>/smaps: the first mapping's "KernelPageSize: 4 kB"
 * (proc(5)); statm counts in these pages. null when absent.
 */
export function parsePageSize(smaps: string): number | null {
  const match = /^KernelPageSize:\s+(\d+) kB$/m.exec(smaps);
  return match === null ? null : Number(match[1]) * 1024;
}
