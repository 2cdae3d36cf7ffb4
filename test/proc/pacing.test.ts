import { describe, expect, it } from 'vitest';
import { createPacing, formatInterval, pace, type Pacing } from '../../src/proc/pacing.js';

/** The intervals after each cost, fed one by one from a fresh pacing at baseMs. */
function intervals(baseMs: number, costs: readonly number[], maxMs?: number): number[] {
  let p: Pacing = createPacing(baseMs, maxMs);
  return costs.map((cost) => (p = pace(p, cost)).intervalMs);
}

describe('pace: the interval after each sample', () => {
  it.each<[string, number, number[], number[]]>([
    ['cheap samples: as asked', 100, [10, 20, 49, 50], [100, 100, 100, 100]],
    ['one or two slow samples (a first sight) are not enough', 100, [380, 60, 10, 60, 60, 10], [100, 100, 100, 100, 100, 100]],
    ['three over half the interval in a row: doubled', 100, [51, 60, 70, 40], [100, 100, 200, 200]],
    ['straight to where the cheapest of the three costs half at most', 100, [380, 300, 250], [100, 100, 800]],
    ['never past 4 s', 100, [5_000, 5_000, 5_000, 5_000, 5_000, 5_000], [100, 100, 4_000, 4_000, 4_000, 4_000]],
    ['never past the cap asked for', 250, [400, 400, 400], [250, 250, 1_000]],
  ])('%s', (_name, base, costs, expected) => expect(intervals(base, costs)).toEqual(expected));

  it('comes back a step after five samples under a quarter of the shorter interval, then stops where the cost is', () => {
    // 10,000 idle threads after their birth: ~36 ms a sample. At 800: under 100 (a quarter of
    // 400) five times → 400; under 50 → 200; not under 25 → stays at 200 (36 % of 100 would
    // be close to the back-off mark).
    const costs = [380, 300, 250, ...Array<number>(20).fill(36)];
    const got = intervals(100, costs);
    expect(got.slice(0, 3)).toEqual([100, 100, 800]);
    expect(got.slice(3)).toEqual([800, 800, 800, 800, 400, 400, 400, 400, 400, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]);
  });

  it('a sample in between (not cheap, not slow) starts the count again', () => {
    let p = createPacing(100);
    for (const cost of [60, 60, 60]) p = pace(p, cost);
    expect(p.intervalMs).toBe(200);
    for (const cost of [10, 10, 10, 10, 30, 10, 10, 10, 10]) p = pace(p, cost);
    expect(p.intervalMs).toBe(200); // the 30 (not under 25) reset the count at 4
    p = pace(p, 10);
    expect(p.intervalMs).toBe(100);
  });

  it('never faster than asked; a sample under the mark ends a run of slow ones', () => {
    expect(intervals(100, Array<number>(10).fill(1))).toEqual(Array<number>(10).fill(100));
    expect(intervals(100, [60, 40, 60, 60, 60])).toEqual([100, 100, 100, 100, 200]);
  });

  it('keeps its identity while nothing changes (the worker paces every sample)', () => {
    const p = createPacing(250);
    expect(pace(p, 5)).toBe(p);
  });

  it('an interval asked for longer than 4 s is never backed off', () => {
    expect(intervals(5_000, [4_000, 4_000, 4_000, 4_000])).toEqual([5_000, 5_000, 5_000, 5_000]);
  });
});

describe('formatInterval', () => {
  it.each([
    [100, '100 ms'],
    [250, '250 ms'],
    [999.4, '999 ms'],
    [1_000, '1.0 s'],
    [1_600, '1.6 s'],
    [4_000, '4.0 s'],
  ])('%d ms → %s', (ms, text) => expect(formatInterval(ms)).toBe(text));
});
