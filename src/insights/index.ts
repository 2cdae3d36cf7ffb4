import type { SessionState } from '../session/state.js';
import { blockedLoop } from './blocked-loop.js';
import { littlesLaw, oneAtATime, saturation } from './queueing.js';
import { flat, onDemand, pool, prefork, threadExplosion } from './shape.js';
import type { Insight } from './types.js';
import { pidsLimit } from './container.js';

const DETECTORS: readonly ((state: SessionState) => Insight[])[] = [
  prefork, flat, onDemand, pool, threadExplosion, oneAtATime, saturation, blockedLoop, littlesLaw, pidsLimit,
];

/**
 * Every insight the run supports so far, by the time it became true. Pure and cheap enough to
 * call on every frame: the TUI shows them live, the report states them at the end.
 */
export function deriveInsights(state: SessionState): Insight[] {
  if (state.load.startedAtMs === null) return [];
  return DETECTORS.flatMap((detect) => detect(state)).sort((a, b) => a.tMs - b.tMs);
}
