import { describe, expect, it } from 'vitest';
import {
  groupThreads,
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
    [50, { id: 10, name: 18, last: 11 }],
    [60, { id: 10, name: 22, last: 17 }],
    [64, { id: 10, name: 26, last: 17 }],
    [80, { id: 10, name: 28, last: 31 }],
    [200, { id: 10, name: 28, last: 48 }],
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
      'Threads · 5 processes · 35 threads: 3 R, 32 S · 52.8% CPU',
      'PID/TID    NAME                   S  %CPU  RSS / WAIT',
      ' 4242      node  7 thr: 1 R, 6 S      8.5  52.7 MiB',
      '   4242    node·main              R   8.1  on cpu 0',
      '   4243    node·V8 delayed        S   0.0  epoll wait',
      '           4× node·V8 platform    S   0.4  futex wait',
      '   4248    node·inspector         S   0.0  futex',
      ' 4250      └ node  7 thr 1R 6S       18.8  47.9 MiB',
      '   4250    node·main              R  18.4  on cpu 0',
      ' 4257      └ node  7 thr: 7 S         0.0  48.3 MiB',
      ' 4264      └ node  7 thr 1R 6S       21.6  48.1 MiB',
      '   4264    node·main              R  21.2  on cpu 0',
      ' 4271      └ node  7 thr: 7 S         3.9  47.6 MiB',
      '   4271    node·main              S   3.5  epoll wait',
    ]);
  });

  it('folds 1 process × 200 threads into a few rows', () => {
    expect(paneText(snapshotOf([threadExplosion()]), 16, 60)).toEqual([
      'Threads · 1 process · 200 threads: 12 R, 188 S · 40.0% CPU',
      'PID/TID    NAME                   S  %CPU  RSS / WAIT',
      ' 5000      gunicorn  200 thr         40.0  80.0 MiB',
      '   5000    gunicorn·main          S   0.0  epoll wait',
      '           12× gunicorn           R  36.0',
      '           124× gunicorn          S   0.0  futex wait',
      '           63× gunicorn           S   0.0  socket read',
    ]);
  });

  it('fits 5 × 51 threads in 16 rows, giving the leftover rows to the first processes', () => {
    expect(paneText(snapshotOf(gthreadWorkers()), 16, 60)).toEqual([
      'Threads · 5 processes · 255 threads: 255 S · 25.0% CPU',
      'PID/TID    NAME                   S  %CPU  RSS / WAIT',
      ' 7000      gunicorn  51 thr: 51 S     5.0  30.0 MiB',
      '   7000    gunicorn·main          S   5.0  epoll wait',
      '           45× gunicorn           S   0.0  futex wait',
      '           5× gunicorn            S   0.0  socket read',
      ' 7100      └ gunicorn  51 thr 51S     5.0  30.0 MiB',
      '   7100    gunicorn·main          S   5.0  epoll wait',
      '           45× gunicorn           S   0.0  futex wait',
      '           5× gunicorn            S   0.0  socket read',
      ' 7200      └ gunicorn  51 thr 51S     5.0  30.0 MiB',
      '   7200    gunicorn·main          S   5.0  epoll wait',
      ' 7300      └ gunicorn  51 thr 51S     5.0  30.0 MiB',
      '   7300    gunicorn·main          S   5.0  epoll wait',
      ' 7400      └ gunicorn  51 thr 51S     5.0  30.0 MiB',
      '   7400    gunicorn·main          S   5.0  epoll wait',
    ]);
  });

  it('lists the first processes and says how many more when their rows alone do not fit', () => {
    expect(paneText(clusterSnapshot(), 6, 60)).toEqual([
      'Threads · 5 processes · 35 threads: 3 R, 32 S · 52.8% CPU',
      'PID/TID    NAME                   S  %CPU  RSS / WAIT',
      ' 4242      node  7 thr: 1 R, 6 S      8.5  52.7 MiB',
      ' 4250      └ node  7 thr 1R 6S       18.8  47.9 MiB',
      ' 4257      └ node  7 thr: 7 S         0.0  48.3 MiB',
      '… 2 more processes (14 threads)',
    ]);
  });

  it('marks threads born in the last 2 s and lists those that died', () => {
    const births = [change(5000, 5170, 9_000), change(5000, 5171, 9_500), change(5000, 5017, 9_500), change(5000, 5100, 7_000)];
    const deaths = [change(5000, 5300, 9_800, 'x'), change(5000, 5301, 9_800, 'x'), change(4999, 4999, 9_900), change(1, 2, 5_000)];
    expect(paneText(snapshotOf([threadExplosion()]), 12, 60, { births, deaths })).toEqual([
      'Threads · 1 process · 200 threads: 12 R, 188 S · +3 new',
      'PID/TID    NAME                   S  %CPU  RSS / WAIT',
      ' 5000      gunicorn  200 thr         40.0  80.0 MiB',
      '   5000    gunicorn·main          S   0.0  epoll wait',
      '  +1       12× gunicorn           R  36.0',
      '  +2       124× gunicorn          S   0.0  futex wait',
      '           63× gunicorn           S   0.0  socket read',
      '−3 died: 2× node·x (pid 5000), node (pid 4999)',
    ]);
  });

  it('shows every thread when there is room, a new one with its + and tid', () => {
    const lines = paneText(snapshotOf([nodeProcess(4242, 1)]), 12, 80, { births: [change(4242, 4247, 9_900)] });
    expect(lines).toEqual([
      'Threads · 1 process · 7 threads: 7 S · +1 new · 0.0% CPU',
      'PID/TID    NAME                         S  %CPU  RSS / WAIT',
      ' 4242      node  7 thr: 7 S                 0.0  48.2 MiB',
      '   4242    node·main                    S   0.0  epoll wait',
      '   4243    node·V8 delayed              S   0.0  epoll wait',
      '   4244    node·V8 platform             S   0.0  futex wait',
      '   4245    node·V8 platform             S   0.0  futex wait',
      '   4246    node·V8 platform             S   0.0  futex wait',
      '  +4247    node·V8 platform             S   0.0  futex wait',
      '   4248    node·inspector               S   0.0  futex',
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
    expect(text).toContain(' 4242      x  7 thr: 7 S');
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
