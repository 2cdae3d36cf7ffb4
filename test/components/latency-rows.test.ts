import { describe, expect, it } from 'vitest';
import { binCounts, chooseEdgesUs, histogramLines, latencyLayout, latencyPaneLines, toBars } from '../../components/latency-rows.js';
import { lineText, lineWidth } from '../../components/line.js';
import { toSparkline } from '../../components/Sparkline.js';
import type { SparseHistogram } from '../../src/load/types.js';
import { BASE_STATE, CUMULATIVE_HISTOGRAM, WINDOW_HISTOGRAM } from './fixtures.js';

const EMPTY: SparseHistogram = { valuesUs: [], counts: [] };
const BIMODAL: SparseHistogram = { valuesUs: [850, 1_200, 2_100, 201_000, 3_050_000], counts: [40, 300, 20, 500, 12] };
const INPUT = {
  windowHistogram: WINDOW_HISTOGRAM,
  cumulativeHistogram: CUMULATIVE_HISTOGRAM,
  windowLabel: '5 s',
  rpsPerSecond: BASE_STATE.load.rpsPerSecond,
  p99MsPerSample: BASE_STATE.timeline.map((p) => p.p99Ms),
};

describe('toSparkline', () => {
  it.each([
    [[], 10, ''],
    [[0, 0, 0], 10, '   '],
    [[1, 2, 3, 4, 5, 6, 7, 8], 10, '▁▂▃▄▅▆▇█'],
    [[250, 248, 0, 251], 10, '██ █'],
    [[1, 1000], 10, '▁█'],
    [[5, 1, 2, 3, 4], 3, '▄▆█'],
    [[3, Number.NaN, 3], 5, '█ █'],
    [[1, 2], 0, ''],
  ])('toSparkline(%j, %d) = %j', (values, width, out) => expect(toSparkline(values, width)).toBe(out));
});

describe('toBars', () => {
  it.each([
    [[0, 0], 10, ['', '']],
    [[10, 5, 0], 10, ['██████████', '█████', '']],
    [[8, 1], 1, ['█', '▏']],
    [[1000, 1], 4, ['████', '▏']],
    [[16, 3], 2, ['██', '▍']],
    [[7, 6], 1, ['█', '▉']],
  ])('toBars(%j, %d)', (counts, width, bars) => expect(toBars(counts, width)).toEqual(bars));

  it('never draws past the width', () => {
    for (const width of [1, 5, 33]) for (const bar of toBars([3, 17, 99, 100, 1], width)) expect([...bar].length).toBeLessThanOrEqual(width);
  });
});

describe('chooseEdgesUs', () => {
  it.each<[string, SparseHistogram, number, number[]]>([
    ['empty', EMPTY, 10, []],
    ['no rows', CUMULATIVE_HISTOGRAM, 0, []],
    ['200 ms in 3 rows: data, then a neighbour below', CUMULATIVE_HISTOGRAM, 3, [150_000, 200_000, 300_000, 500_000]],
    ['200 ms in 10 rows: the whole decade', CUMULATIVE_HISTOGRAM, 10, [100_000, 120_000, 150_000, 200_000, 250_000, 300_000, 400_000, 500_000, 600_000, 800_000, 1_000_000]],
    ['200 ms in 30 rows: still the decade', CUMULATIVE_HISTOGRAM, 30, [100_000, 120_000, 150_000, 200_000, 250_000, 300_000, 400_000, 500_000, 600_000, 800_000, 1_000_000]],
    ['µs to s in 12 rows: 1-2-5', BIMODAL, 12, [500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000]],
    ['µs to s in 3 rows: two decades a bucket', BIMODAL, 3, [100, 10_000, 1_000_000, 100_000_000]],
    ['one value at 1 ms', { valuesUs: [1_000], counts: [1] }, 5, [1_000, 1_200, 1_500, 2_000, 2_500, 3_000]],
  ])('%s', (_name, h, bins, edges) => {
    const got = chooseEdgesUs(h, bins);
    expect(got).toEqual(edges);
    expect(Math.max(0, got.length - 1)).toBeLessThanOrEqual(bins);
  });

  it('puts a 200 ms latency in a bar of its own at every budget', () => {
    const h: SparseHistogram = { valuesUs: [199_000, 201_000, 204_000], counts: [10, 500, 20] };
    for (let bins = 1; bins <= 30; bins++) {
      const counts = binCounts(h, chooseEdgesUs(h, bins)).map((b) => b.count);
      expect(Math.max(...counts) / 530).toBeGreaterThanOrEqual(0.94);
    }
  });
});

