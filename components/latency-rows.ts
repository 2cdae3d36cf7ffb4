import { summarizeMs, totalCount, type LatencySummaryMs } from '../src/load/histogram.js';
import type { SparseHistogram } from '../src/load/types.js';
import { formatCount, formatLatencyMs, formatRangeUs, formatRate, formatSetting } from './format.js';
import { fitLine, type Line, type Segment } from './line.js';
import { toSparkline } from './Sparkline.js';
import { padEnd, padStart } from './text.js';

/**
 * The view math of the latency pane: bucket edges that follow the data, bar lengths, and the
 * lines of the percentile table, the req/s sparkline and the histogram, within a row budget.
 */

/**
 * Multipliers within one decade, coarsest first. Each set is a near-even split of the decade on
 * a log scale with round edges (the finest steps by 1.2–1.33×), so labels read `200–250 ms`.
 */
export const DECADE_SPLITS: readonly (readonly number[])[] = [
  [1],
  [1, 3],
  [1, 2, 5],
  [1, 1.5, 2, 3, 5, 7],
  [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8],
];

/**
 * Bucket edges in microseconds for the values of `h`, at most `maxBins` buckets. The axis lives
 * within the powers of ten around the data (the one at or below its smallest value, the one
 * above its largest), split as finely as the budget allows: first the buckets that hold data,
 * then empty neighbours, one above, one below, in turn, for scale. A run whose latencies all
 * sit near 200 ms gets 100–120 ms … 800 ms–1 s given 10 rows, or 150–200, 200–300, 300–500 ms
 * given 3: either way one bar stands out. When even one bucket per decade is too many,
 * buckets span several decades. Returns [] for an empty histogram or maxBins < 1.
 */
export function chooseEdgesUs(h: SparseHistogram, maxBins: number): number[] {
  if (maxBins < 1 || totalCount(h) === 0) return [];
  const minUs = Math.max(1, h.valuesUs[0]);
  const maxUs = Math.max(minUs, h.valuesUs[h.valuesUs.length - 1]);
  const fromExp = Math.floor(Math.log10(minUs) + 1e-9);
  const toExp = Math.floor(Math.log10(maxUs) + 1e-9) + 1;
  for (let k = DECADE_SPLITS.length - 1; k >= 0; k--) {
    const all: number[] = [];
    for (let e = fromExp; e < toExp; e++) for (const m of DECADE_SPLITS[k]) all.push(round(m * 10 ** e));
    all.push(10 ** toExp);
    let lo = 0;
    while (lo + 1 < all.length && all[lo + 1] <= minUs) lo++;
    let hi = all.length - 1;
    while (hi - 1 > lo && all[hi - 1] > maxUs) hi--;
    if (hi - lo > maxBins) continue;
    for (let above = false; hi - lo < maxBins && (lo > 0 || hi < all.length - 1); above = !above) {
      if (above && hi < all.length - 1) hi++;
      else if (!above && lo > 0) lo--;
    }
    return all.slice(lo, hi + 1);
  }
  const decades = toExp - fromExp;
  const step = Math.ceil(decades / maxBins);
  const edges: number[] = [];
  for (let e = fromExp; e < toExp; e += step) edges.push(10 ** e);
  edges.push(10 ** (fromExp + step * Math.ceil(decades / step)));
  return edges;
}

/** m × 10^e without floating dust (1.2 × 10^5 = 120000, not 120000.00000000001). */
function round(x: number): number {
  return Number(x.toPrecision(6));
}

export interface LatencyBin {
  /** Inclusive lower edge, µs. */
  readonly fromUs: number;
  /** Exclusive upper edge, µs. */
  readonly toUs: number;
  readonly count: number;
}

