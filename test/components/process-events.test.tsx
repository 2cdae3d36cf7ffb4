import React from 'react';
import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { ThreadPane } from '../../components/ThreadPane.js';
import { Dashboard, noticeLine } from '../../components/Dashboard.js';
import { processEventLine } from '../../components/thread-rows.js';
import { lineText } from '../../components/line.js';
import type { ProcessEvent, ProcessEventLog, SessionState } from '../../src/session/state.js';
import { BASE_STATE, change, clusterSnapshot } from './fixtures.js';
import { frameLines, renderFrame } from './render.js';

// Issue 8: a worker that died, and the one started in its place, told in the thread pane for
// the whole run (its row is gone by the next sample), within the pane's rows.

function frame(element: React.ReactElement): string[] {
  const { lastFrame, unmount } = render(element);
  const lines = frameLines(lastFrame() ?? '');
  unmount();
  return lines;
}

const ev = (tMs: number, kind: ProcessEvent['kind'], pid: number, ppid = 4242, name = 'node'): ProcessEvent => ({ tMs, pid, ppid, name, kind });
const log = (...recent: ProcessEvent[]): ProcessEventLog => ({
  recent,
  exited: recent.filter((e) => e.kind === 'exited').length,
  started: recent.filter((e) => e.kind === 'started').length,
});
/** Worker 4249 killed, seen gone at 3.2 s; the primary forked 4271 in its place, seen at 3.5 s. */
const RESPAWNED = log(ev(3_200, 'exited', 4249), ev(3_450, 'started', 4271));

describe('ThreadPane with process events', () => {
  it('a ✝ line under the tree, above the dead threads, at 64 × 14', () => {
    const lines = frame(
      <ThreadPane
        snapshot={clusterSnapshot()}
        births={[]}
        deaths={[change(4264, 4280, 14_000, 'libuv pool')]}
        nowMs={14_200}
        widthColumns={64}
        rows={14}
        processEvents={RESPAWNED}
      />,
    );
    expect(lines).toEqual([
      'Threads · 5 processes · 35 threads: 8 ran, 27 slept · −1 died',
      'PID/TID    NAME               S LAST 250ms   %CPU  RSS / WAIT',
      ' 4242      node  7 thr          2 ran 21ms    8.5  52.7 MiB',
      '   4242    node·main          R ran 20ms      8.1  on cpu 0',
      ' 4250      └ node  7 thr        2 ran 47ms   18.8  47.9 MiB',
      '   4250    node·main          R ran 46ms     18.4  on cpu 0',
      ' 4257      └ node  7 thr        slept         0.0  48.3 MiB',
      ' 4264      └ node  7 thr        2 ran 54ms   21.6  48.1 MiB',
      '   4264    node·main          R ran 53ms     21.2  on cpu 0',
      ' 4271      └ node  7 thr        2 ran 9.8ms   3.9  47.6 MiB',
      '   4271    node·main          S ran 8.8ms     3.5  epoll wait',
      '✝ pid 4249 (node) exited at 3.2 s · respawned as 4271 at 3.5 s',
      '−1 died: node·libuv pool (pid 4264)',
      '',
    ]);
  });

  it('takes exactly its rows, and keeps the ✝ line from 5 rows up, even when the tree no longer fits', () => {
    for (const rows of [1, 2, 3, 4, 5, 6, 9, 20]) {
      const lines = frame(<ThreadPane snapshot={clusterSnapshot()} births={[]} deaths={[]} nowMs={14_200} widthColumns={60} rows={rows} processEvents={RESPAWNED} />);
      expect(lines).toHaveLength(rows);
      expect(lines.some((l) => l.startsWith('✝ '))).toBe(rows >= 5);
    }
    const five = frame(<ThreadPane snapshot={clusterSnapshot()} births={[]} deaths={[]} nowMs={14_200} widthColumns={60} rows={5} processEvents={RESPAWNED} />);
    expect(five.slice(2)).toEqual([
      ' 4242      node  7 thr 1R 6S    2 ran 21ms   52.7 MiB',
      '… 4 more processes (28 threads; j/k scrolls)',
      '✝ pid 4249 exited at 3.2 s · respawned as 4271 at 3.5 s',
    ]);
  });

  it('no line without events, nor while scrolling (the cursor shows every thread)', () => {
    const none = frame(<ThreadPane snapshot={clusterSnapshot()} births={[]} deaths={[]} nowMs={14_200} widthColumns={60} rows={20} processEvents={log()} />);
    expect(none.some((l) => l.startsWith('✝'))).toBe(false);
    const scrolled = frame(
      <ThreadPane snapshot={clusterSnapshot()} births={[]} deaths={[]} nowMs={14_200} widthColumns={60} rows={20} processEvents={RESPAWNED} view={{ sort: 'tid', filter: '', collapsed: false, cursor: 0 }} />,
    );
    expect(scrolled.some((l) => l.startsWith('✝'))).toBe(false);
  });
});

