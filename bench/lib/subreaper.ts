import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Makes the benchmark a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER), so that the CPU of
 * processes orphaned inside its tree stays ours. Without it, "others' CPU" (lib/cpu.ts:
 * machine busy minus our tree) counts them as others': a node:cluster primary that exits
 * without waiting for its workers (watchload's cluster model on SIGTERM), or a server group
 * killed at once, leaves workers that init reaps, and their whole lifetime's CPU looks like
 * another engineer's test. As a subreaper, orphans are re-parented to us instead; Node reaps
 * only the children it spawned, so they stay zombies, still in our tree with their CPU in
 * /proc/<pid>/stat, until we exit.
 *
 * Node cannot call prctl, so the benchmark re-runs itself under a three-line python3 shim
 * that sets the flag (preserved across execve) and execs node with the same arguments; the
 * first process only waits and passes the exit code on. Without /usr/bin/python3 it runs as
 * it is (returns false) and says so.
 */
const MARK = 'WATCHLOAD_BENCH_SUBREAPER';
const PYTHON = '/usr/bin/python3';
const SHIM = 'import ctypes, os, sys\nctypes.CDLL(None).prctl(36, 1, 0, 0, 0)\nos.execv(sys.argv[1], sys.argv[1:])';

/**
 * Call first thing. Resolves true when this process is the subreaper (run the benchmark),
 * false when it could not become one (run it anyway); never resolves in the first process,
 * which exits with the subreaper's exit code.
 */
export async function runAsSubreaper(log: (line: string) => void): Promise<boolean> {
  if (process.env[MARK] === '1') return true;
  if (!existsSync(PYTHON)) {
    log(`${PYTHON} is missing: not a subreaper, orphans' CPU will count as others'`);
    return false;
  }
  const child = spawn(PYTHON, ['-c', SHIM, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [MARK]: '1' },
  });
  // Ctrl-C reaches both (same process group): the child cleans up; this one just waits.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  const code = await new Promise<number>((resolve) => child.once('exit', (c, s) => resolve(c ?? (s === 'SIGINT' ? 130 : 1))));
  process.exit(code);
}
