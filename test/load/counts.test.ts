import { describe, expect, it } from 'vitest';
import { addCounts, countsFromTally, settledCount, subtractCounts, ZERO_COUNTS, ZERO_TALLY } from '../../src/load/counts.js';

const c = (completed: number, ok: number, non2xx: number, timeouts: number, errors: number, resets: number) => ({
  completed,
  ok,
  non2xx,
  timeouts,
  errors,
  resets,
});

describe('count arithmetic', () => {
  it('adds and subtracts field by field', () => {
    expect(addCounts(c(10, 8, 2, 1, 3, 4), c(1, 1, 0, 5, 0, 2))).toEqual(c(11, 9, 2, 6, 3, 6));
    expect(subtractCounts(c(11, 9, 2, 6, 3, 6), c(10, 8, 2, 1, 3, 4))).toEqual(c(1, 1, 0, 5, 0, 2));
    expect(addCounts(ZERO_COUNTS, c(1, 2, 3, 4, 5, 6))).toEqual(c(1, 2, 3, 4, 5, 6));
  });

  it('settled = completed + timeouts + errors + resets (ok and non2xx are part of completed)', () => {
    expect(settledCount(c(10, 8, 2, 1, 3, 4))).toBe(18);
    expect(settledCount(ZERO_COUNTS)).toBe(0);
  });
});

describe('countsFromTally: resets are what no event explains', () => {
  it.each([
    { name: 'nothing yet', tally: {}, previous: 0, resets: 0 },
    {
      name: 'all answered, 10 on the wire',
      tally: { sent: 110, completed: 100, ok: 100, outstanding: 10 },
      previous: 0,
      resets: 0,
    },
    {
      name: 'server closed 5 connections silently',
      tally: { sent: 115, completed: 100, ok: 100, outstanding: 10 },
      previous: 0,
      resets: 5,
    },
    {
      name: 'timeouts and errors are not resets',
      tally: { sent: 40, completed: 20, ok: 10, non2xx: 10, timeouts: 7, errors: 3, outstanding: 10 },
      previous: 0,
      resets: 0,
    },
    {
      name: 'requests we abandoned are not resets',
      tally: { sent: 30, completed: 20, ok: 20, outstanding: 0, abandoned: 10 },
      previous: 0,
      resets: 0,
    },
    {
      name: 'never goes down, so batch deltas stay >= 0',
      tally: { sent: 30, completed: 20, ok: 20, outstanding: 10 },
      previous: 2,
      resets: 2,
    },
  ])('$name', ({ tally, previous, resets }) => {
    const t = { ...ZERO_TALLY, ...tally };
    expect(countsFromTally(t, previous)).toEqual({
      completed: t.completed,
      ok: t.ok,
      non2xx: t.non2xx,
      timeouts: t.timeouts,
      errors: t.errors,
      resets,
    });
  });
});
