import { describe, expect, it } from 'vitest';
import {
  activityText,
  formatIntervalMs,
  formatRanMs,
  groupThreads,
  idleWord,
  orderProcesses,
  planThreadPane,
  stateSummary,
  threadColumns,
  threadLabel,
  fitLabel,
  threadPaneLines,
  type Detail,
} from '../../components/thread-rows.js';
import { lineText, lineWidth } from '../../components/line.js';
import type { ProcessSample, Snapshot } from '../../src/proc/types.js';
import type { ThreadChange } from '../../src/session/state.js';
import { change, clusterSnapshot, gthreadWorkers, nodeProcess, snapshotOf, thread, threadExplosion } from './fixtures.js';

function paneText(
  snapshot: Snapshot | null,
  rows: number,
  width: number,
  changes: { births?: ThreadChange[]; deaths?: ThreadChange[] } = {},
): string[] {
  const plan = planThreadPane({ snapshot, births: changes.births ?? [], deaths: changes.deaths ?? [], nowMs: 10_000 }, rows);
  return threadPaneLines(plan, width, rows).map(lineText);
}

describe('labels and summaries', () => {
  it.each([
    ['node', 'V8 platform', 'node·V8 platform'],
    ['node', '', 'node'],
    ['gunicorn', 'main', 'gunicorn·main'],
    ['\x1b[2Jevil', '\x1b]0;t\x07pool', 'evil·pool'],
  ])('threadLabel(%j, %j) = %s', (name, role, label) => expect(threadLabel(name, role)).toBe(label));

  it.each([
    ['', 'node·main', 18, 'node·main'],
    ['5× ', 'node·V8 platform+1', 18, '5× V8 platform+1'],
    ['', 'node·V8 platform', 10, 'V8 platfo…'],
    ['', 'python3', 5, 'pyth…'],
  ])('fitLabel(%j, %j, %d) = %s', (prefix, label, width, fitted) => expect(fitLabel(prefix, label, width)).toBe(fitted));

  it.each([
    [['S', 'R', 'S', 'S'], false, '1 R, 3 S'],
    [['S', 'D', 'Z', 'R', 'I'], false, '1 R, 1 D, 1 S, 1 I, 1 Z'],
    [['S', 'R', 'S'], true, '1R 2S'],
    [['W', 'S'], false, '1 S, 1 W'],
    [[], false, ''],
  ])('stateSummary(%j, tight=%s) = %s', (states, tight, text) => expect(stateSummary(states, tight)).toBe(text));

  it('orders the root first, then the others by pid', () => {
    const ordered = orderProcesses([nodeProcess(4271, 4242), nodeProcess(4250, 4242), nodeProcess(4242, 1), nodeProcess(4257, 4242)]);
    expect(ordered.map((p) => p.pid)).toEqual([4242, 4250, 4257, 4271]);
  });

  it('puts a companion (nginx in front) after the server, as a tree of its own, counted apart', () => {
    const nginx = (pid: number, ppid: number): ProcessSample => ({ ...nodeProcess(pid, ppid), name: 'nginx', threads: [thread(pid)], group: 'nginx' });
    const processes = [nginx(901, 900), nodeProcess(4250, 4242), nginx(900, 77), nodeProcess(4242, 1)];
    expect(orderProcesses(processes).map((p) => p.pid)).toEqual([4242, 4250, 900, 901]);
    const plan = planThreadPane({ snapshot: snapshotOf(processes), births: [], deaths: [], nowMs: 10_000 }, 30);
    expect(plan.totals).toMatchObject({ processes: 2, threads: 14, companions: [['nginx', 2]] });
    const lines = threadPaneLines(plan, 80, 30).map(lineText);
    expect(lines[0]).toMatch(/^Threads · 2 processes · 14 threads: .* · \+ nginx 2$/);
    expect(lines.some((l) => /^ 900 +» nginx +1 thr/.test(l))).toBe(true);
    expect(lines.some((l) => /^ 901 +└ nginx +1 thr/.test(l))).toBe(true);
  });
});

describe('threadColumns', () => {
  it.each([
    // Narrow: no %CPU (the activity says it in ms), names shrink before the wait column.
    [50, { id: 10, name: 13, activity: 11, cpu: 0, last: 10 }],
    [60, { id: 10, name: 18, activity: 11, cpu: 0, last: 15 }],
    [64, { id: 10, name: 18, activity: 11, cpu: 5, last: 13 }],
    [80, { id: 10, name: 28, activity: 11, cpu: 5, last: 19 }],
    [200, { id: 10, name: 28, activity: 11, cpu: 5, last: 48 }],
  ])('at %d columns', (width, cols) => expect(threadColumns(width)).toEqual(cols));
});

