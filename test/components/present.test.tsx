import React from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render } from 'ink-testing-library';
import { Dashboard, adjustmentSeconds, targetSeries } from '../../components/Dashboard.js';
import { LiveApp, loadStep, splitChunk } from '../../components/LiveApp.js';
import { headerInfo, headerLines } from '../../components/Header.js';
import { INITIAL_UI, keyAction, moveCursor, nextLoadSetting, uiReducer, type KeyAction, type UiState } from '../../components/keys.js';
import { colorEnabled } from '../../components/color.js';
import { markedSparkline } from '../../components/latency-rows.js';
import { lineText } from '../../components/line.js';
import { planThreadPane, threadPaneLines, threadsPerSecond, sortEntries, filterProcesses, scrollOffset } from '../../components/thread-rows.js';
import type { ProcessTrack, SessionState } from '../../src/session/state.js';
import { BASE_STATE, clusterSnapshot, gthreadWorkers, snapshotOf, threadExplosion, fakeStore } from './fixtures.js';
import { frameLines, renderFrame, stripAnsi } from './render.js';

// The TUI as a presentation tool (issue 6): keys, freeze, collapse, sort, filter, cursor, the
// threads-over-time line per process, load changes on the time axis, and a monochrome screen.

function track(pid: number, steps: Array<[number, number]>, over: Partial<ProcessTrack> = {}): ProcessTrack {
  return {
    pid,
    ppid: 1,
    name: 'node',
    firstMs: steps[0][0],
    lastMs: 14_000,
    alive: true,
    threads: steps,
    pooled: [],
    eventLoop: true,
    sharedEpoll: false,
    mainUnderLoad: { samples: 0, running: 0, inEventLoop: 0, elsewhere: {}, elsewhereWithPeers: 0, firstAwayMs: null },
    ...over,
  };
}

/** The cluster with its history: the primary flat at 7, worker 4250 growing 7 → 11 at 6 s. */
const TRACKED: SessionState = {
  ...BASE_STATE,
  processes: {
    '4242': track(4242, [[1_000, 7]]),
    '4250': track(4250, [[1_200, 7], [6_100, 9], [6_600, 11], [9_000, 7]]),
    '4257': track(4257, [[1_200, 7]]),
    '4264': track(4264, [[1_200, 7]]),
    '4271': track(4271, [[1_200, 7]]),
  },
};

function reduce(keys: ReadonlyArray<KeyAction | null>, from: UiState = INITIAL_UI): UiState {
  return keys.reduce<UiState>((ui, a) => (a === null ? ui : uiReducer(ui, { ...a, rowCount: 40, pageRows: 10 })), from);
}

