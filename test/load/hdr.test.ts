import { describe, expect, it } from 'vitest';
import { Int32Histogram } from 'hdr-histogram-js';
import { createRecorder, HIGHEST_TRACKABLE_US, toRecordedUs } from '../../src/load/hdr.js';
import { summarizeMs, valueAtQuantileUs } from '../../src/load/histogram.js';

// Expected buckets are worked out by hand from HDR's layout at 3 significant digits:
// 2048 sub-buckets, so 0..2047 µs are exact; 2048..4095 µs are 2 µs wide; 16384..32767 µs
// 16 µs wide; 65536..131071 µs 64 µs wide; 2^19..2^20 µs 512 µs wide; and so on. A bucket
// is represented by its highest equivalent value (lowest + width − 1).

describe('toRecordedUs', () => {
  it.each([
    [0.7, 700],
    [20.0007, 20001], // rounded to the nearest µs, not truncated
    [20.0004, 20000],
    [0.0004, 0],
    [0.0006, 1],
    [0, 0],
    [-3, 0], // a clock going backwards is not a latency
    [Number.NaN, 0],
    [700_000, HIGHEST_TRACKABLE_US], // beyond 10 minutes: clamped into the top bucket
  ])('%s ms → %s µs', (ms, us) => {
    expect(toRecordedUs(ms)).toBe(us);
  });
});

describe('createRecorder', () => {
  it.each([
    { name: 'nothing recorded', ms: [], valuesUs: [], counts: [] },
    {
      name: 'sub-ms values stay apart (autocannon would read them as 0 ms)',
      ms: [0.7, 0.7, 0.3, 0.0002],
      valuesUs: [0, 300, 700],
      counts: [1, 1, 2],
    },
    { name: 'exact up to 2047 µs', ms: [2.047, 1.5, 1.5], valuesUs: [1500, 2047], counts: [2, 1] },
    { name: 'then 2 µs wide', ms: [2.048, 2.049, 2.05], valuesUs: [2049, 2051], counts: [2, 1] },
    {
      name: '20 ms: 16 µs wide buckets',
      ms: [20, 20.0007, 20.015, 20.016],
      valuesUs: [20015, 20031],
      counts: [3, 1],
    },
    { name: '1 s: 512 µs wide (999936..1000447)', ms: [1000, 999.936, 1000.447], valuesUs: [1000447], counts: [3] },
    {
      name: '1000.448 ms starts the next bucket',
      ms: [1000.448],
      valuesUs: [1000959],
      counts: [1],
    },
    { name: 'clamped at 10 minutes: top bucket 599785472..600309759', ms: [700_000, 600_000], valuesUs: [600309759], counts: [2] },
  ])('$name', ({ ms, valuesUs, counts }) => {
    const recorder = createRecorder();
    for (const v of ms) recorder.record(v);
    expect(recorder.drain()).toEqual({ valuesUs, counts });
  });

  it('drain empties it: each drain holds only what came since the last one', () => {
    const recorder = createRecorder();
    recorder.record(5);
    recorder.record(5);
    expect(recorder.drain()).toEqual({ valuesUs: [5003], counts: [2] }); // 4 µs wide: 5000..5003
    expect(recorder.drain()).toEqual({ valuesUs: [], counts: [] });
    recorder.record(1);
    expect(recorder.drain()).toEqual({ valuesUs: [1000], counts: [1] });
  });

  it('percentiles of a known mix, through histogram.ts', () => {
    const recorder = createRecorder();
    const ms = [...Array(50).fill(1), ...Array(40).fill(2), ...Array(9).fill(30), 100];
    for (const v of ms) recorder.record(v);
    expect(summarizeMs(recorder.drain())).toEqual({
      count: 100,
      min: 1,
      p50: 1,
      p90: 2,
      p99: 30.015, // 30000 µs in the 16 µs wide bucket 30000..30015
      p999: 100.031, // 100000 µs in the 64 µs wide bucket 99968..100031
      max: 100.031,
      mean: (50 * 1000 + 40 * 2000 + 9 * 30015 + 100031) / 100 / 1000,
    });
  });

  it('quantiles on the drained buckets equal HDR getValueAtPercentile on the same data', () => {
    // The representative value was chosen so that this holds (hdr.ts).
    const recorder = createRecorder();
    const reference = new Int32Histogram(1, HIGHEST_TRACKABLE_US, 3);
    for (let k = 1; k <= 5000; k++) {
      const ms = ((k * 7919) % 4999) * 0.731 + 0.05; // deterministic spread over 0.05..3.6 s
      recorder.record(ms);
      reference.recordValue(toRecordedUs(ms));
    }
    const sparse = recorder.drain();
    for (const q of [0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1]) {
      expect(valueAtQuantileUs(sparse, q)).toBe(reference.getValueAtPercentile(q * 100));
    }
  });
});
