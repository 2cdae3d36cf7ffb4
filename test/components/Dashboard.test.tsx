import React from 'react';
import { describe, expect, it } from 'vitest';
import { Dashboard, calculateLayout, noticeLine, tooSmallLines, windowHistogram } from '../../components/Dashboard.js';
import { lineText } from '../../components/line.js';
import type { SessionState } from '../../src/session/state.js';
import { BASE_STATE, gthreadWorkers, snapshotOf, threadExplosion } from './fixtures.js';
import { frameLines, renderFrame } from './render.js';

function screen(state: SessionState, columns: number, rows: number, showHelp = false): string[] {
  return frameLines(renderFrame(<Dashboard state={state} columns={columns} rows={rows} showHelp={showHelp} />, columns, rows));
}

describe('calculateLayout', () => {
  it.each([
    [80, 24, { tooSmall: false, frameRows: 23, headerLines: 4, direction: 'column', thread: { widthColumns: 80, rows: 9 }, latency: { widthColumns: 80, rows: 7 }, gapColumns: 0, footerLines: 1, insightLines: 2 }],
    [120, 40, { tooSmall: false, frameRows: 39, headerLines: 4, direction: 'row', thread: { widthColumns: 64, rows: 31 }, latency: { widthColumns: 54, rows: 31 }, gapColumns: 2, footerLines: 1, insightLines: 3 }],
    [200, 60, { tooSmall: false, frameRows: 59, headerLines: 4, direction: 'row', thread: { widthColumns: 108, rows: 51 }, latency: { widthColumns: 90, rows: 51 }, gapColumns: 2, footerLines: 1, insightLines: 3 }],
    [100, 30, { tooSmall: false, frameRows: 29, headerLines: 4, direction: 'row', thread: { widthColumns: 50, rows: 22 }, latency: { widthColumns: 48, rows: 22 }, gapColumns: 2, footerLines: 1, insightLines: 2 }],
    [99, 50, { tooSmall: false, frameRows: 49, headerLines: 4, direction: 'column', thread: { widthColumns: 99, rows: 27 }, latency: { widthColumns: 99, rows: 14 }, gapColumns: 0, footerLines: 1, insightLines: 3 }],
    [80, 20, { tooSmall: false, frameRows: 19, headerLines: 3, direction: 'column', thread: { widthColumns: 80, rows: 7 }, latency: { widthColumns: 80, rows: 7 }, gapColumns: 0, footerLines: 1, insightLines: 1 }],
    [60, 15, { tooSmall: false, frameRows: 14, headerLines: 2, direction: 'column', thread: { widthColumns: 60, rows: 5 }, latency: { widthColumns: 60, rows: 6 }, gapColumns: 0, footerLines: 1, insightLines: 0 }],
  ])('%d × %d', (columns, rows, layout) => {
    const got = calculateLayout(columns, rows);
    expect(got).toEqual(layout);
    // Header, panes, insights and footer fill the frame exactly, one row short of the terminal.
    const panes = got.direction === 'row' ? got.thread.rows : got.thread.rows + got.latency.rows;
    expect(got.headerLines + panes + got.insightLines + got.footerLines).toBe(rows - 1);
    const wide = got.direction === 'row' ? got.thread.widthColumns + got.gapColumns + got.latency.widthColumns : got.thread.widthColumns;
    expect(wide).toBe(columns);
  });

  it.each([
    [59, 40],
    [120, 14],
    [10, 3],
  ])('%d × %d is too small', (columns, rows) => {
    expect(calculateLayout(columns, rows).tooSmall).toBe(true);
  });
});

describe('windowHistogram', () => {
  it('merges the slices of the window, aged against now', () => {
    expect(windowHistogram(BASE_STATE, 5_000)).toEqual({
      valuesUs: [200_150, 200_700, 201_300, 202_100, 203_500, 205_000, 208_000, 212_000, 226_000, 251_000],
      counts: [310, 402, 255, 120, 60, 31, 12, 6, 3, 1],
    });
    expect(windowHistogram({ ...BASE_STATE, nowMs: 17_000 }, 5_000).counts).toEqual([160, 202, 130, 60, 30, 16, 12, 6, 3, 1]);
    expect(windowHistogram({ ...BASE_STATE, nowMs: 30_000 }, 5_000)).toEqual({ valuesUs: [], counts: [] });
  });
});