describe('groupThreads', () => {
  const busyWorker = nodeProcess(4250, 4242, { busy: 18.4 });
  const summary = (detail: Detail, born: number[] = [], threads = busyWorker.threads) =>
    groupThreads(threads, detail, new Set(born)).map((e) => `${e.tids.length}× ${e.label} ${e.state} ${e.waitLabel}`.trim());

  it.each<[Detail, string[]]>([
    [
      'all',
      [
        '1× node·main R',
        '1× node·V8 delayed S epoll wait',
        '1× node·V8 platform S futex wait',
        '1× node·V8 platform S futex wait',
        '1× node·V8 platform S futex wait',
        '1× node·V8 platform S futex wait',
        '1× node·inspector S futex',
      ],
    ],
    ['grouped', ['1× node·main R', '1× node·V8 delayed S epoll wait', '4× node·V8 platform S futex wait', '1× node·inspector S futex']],
    ['by-wait', ['1× node·main R', '1× node·V8 delayed S epoll wait', '4× node·V8 platform S futex wait', '1× node·inspector S futex']],
    ['busy', ['1× node·main R']],
    ['processes', []],
  ])('a busy Node worker at %s', (detail, rows) => expect(summary(detail)).toEqual(rows));

  it('busy shows nothing of an idle process but what was just born', () => {
    const idle = nodeProcess(4257, 4242);
    expect(summary('busy', [], idle.threads)).toEqual([]);
    expect(summary('busy', [4262], idle.threads)).toEqual(['1× node·V8 platform S futex wait']);
  });

  it('by-wait merges what waits alike, except the main thread', () => {
    const idle = nodeProcess(4257, 4242);
    expect(summary('by-wait', [], idle.threads)).toEqual([
      '1× node·main S epoll wait',
      '1× node·V8 delayed S epoll wait',
      '4× node·V8 platform S futex wait',
      '1× node·inspector S futex',
    ]);
    // Roles that differ are not dropped: the most common one is named, the others counted.
    const pool = [thread(1, { role: 'main', waitLabel: 'epoll wait' }), thread(2, { role: 'libuv pool' }), thread(3, { role: 'inspector' }), thread(4, { role: 'libuv pool' })];
    expect(summary('by-wait', [], pool)).toEqual(['1× node·main S epoll wait', '3× node·libuv pool+1 S futex']);
    const unnamed = [thread(1, { role: 'main', waitLabel: 'epoll wait' }), thread(2, { role: '' }), thread(3, { role: '' })];
    expect(summary('by-wait', [], unnamed)).toEqual(['1× node·main S epoll wait', '2× node S futex']);
  });

  it('sums CPU over a group, keeps null when no member was seen twice, counts the newborn', () => {
    const threads = [thread(1, { cpuPercent: 1.5 }), thread(2, { cpuPercent: 2 }), thread(3, { cpuPercent: null, tid: 3 })];
    const [group] = groupThreads(threads, 'grouped', new Set([3]));
    expect(group).toMatchObject({ tids: [1, 2, 3], cpuPercent: 3.5, bornCount: 1, lastCpu: null });
    const [fresh] = groupThreads([thread(9, { cpuPercent: null })], 'grouped', new Set());
    expect(fresh.cpuPercent).toBeNull();
  });

  it('groups running threads whatever stale wait they carry', () => {
    const threads = [thread(1, { state: 'R', waitLabel: '' }), thread(2, { state: 'R', waitLabel: 'futex' })];
    expect(groupThreads(threads, 'grouped', new Set())).toHaveLength(1);
  });

  it('labels a mixed group by the shared name, or the common prefix', () => {
    const mixed = [thread(1, { name: 'Thread-1' }), thread(2, { name: 'Thread-2' }), thread(3, { name: 'Thread-3' })];
    expect(groupThreads(mixed, 'by-wait', new Set())[0].label).toBe('Thread-…');
    const unrelated = [thread(1, { name: 'alpha' }), thread(2, { name: 'beta' })];
    expect(groupThreads(unrelated, 'by-wait', new Set())[0].label).toBe('threads');
  });
});

