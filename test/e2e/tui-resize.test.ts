import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { displayWidth } from '../../components/text.js';
import { childrenOf, survivors } from '../helpers/cli.js';
import { RATE_ABOVE_ZERO, Tmux } from '../helpers/tmux.js';

// Issue 8: a terminal resized while the live view runs, or too small for it. Below 60×15 the
// view says what it needs (components/Dashboard.tsx tooSmallLines); above, it lays itself out
// for the size it has now. Nothing drawn is ever wider than the terminal, nothing is left over
// from the previous size, and q still quits.

const tmux = new Tmux('resize');
const seen: number[] = [];
afterEach(async () => {
  tmux.killSessions();
  expect(await survivors(seen.splice(0))).toEqual([]);
});
afterAll(() => tmux.close());

/** The pid and every live descendant. */
function tree(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(tree)];
}

const isSleep = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
  } catch {
    return false;
  }
};

/** watchload and what it started (the pane's shell and its final sleep left out), once the server runs. */
async function startedBy(session: string): Promise<number[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const pids = tree(tmux.panePid(session)).slice(1).filter((pid) => !isSleep(pid));
    if (pids.some((pid) => cmdlineOf(pid).includes('node-single'))) return pids;
    if (Date.now() > deadline) throw new Error(`no server under the pane: ${pids.join(' ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cmdlineOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};

/** The screen's lines without the blank ones at the end; each checked to fit `columns`. */
function linesWithin(screen: string, columns: number): string[] {
  const lines = screen.replace(/\n+$/, '').split('\n');
  for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(columns);
  return lines;
}

describe('the TUI on a terminal that is tiny, then resized', () => {
  it('40×10 says it needs room; 120×40 shows everything; 60×15 adapts; q quits with exit 0', async () => {
    tmux.start('r', 40, 10, '--model single -d 60 -c 5 --delay 0.01');
    const tiny = await tmux.waitFor('r', (s) => s.includes('needs 60×15'), 20_000);
    expect(tmux.size('r')).toEqual([40, 10]);
    // Only the message: no piece of the dashboard squeezed in beside it.
    expect(linesWithin(tiny, 40)).toEqual(['needs 60×15, has 40×10', 'Enlarge it, or run with --no-tui.']);
    const started = await startedBy('r');
    seen.push(...started);

    tmux.resize('r', 120, 40);
    const large = await tmux.waitFor('r', (s) => RATE_ABOVE_ZERO.test(s) && /Latency +p50 +p90 +p99 +p99\.9 +max/.test(s) && /^q quit · /m.test(s), 20_000);
    let lines = linesWithin(large, 120);
    expect(lines[0]).toMatch(/^single · -c 5 · delay 10\.0 ms · http:\/\/127\.0\.0\.1:\d+\/ +loading +0:\d\d$/);
    expect(lines.at(-1)).toMatch(/^q quit · space pause · \? help · /);
    expect(lines.length).toBeLessThan(40);
    expect(large).not.toContain('needs 60×15');
    // Side by side at 120 columns: the thread pane's title and the latency pane's on one line.
    expect(large).toMatch(/^Threads · 1 process · .* {2,}Latency +p50/m);

    tmux.resize('r', 60, 15);
    const small = await tmux.waitFor('r', (s) => /^single · /.test(s) && /^Latency +p50/m.test(s) && /^q quit · /m.test(s), 20_000);
    lines = linesWithin(small, 60);
    expect(lines[0]).toMatch(/^single · -c 5 · http:\/\/127\.0\.0\.1:\d+\/ +loading +0:\d\d$/);
    expect(lines.at(-1)).toMatch(/^q quit · space pause · \? help/);
    expect(lines.length).toBeLessThan(15);
    // Stacked at 60 columns: threads above, latency below, each on lines of its own.
    expect(small).toMatch(/^Threads · 1 process/m);
    expect(small.indexOf('Latency')).toBeGreaterThan(small.indexOf('Threads'));

    tmux.run('send-keys', '-t', 'r', 'q');
    const after = await tmux.waitFor('r', (s) => s.includes('EXIT='), 20_000);
    expect(after).toContain('EXIT=0');
    expect(await survivors(started)).toEqual([]);
  });

  it('stdin not a terminal: no live view (no key could quit it), status lines, the run ends by itself', async () => {
    tmux.start('n', 100, 30, '--model single -d 2 -c 5 --delay 0.01 < /dev/null');
    const after = await tmux.waitFor('n', (s) => s.includes('EXIT='), 30_000);
    expect(after).toContain('EXIT=0');
    expect(after).toMatch(/^\[ +[\d.]+ s\] loading /m);
    expect(after).toMatch(/watchload · single · completed after /);
    expect(after).not.toContain('q quit');
  });

  it('q quits from the "needs more room" view too', async () => {
    tmux.start('q', 40, 10, '--model single -d 60 -c 5 --delay 0.01');
    await tmux.waitFor('q', (s) => s.includes('needs 60×15'), 20_000);
    const started = await startedBy('q');
    seen.push(...started);
    tmux.run('send-keys', '-t', 'q', 'q');
    const after = await tmux.waitFor('q', (s) => s.includes('EXIT='), 20_000);
    expect(after).toContain('EXIT=0');
    expect(await survivors(started)).toEqual([]);
  });
});