describe('Dashboard frames', () => {
  it('80 × 24: header, threads above latency, footer, 23 lines', () => {
    expect(screen(BASE_STATE, 80, 24)).toEqual(F80);
  });

  it('120 × 40: threads beside latency, more threads shown, 39 lines', () => {
    expect(screen(BASE_STATE, 120, 40)).toEqual(F120);
  });

  it('shows the help instead of the panes', () => {
    const lines = screen(BASE_STATE, 80, 24, true);
    expect(lines).toHaveLength(23);
    expect(lines[4]).toMatch(/^╭─+╮$/);
    expect(lines[5]).toContain('Keys');
    expect(lines[22]).toBe('q quit · space pause · ? close help · ↑↓ conns · f freeze · t collapse · s sort');
  });

  it('says it needs more room below 60 × 15', () => {
    expect(screen(BASE_STATE, 59, 15)).toEqual(['watchload needs at least 60×15; this terminal is 59×15.', 'Enlarge it, or run with --no-tui.']);
    expect(tooSmallLines(30, 2).map(lineText)).toEqual(['needs 60×15, has 30×2']);
    expect(tooSmallLines(30, 1)).toEqual([]);
  });

  it('puts a red line on top when the server died on its own', () => {
    const state: SessionState = {
      ...BASE_STATE,
      phase: 'failed',
      server: { ...BASE_STATE.server!, exited: { tMs: 14_000, code: 1, signal: null, expected: false, stderrTail: ['boot', 'Error: EADDRINUSE'] } },
      snapshot: snapshotOf([]),
    };
    const lines = screen(state, 80, 24);
    expect(lines[4]).toBe('server exited (code 1): Error: EADDRINUSE');
    expect(lines[5]).toBe('Threads');
    expect(lines[6]).toBe('the server’s process tree is gone');
    expect(lines).toHaveLength(23);
    expect(noticeLine({ ...state, server: { ...state.server!, exited: { ...state.server!.exited!, expected: true } } }, 80)).toBeNull();
  });

  const STATES: Array<[string, SessionState]> = [
    ['cluster under load', BASE_STATE],
    ['before the first sample', { ...BASE_STATE, phase: 'starting', snapshot: null, server: null }],
    ['1 × 200 threads', { ...BASE_STATE, snapshot: snapshotOf([threadExplosion()]) }],
    ['5 × 51 threads', { ...BASE_STATE, snapshot: snapshotOf(gthreadWorkers()) }],
    [
      'a failed server',
      { ...BASE_STATE, server: { ...BASE_STATE.server!, exited: { tMs: 1, code: null, signal: 'SIGKILL', expected: false, stderrTail: [] } } },
    ],
  ];

  it.each(STATES)('%s: never taller than rows − 1, never wider than the terminal', (_name, state) => {
    for (const columns of [40, 60, 80, 99, 100, 120, 200]) {
      for (const rows of [5, 14, 15, 20, 24, 40, 60]) {
        for (const help of state === BASE_STATE ? [false, true] : [false]) {
          const lines = screen(state, columns, rows, help);
          expect(lines.length, `${columns}×${rows}`).toBeLessThanOrEqual(rows - 1);
          for (const line of lines) expect([...line].length, `${columns}×${rows}: ${line}`).toBeLessThanOrEqual(columns);
        }
      }
    }
  });

  it('lists all 5 processes of the cluster at every size from 80 × 24 up', () => {
    for (const [columns, rows] of [[80, 24], [100, 30], [120, 40], [200, 60]]) {
      const text = screen(BASE_STATE, columns, rows).join('\n');
      for (const pid of [4242, 4250, 4257, 4264, 4271]) expect(text).toMatch(new RegExp(`^ ${pid} `, 'm'));
    }
  });
});

const F80 = [
  'cluster · 4 workers · -c 50 · http://127.0.0.1:41234/              loading  0:14',
  '$ node /work/main/dist/src/models/servers/cluster.js --workers 4 --port 41234',
  '▕███████▍          ▏  40% 12/30 s · 2,972 req · 248 req/s · mean 244',
  'responses 2,972 · ok 2,972 · timeouts 0 · non-2xx 0 · conn errors 0 · resets 0',
  'Threads · 5 processes · 35 threads: 8 ran, 27 slept · 52.8% CPU',
  'PID/TID    NAME                         S LAST 250ms   %CPU  RSS / WAIT',
  ' 4242      node  7 thr: 1 R, 6 S          2 ran 21ms    8.5  52.7 MiB',
  '   4242    node·main                    R ran 20ms      8.1  on cpu 0',
  ' 4250      └ node  7 thr: 1 R, 6 S        2 ran 47ms   18.8  47.9 MiB',
  '   4250    node·main                    R ran 46ms     18.4  on cpu 0',
  ' 4257      └ node  7 thr: 7 S             slept         0.0  48.3 MiB',
  ' 4264      └ node  7 thr: 1 R, 6 S        2 ran 54ms   21.6  48.1 MiB',
  ' 4271      └ node  7 thr: 7 S             2 ran 9.8ms   3.9  47.6 MiB',
  'Latency        p50       p90       p99     p99.9       max',
  'last 5 s    201 ms    202 ms    208 ms    226 ms    251 ms',
  'all         201 ms    202 ms    208 ms    412 ms    412 ms',
  'req/s ▆███████████ 248/s',
  '150–200 ms                                                                     0',
  '200–300 ms ███████████████████████████████████████████████████████████████ 1,200',
  '300–500 ms                                                                     0',
  '▸ 2.3s 5 processes existed before the first request (1 master + 4 workers): pre…',
  '▸ 14.2s Little\'s law: 243.6 req/s × 201 ms mean latency = 49 in flight, the 50 …',
  'q quit · space pause · ? help · ↑↓ conns · f freeze · t collapse · s sort',
];

