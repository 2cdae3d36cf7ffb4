/**
 * What each thread of a Node.js process is for, inferred from creation order and wait state.
 *
 * Node 20 names every thread `node`, so nothing in /proc names a role: this is an INFERENCE,
 * not a reading. Measured on this machine (Node 20.20, Linux 6.18, 2 cores), threads in
 * ascending tid order, which is creation order:
 *
 * | position       | role               | waits in            | why                                          |
 * | ---            | ---                | ---                 | ---                                          |
 * | tid == pid     | 'main'             | epoll               | the process's main thread and libuv loop     |
 * | 1st other      | 'V8 delayed' | epoll               | NodePlatform starts its delayed-task scheduler first; it runs its own uv loop |
 * | next 4         | 'V8 platform'      | futex               | the platform's worker pool (`--v8-pool-size`, default 4), all on one condition variable |
 * | next 1         | 'inspector'        | futex               | the SIGUSR1 start-io thread, parked on a semaphore |
 * | later, epoll   | 'worker thread'    | epoll               | each `new Worker()` adds one thread with its own loop |
 * | later, futex   | 'libuv pool'       | futex, shared addr  | UV_THREADPOOL_SIZE (4) threads, born together on first fs/crypto/dns/zlib use |
 *
 * Seen here: an idle CommonJS entry has 7 threads (main, delayed, 4 platform, inspector); an
 * ESM entry 11 (the loader starts the libuv pool right after the inspector thread); fs use
 * adds the 4 pool threads; each Worker one epoll thread; `--inspect` one more epoll thread
 * (the inspector's I/O thread) right after the start-io thread, before the pool.
 *
 * Futex addresses come from /proc/<pid>/task/<tid>/syscall (first argument of futex(2)).
 * glibc's condition variable parks waiters on either of its two `__g_signals` words, 4 bytes
 * apart and 8-aligned, so addresses are compared as address >> 3 (`futexKey`). Under load,
 * V8 platform threads were also seen waiting on a mutex (another address): only the pool
 * is told apart by its shared address; the startup threads go by position.
 *
 * Limits: a thread first seen running (or in an unexpected wait) gets '' and may be labelled
 * on a later sample (the sampler keeps labels once given). `--v8-pool-size` is read from
 * argv, not from NODE_OPTIONS; `--inspect` likewise. A process that set `process.title`
 * no longer says `node` in comm or cmdline and gets no roles. Two Workers blocked in
 * Atomics.wait on one address would read as pool threads. tid wrap-around breaks the order.
 */

/** The evidence about one thread: its state and wait, as seen when it was (last) examined. */
export interface ThreadClue {
  readonly tid: number;
  /** State letter from its stat (field 3). */
  readonly state: string;
  /** Raw wchan symbol ('' or '0' when running or unreadable). */
  readonly wchan: string;
  /** `futexKey(address)` of the futex it waits on, when in a futex wait and syscall was readable. */
  readonly futexKey: number | null;
}

export type NodeRole = 'main' | 'V8 delayed' | 'V8 platform' | 'inspector' | 'libuv pool' | 'worker thread' | '';

type WaitKind = 'epoll' | 'futex' | 'running' | 'other';

const NODE_NAME = /^node(js)?(\d+(\.\d+)*)?$/;

/** True when comm or argv[0] names a node binary (`node`, `nodejs`, `node20`). */
export function isNodeProcess(comm: string, cmdline: readonly string[]): boolean {
  if (NODE_NAME.test(comm)) return true;
  const argv0 = cmdline[0];
  if (argv0 === undefined) return false;
  return NODE_NAME.test(argv0.slice(argv0.lastIndexOf('/') + 1));
}

/** True when a wchan symbol is a futex wait: the sampler then reads syscall for the address. */
export function isFutexWait(wchan: string): boolean {
  return wchan.startsWith('futex_');
}

/** Groups the two words of one glibc condition variable (4 bytes apart, 8-aligned). */
export function futexKey(address: number): number {
  return Math.floor(address / 8);
}

