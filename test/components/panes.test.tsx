import React from 'react';
import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { ThreadPane } from '../../components/ThreadPane.js';
import { LatencyPane } from '../../components/LatencyPane.js';
import { Sparkline } from '../../components/Sparkline.js';
import { HelpOverlay, helpLines } from '../../components/HelpOverlay.js';
import { Footer, footerLine } from '../../components/Footer.js';
import { lineText } from '../../components/line.js';
import { BASE_STATE, CUMULATIVE_HISTOGRAM, WINDOW_HISTOGRAM, change, clusterSnapshot } from './fixtures.js';
import { frameLines } from './render.js';

function frame(element: React.ReactElement): string[] {
  const { lastFrame, unmount } = render(element);
  const lines = frameLines(lastFrame() ?? '');
  unmount();
  return lines;
}

describe('ThreadPane', () => {
  it('renders the cluster with a new thread and two dead ones at 64 × 14', () => {
    const lines = frame(
      <ThreadPane
        snapshot={clusterSnapshot()}
        births={[change(4257, 4262, 13_500)]}
        deaths={[change(4264, 4280, 14_000, 'libuv pool'), change(4264, 4281, 14_000, 'libuv pool')]}
        nowMs={14_200}
        widthColumns={64}
        rows={14}
      />,
    );
    expect(lines).toEqual([
      "Threads · 5 processes · 35 threads: 8 ran, 27 slept · +1 new",
      "PID/TID    NAME               S LAST 250ms   %CPU  RSS / WAIT",
      " 4242      node  7 thr          2 ran 21ms    8.5  52.7 MiB",
      "   4242    node·main          R ran 20ms      8.1  on cpu 0",
      " 4250      └ node  7 thr        2 ran 47ms   18.8  47.9 MiB",
      "   4250    node·main          R ran 46ms     18.4  on cpu 0",
      " 4257      └ node  7 thr        slept         0.0  48.3 MiB",
      "  +4262    node·V8 platform   S slept         0.0  futex wait",
      " 4264      └ node  7 thr        2 ran 54ms   21.6  48.1 MiB",
      "   4264    node·main          R ran 53ms     21.2  on cpu 0",
      " 4271      └ node  7 thr        2 ran 9.8ms   3.9  47.6 MiB",
      "   4271    node·main          S ran 8.8ms     3.5  epoll wait",
      "−2 died: 2× node·libuv pool (pid 4264)",
      "",
    ]);
  });

  it('says what each thread did over the interval in 50 columns (beside the latency of a 100-column terminal)', () => {
    const lines = frame(<ThreadPane snapshot={clusterSnapshot()} births={[]} deaths={[]} nowMs={14_200} widthColumns={50} rows={9} />);
    expect(lines).toEqual([
      'Threads · 5 processes · 35 threads: 8 ran',
      'PID/TID    NAME          S LAST 250ms   RSS / WAIT',
      ' 4242      node  7 thr     2 ran 21ms   52.7 MiB',
      '   4242    node·main     R ran 20ms     on cpu 0',
      ' 4250      └ node  7 thr   2 ran 47ms   47.9 MiB',
      '   4250    node·main     R ran 46ms     on cpu 0',
      ' 4257      └ node  7 thr   slept        48.3 MiB',
      ' 4264      └ node  7 thr   2 ran 54ms   48.1 MiB',
      ' 4271      └ node  7 thr   2 ran 9.8ms  47.6 MiB',
    ]);
  });

  it('takes exactly its rows, however few', () => {
    for (const rows of [1, 2, 3, 5, 9, 20]) {
      const lines = frame(<ThreadPane snapshot={clusterSnapshot()} births={[]} deaths={[]} nowMs={0} widthColumns={60} rows={rows} />);
      expect(lines).toHaveLength(rows);
    }
  });

  it('forgets births and deaths older than their windows', () => {
    const lines = frame(
      <ThreadPane snapshot={clusterSnapshot()} births={[change(4257, 4262, 1_000)]} deaths={[change(4264, 4280, 1_000)]} nowMs={14_200} widthColumns={64} rows={14} />,
    );
    expect(lines.join('\n')).not.toMatch(/[+−]\d/);
  });
});