describe('binCounts', () => {
  it('counts per bucket, clamping outliers into the end buckets', () => {
    const h: SparseHistogram = { valuesUs: [50, 150, 199, 200, 999, 5_000], counts: [1, 2, 3, 4, 5, 6] };
    expect(binCounts(h, [100, 200, 1_000]).map((b) => b.count)).toEqual([6, 15]);
    expect(binCounts(h, [100])).toEqual([]);
  });
});

describe('latencyLayout', () => {
  it.each([
    [0, { tableRows: 0, rpsLine: false, targetLine: false, explainLine: false, p99Line: false, caption: false, bins: 0 }],
    [2, { tableRows: 2, rpsLine: false, targetLine: false, explainLine: false, p99Line: false, caption: false, bins: 0 }],
    [4, { tableRows: 3, rpsLine: true, targetLine: false, explainLine: false, p99Line: false, caption: false, bins: 0 }],
    [7, { tableRows: 3, rpsLine: true, targetLine: false, explainLine: false, p99Line: false, caption: false, bins: 3 }],
    [9, { tableRows: 3, rpsLine: true, targetLine: false, explainLine: false, p99Line: true, caption: false, bins: 4 }],
    [14, { tableRows: 3, rpsLine: true, targetLine: false, explainLine: false, p99Line: true, caption: true, bins: 8 }],
  ])('%d rows', (rows, layout) => expect(latencyLayout(rows)).toEqual(layout));

  it.each([
    [6, { tableRows: 5, rpsLine: true, targetLine: false, explainLine: false, p99Line: false, caption: false, bins: 0 }],
    [11, { tableRows: 5, rpsLine: true, targetLine: true, explainLine: false, p99Line: false, caption: false, bins: 4 }],
    [12, { tableRows: 5, rpsLine: true, targetLine: true, explainLine: true, p99Line: false, caption: false, bins: 4 }],
    [20, { tableRows: 5, rpsLine: true, targetLine: true, explainLine: true, p99Line: true, caption: true, bins: 10 }],
  ])('open loop with a target, %d rows: the table gets two rows from the actual send, then the target', (rows, layout) =>
    expect(latencyLayout(rows, { openLoop: true, target: true })).toEqual(layout));
});