function waitKind(clue: ThreadClue): WaitKind {
  if (clue.state === 'R' || clue.wchan === '0' || clue.wchan === '') return 'running';
  if (clue.wchan.startsWith('do_epoll_wait') || clue.wchan.startsWith('ep_poll')) return 'epoll';
  if (isFutexWait(clue.wchan)) return 'futex';
  return 'other';
}

/** Node options that take their value as the next argument (so it is not the script). */
const TAKES_VALUE = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--env-file', '--title', '--v8-pool-size']);

/** Node's own options: the arguments between argv[0] and the script (or `-e`/`-p` code). */
function nodeOptions(cmdline: readonly string[]): string[] {
  const options: string[] = [];
  for (let i = 1; i < cmdline.length; i++) {
    const arg = cmdline[i];
    if (!arg.startsWith('-') || arg === '--' || arg === '-') break;
    options.push(arg);
    if (TAKES_VALUE.has(arg) && i + 1 < cmdline.length) options.push(cmdline[++i]);
    if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') break;
  }
  return options;
}

/** Size of V8's platform pool from argv: 4 by default; null when it cannot be told (0 = auto). */
function platformPoolSize(options: readonly string[]): number | null {
  let size: number | null = 4;
  for (let i = 0; i < options.length; i++) {
    const arg = options[i];
    let value: string | undefined;
    if (arg.startsWith('--v8-pool-size=')) value = arg.slice('--v8-pool-size='.length);
    else if (arg === '--v8-pool-size') value = options[i + 1];
    if (value !== undefined) size = /^[1-9]\d*$/.test(value) ? Number(value) : null;
  }
  return size;
}

const INSPECT = /^--inspect(-brk|-wait)?(=.*)?$/;

/**
 * Roles of the threads of a node process, by tid. `threads` are the live threads with the
 * evidence for each (for a thread already labelled, the evidence it was labelled on).
 * Returns '' for every thread but main when the threads do not fit the measured shape.
 */
export function nodeThreadRoles(pid: number, cmdline: readonly string[], threads: readonly ThreadClue[]): Map<number, NodeRole> {
  const roles = new Map<number, NodeRole>();
  const others = threads.filter((t) => t.tid !== pid).sort((a, b) => a.tid - b.tid);
  for (const t of threads) roles.set(t.tid, t.tid === pid ? 'main' : '');

  const options = nodeOptions(cmdline);
  const poolSize = platformPoolSize(options);
  if (poolSize === null) return roles;
  const inspect = options.some((o) => INSPECT.test(o));

  // The startup block, in creation order; each slot lists the waits that fit it.
  const startup: Array<[NodeRole, readonly WaitKind[]]> = [
    ['V8 delayed', ['epoll', 'running']],
    ...Array.from({ length: poolSize }, (): [NodeRole, WaitKind[]] => ['V8 platform', ['futex', 'running']]),
    ['inspector', ['futex', 'running']],
  ];
  if (inspect) startup.push(['inspector', ['epoll', 'running']]);

  for (let i = 0; i < Math.min(startup.length, others.length); i++) {
    const [role, fits] = startup[i];
    // A misfit means this is not the shape measured (another Node version, an embedder):
    // better no labels than wrong ones.
    if (!fits.includes(waitKind(others[i]))) {
      for (const t of others) roles.set(t.tid, '');
      return roles;
    }
    roles.set(others[i].tid, role);
  }

  // After the startup block: Workers by their own loop, the libuv pool by its shared futex.
  const later = others.slice(startup.length);
  const keyCount = new Map<number, number>();
  for (const t of later) {
    if (waitKind(t) === 'futex' && t.futexKey !== null) keyCount.set(t.futexKey, (keyCount.get(t.futexKey) ?? 0) + 1);
  }
  for (const t of later) {
    const kind = waitKind(t);
    if (kind === 'epoll') roles.set(t.tid, 'worker thread');
    else if (kind === 'futex' && t.futexKey !== null && (keyCount.get(t.futexKey) ?? 0) >= 2) roles.set(t.tid, 'libuv pool');
  }
  return roles;
}