describe('LatencyPane', () => {
  it('renders table, trends and histogram at 54 × 10', () => {
    const lines = frame(
      <LatencyPane
        windowHistogram={WINDOW_HISTOGRAM}
        cumulativeHistogram={CUMULATIVE_HISTOGRAM}
        windowLabel="5 s"
        rpsPerSecond={BASE_STATE.load.rpsPerSecond}
        p99MsPerSample={BASE_STATE.timeline.map((p) => p.p99Ms)}
        widthColumns={54}
        rows={10}
      />,
    );
    expect(lines).toEqual([
      'Latency       p50      p90      p99    p99.9      max',
      'last 5 s   201 ms   202 ms   208 ms   226 ms   251 ms',
      'all        201 ms   202 ms   208 ms   412 ms   412 ms',
      'req/s ▆███████████ 248/s',
      'p99   █████████████████████████████████████████ 212 ms',
      'histogram · last 5 s · 1,200 responses',
      '200–250 ms █████████████████████████████████████ 1,199',
      '250–300 ms ▏                                         1',
      '300–400 ms                                           0',
      '400–500 ms                                           0',
    ]);
  });
});

describe('Sparkline', () => {
  it('draws the newest values that fit', () => {
    expect(frame(<Sparkline values={[1, 2, 3, 4, 5, 6, 7, 8, 0, 8]} widthColumns={8} />)).toEqual(['▃▄▅▆▇█ █']);
  });
});

describe('HelpOverlay and Footer', () => {
  it('shows the keys in a box', () => {
    // Every key first: with 12 rows the legend under them is cut, the keys never are.
    expect(frame(<HelpOverlay widthColumns={80} rows={12} />)).toEqual([
      '╭──────────────────────────────────────────────────────────────────────────────╮',
      '│ Keys                                                                         │',
      '│   q, Ctrl-C    quit: stop the load and the server, print the summary         │',
      '│   space, p     pause / resume the load                                       │',
      '│   ↑ / ↓        more / fewer connections (×/÷ 1.25 per press)                 │',
      '│   → / ←        higher / lower rate, open loop (×/÷ 1.25 per press)           │',
      '│   f            freeze the screen (FROZEN) while the run goes on; f resumes   │',
      '│   t            collapse: process rows only, with their threads over time     │',
      '│   s            sort threads in a process: tid → CPU → state → name           │',
      '│   /            filter by name: type, Enter applies, Esc clears               │',
      '│   j/k PgDn/Up  thread cursor: a row per thread, scrolls (Home/End; Esc)      │',
      '╰──────────────────────────────────────────────────────────────────────────────╯',
    ]);
    const all = helpLines(200).map(lineText);
    expect(all).toContain('  h, ?         show / hide this help');
    expect(all).toContain('Thread states (proc(5))');
    expect(helpLines(200, { openLoop: false }).map(lineText)).toContain('  → / ←        higher / lower rate: open loop (--rate) only');
  });

  it('keeps the keys first when short of rows', () => {
    expect(frame(<HelpOverlay widthColumns={60} rows={3} />)).toEqual([
      'Keys',
      '  q, Ctrl-C    quit: stop the load and the server, print th…',
      '  space, p     pause / resume the load',
    ]);
    expect(helpLines(200).map(lineText)[1]).toBe('  q, Ctrl-C    quit: stop the load and the server, print the summary');
  });

  it.each([
    ['loading', false, 'q quit · space pause · ? help · ↑↓ conns · f freeze · t collapse · s sort'],
    ['paused', false, 'q quit · space resume · ? help · ↑↓ conns · f freeze · t collapse · s sort'],
    ['done', false, 'q quit · ? help · f freeze · t collapse · s sort · / filter · j/k cursor'],
    ['loading', true, 'q quit · space pause · ? close help · ↑↓ conns · f freeze · t collapse · s sort'],
  ] as const)('footer when %s (help %s)', (phase, help, text) => {
    // q, space and ? always; the other keys whole, while they fit.
    expect(lineText(footerLine(phase, help, 80))).toBe(text);
    const narrow = lineText(footerLine(phase, help, 36));
    expect(text.startsWith(narrow) && narrow.endsWith('help') === (phase !== 'done')).toBe(true);
    expect(frame(<Footer phase={phase} showHelp={help} widthColumns={80} />)).toEqual([text]);
  });
});