const F120 = [
  'cluster · 4 workers · -c 50 · delay 200 ms · http://127.0.0.1:41234/                                       loading  0:14',
  '$ node /work/main/dist/src/models/servers/cluster.js --workers 4 --port 41234',
  '▕███████████▍                ▏  40% 12/30 s · 2,972 req · 248 req/s · mean 244',
  'responses 2,972 · ok 2,972 · timeouts 0 · non-2xx 0 · conn errors 0 · resets 0',
  'Threads · 5 processes · 35 threads: 8 ran, 27 slept · 52.8% CPU   Latency       p50      p90      p99    p99.9      max',
  'PID/TID    NAME               S LAST 250ms   %CPU  RSS / WAIT     last 5 s   201 ms   202 ms   208 ms   226 ms   251 ms',
  ' 4242      node  7 thr          2 ran 21ms    8.5  52.7 MiB       all        201 ms   202 ms   208 ms   412 ms   412 ms',
  '   4242    node·main          R ran 20ms      8.1  on cpu 0       req/s ▆███████████ 248/s',
  '   4243    node·V8 delayed    S slept         0.0  epoll wait     p99   █████████████████████████████████████████ 212 ms',
  '   4244    node·V8 platform   S ran 1.0ms     0.4  futex wait     histogram · last 5 s · 1,200 responses',
  '   4245    node·V8 platform   S slept         0.0  futex wait     100–120 ms                                           0',
  '   4246    node·V8 platform   S slept         0.0  futex wait     120–150 ms                                           0',
  '   4247    node·V8 platform   S slept         0.0  futex wait     150–200 ms                                           0',
  '   4248    node·inspector     S slept         0.0  futex          200–250 ms █████████████████████████████████████ 1,199',
  ' 4250      └ node  7 thr        2 ran 47ms   18.8  47.9 MiB       250–300 ms ▏                                         1',
  '   4250    node·main          R ran 46ms     18.4  on cpu 0       300–400 ms                                           0',
  '   4251    node·V8 delayed    S slept         0.0  epoll wait     400–500 ms                                           0',
  '           4× V8 platform     S 1 ran 1.0ms   0.4  futex wait     500–600 ms                                           0',
  '   4256    node·inspector     S slept         0.0  futex          600–800 ms                                           0',
  ' 4257      └ node  7 thr        slept         0.0  48.3 MiB       800 ms–1 s                                           0',
  '   4257    node·main          S slept         0.0  epoll wait',
  '   4258    node·V8 delayed    S slept         0.0  epoll wait',
  '           4× V8 platform     S slept         0.0  futex wait',
  '   4263    node·inspector     S slept         0.0  futex',
  ' 4264      └ node  7 thr        2 ran 54ms   21.6  48.1 MiB',
  '   4264    node·main          R ran 53ms     21.2  on cpu 0',
  '   4265    node·V8 delayed    S slept         0.0  epoll wait',
  '           4× V8 platform     S 1 ran 1.0ms   0.4  futex wait',
  '   4270    node·inspector     S slept         0.0  futex',
  ' 4271      └ node  7 thr        2 ran 9.8ms   3.9  47.6 MiB',
  '   4271    node·main          S ran 8.8ms     3.5  epoll wait',
  '   4272    node·V8 delayed    S slept         0.0  epoll wait',
  '           4× V8 platform     S 1 ran 1.0ms   0.4  futex wait',
  '   4277    node·inspector     S slept         0.0  futex',
  '',
  '▸ 2.3s 5 processes existed before the first request (1 master + 4 workers): prefork',
  '▸ 14.2s Little\'s law: 243.6 req/s × 201 ms mean latency = 49 in flight, the 50 connections, kept busy (98 %)',
  '',
  'q quit · space pause · ? help · ↑↓ conns · f freeze · t collapse · s sort · / filter · j/k cursor',
];
