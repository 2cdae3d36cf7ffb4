import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ROOT, processesMatching, survivors } from '../helpers/cli.js';

// The live view as a presentation tool (issue 6), in a real terminal: tmux runs the built
// CLI at 80×24 and 160×48, capture-pane reads the screen, send-keys presses t and f.
// Same pattern as tui.test.ts; tmux comes from scripts/install-servers.sh.

const SOCKET = join(tmpdir(), `watchload-present-${process.pid}.tmux`);
const tmux = (...args: string[]) => execFileSync('tmux', ['-S', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sessions: string[] = [];

function startInTmux(session: string, columns: number, rows: number, args: string): void {
  // CI is unset inside (the suite runs with CI=true, which turns the TUI off); NO_COLOR keeps
  // the captures plain, as a monochrome terminal would show them.
  const command = `cd '${ROOT}' && env -u CI NO_COLOR=1 node bin/watchload.js ${args}; echo "EXIT=$?"; sleep 60`;
  sessions.push(session);
  tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), 'sh', '-c', command);
}

/** The screen, one string per terminal row (capture-pane prints every row). */
const screen = (session: string) => tmux('capture-pane', '-p', '-t', session).replace(/\n$/, '').split('\n');

async function waitForScreen(session: string, predicate: (lines: string[]) => boolean, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let lines: string[] = [];
  while (Date.now() < deadline) {
    lines = screen(session);
    if (predicate(lines)) return lines;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`screen never matched; last screen:\n${lines.join('\n')}`);
}

afterEach(async () => {
  for (const session of sessions.splice(0)) {
    try {
      tmux('kill-session', '-t', session);
    } catch {
      // already gone
    }
  }
  expect(await survivors([...processesMatching('src/models/servers/node-'), ...processesMatching('gunicorn --workers 2 --threads 4')])).toEqual([]);
});
afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // no server left
  }
  rmSync(SOCKET, { force: true });
});

const live = (lines: string[]) => lines.some((l) => /[1-9][\d,.]* req\/s/.test(l)) && lines.some((l) => /^Threads /.test(l));

/** The layout every size shares: header first, pane titles, the process rows, the footer, one row to spare. */
function expectLayout(lines: string[], columns: number, rows: number, model: RegExp, processes: number): void {
  expect(lines).toHaveLength(rows);
  for (const line of lines) expect([...line].length).toBeLessThanOrEqual(columns);
  // Never taller than the terminal: the header is still the first row, the last row is free.
  expect(lines[0]).toMatch(model);
  expect(lines[0]).toMatch(/ loading +0:\d\d$/);
  expect(lines[rows - 1].trim()).toBe('');
  const frame = lines.slice(0, rows - 1);
  expect(frame.filter((l) => /^Threads .*\d+ (processes|proc) /.test(l) || /^Threads .*\d+ thr/.test(l)).length).toBeGreaterThanOrEqual(1);
  expect(frame.join('\n')).toMatch(/Latency +p50 +p90 +p99/);
  // Process rows: a pid, then the name with its thread count (`└` for the children).
  expect(frame.filter((l) => /^[ +]\d+ +(└ )?\S+ +\d+ thr/.test(l) || /^[ +]\d+ +(└ )?\S+ +\d+ thr/.test(l.slice(0, columns)))).toHaveLength(processes);
  expect(frame[rows - 2]).toMatch(/^q quit · space pause · \? help/);
}

describe.each([
  ['cluster', '--model cluster --workers 4 -d 40 -c 20', /^cluster · 4 workers · -c 20 · /, 5],
  ['gunicorn', '--model gunicorn --workers 2 --threads 4 -d 40 -c 20', /^gunicorn · 2 workers · 4 threads · -c 20 · /, 3],
] as const)('the presentation view of %s', (name, args, model, processes) => {
  it('fits 80×24: header, panes, every process row, footer', async () => {
    const session = `${name}-small`;
    startInTmux(session, 80, 24, args);
    const lines = await waitForScreen(session, live, 40_000);
    expectLayout(lines, 80, 24, model, processes);
    tmux('send-keys', '-t', session, 'q');
    expect((await waitForScreen(session, (l) => l.some((x) => x.startsWith('EXIT=')), 20_000)).join('\n')).toContain('EXIT=0');
  });

  it('fits 160×48 with threads over time; t collapses, f freezes', async () => {
    const session = `${name}-large`;
    startInTmux(session, 160, 48, args);
    const lines = await waitForScreen(session, (l) => live(l) && l.some((x) => /^ +threads +[▁▂▃▄▅▆▇█ ]+ [\d→,]+$/.test(x.slice(0, 86).trimEnd())), 40_000);
    expectLayout(lines, 160, 48, model, processes);
    expect(lines.join('\n')).toMatch(/↑↓ conns · f freeze · t collapse · s sort · \/ filter · j\/k cursor/);

    tmux('send-keys', '-t', session, 't');
    const collapsed = await waitForScreen(session, (l) => l.some((x) => /^Threads .*· collapsed/.test(x)), 5_000);
    // Process rows only, each with its line of threads over time under it.
    const tree = collapsed.filter((x) => /^[ +]\d+ +(└ )?\S+ +\d+ thr/.test(x));
    expect(tree).toHaveLength(processes);
    expect(collapsed.filter((x) => /^ +threads +[▁▂▃▄▅▆▇█ ]+ [\d→,]+ *($| {2})/.test(x))).toHaveLength(processes);
    expect(collapsed.filter((x) => /^ {3}\d+ /.test(x))).toHaveLength(0);

    tmux('send-keys', '-t', session, 'f');
    const frozen = await waitForScreen(session, (l) => / FROZEN +loading +\d:\d\d$/.test(l[0]), 5_000);
    await new Promise((r) => setTimeout(r, 2_200));
    // The screen holds still (the clock too) while the run goes on underneath.
    expect(screen(session)[0]).toBe(frozen[0]);
    tmux('send-keys', '-t', session, 'f');
    await waitForScreen(session, (l) => !l[0].includes('FROZEN') && l[0] !== frozen[0], 5_000);

    // ↑: 20 → 25 connections; the header says it, the target line follows the change.
    tmux('send-keys', '-t', session, 'Up');
    const adjusted = await waitForScreen(session, (l) => / · -c 25 ↑ · /.test(l[0]), 5_000);
    expect(adjusted[0]).toMatch(/^\S+ · .* · -c 25 ↑ · /);
    await waitForScreen(session, (l) => l.some((x) => /target[▁▂▃▄▅▆▇█ ]+ 25 conns/.test(x)), 5_000);

    tmux('send-keys', '-t', session, 'q');
    expect((await waitForScreen(session, (l) => l.some((x) => x.startsWith('EXIT=')), 20_000)).join('\n')).toContain('EXIT=0');
  });
});
