/**
 * How often the sampler thread samples when sampling costs too much (issue 8): pure, fed the
 * cost of each scheduled sample, it answers the interval to sample at from now on.
 *
 * A sample's cost is what decides: a sample reads a file or two per thread (sampler.ts), so it
 * grows with the tree (~3.6 µs a thread here, 36 ms at 10,000 idle threads) and with how many
 * threads are new (~38 µs a thread first seen: 380 ms while a tree of 10,000 is being born;
 * BENCHMARKS.md). The sampler's thread is busy cost ÷ interval of a core.
 *
 * - Back off when samples cost more than half the interval (BACK_OFF_SHARE), three in a row
 *   (BACK_OFF_AFTER): past half, any jitter (GC, a busy CPU, a burst of new threads) makes it
 *   miss ticks, and it takes half a core from the server it watches. One slow sample (the
 *   first sight of a big tree) is not enough. It doubles the interval, or more at once: to the
 *   first doubling at which the cheapest of those samples would cost at most half of it.
 * - Come back one step (halve) when samples would cost under a quarter of the shorter interval
 *   (RECOVER_SHARE), five in a row (RECOVER_AFTER): half the back-off mark, so that coming back
 *   cannot by itself trip the back-off again (the hysteresis keeps it from flapping).
 * - Never faster than asked (--interval), never slower than MAX_BACKED_OFF_MS (4 s: still a
 *   few points per 20 s of load) or than asked, if that is slower.
 */

import { sourceIntervalMs, type SampleSource } from '../docker/types.js';
import type { Snapshot } from './types.js';

/** Back off when a sample costs more than this share of the interval… */
export const BACK_OFF_SHARE = 0.5;
/** …this many scheduled samples in a row. */
export const BACK_OFF_AFTER = 3;
/** Come back a step when a sample would cost less than this share of the shorter interval… */
export const RECOVER_SHARE = 0.25;
/** …this many scheduled samples in a row. */
export const RECOVER_AFTER = 5;
/** The longest interval it backs off to (unless the one asked for is longer). */
export const MAX_BACKED_OFF_MS = 4_000;

export interface Pacing {
  /** The interval asked for (--interval). */
  readonly baseMs: number;
  /** The longest it backs off to: MAX_BACKED_OFF_MS, or baseMs if that is longer. */
  readonly maxMs: number;
  /** The interval it samples at now. */
  readonly intervalMs: number;
  /** Costs of the last samples in a row over the back-off mark, oldest first. */
  readonly over: readonly number[];
  /** Samples in a row under the mark to come back. */
  readonly under: number;
}

export function createPacing(baseMs: number, maxMs = MAX_BACKED_OFF_MS): Pacing {
  return { baseMs, maxMs: Math.max(baseMs, maxMs), intervalMs: baseMs, over: [], under: 0 };
}

/** The pacing after a scheduled sample that cost costMs (wall) at pacing.intervalMs. */
export function pace(pacing: Pacing, costMs: number): Pacing {
  const { baseMs, maxMs, intervalMs } = pacing;
  if (costMs > BACK_OFF_SHARE * intervalMs) {
    const over = [...pacing.over, costMs].slice(-BACK_OFF_AFTER);
    if (over.length < BACK_OFF_AFTER || intervalMs >= maxMs) return { ...pacing, over, under: 0 };
    const least = Math.min(...over);
    let next = intervalMs * 2;
    while (next < maxMs && least > BACK_OFF_SHARE * next) next *= 2;
    return { ...pacing, intervalMs: Math.min(maxMs, next), over: [], under: 0 };
  }
  const shorter = Math.max(baseMs, intervalMs / 2);
  if (intervalMs <= baseMs || costMs >= RECOVER_SHARE * shorter) return pacing.over.length === 0 && pacing.under === 0 ? pacing : { ...pacing, over: [], under: 0 };
  const under = pacing.under + 1;
  if (under < RECOVER_AFTER) return { ...pacing, over: [], under };
  return { ...pacing, intervalMs: shorter, over: [], under: 0 };
}

/** The interval a sampler runs at, and the one asked for (--interval), when they differ. */
export interface SamplingBackoff {
  readonly intervalMs: number;
  readonly askedMs: number;
}

/**
 * The back-off a snapshot says (its targetIntervalMs over the interval asked for); null when
 * none. The source's own floor (the engine's top: ≥ 1 s) is what it was asked, not a back-off.
 */
export function backoffOf(snapshot: Snapshot | null, askedMs: number | null | undefined, source: SampleSource | null = null): SamplingBackoff | null {
  const intervalMs = snapshot?.targetIntervalMs;
  if (intervalMs === undefined || askedMs == null) return null;
  const expectedMs = sourceIntervalMs(source, askedMs);
  return intervalMs <= expectedMs ? null : { intervalMs, askedMs: expectedMs };
}

/** `sampling 1.0 s (backed off from 250 ms)`. */
export function backoffText(backoff: SamplingBackoff): string {
  return `sampling ${formatInterval(backoff.intervalMs)} (backed off from ${formatInterval(backoff.askedMs)})`;
}

/** `250 ms`, `1.0 s`, `3.2 s`: an interval as the header and the status line say it. */
export function formatInterval(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
