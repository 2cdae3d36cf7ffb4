import type { SessionState } from '../session/state.js';
import type { Insight } from './types.js';

/** Every insight the run supports so far, oldest first. Pure: the TUI and the report call it. */
export function deriveInsights(_state: SessionState): Insight[] {
  return [];
}
