import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ROOT, listeningPorts, processesMatching, survivors } from '../helpers/cli.js';
import { RATE_ABOVE_ZERO } from '../helpers/tmux.js';

// The live view in a real terminal: tmux runs the built CLI, send-keys types, capture-pane
// reads the screen as a user sees it. tmux is installed by scripts/install-servers.sh; a
// machine without it fails here, loudly.

// A tmux server of its own, on a socket file removed at the end.
const SOCKET = join(tmpdir(), `watchload-e2e-${process.pid}.tmux`);
const SERVER_SCRIPTS = 'src/models/servers/node-';
const tmux = (...args: string[]) => execFileSync('tmux', ['-S', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function startInTmux(session: string, columns: number, rows: number, args: string): void {
  // CI is unset inside: the suite runs with CI=true, which (rightly) turns the TUI off.
  const command = `cd '${ROOT}' && env -u CI NO_COLOR=1 node bin/watchload.js ${args}; echo "EXIT=$?"; sleep 60`;
  sessions.push(session);
  tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), 'sh', '-c', command);
}

const screen = (session: string) => tmux('capture-pane', '-p', '-t', session);

async function waitForScreen(session: string, predicate: (text: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = screen(session);
    if (predicate(text)) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`screen never matched; last screen:\n${text}`);
}

const sessions: string[] = [];
afterEach(async () => {
  // A failed assertion leaves watchload running in its pane: closing the pane hangs it up
  // (SIGHUP), which must stop everything it started, as a closed terminal would.
  for (const session of sessions.splice(0)) {
    try {
      tmux('kill-session', '-t', session);
    } catch {
      // already gone
    }
  }
  expect(await survivors(processesMatching(SERVER_SCRIPTS))).toEqual([]);
});
afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // no server left: fine
  }
  rmSync(SOCKET, { force: true });
});

describe('the TUI under tmux', () => {
  it('shows the cluster thread pane and the latency histogram, and q quits cleanly', async () => {
    startInTmux('q', 120, 40, '--model cluster --workers 4 -d 60');
    const live = await waitForScreen('q', (s) => RATE_ABOVE_ZERO.test(s) && /\d+ ms +[█▏▎▍▌▋▊▉]+ +[\d,]+$/m.test(s), 30_000);
    const lines = live.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^cluster · 4 workers · -c 50 · delay 200 ms · http:\/\/127\.0\.0\.1:\d+\/ +loading +0:\d\d$/);
    expect(live).toMatch(/^\$ node node-cluster\.cjs --workers 4 --host 127\.0\.0\.1 --port \d+ --upstream http:/m);
    // The thread pane: 5 processes (primary + 4 workers forked up front), their threads nested.
    expect(live).toMatch(/Threads · 5 processes · \d+ threads/);
    expect(live.match(/^ \d+ +└ node +\d+ thr/gm)).toHaveLength(4);
    expect(live).toMatch(/^ +\d+ +node·main +[RS] /m);
    expect(live).toMatch(/node·V8 platform +S .*futex/);
    expect(live).toMatch(/epoll wait/);
    // The latency pane: percentiles for the window and the whole run, and a histogram.
    expect(live).toMatch(/Latency +p50 +p90 +p99 +p99\.9 +max/);
    expect(live).toMatch(/last 5 s +\d+ ms/);
    expect(lines.length).toBeLessThanOrEqual(40);

    tmux('send-keys', '-t', 'q', 'q');
    const after = await waitForScreen('q', (s) => s.includes('EXIT='), 20_000);
    expect(after).toContain('EXIT=0');
    expect(after).toMatch(/watchload · cluster · 4 workers · stopped \(q\) after /);
    expect(after).toMatch(/shape +processes \/ threads: before 5 \/ \d+ · peak 5 \/ \d+ · after 5 \/ \d+/);
  });

  it('fits 80×24 without scrolling, pauses on space, and Ctrl-C exits 130', async () => {
    startInTmux('small', 80, 24, '--model cluster --workers 4 -d 60');
    const live = await waitForScreen('small', (s) => RATE_ABOVE_ZERO.test(s), 30_000);
    const lines = live.trimEnd().split('\n');
    // The frame is never taller than the terminal: its first line is still the header.
    expect(lines[0]).toMatch(/^cluster · /);
    expect(live).toMatch(/5 processes/);
    expect(live).toMatch(/q quit · space pause · \? help/);

    tmux('send-keys', '-t', 'small', ' ');
    await waitForScreen('small', (s) => / paused +\d+:\d\d$/m.test(s), 5_000);
    tmux('send-keys', '-t', 'small', ' ');
    await waitForScreen('small', (s) => / loading +\d+:\d\d$/m.test(s), 5_000);

    tmux('send-keys', '-t', 'small', 'C-c');
    const after = await waitForScreen('small', (s) => s.includes('EXIT='), 20_000);
    expect(after).toContain('EXIT=130');
    expect(after).toMatch(/interrupted/);
  });

  it('closing the terminal under load stops gunicorn, its workers and its guard, and frees the port', async () => {
    startInTmux('hangup', 120, 40, '--model gunicorn --workers 2 --threads 4 -c 10 --delay 0.05 -d 60');
    const live = await waitForScreen('hangup', (s) => /Threads · 3 processes/.test(s) && /\d+ req\/s/.test(s), 30_000);
    const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(live)?.[1]);
    const server = processesMatching(`--bind 127.0.0.1:${port} `);
    expect(server).toHaveLength(3);
    const guards = server.flatMap((pid) => processesMatching(`watchload-guard ${pid}`));
    expect(guards).toHaveLength(1);
    expect(listeningPorts().has(port)).toBe(true);
    // What a closed terminal window does: the pty goes away and its session gets SIGHUP.
    tmux('kill-session', '-t', 'hangup');
    sessions.splice(sessions.indexOf('hangup'), 1);
    expect(await survivors([...server, ...guards], 10_000)).toEqual([]);
    expect(listeningPorts().has(port)).toBe(false);
  });

  it('holds the view after the load, still sampling, until q; then reports a completed run', async () => {
    startInTmux('held', 100, 30, '--model single -d 2 -c 10 --delay 0.1');
    const held = await waitForScreen('held', (s) => / done +\d+:\d\d$/m.test(s.split('\n')[0]), 30_000);
    expect(held).toMatch(/Threads · 1 process/);
    expect(held).not.toContain('EXIT=');
    tmux('send-keys', '-t', 'held', 'q');
    const after = await waitForScreen('held', (s) => s.includes('EXIT='), 20_000);
    expect(after).toContain('EXIT=0');
    expect(after).toMatch(/watchload · single · completed after /);
  });
});
