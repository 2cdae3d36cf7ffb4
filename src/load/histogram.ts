import type { SparseHistogram } from './types.js';

/**
 * Latency histograms as plain, immutable data. The load worker buckets every response with
 * hdr-histogram-js (3 significant digits) and ships only the non-empty buckets; everything
 * downstream (store, UI, report, recording) works on these sparse arrays, whose size is
 * bounded by the number of HDR buckets, not by the number of requests.
 */

export const EMPTY_HISTOGRAM: SparseHistogram = Object.freeze({ valuesUs: [], counts: [] });

export interface LatencySummaryMs {
  readonly count: number;
  readonly min: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly p999: number | null;
  readonly max: number | null;
  readonly mean: number | null;
}

export function totalCount(h: SparseHistogram): number {
  let n = 0;
  for (const c of h.counts) n += c;
  return n;
}

/** Adds two histograms bucket by bucket (both ascending), returning a new one. */
export function mergeHistograms(a: SparseHistogram, b: SparseHistogram): SparseHistogram {
  if (b.valuesUs.length === 0) return a;
  if (a.valuesUs.length === 0) return b;
  const valuesUs: number[] = [];
  const counts: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.valuesUs.length || j < b.valuesUs.length) {
    const va = i < a.valuesUs.length ? a.valuesUs[i] : Infinity;
    const vb = j < b.valuesUs.length ? b.valuesUs[j] : Infinity;
    if (va === vb) {
      valuesUs.push(va);
      counts.push(a.counts[i++] + b.counts[j++]);
    } else if (va < vb) {
      valuesUs.push(va);
      counts.push(a.counts[i++]);
    } else {
      valuesUs.push(vb);
      counts.push(b.counts[j++]);
    }
  }
  return { valuesUs, counts };
}

export function mergeAll(histograms: readonly SparseHistogram[]): SparseHistogram {
  return histograms.reduce(mergeHistograms, EMPTY_HISTOGRAM);
}

/**
 * The value at quantile q (0..1): the smallest bucket whose cumulative count reaches
 * ceil(q × total), as HDR histograms define it. null for an empty histogram.
 */
export function valueAtQuantileUs(h: SparseHistogram, q: number): number | null {
  const total = totalCount(h);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let k = 0; k < h.counts.length; k++) {
    seen += h.counts[k];
    if (seen >= rank) return h.valuesUs[k];
  }
  return h.valuesUs[h.valuesUs.length - 1];
}

export function summarizeMs(h: SparseHistogram): LatencySummaryMs {
  const count = totalCount(h);
  if (count === 0) return { count, min: null, p50: null, p90: null, p99: null, p999: null, max: null, mean: null };
  let sum = 0;
  for (let k = 0; k < h.counts.length; k++) sum += h.valuesUs[k] * h.counts[k];
  const ms = (us: number | null) => (us === null ? null : us / 1000);
  return {
    count,
    min: ms(h.valuesUs[0]),
    p50: ms(valueAtQuantileUs(h, 0.5)),
    p90: ms(valueAtQuantileUs(h, 0.9)),
    p99: ms(valueAtQuantileUs(h, 0.99)),
    p999: ms(valueAtQuantileUs(h, 0.999)),
    max: ms(h.valuesUs[h.valuesUs.length - 1]),
    mean: sum / count / 1000,
  };
}

export interface LogBin {
  /** Inclusive lower and exclusive upper edge, in microseconds. */
  readonly fromUs: number;
  readonly toUs: number;
  readonly count: number;
}

/**
 * Spreads the histogram over `bins` log-spaced bins from fromUs to toUs; values below the
 * first edge land in the first bin, values at or above the last edge in the last one.
 */
export function logBins(h: SparseHistogram, fromUs: number, toUs: number, bins: number): LogBin[] {
  if (bins < 1 || !(fromUs > 0) || !(toUs > fromUs)) return [];
  const ratio = Math.log(toUs / fromUs) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, k) => fromUs * Math.exp(ratio * k));
  const counts = new Array<number>(bins).fill(0);
  for (let k = 0; k < h.valuesUs.length; k++) {
    const v = h.valuesUs[k];
    let bin = v <= fromUs ? 0 : Math.floor(Math.log(v / fromUs) / ratio);
    if (bin >= bins) bin = bins - 1;
    counts[bin] += h.counts[k];
  }
  return counts.map((count, k) => ({ fromUs: edges[k], toUs: edges[k + 1], count }));
}