describe('keymap', () => {
  it.each([
    ['↑', '', { upArrow: true }, 'load/adjust connections 1'],
    ['↓', '', { downArrow: true }, 'load/adjust connections -1'],
    ['→', '', { rightArrow: true }, 'load/adjust rate 1'],
    ['←', '', { leftArrow: true }, 'load/adjust rate -1'],
    ['p', 'p', {}, 'load/toggle-pause'],
    ['space', ' ', {}, 'load/toggle-pause'],
    ['f', 'f', {}, 'ui/toggle-freeze'],
    ['t', 't', {}, 'ui/toggle-collapse'],
    ['s', 's', {}, 'ui/cycle-sort'],
    ['/', '/', {}, 'ui/filter-start'],
    ['h', 'h', {}, 'ui/toggle-help'],
    ['j', 'j', {}, 'ui/move row 1'],
    ['k', 'k', {}, 'ui/move row -1'],
    ['PgDn', '', { pageDown: true }, 'ui/move page 1'],
    ['PgUp', '', { pageUp: true }, 'ui/move page -1'],
    ['End', '', { end: true }, 'ui/move end 1'],
  ])('%s → %s', (_name, input, key, expected) => {
    const a = keyAction(input, key, INITIAL_UI);
    const text = a === null ? null : [a.type, 'knob' in a ? a.knob : 'unit' in a ? a.unit : '', 'direction' in a ? a.direction : ''].join(' ').trim();
    expect(text).toBe(expected);
  });

  it('types into the filter while it is open: letters are text, Enter applies, Esc clears', () => {
    let ui = reduce([keyAction('/', {}, INITIAL_UI)]);
    expect(ui.filterDraft).toBe('');
    for (const ch of 'qtfs') ui = reduce([keyAction(ch, {}, ui)], ui);
    expect(ui.filterDraft).toBe('qtfs');
    ui = reduce([keyAction('', { backspace: true }, ui), keyAction('', { return: true }, ui)], ui);
    expect(ui).toMatchObject({ filter: 'qtf', filterDraft: null, frozen: false, collapsed: false });
    // Esc outside typing clears an applied filter, then drops the cursor, then does nothing.
    ui = reduce([keyAction('j', {}, ui)], ui);
    expect(ui.cursor).toBe(0);
    expect(keyAction('', { escape: true }, ui)?.type).toBe('ui/filter-clear');
    ui = reduce([keyAction('', { escape: true }, ui)], ui);
    expect(keyAction('', { escape: true }, ui)?.type).toBe('ui/cursor-off');
    ui = reduce([keyAction('', { escape: true }, ui)], ui);
    expect(keyAction('', { escape: true }, ui)).toBeNull();
  });

  it('cycles the sort tid → cpu → state → name → tid, toggles freeze and collapse', () => {
    const sorts: string[] = [];
    let ui = INITIAL_UI;
    for (let k = 0; k < 4; k++) {
      ui = uiReducer(ui, { type: 'ui/cycle-sort' });
      sorts.push(ui.sort);
    }
    expect(sorts).toEqual(['cpu', 'state', 'name', 'tid']);
    expect(reduce([{ type: 'ui/toggle-freeze' }, { type: 'ui/toggle-collapse' }])).toMatchObject({ frozen: true, collapsed: true });
    expect(reduce([{ type: 'ui/toggle-freeze' }, { type: 'ui/toggle-freeze' }]).frozen).toBe(false);
  });

  it.each([
    [80, 1, 100],
    [100, 1, 125],
    [80, -1, 64],
    [64, -1, 51],
    [1, 1, 2],
    [2, 1, 3],
    [2, -1, 1],
    [1, -1, 1],
    [9_999, 1, 10_000],
  ] as const)('nextLoadSetting(%d, %d) = %d', (current, direction, next) => {
    expect(nextLoadSetting(current, direction, 10_000)).toBe(next);
  });

  it('moves the cursor by rows, pages and ends, inside the list', () => {
    const extent = { rowCount: 40, pageRows: 10 };
    expect(moveCursor(null, 'row', 1, extent)).toBe(0);
    expect(moveCursor(null, 'end', 1, extent)).toBe(39);
    expect(moveCursor(0, 'row', -1, extent)).toBe(0);
    expect(moveCursor(5, 'page', 1, extent)).toBe(14);
    expect(moveCursor(35, 'page', 1, extent)).toBe(39);
    expect(moveCursor(39, 'end', -1, extent)).toBe(0);
    // The list shrank (a filter, threads gone): the cursor comes back inside it.
    expect(moveCursor(100, 'row', -1, extent)).toBe(38);
    expect(moveCursor(3, 'row', 1, { rowCount: 0, pageRows: 10 })).toBeNull();
  });

  it('splits a chunk of keys (typed fast, or sent by tmux) into single keys', () => {
    expect(splitChunk('/ab\r')).toEqual([['/', {}], ['a', {}], ['b', {}], ['', { return: true }]]);
    expect(splitChunk('x\x7f')).toEqual([['x', {}], ['', { backspace: true }]]);
  });
});