describe('planThreadPane', () => {
  it('fits the cluster (5 processes × 7 threads) in 16 rows, every process listed', () => {
    expect(paneText(clusterSnapshot(), 16, 60)).toEqual([
      "Threads · 5 processes · 35 threads: 8 ran, 27 slept",
      "PID/TID    NAME               S LAST 250ms   RSS / WAIT",
      " 4242      node  7 thr          2 ran 21ms   52.7 MiB",
      "   4242    node·main          R ran 20ms     on cpu 0",
      "   4243    node·V8 delayed    S slept        epoll wait",
      "           4× V8 platform     S 1 ran 1.0ms  futex wait",
      "   4248    node·inspector     S slept        futex",
      " 4250      └ node  7 thr        2 ran 47ms   47.9 MiB",
      "   4250    node·main          R ran 46ms     on cpu 0",
      " 4257      └ node  7 thr        slept        48.3 MiB",
      " 4264      └ node  7 thr        2 ran 54ms   48.1 MiB",
      "   4264    node·main          R ran 53ms     on cpu 0",
      " 4271      └ node  7 thr        2 ran 9.8ms  47.6 MiB",
      "   4271    node·main          S ran 8.8ms    epoll wait",
    ]);
  });

  it('folds 1 process × 200 threads into a few rows', () => {
    expect(paneText(snapshotOf([threadExplosion()]), 16, 60)).toEqual([
      "Threads · 1 process · 200 threads: 12 ran, 188 slept",
      "PID/TID    NAME               S LAST 250ms   RSS / WAIT",
      " 5000      gunicorn  200 thr    12 ran 90ms  80.0 MiB",
      "   5000    gunicorn·main      S slept        epoll wait",
      "           12× gunicorn       R 12 ran 90ms",
      "           124× gunicorn      S slept        futex wait",
      "           63× gunicorn       S slept        socket read",
    ]);
  });

  it('fits 5 × 51 threads in 16 rows, giving the leftover rows to the first processes', () => {
    expect(paneText(snapshotOf(gthreadWorkers()), 16, 60)).toEqual([
      "Threads · 5 processes · 255 threads: 5 ran, 250 slept",
      "PID/TID    NAME               S LAST 250ms   RSS / WAIT",
      " 7000      gunicorn  51 thr     1 ran 13ms   30.0 MiB",
      "   7000    gunicorn·main      S ran 13ms     epoll wait",
      "           45× gunicorn       S slept        futex wait",
      "           5× gunicorn        S slept        socket read",
      " 7100      └ gunicorn  51 thr   1 ran 13ms   30.0 MiB",
      "   7100    gunicorn·main      S ran 13ms     epoll wait",
      "           45× gunicorn       S slept        futex wait",
      "           5× gunicorn        S slept        socket read",
      " 7200      └ gunicorn  51 thr   1 ran 13ms   30.0 MiB",
      "   7200    gunicorn·main      S ran 13ms     epoll wait",
      " 7300      └ gunicorn  51 thr   1 ran 13ms   30.0 MiB",
      "   7300    gunicorn·main      S ran 13ms     epoll wait",
      " 7400      └ gunicorn  51 thr   1 ran 13ms   30.0 MiB",
      "   7400    gunicorn·main      S ran 13ms     epoll wait",
    ]);
  });

  it('lists the first processes and says how many more when their rows alone do not fit', () => {
    expect(paneText(clusterSnapshot(), 6, 60)).toEqual([
      "Threads · 5 processes · 35 threads: 8 ran, 27 slept",
      "PID/TID    NAME               S LAST 250ms   RSS / WAIT",
      " 4242      node  7 thr          2 ran 21ms   52.7 MiB",
      " 4250      └ node  7 thr        2 ran 47ms   47.9 MiB",
      " 4257      └ node  7 thr        slept        48.3 MiB",
      "… 2 more processes (14 threads; j/k scrolls)",
    ]);
  });

  it('marks threads born in the last 2 s and lists those that died', () => {
    const births = [change(5000, 5170, 9_000), change(5000, 5171, 9_500), change(5000, 5017, 9_500), change(5000, 5100, 7_000)];
    const deaths = [change(5000, 5300, 9_800, 'x'), change(5000, 5301, 9_800, 'x'), change(4999, 4999, 9_900), change(1, 2, 5_000)];
    expect(paneText(snapshotOf([threadExplosion()]), 12, 60, { births, deaths })).toEqual([
      "Threads · 1 process · 200 threads: 12 ran, 188 slept",
      "PID/TID    NAME               S LAST 250ms   RSS / WAIT",
      " 5000      gunicorn  200 thr    12 ran 90ms  80.0 MiB",
      "   5000    gunicorn·main      S slept        epoll wait",
      "  +1       12× gunicorn       R 12 ran 90ms",
      "  +2       124× gunicorn      S slept        futex wait",
      "           63× gunicorn       S slept        socket read",
      "−3 died: 2× node·x (pid 5000), node (pid 4999)",
    ]);
  });

  it('shows every thread when there is room, a new one with its + and tid', () => {
    const lines = paneText(snapshotOf([nodeProcess(4242, 1)]), 12, 80, { births: [change(4242, 4247, 9_900)] });
    expect(lines).toEqual([
      "Threads · 1 process · 7 threads: 0 ran, 7 slept · +1 new · 0.0% CPU",
      "PID/TID    NAME                         S LAST 250ms   %CPU  RSS / WAIT",
      " 4242      node  7 thr: 7 S               slept         0.0  48.2 MiB",
      "   4242    node·main                    S slept         0.0  epoll wait",
      "   4243    node·V8 delayed              S slept         0.0  epoll wait",
      "   4244    node·V8 platform             S slept         0.0  futex wait",
      "   4245    node·V8 platform             S slept         0.0  futex wait",
      "   4246    node·V8 platform             S slept         0.0  futex wait",
      "  +4247    node·V8 platform             S slept         0.0  futex wait",
      "   4248    node·inspector               S slept         0.0  futex",
    ]);
  });

  it('says so before the first sample and when the tree is gone', () => {
    expect(paneText(null, 5, 60)).toEqual(['Threads', 'waiting for the first sample…']);
    expect(paneText(snapshotOf([]), 5, 60)).toEqual(['Threads', 'the server’s process tree is gone']);
  });

  it('never prints a raw escape from a process or thread name', () => {
    const evil = { ...nodeProcess(4242, 1), name: '\x1b]0;owned\x07x\x1b[2J' };
    evil.threads = evil.threads.map((t) => ({ ...t, name: '\x1b[31mred', waitLabel: 'wait\x1b[H' }));
    const text = paneText(snapshotOf([evil]), 12, 80).join('\n');
    expect(text).not.toMatch(/\x1b/);
    expect(text).toContain(' 4242      x  7 thr: 7 S ');
  });

  it.each([
    ['cluster 5×7', clusterSnapshot()],
    ['1×200', snapshotOf([threadExplosion()])],
    ['5×51', snapshotOf(gthreadWorkers())],
  ])('%s: never more lines than rows, never wider than the pane', (_name, snapshot) => {
    const deaths = [change(4250, 1, 9_900), change(5000, 2, 9_900)];
    const births = [change(4250, 4251, 9_900), change(5000, 5001, 9_900)];
    for (const width of [40, 50, 60, 80, 120]) {
      for (let rows = 0; rows <= 60; rows++) {
        const plan = planThreadPane({ snapshot, births, deaths, nowMs: 10_000 }, rows);
        const lines = threadPaneLines(plan, width, rows);
        expect(lines.length).toBeLessThanOrEqual(rows);
        for (const line of lines) expect(lineWidth(line)).toBeLessThanOrEqual(width);
        if (rows >= 3 + snapshot.processes.length) {
          // Every process is listed once there is a row for each.
          const text = lines.map(lineText).join('\n');
          for (const p of snapshot.processes) expect(text).toContain(` ${p.pid} `);
        }
      }
    }
  });

  it('uses more detail as rows grow', () => {
    const details = [8, 12, 16, 20, 24, 40, 42].map((rows) => planThreadPane({ snapshot: clusterSnapshot(), births: [], deaths: [], nowMs: 0 }, rows).detail);
    expect(details).toEqual(['processes', 'busy', 'busy', 'busy', 'busy', 'grouped', 'all']);
  });
});

