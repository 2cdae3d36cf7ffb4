import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, startChild, stopChild } from './children.js';

/**
 * A private tmux server for benchmarks that need a real terminal (the TUI): its own socket
 * and config in a temp dir, never the user's server or anyone else's. It runs in the
 * foreground (`tmux -D`, tmux ≥ 3.2) as our child, so it is in our process tree (its CPU
 * and its panes' count as ours, not as "others'"), in its own process group, and dies with
 * us (lib/children.ts). Killing it hangs up its panes (SIGHUP), which watchload handles by
 * tearing down in order.
 */
export interface Tmux {
  /** Runs argv in a new detached session of columns × rows; resolves with the pane's pid. */
  run(name: string, argv: readonly string[], options: { columns: number; rows: number; env?: Record<string, string> }): number;
  /** The pane's text, wrapped lines joined; with history, the scrollback too. */
  capture(name: string, history?: boolean): string;
  /** `send-keys` (tmux key names: 'q', 'Space', 'C-c'). */
  sendKeys(name: string, ...keys: string[]): void;
  /** Ends the session (its processes get SIGHUP). */
  kill(name: string): void;
  /** Stops the server and removes its dir. */
  stop(): Promise<void>;
}

export function tmuxMissing(): string | null {
  const r = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (r.status !== 0) return 'tmux not installed (apt-get install tmux)';
  const m = /tmux (\d+)\.(\d+)/.exec(r.stdout);
  if (m && (Number(m[1]) < 3 || (Number(m[1]) === 3 && Number(m[2]) < 2))) return `${r.stdout.trim()}: need tmux ≥ 3.2 (-D)`;
  return null;
}

/** A shell word for argv (tmux runs a session's command with `sh -c`). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export async function startTmux(): Promise<Tmux> {
  const dir = mkdtempSync(join(tmpdir(), 'watchload-bench-tmux-'));
  // Also on Ctrl-C: lib/children.ts then exits from its signal handler, past every finally.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'sock');
  // No status line (the pane gets every row), panes stay after their process exits so that
  // the summary printed after quitting can still be read, scrollback for that summary.
  writeFileSync(join(dir, 'tmux.conf'), 'set -g status off\nset -g remain-on-exit on\nset -g history-limit 10000\n');
  const server = startChild(['tmux', '-S', socket, '-f', join(dir, 'tmux.conf'), '-D'], { stderr: 'ignore' });
  // Wait for the socket: a client started before it exists would start a daemon of its own.
  const deadline = performance.now() + 5_000;
  while (!existsSync(socket)) {
    if (server.exitCode !== null || performance.now() > deadline) {
      await stopChild(server);
      rmSync(dir, { recursive: true, force: true });
      throw new Error('tmux server did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const tmux = (...args: string[]): string => {
    const r = spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const sessions = new Set<string>();
  return {
    run(name, argv, { columns, rows, env = {} }) {
      const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
      // exec: the pane's pid is the program's own (taskset and setpriv exec too).
      tmux('new-session', '-d', '-s', name, '-x', String(columns), '-y', String(rows), ...envArgs, `exec ${argv.map(shellQuote).join(' ')}`);
      sessions.add(name);
      return Number(tmux('display-message', '-p', '-t', name, '#{pane_pid}').trim());
    },
    capture(name, history = false) {
      return tmux('capture-pane', '-p', '-J', ...(history ? ['-S', '-'] : []), '-t', name);
    },
    sendKeys(name, ...keys) {
      tmux('send-keys', '-t', name, ...keys);
    },
    kill(name) {
      sessions.delete(name);
      try {
        tmux('kill-session', '-t', name);
      } catch {
        // already gone
      }
    },
    async stop() {
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
      const deadline = performance.now() + 3_000;
      while (server.pid !== undefined && isAlive(server.pid) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await stopChild(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