describe('load keys', () => {
  it('asks for the difference to the next setting, from the command line’s or the last change', () => {
    expect(loadStep(BASE_STATE, 'connections', 1)).toEqual({ connections: 13 }); // 50 → 63
    expect(loadStep(BASE_STATE, 'connections', -1)).toEqual({ connections: -10 }); // 50 → 40
    expect(loadStep(BASE_STATE, 'rate', 1)).toBeNull(); // closed loop: no rate
    const adjusted = { ...BASE_STATE, load: { ...BASE_STATE.load, adjustments: [{ tMs: 6_000, connections: 80, rate: null }] } };
    expect(loadStep(adjusted, 'connections', 1)).toEqual({ connections: 20 }); // 80 → 100
    const open = { ...BASE_STATE, config: { ...BASE_STATE.config!, rate: 200, connections: 1000 } };
    expect(loadStep(open, 'rate', -1)).toEqual({ rate: -40 }); // 200 → 160
    expect(loadStep({ ...BASE_STATE, phase: 'done' }, 'connections', 1)).toBeNull();
  });

  it('says the setting now in the header, with the way it went, and marks the second on req/s', () => {
    const adjusted: SessionState = {
      ...BASE_STATE,
      load: { ...BASE_STATE.load, adjustments: [{ tMs: 6_400, connections: 63, rate: null }, { tMs: 9_100, connections: 80, rate: null }] },
    };
    expect(lineText(headerLines(headerInfo(adjusted), 100, 4)[0])).toMatch(/^cluster · 4 workers · -c 80 ↑ · delay 200 ms · /);
    expect(adjustmentSeconds(adjusted)).toEqual([4, 7]);
    // A closed loop changed by keys gets a target line: connections per second of load.
    expect(targetSeries(adjusted)).toEqual({ perSecond: [50, 50, 50, 50, 63, 63, 63, 80, 80, 80, 80, 80], unit: 'conns' });
    const spark = markedSparkline([1, 2, 3, 4, 5], 10, undefined, 'cyan', [1, 3]);
    expect(spark.map((s) => s.text).join('')).toBe('▂▄▅▇█');
    expect(spark.filter((s) => s.inverse).map((s) => s.text)).toEqual(['▄', '▇']);
    const frame = frameLines(renderFrame(<Dashboard state={adjusted} columns={120} rows={40} showHelp={false} />, 120, 40));
    expect(frame.some((l) => / target▅{4}▇{3}█{5} 80 conns$/.test(l))).toBe(true);
  });
});

describe('thread pane views', () => {
  const lines = (state: SessionState, view: Parameters<typeof planThreadPane>[0]['view'], rows: number, width = 80) =>
    threadPaneLines(planThreadPane({ snapshot: state.snapshot, births: [], deaths: [], nowMs: state.nowMs, view, tracks: state.processes }, rows), width, rows).map(lineText);
  const view = { sort: 'tid', filter: '', collapsed: false, cursor: null } as const;

  it('collapsed: process rows with their threads over time, one scale for all', () => {
    expect(lines(TRACKED, { ...view, collapsed: true }, 14)).toEqual([
      'Threads · 5 processes · 35 threads: 8 ran, 27 slept · collapsed · 52.8% CPU',
      'PID/TID    NAME                         S LAST 250ms   %CPU  RSS / WAIT',
      ' 4242      node  7 thr: 1 R, 6 S          2 ran 21ms    8.5  52.7 MiB',
      '           threads  ▆▆▆▆▆▆▆▆▆▆▆▆▆▆ 7',
      ' 4250      └ node  7 thr: 1 R, 6 S        2 ran 47ms   18.8  47.9 MiB',
      '             threads  ▆▆▆▆▆███▆▆▆▆▆▆ 7',
      ' 4257      └ node  7 thr: 7 S             slept         0.0  48.3 MiB',
      '             threads  ▆▆▆▆▆▆▆▆▆▆▆▆▆▆ 7',
      ' 4264      └ node  7 thr: 1 R, 6 S        2 ran 54ms   21.6  48.1 MiB',
      '             threads  ▆▆▆▆▆▆▆▆▆▆▆▆▆▆ 7',
      ' 4271      └ node  7 thr: 7 S             2 ran 9.8ms   3.9  47.6 MiB',
      '             threads  ▆▆▆▆▆▆▆▆▆▆▆▆▆▆ 7',
    ]);
  });

  it('threadsPerSecond: the most per second, blank before the process and after it went', () => {
    expect(threadsPerSecond(track(1, [[1_200, 1], [2_500, 5], [2_700, 3], [4_100, 2]]), 6_000)).toEqual([0, 1, 5, 3, 3, 2]);
    expect(threadsPerSecond(track(1, [[1_200, 4]], { alive: false, lastMs: 3_500 }), 6_000)).toEqual([0, 4, 4, 4, 0, 0]);
  });

  it('sorts the threads of each process by CPU, state or name', () => {
    const [p] = gthreadWorkers();
    const plan = planThreadPane({ snapshot: snapshotOf([p]), births: [], deaths: [], nowMs: 10_000, view: { ...view, sort: 'cpu' } }, 200);
    const cpus = plan.processes[0].entries.map((e) => e.cpuPercent ?? -1);
    expect(cpus).toEqual([...cpus].sort((a, b) => b - a));
    expect(lines(snapshotState(snapshotOf([p])), { ...view, sort: 'cpu' }, 5)[0]).toMatch(/^Threads by CPU · /);
    const byState = sortEntries(plan.processes[0].entries, 'state').map((e) => e.state);
    expect(byState.indexOf('S')).toBeGreaterThan(byState.lastIndexOf('R'));
  });

  it('filters by name and says so; a filter that matches nothing says how to clear it', () => {
    const snapshot = clusterSnapshot();
    expect(filterProcesses(snapshot.processes, 'inspector').map((p) => p.threads.length)).toEqual([1, 1, 1, 1, 1]);
    const shown = lines(BASE_STATE, { ...view, filter: 'inspector' }, 20);
    expect(shown[0]).toMatch(/^Threads · 5 processes · 5 of 35 threads: .* · filter “inspector”/);
    expect(shown.filter((l) => /node·inspector/.test(l))).toHaveLength(5);
    expect(lines(BASE_STATE, { ...view, filter: 'nginx' }, 20)[1]).toBe('no thread or process name contains “nginx” (Esc clears the filter)');
  });

  it('with a cursor every thread gets a row; the list scrolls and never outgrows the pane', () => {
    const state = snapshotState(snapshotOf([threadExplosion()]));
    for (const cursor of [0, 7, 150, 200, 5_000]) {
      const shown = threadPaneLines(planThreadPane({ snapshot: state.snapshot, births: [], deaths: [], nowMs: 10_000, view: { ...view, cursor } }, 12), 80, 12);
      expect(shown).toHaveLength(12);
      const marked = shown.filter((l) => l.some((s) => s.inverse));
      expect(marked).toHaveLength(1);
      expect(lineText(marked[0]).startsWith('›')).toBe(true);
      expect(lineText(shown[0])).toContain(` · row ${Math.min(cursor, 200) + 1}/201 · `);
    }
    expect(scrollOffset(0, 201, 10)).toBe(0);
    expect(scrollOffset(150, 201, 10)).toBe(147);
    expect(scrollOffset(200, 201, 10)).toBe(191);
  });
});