describe('what a thread did over the interval', () => {
  it.each([
    [0, '<1µs'],
    [0.0004, '<1µs'],
    [0.04, '40µs'],
    [0.9994, '999µs'],
    [0.9996, '1.0ms'],
    [9.94, '9.9ms'],
    [9.96, '10ms'],
    [37.4, '37ms'],
    [999.4, '999ms'],
    [999.6, '1.0s'],
    [12_345, '12s'],
  ])('formatRanMs(%d) = %s', (ms, text) => expect(formatRanMs(ms)).toBe(text));

  it('formatRanMs(ms, whole) drops the decimal of milliseconds', () => {
    expect([formatRanMs(9.94, true), formatRanMs(1.2, true), formatRanMs(0.5, true)]).toEqual(['10ms', '1ms', '500µs']);
  });

  it.each([
    ['S', 'slept'],
    ['I', 'slept'],
    ['', 'slept'],
    ['D', 'blocked'],
    ['R', 'queued'],
    ['T', 'stopped'],
    ['Z', 'exited'],
  ])('a thread in %j that did not run %s', (state, word) => expect(idleWord(state)).toBe(word));

  it.each<[string, { known: number; ran: number; ranMs: number }, boolean, string, string]>([
    ['first sight', { known: 0, ran: 0, ranMs: 0 }, true, 'S', '—'],
    ['slept', { known: 1, ran: 0, ranMs: 0 }, true, 'S', 'slept'],
    ['ran', { known: 1, ran: 1, ranMs: 37.4 }, true, 'S', 'ran 37ms'],
    ['ran a little', { known: 1, ran: 1, ranMs: 0.012 }, true, 'S', 'ran 12µs'],
    ['a group, some ran', { known: 4, ran: 3, ranMs: 9.2 }, false, 'S', '3 ran 9.2ms'],
    ['a group, the ms rounded to fit', { known: 40, ran: 12, ranMs: 9.2 }, false, 'S', '12 ran 9ms'],
    ['a group, no room for the ms', { known: 200, ran: 123, ranMs: 480 }, false, 'R', '123 ran'],
    ['a group in D', { known: 2, ran: 0, ranMs: 0 }, false, 'D', 'blocked'],
  ])('%s: %j → %s', (_name, activity, single, state, text) => expect(activityText(activity, single, state)).toBe(text));

  it.each([
    [250.4, '250ms'],
    [247, '250ms'],
    [100, '100ms'],
    [996, '1.0s'],
    [2_500, '2.5s'],
    [12_000, '12s'],
  ])('the header says the interval %d as %s', (ms, text) => expect(formatIntervalMs(ms)).toBe(text));

  it('counts in the title the threads that ran, not the letters: all read S, five ran', () => {
    const threads = Array.from({ length: 21 }, (_, k) => thread(100 + k, { name: 'python3', ...(k % 4 === 1 ? { ranMs: 2 + k, cpuPercent: (2 + k) / 2.5 } : {}) }));
    const p: ProcessSample = { ...nodeProcess(100, 1), name: 'python3', threads, cpuPercent: 22 };
    expect(threads.every((t) => t.state === 'S')).toBe(true);
    // Folded alike (same name, state and wait), the group still says that 5 of its 21 ran.
    expect(paneText(snapshotOf([p]), 8, 80)).toEqual([
      'Threads · 1 process · 21 threads: 5 ran, 16 slept · 22.0% CPU',
      'PID/TID    NAME                         S LAST 250ms   %CPU  RSS / WAIT',
      ' 100       python3  21 thr: 21 S          5 ran 55ms   22.0  48.2 MiB',
      '           21× python3                  S 5 ran 55ms   22.0  futex',
    ]);
  });

  it('says the letters on the first sample, when no thread has an interval yet', () => {
    const first = { ...nodeProcess(4242, 1), cpuPercent: null };
    first.threads = first.threads.map((t) => ({ ...t, cpuPercent: null, ranMs: null }));
    const lines = paneText({ ...snapshotOf([first]), intervalMs: 0 }, 12, 80);
    expect(lines.slice(0, 4)).toEqual([
      'Threads · 1 process · 7 threads: 7 S',
      'PID/TID    NAME                         S LAST         %CPU  RSS / WAIT',
      ' 4242      node  7 thr: 7 S               —               –  48.2 MiB',
      '   4242    node·main                    S —               –  epoll wait',
    ]);
  });

  it('names what did not run by its state, and adds the letters worth a look to the title and the process', () => {
    const idle = nodeProcess(4242, 1);
    const p: ProcessSample = {
      ...idle,
      threads: idle.threads.map((t, k) =>
        k === 2 ? { ...t, state: 'D', wchan: 'folio_wait_bit_common', waitLabel: 'disk I/O' } : k === 3 ? { ...t, state: 'R', wchan: '', waitLabel: '' } : t,
      ),
    };
    const lines = paneText(snapshotOf([p]), 12, 80);
    expect(lines[0]).toBe('Threads · 1 process · 7 threads: 0 ran, 7 slept · 1 D · 0.0% CPU');
    expect(lines[2]).toBe(' 4242      node  7 thr: 1 R, 1 D, 5 S     slept         0.0  48.2 MiB');
    expect(lines[5]).toBe('   4244    node·V8 platform             D blocked       0.0  disk I/O');
    expect(lines[6]).toBe('   4245    node·V8 platform             R queued        0.0  on cpu 0');
  });

  it('keeps the title in a 50-column pane: the slept count goes first, then the long words', () => {
    expect(paneText(clusterSnapshot(), 3, 50)[0]).toBe('Threads · 5 processes · 35 threads: 8 ran');
    expect(paneText(snapshotOf([threadExplosion()]), 3, 40)[0]).toBe('Threads · 1 proc · 200 thr: 12 ran');
  });
});