describe('processEventLine', () => {
  const text = (l: ProcessEventLog, width: number) => lineText(processEventLine(l, width));

  it.each([
    [100, '✝ pid 4249 (node) exited at 3.2 s · respawned as pid 4271 at 3.5 s'],
    [64, '✝ pid 4249 (node) exited at 3.2 s · respawned as 4271 at 3.5 s'],
    [50, '✝ pid 4249 exited at 3.2 s · respawned as 4271'],
    [30, '✝ 4249 exited → 4271'],
    [12, '✝ 4249 exit…'],
  ])('one respawn at %i columns', (width, expected) => {
    expect(text(RESPAWNED, width)).toBe(expected);
  });

  it('an exit not (yet) respawned is red; every exit respawned, yellow; starts alone, cyan', () => {
    const lone = processEventLine(log(ev(3_200, 'exited', 4249)), 80);
    expect(lineText(lone)).toBe('✝ pid 4249 (node) exited at 3.2 s · no respawn yet');
    expect(lone[0]).toMatchObject({ color: 'red', bold: true });
    expect(processEventLine(RESPAWNED, 80)[0].color).toBe('yellow');
    const grew = processEventLine(log(ev(5_000, 'started', 4300), ev(6_000, 'started', 4301)), 80);
    expect(lineText(grew)).toBe('✚ 2 processes started · last: pid 4301 (node) at 6.0 s');
    expect(grew[0].color).toBe('cyan');
  });

  it('several: how many, then the last one; a name is sanitized', () => {
    const several = log(ev(3_200, 'exited', 4249), ev(3_450, 'started', 4271), ev(7_000, 'exited', 4250, 4242, 'evil\x1b[2J'), ev(7_250, 'started', 4290), ev(8_000, 'started', 4291));
    expect(text(several, 100)).toBe('✝ 2 exited, 2 respawned · 1 started · last: pid 4250 (evil) at 7.0 s → pid 4290 at 7.3 s');
    expect(text(several, 70)).toBe('✝ 2 exited, 2 respawned · 1 started · last: pid 4250 at 7.0 s → 4290');
    expect(text(several, 60)).toBe('✝ 2 exited, 2 respawned · 1 started');
  });
});

describe('Dashboard', () => {
  const faulty: SessionState = { ...BASE_STATE, processEvents: RESPAWNED, upstreamFailure: { tMs: 9_000, message: 'its thread threw: boom' } };

  it('shows the ✝ line in its thread pane and the upstream failure as a notice', () => {
    const lines = frameLines(renderFrame(<Dashboard state={faulty} columns={120} rows={30} showHelp={false} />, 120, 30));
    expect(lines.filter((l) => l.includes('✝'))).toEqual([expect.stringMatching(/^✝ pid 4249 \(node\) exited at 3\.2 s · respawned as/)]);
    expect(lines.some((l) => l.startsWith('upstream failed at 9.0 s: its thread threw: boom · requests that call it now fail'))).toBe(true);
    expect(lines.length).toBeLessThanOrEqual(29 + 1);
  });

  it('a dead server outranks a failed upstream in the notice', () => {
    const dead: SessionState = { ...faulty, server: { ...faulty.server!, exited: { tMs: 10_000, code: null, signal: 'SIGKILL', expected: false, stderrTail: [] } } };
    expect(lineText(noticeLine(dead, 120)!)).toMatch(/^server exited/);
    expect(noticeLine(BASE_STATE, 120)).toBeNull();
  });
});