describe('latencyPaneLines', () => {
  const text = (input: typeof INPUT, width: number, rows: number) => latencyPaneLines(input, width, rows).map(lineText);

  it('open loop: corrected rows over rows from the actual send, the target under req/s on one scale, and what they mean', () => {
    const open = {
      ...INPUT,
      uncorrected: { window: { valuesUs: [5_000], counts: [100] }, cumulative: { valuesUs: [5_000], counts: [400] } },
      target: { perSecond: [200, 200, 200, 200], unit: 'req/s' as const },
      rpsPerSecond: [200, 200, 100, 200],
    };
    const lines = text(open, 54, 13);
    expect(lines.slice(0, 8)).toEqual([
      'Latency        p50      p90      p99    p99.9      max',
      'last 5 s    201 ms   202 ms   208 ms   226 ms   251 ms',
      '  at send  5.00 ms  5.00 ms  5.00 ms  5.00 ms  5.00 ms',
      'all         201 ms   202 ms   208 ms   412 ms   412 ms',
      '  at send  5.00 ms  5.00 ms  5.00 ms  5.00 ms  5.00 ms',
      'req/s ██▄█ 200/s',
      'target████ 200/s',
      'from intended send time · at send: from actual send',
    ]);
    expect(lines).toHaveLength(13);
  });

  it('a ramp of connections: the steps on the time axis, in connections', () => {
    const ramp = { ...INPUT, target: { perSecond: [10, 10, 50, 50, 200], unit: 'conns' as const }, rpsPerSecond: [40, 41, 190, 200, 410] };
    const lines = text(ramp, 54, 9);
    expect(lines[3]).toBe('req/s ▁▁▄▄█ 410/s');
    expect(lines[4]).toMatch(/^target[▁▂▃▄▅▆▇█]{5} 200 conns$/);
  });

  it('at 54 × 14: table, trends, a live histogram with the 200 ms bar', () => {
    expect(text(INPUT, 54, 14)).toEqual([
      'Latency       p50      p90      p99    p99.9      max',
      'last 5 s   201 ms   202 ms   208 ms   226 ms   251 ms',
      'all        201 ms   202 ms   208 ms   412 ms   412 ms',
      'req/s ▆███████████ 248/s',
      'p99   █████████████████████████████████████████ 212 ms',
      'histogram · last 5 s · 1,200 responses',
      '120–150 ms                                           0',
      '150–200 ms                                           0',
      '200–250 ms █████████████████████████████████████ 1,199',
      '250–300 ms ▏                                         1',
      '300–400 ms                                           0',
      '400–500 ms                                           0',
      '500–600 ms                                           0',
      '600–800 ms                                           0',
    ]);
  });

  it('at 80 × 7: table, req/s, three buckets', () => {
    expect(text(INPUT, 80, 7)).toEqual([
      'Latency        p50       p90       p99     p99.9       max',
      'last 5 s    201 ms    202 ms    208 ms    226 ms    251 ms',
      'all         201 ms    202 ms    208 ms    412 ms    412 ms',
      'req/s ▆███████████ 248/s',
      '150–200 ms                                                                     0',
      '200–300 ms ███████████████████████████████████████████████████████████████ 1,200',
      '300–500 ms                                                                     0',
    ]);
  });

  it('shows the whole run once the window is empty (load over)', () => {
    expect(text({ ...INPUT, windowHistogram: EMPTY }, 60, 10)).toEqual([
      'Latency        p50       p90       p99     p99.9       max',
      'last 5 s         —         —         —         —         —',
      'all         201 ms    202 ms    208 ms    412 ms    412 ms',
      'req/s ▆███████████ 248/s',
      'p99   ███████████████████████████████████████████████ 212 ms',
      'histogram · whole run · 2,972 responses',
      '200–250 ms ███████████████████████████████████████████ 2,963',
      '250–300 ms ▏                                               2',
      '300–400 ms ▏                                               4',
      '400–500 ms ▏                                               3',
    ]);
  });

  it('says so before the first response', () => {
    expect(text({ ...INPUT, windowHistogram: EMPTY, cumulativeHistogram: EMPTY, rpsPerSecond: [], p99MsPerSample: [] }, 60, 10)).toEqual([
      'Latency        p50       p90       p99     p99.9       max',
      'last 5 s         —         —         —         —         —',
      'all              —         —         —         —         —',
      'req/s  —',
      'p99    —',
      'no responses yet',
    ]);
  });

  it('labels buckets across units, right-aligned', () => {
    const lines = histogramLines(binCounts(BIMODAL, [100, 1_000, 10_000, 1_000_000, 10_000_000]), 40).map(lineText);
    expect(lines).toEqual([
      '100 µs–1 ms █▉                        40',
      '    1–10 ms ███████████████▍         320',
      '  10 ms–1 s ████████████████████████ 500',
      '     1–10 s ▋                         12',
    ]);
  });

  it('never more lines than rows, never wider than the pane', () => {
    for (const input of [INPUT, { ...INPUT, windowHistogram: BIMODAL, cumulativeHistogram: BIMODAL }]) {
      for (const width of [30, 48, 54, 80, 90]) {
        for (let rows = 0; rows <= 40; rows++) {
          const lines = latencyPaneLines(input, width, rows);
          expect(lines.length).toBeLessThanOrEqual(rows);
          for (const line of lines) expect(lineWidth(line)).toBeLessThanOrEqual(width);
        }
      }
    }
  });
});