describe('1,000+ threads', () => {
  /** gunicorn's arbiter and two workers of 600 threads, a few running. */
  function bigTree(): SessionState['snapshot'] {
    const worker = (pid: number) => {
      const p = threadExplosion();
      return {
        ...p,
        pid,
        ppid: 4999,
        threads: Array.from({ length: 600 }, (_, k) => ({ ...p.threads[1 + (k % 199)], tid: pid + k })),
      };
    };
    const arbiter = { ...threadExplosion(), pid: 4999, ppid: 1, threads: [threadExplosion().threads[0]].map((t) => ({ ...t, tid: 4999 })) };
    return snapshotOf([arbiter, worker(6000), worker(7000)]);
  }

  it.each([
    [64, 20],
    [80, 16],
    [120, 30],
    [50, 10],
  ])('at %d × %d: a row per process with its count, folded threads, never taller than the pane', (width, rows) => {
    const plan = planThreadPane({ snapshot: bigTree(), births: [], deaths: [], nowMs: 10_000 }, rows);
    const shown = threadPaneLines(plan, width, rows).map(lineText);
    expect(shown.length).toBeLessThanOrEqual(rows);
    expect(shown[0]).toMatch(/1,201 (threads|thr)/);
    for (const pid of [6000, 7000]) expect(shown.find((l) => l.startsWith(` ${pid} `))).toMatch(/ 600 thr/);
  });

  it('sums up the states per process where the name column has room', () => {
    const wide = threadPaneLines(planThreadPane({ snapshot: bigTree(), births: [], deaths: [], nowMs: 10_000, view: { sort: 'tid', filter: '', collapsed: true, cursor: null } }, 10), 120, 10).map(lineText);
    expect(wide.find((l) => l.startsWith(' 6000 '))).toMatch(/└ gunicorn  600 thr 37R 563S/);
  });
});

function snapshotState(snapshot: SessionState['snapshot']): SessionState {
  return { ...BASE_STATE, snapshot };
}


