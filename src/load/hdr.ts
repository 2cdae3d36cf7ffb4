import { Int32Histogram } from 'hdr-histogram-js';
import type { SparseHistogram } from './types.js';

/**
 * The only module that touches hdr-histogram-js. Everything else sees SparseHistogram.
 *
 * Why our own histogram: autocannon records latencies in whole milliseconds (its
 * lib/run.js records the float `responseTime` into a histogram with
 * lowestDiscernibleValue 1 ms), so a true p50 of 0.7 ms reads as 0 (FACTS.md). The
 * `response` event carries the float, which we record here in microseconds.
 */

/** Highest latency kept apart: 10 minutes, in microseconds. Slower responses land in the top bucket. */
export const HIGHEST_TRACKABLE_US = 600_000_000;

/**
 * 3 significant digits: 2048 sub-buckets, so values up to 2047 µs are exact and above that
 * each bucket spans at most 1/1024 of its value (20 ms → 16 µs wide buckets).
 */
export const SIGNIFICANT_DIGITS = 3;

export interface LatencyRecorder {
  /** Records one latency given in milliseconds (float, as autocannon's `response` event gives it). */
  record(latencyMs: number): void;
  /** The non-empty buckets recorded since the last drain; empties the recorder. */
  drain(): SparseHistogram;
}

/** Converts a float millisecond latency to the integer microseconds the histogram records. */
export function toRecordedUs(latencyMs: number): number {
  if (!(latencyMs > 0)) return 0; // negative, zero, NaN: a clock oddity, not a latency
  return Math.min(Math.round(latencyMs * 1000), HIGHEST_TRACKABLE_US);
}

export function createRecorder(): LatencyRecorder {
  // The JS implementation, not wasm: a wasm histogram needs destroy() and its module loaded
  // first; the JS one is plain memory (~86 KB of Int32 counts for this range).
  // Int32 counts: a drain period would need 2^31 responses in one bucket to overflow.
  const histogram = new Int32Histogram(1, HIGHEST_TRACKABLE_US, SIGNIFICANT_DIGITS);
  // Fixed range: we clamp instead, so that memory stays bounded and record() never throws.
  histogram.autoResize = false;

  return {
    record(latencyMs: number): void {
      histogram.recordValue(toRecordedUs(latencyMs));
    },
    drain(): SparseHistogram {
      const valuesUs: number[] = [];
      const counts: number[] = [];
      if (histogram.totalCount > 0) {
        // RecordedValuesIterator (dist/RecordedValuesIterator.js) visits each non-empty
        // bucket once, in ascending order, and stops after the last recorded count.
        // Its valueIteratedTo is the bucket's highestEquivalentValue
        // (JsHistogramIterator.getValueIteratedTo), the same representative that HDR's own
        // getValueAtPercentile returns, so quantiles computed by histogram.ts on this sparse
        // form equal HDR's percentiles.
        const iterator = histogram.recordedValuesIterator;
        iterator.reset();
        while (iterator.hasNext()) {
          const step = iterator.next();
          valuesUs.push(step.valueIteratedTo);
          counts.push(step.countAtValueIteratedTo);
        }
        histogram.reset();
      }
      return { valuesUs, counts };
    },
  };
}