/** Counts of `h` per bucket; values below the first edge land in the first, above the last in the last. */
export function binCounts(h: SparseHistogram, edgesUs: readonly number[]): LatencyBin[] {
  if (edgesUs.length < 2) return [];
  const counts = new Array<number>(edgesUs.length - 1).fill(0);
  for (let k = 0; k < h.valuesUs.length; k++) {
    const v = h.valuesUs[k];
    let bin = 0;
    while (bin < counts.length - 1 && v >= edgesUs[bin + 1]) bin++;
    counts[bin] += h.counts[k];
  }
  return counts.map((count, k) => ({ fromUs: edgesUs[k], toUs: edgesUs[k + 1], count }));
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/**
 * One bar per count, scaled so the largest fills `width` columns, in eighths of a column.
 * A non-zero count always shows at least `▏`; zero is an empty string.
 */
export function toBars(counts: readonly number[], width: number): string[] {
  const max = Math.max(0, ...counts);
  return counts.map((c) => {
    if (c <= 0 || max <= 0 || width <= 0) return '';
    const eighths = Math.max(1, Math.round((c / max) * width * 8));
    return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
  });
}

export interface LatencyInput {
  /** Latencies of the sliding window. */
  readonly windowHistogram: SparseHistogram;
  /** Every latency since load started. */
  readonly cumulativeHistogram: SparseHistogram;
  /** How long the window is, for its label: "5 s". */
  readonly windowLabel: string;
  /** Completed responses per whole second of load, oldest first. */
  readonly rpsPerSecond: readonly number[];
  /** p99 of the sliding window at each sample, oldest first; null while it was empty. */
  readonly p99MsPerSample: readonly (number | null)[];
  /**
   * Open loop only: the window's and the whole run's latencies from the actual send (the
   * histograms above are then from the intended send time). Null in closed loop.
   */
  readonly uncorrected?: { readonly window: SparseHistogram; readonly cumulative: SparseHistogram } | null;
  /**
   * What the load was set to in each whole second (requests/s in open loop, connections in a
   * ramp), aligned with rpsPerSecond; null for a constant closed loop.
   */
  readonly target?: { readonly perSecond: readonly number[]; readonly unit: 'req/s' | 'conns' } | null;
  /** Seconds of load (indexes into rpsPerSecond) in which the load was changed with a key: marked on the req/s and target lines. */
  readonly marks?: readonly number[];
}

/**
 * A sparkline as segments, with the cells of the `marks` seconds (indexes into `values`)
 * shown inverse in yellow: where the load was changed. Same text as toSparkline.
 */
export function markedSparkline(values: readonly number[], width: number, scaleMax: number | undefined, color: string, marks: readonly number[] = []): Segment[] {
  const spark = Array.from(toSparkline(values, width, scaleMax));
  const offset = values.length - spark.length;
  const marked = new Set(marks.map((m) => m - offset).filter((k) => k >= 0 && k < spark.length));
  const out: Segment[] = [];
  let run = '';
  const flush = () => {
    if (run !== '') out.push({ text: run, color });
    run = '';
  };
  spark.forEach((cell, k) => {
    if (!marked.has(k)) {
      run += cell;
      return;
    }
    flush();
    out.push({ text: cell === ' ' ? '│' : cell, color: 'yellow', inverse: true });
  });
  flush();
  return out;
}

/** Label of an open-loop row measured from the actual send. */
const AT_SEND = '  at send';

const PERCENTILES: ReadonlyArray<readonly [string, keyof LatencySummaryMs]> = [
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p99.9', 'p999'],
  ['max', 'max'],
];

/** Where the pane's rows go: the table always, then the sparkline, then the histogram. */
export interface LatencyLayout {
  /** Header, window row(s), cumulative row(s): up to 3, or 5 in open loop. */
  readonly tableRows: number;
  /** The req/s sparkline. */
  readonly rpsLine: boolean;
  /** The target (rate or connections) over time, under req/s. */
  readonly targetLine: boolean;
  /** Open loop: the line saying what the two kinds of rows measure. */
  readonly explainLine: boolean;
  /** The p99-over-time sparkline. */
  readonly p99Line: boolean;
  /** The line saying what the bars count. */
  readonly caption: boolean;
  /** Histogram buckets at most. */
  readonly bins: number;
}

/** Bars the histogram keeps before the trends and captions get a row. */
const MIN_BARS = 4;

/**
 * What fits in `rows`, in order: the table, req/s, the target line, 4 bars, the open-loop
 * explanation, the p99 trend, the caption; the bars get the rest. A closed loop gets its
 * p99 trend from 9 rows and its caption from 10.
 */
export function latencyLayout(rows: number, options: { readonly openLoop?: boolean; readonly target?: boolean } = {}): LatencyLayout {
  let left = Math.max(0, rows);
  const take = (n: number) => {
    const got = Math.min(n, left);
    left -= got;
    return got;
  };
  const tableRows = take(options.openLoop ? 5 : 3);
  const rpsLine = take(1) === 1;
  const targetLine = options.target === true && take(1) === 1;
  let bins = take(MIN_BARS);
  const explainLine = options.openLoop === true && take(1) === 1;
  const p99Line = take(1) === 1;
  const caption = take(1) === 1;
  bins += take(left);
  return { tableRows, rpsLine, targetLine, explainLine, p99Line, caption, bins };
}

/** The pane's lines at `width` × `rows`: never more than `rows` lines, none wider than `width`. */
export function latencyPaneLines(input: LatencyInput, width: number, rows: number): Line[] {
  if (rows <= 0) return [];
  const uncorrected = input.uncorrected ?? null;
  const target = input.target ?? null;
  const layout = latencyLayout(rows, { openLoop: uncorrected !== null, target: target !== null });
  const windowSummary = summarizeMs(input.windowHistogram);
  const allSummary = summarizeMs(input.cumulativeHistogram);
  const windowName = `last ${input.windowLabel}`;
  // Values are at most 7 columns in cells of 8 or more, so a cell always starts with a space.
  const labelWidth = Math.max(8, windowName.length, uncorrected === null ? 0 : AT_SEND.length);
  const cell = Math.max(8, Math.min(10, Math.floor((width - labelWidth) / PERCENTILES.length)));

  const header: Line = [
    { text: padEnd('Latency', labelWidth), bold: true },
    { text: PERCENTILES.map(([name]) => padStart(name, cell)).join(''), dim: true },
  ];
  const row = (label: string, s: LatencySummaryMs, style: Omit<Segment, 'text'>): Line => [
    { text: padEnd(label, labelWidth), dim: true },
    { text: PERCENTILES.map(([, key]) => padStart(formatLatencyMs(s[key] as number | null), cell)).join(''), ...style },
  ];
  // Open loop: each row from the intended send time, then the same responses from the actual
  // send (what a client that waits before sending would report).
  const table =
    uncorrected === null
      ? [header, row(windowName, windowSummary, { bold: true }), row('all', allSummary, {})]
      : [
          header,
          row(windowName, windowSummary, { bold: true }),
          row(AT_SEND, summarizeMs(uncorrected.window), { dim: true }),
          row('all', allSummary, {}),
          row(AT_SEND, summarizeMs(uncorrected.cumulative), { dim: true }),
        ];
  const lines: Line[] = table.slice(0, layout.tableRows).map((l) => fitLine(l, width));

  // req/s and its target share one scale, so a shortfall shows as a lower line.
  const targetIsRate = target !== null && target.unit === 'req/s';
  const sharedMax = targetIsRate ? Math.max(0, ...input.rpsPerSecond, ...target.perSecond) : undefined;
  if (layout.rpsLine) {
    const now = input.rpsPerSecond.length > 0 ? input.rpsPerSecond[input.rpsPerSecond.length - 1] : null;
    const suffix = now === null ? ' —' : ` ${formatRate(now)}/s`;
    const spark = markedSparkline(input.rpsPerSecond, Math.max(0, width - 6 - suffix.length), sharedMax, 'cyan', input.marks);
    lines.push(fitLine([{ text: 'req/s ', dim: true }, ...spark, { text: suffix }], width));
  }
  if (layout.targetLine && target !== null) {
    const series = target.perSecond;
    const now = series.length > 0 ? series[series.length - 1] : null;
    const suffix = now === null ? ' —' : ` ${formatSetting(now)}${target.unit === 'req/s' ? '/s' : ' conns'}`;
    const spark = markedSparkline(series, Math.max(0, width - 6 - suffix.length), sharedMax, 'yellow', input.marks);
    lines.push(fitLine([{ text: 'target', dim: true }, ...spark, { text: suffix }], width));
  }
  if (layout.explainLine) {
    const long = 'latency from the intended send time (CO-corrected); at send: from the actual send';
    const short = 'from intended send time · at send: from actual send';
    lines.push(fitLine([{ text: long.length <= width ? long : short, dim: true }], width));
  }
  if (layout.p99Line) {
    const series = input.p99MsPerSample;
    const now = series.length > 0 ? series[series.length - 1] : null;
    const suffix = ` ${formatLatencyMs(now)}`;
    const spark = toSparkline(series.map((v) => v ?? 0), Math.max(0, width - 6 - suffix.length));
    lines.push(fitLine([{ text: 'p99   ', dim: true }, { text: spark, color: 'magenta' }, { text: suffix }], width));
  }

  if (layout.bins > 0) {
    // Bars show the window while it has data (live), the whole run otherwise; the axis always
    // follows the whole run, so it does not jump about from frame to frame.
    const live = totalCount(input.windowHistogram) > 0;
    const shown = live ? input.windowHistogram : input.cumulativeHistogram;
    const edges = chooseEdgesUs(input.cumulativeHistogram, layout.bins);
    if (edges.length === 0) {
      lines.push(fitLine([{ text: 'no responses yet', dim: true }], width));
    } else {
      const bins = binCounts(shown, edges);
      if (layout.caption) {
        const what = live ? `last ${input.windowLabel}` : 'whole run';
        const total = formatCount(totalCount(shown));
        lines.push(fitLine([{ text: `histogram · ${what} · ${total} responses`, dim: true }], width));
      }
      lines.push(...histogramLines(bins, width));
    }
  }
  return lines.slice(0, rows);
}

/** Histogram rows: `range │bar│ count`, ranges and counts right-aligned, bars scaled to the widest. */
export function histogramLines(bins: readonly LatencyBin[], width: number): Line[] {
  const labels = bins.map((b) => formatRangeUs(b.fromUs, b.toUs));
  const counts = bins.map((b) => formatCount(b.count));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const countWidth = Math.max(...counts.map((c) => c.length));
  const barWidth = Math.max(1, width - labelWidth - countWidth - 2);
  const bars = toBars(
    bins.map((b) => b.count),
    barWidth,
  );
  return bins.map((b, k) =>
    fitLine(
      [
        { text: padStart(labels[k], labelWidth) + ' ', dim: b.count === 0 },
        { text: padEnd(bars[k], barWidth), color: 'cyan' },
        { text: ' ' + padStart(counts[k], countWidth), dim: b.count === 0 },
      ],
      width,
    ),
  );
}
