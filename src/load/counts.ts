import type { LoadCounts } from './types.js';

/** Pure arithmetic on LoadCounts and the accounting that derives silent resets. */

export const ZERO_COUNTS: LoadCounts = Object.freeze({
  completed: 0,
  ok: 0,
  non2xx: 0,
  timeouts: 0,
  errors: 0,
  resets: 0,
});

export function addCounts(a: LoadCounts, b: LoadCounts): LoadCounts {
  return {
    completed: a.completed + b.completed,
    ok: a.ok + b.ok,
    non2xx: a.non2xx + b.non2xx,
    timeouts: a.timeouts + b.timeouts,
    errors: a.errors + b.errors,
    resets: a.resets + b.resets,
  };
}

/** a − b, field by field: the counts of one period from two cumulative readings. */
export function subtractCounts(a: LoadCounts, b: LoadCounts): LoadCounts {
  return {
    completed: a.completed - b.completed,
    ok: a.ok - b.ok,
    non2xx: a.non2xx - b.non2xx,
    timeouts: a.timeouts - b.timeouts,
    errors: a.errors - b.errors,
    resets: a.resets - b.resets,
  };
}

/** Requests whose fate is known: answered, timed out, failed, or silently lost. */
export function settledCount(c: LoadCounts): number {
  return c.completed + c.timeouts + c.errors + c.resets;
}

/**
 * What the load worker counts as it goes, cumulative over all autocannon instances of a
 * load. Every field but `resets` is counted from an event; resets have no event.
 */
export interface Tally {
  /** Requests written to a connection (autocannon client `request` events). */
  readonly sent: number;
  readonly completed: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly timeouts: number;
  readonly errors: number;
  /** Requests on the wire right now: one per live client (closed loop, pipelining 1). */
  readonly outstanding: number;
  /** Requests we cut off ourselves when a pause or stop outlasted its grace period. */
  readonly abandoned: number;
}

export const ZERO_TALLY: Tally = Object.freeze({
  sent: 0,
  completed: 0,
  ok: 0,
  non2xx: 0,
  timeouts: 0,
  errors: 0,
  outstanding: 0,
  abandoned: 0,
});

/**
 * LoadCounts from a tally. autocannon says nothing when the server closes a connection
 * without answering (lib/httpClient.js reconnects on `end` without an event; FACTS.md), so
 * resets are what is left once every other fate is accounted for:
 *
 *   resets = sent − completed − timeouts − errors − outstanding − abandoned
 *
 * With pipelining 1 a live client always has exactly one request on the wire (it sends the
 * next one synchronously on each response, reconnect or timeout), so this holds between
 * any two events, not only at the end, and resets become known as they happen.
 * `previousResets` keeps the figure from ever going down, so that batch deltas stay >= 0
 * even if an unforeseen client path broke the identity for a moment.
 */
export function countsFromTally(t: Tally, previousResets: number): LoadCounts {
  const unexplained = t.sent - t.completed - t.timeouts - t.errors - t.outstanding - t.abandoned;
  return {
    completed: t.completed,
    ok: t.ok,
    non2xx: t.non2xx,
    timeouts: t.timeouts,
    errors: t.errors,
    resets: Math.max(previousResets, unexplained),
  };
}
