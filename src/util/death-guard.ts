import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A process outside the server's tree (never sampled) that acts when watchload dies, however it
 * dies: it waits on a pipe from watchload, which the kernel closes when watchload exits, even
 * on SIGKILL. The command reads its stdin to the end, then does its work. Null when it cannot
 * start: the caller's own stop still works, only a SIGKILL of watchload could then leak.
 * Kill it once its work is done by other means, or it would act on a reused id later.
 */
export function startDeathGuard(argv: readonly string[]): ChildProcess | null {
  try {
    const guard = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    guard.on('error', () => undefined);
    guard.stdin?.on('error', () => undefined);
    // Neither the guard nor its pipe may keep watchload's event loop alive.
    guard.unref();
    (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return guard;
  } catch {
    return null;
  }
}
