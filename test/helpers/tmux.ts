import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/**
 * A rate above zero as the screen says it: `60.0 req/s` (one decimal below 100), `248 req/s`,
 * `1,234 req/s`; not `0.0 req/s` nor `— req/s`. A steady closed loop runs at exactly
 * connections / delay, so `60.0` is the usual reading, not a rare one.
 */
export const RATE_ABOVE_ZERO = /(?<![\d.,])(?:[1-9][\d,]*(?:\.\d)?|0\.[1-9]) req\/s/;

/**
 * A tmux server of a test file's own (its socket removed by close()): the built CLI runs in a
 * real terminal, send-keys types, capture-pane reads the screen as a user sees it.
 */
export class Tmux {
  private readonly socket: string;
  private readonly sessions: string[] = [];

  constructor(name: string) {
    this.socket = join(tmpdir(), `watchload-${name}-${process.pid}.tmux`);
  }

  run(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** watchload with these arguments in a new session; the pane stays after it exits, showing EXIT=code. */
  start(session: string, columns: number, rows: number, args: string, env = ''): void {
    // CI is unset inside: the suite runs with CI=true, which (rightly) turns the TUI off.
    const command = `cd '${ROOT}' && env -u CI NO_COLOR=1 ${env} node bin/watchload.js ${args}; echo "EXIT=$?"; sleep 60`;
    this.sessions.push(session);
    this.run('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), 'sh', '-c', command);
  }

  screen(session: string): string {
    return this.run('capture-pane', '-p', '-t', session);
  }

  /**
   * The screen with the attributes tmux would draw (capture-pane -e): SGR sequences for
   * colours and styles, OSC 8 for hyperlinks (tmux ≥ 3.4); what a name smuggled in shows here.
   */
  screenWithEscapes(session: string): string {
    return this.run('capture-pane', '-p', '-e', '-t', session);
  }

  /** The pane's title, as an OSC 0/2 sequence written to the pane would set it. */
  paneTitle(session: string): string {
    return this.run('display-message', '-p', '-t', session, '#{pane_title}').trimEnd();
  }

  /** Copies every byte the pane's program writes from now on to FILE (tmux pipe-pane -o). */
  pipeTo(session: string, file: string): void {
    this.run('pipe-pane', '-o', '-t', session, `cat >> '${file}'`);
  }

  /** Resizes the session's window, as a user dragging the terminal's corner (the program gets SIGWINCH). */
  resize(session: string, columns: number, rows: number): void {
    this.run('resize-window', '-t', session, '-x', String(columns), '-y', String(rows));
  }

  /** The pid of the pane's shell: watchload and everything it starts descend from it. */
  panePid(session: string): number {
    return Number(this.run('display-message', '-p', '-t', session, '#{pane_pid}').trim());
  }

  /** The window's size now: [columns, rows]. */
  size(session: string): [number, number] {
    const [columns, rows] = this.run('display-message', '-p', '-t', session, '#{window_width} #{window_height}').trim().split(' ').map(Number);
    return [columns, rows];
  }

  async waitFor(session: string, predicate: (text: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let text = '';
    while (Date.now() < deadline) {
      text = this.screen(session);
      if (predicate(text)) return text;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`screen never matched; last screen:\n${text}`);
  }

  /** Closes every session started (a watchload still running in one gets SIGHUP, as from a closed terminal). */
  killSessions(): void {
    for (const session of this.sessions.splice(0)) {
      try {
        this.run('kill-session', '-t', session);
      } catch {
        // already gone
      }
    }
  }

  close(): void {
    this.killSessions();
    try {
      this.run('kill-server');
    } catch {
      // no server left: fine
    }
    rmSync(this.socket, { force: true });
  }
}