describe('LiveApp keys', () => {
  const controls = () => ({ quit: vi.fn(), interrupt: vi.fn(), togglePause: vi.fn(), adjustLoad: vi.fn() });
  const wait = (f: () => void) => vi.waitFor(f, { timeout: 5_000 });

  it('freezes the screen while the state flows on, collapses, sorts, filters, moves a cursor, changes the load', async () => {
    const store = fakeStore(TRACKED);
    const c = controls();
    const app = render(<LiveApp store={store} controls={c} />);
    const frame = () => stripAnsi(app.lastFrame() ?? '');
    await wait(() => expect(frame()).toContain('Threads · 5 processes'));

    app.stdin.write('f');
    await wait(() => expect(frame()).toMatch(/FROZEN +loading +0:14/));
    store.publish({ ...TRACKED, nowMs: 20_000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(frame()).toMatch(/FROZEN +loading +0:14/);
    app.stdin.write('f');
    await wait(() => expect(frame()).toMatch(/ loading +0:20/));
    expect(frame()).not.toContain('FROZEN');

    app.stdin.write('t');
    await wait(() => expect(frame()).toMatch(/· collapsed/));
    expect(frame()).toMatch(/threads +▆+/);
    app.stdin.write('t');
    await wait(() => expect(frame()).not.toMatch(/· collapsed/));

    app.stdin.write('s');
    await wait(() => expect(frame()).toMatch(/Threads by CPU/));

    // A chunk, as tmux or a fast typist sends it: `/`, the text, Enter.
    app.stdin.write('/insp');
    await wait(() => expect(frame()).toMatch(/filter: insp▏/));
    app.stdin.write('\r');
    await wait(() => expect(frame()).toMatch(/filter “insp”/));
    app.stdin.write('\x1b');
    await wait(() => expect(frame()).not.toMatch(/filter “insp”/));

    app.stdin.write('j');
    await wait(() => expect(frame()).toMatch(/row 1\/40/));
    app.stdin.write('jj');
    await wait(() => expect(frame()).toMatch(/row 3\/40/));
    expect(frame()).toMatch(/^›/m);

    app.stdin.write('\x1b[A');
    await wait(() => expect(c.adjustLoad).toHaveBeenCalledWith({ connections: 13 }));
    app.stdin.write('p');
    await wait(() => expect(c.togglePause).toHaveBeenCalledTimes(1));
    app.unmount();
  });

  it('works without adjustLoad: the arrows then do nothing', async () => {
    const c = { quit: vi.fn(), interrupt: vi.fn(), togglePause: vi.fn() };
    const app = render(<LiveApp store={fakeStore(BASE_STATE)} controls={c} />);
    await wait(() => expect(stripAnsi(app.lastFrame() ?? '')).toContain('Threads'));
    app.stdin.write('\x1b[A');
    app.stdin.write('q');
    await wait(() => expect(c.quit).toHaveBeenCalledTimes(1));
    app.unmount();
  });
});

describe('colour off', () => {
  // chalk (under Ink) finds no colour support under vitest: turn it on here, so that the test
  // sees what a colour terminal would get.
  let chalk: { level: number };
  let level = 0;
  beforeEach(async () => {
    chalk = (await import(new URL('../../node_modules/ink/node_modules/chalk/source/index.js', import.meta.url).href)).default;
    level = chalk.level;
    chalk.level = 1;
  });
  afterEach(() => {
    chalk.level = level;
  });

  const COLOUR = /\x1b\[(3[0-7]|9[0-7]|38;)/;

  it.each([
    ['colour on', true],
    ['colour off', false],
  ])('%s', async (_name, color) => {
    const adjusted = { ...TRACKED, load: { ...TRACKED.load, adjustments: [{ tMs: 6_400, connections: 63, rate: null }] } };
    const app = render(<LiveApp store={fakeStore(adjusted)} controls={controls()} color={color} />);
    await vi.waitFor(() => expect(stripAnsi(app.lastFrame() ?? '')).toContain('Threads'), { timeout: 5_000 });
    app.stdin.write('j');
    await vi.waitFor(() => expect(stripAnsi(app.lastFrame() ?? '')).toMatch(/row 1\//), { timeout: 5_000 });
    const raw = app.lastFrame() ?? '';
    expect(COLOUR.test(raw)).toBe(color);
    // The cursor stays visible without colour: inverse, and its mark.
    expect(raw).toContain('\x1b[7m');
    app.stdin.write('?');
    await vi.waitFor(() => expect(stripAnsi(app.lastFrame() ?? '')).toContain('Keys'), { timeout: 5_000 });
    expect(COLOUR.test(app.lastFrame() ?? '')).toBe(color);
    app.unmount();
  });

  it('is off with --no-color, NO_COLOR or FORCE_COLOR=0', () => {
    expect(colorEnabled(undefined, {})).toBe(true);
    expect(colorEnabled(false, {})).toBe(false);
    expect(colorEnabled(undefined, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(undefined, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(true, { FORCE_COLOR: '0' })).toBe(false);
  });
});

function controls() {
  return { quit: vi.fn(), interrupt: vi.fn(), togglePause: vi.fn(), adjustLoad: vi.fn() };
}
