import type { SessionEvent } from './events.js';
import type { SessionState } from './state.js';
import { INITIAL_STATE, reduce } from './store.js';

// The replay's clock and folding, pure (no I/O): what the replay view runs on.

/** How long the recording lasts: the latest tMs of any event. */
export function recordingDurationMs(events: readonly SessionEvent[]): number {
  let end = 0;
  for (const e of events) end = Math.max(end, e.tMs);
  return end;
}

/**
 * How many events have happened by `positionMs`: events are taken in file order up to the
 * first one later than the position (producers' clocks interleave by a few ms; the order
 * the store saw wins). Monotonic in the position.
 */
export function eventsUntil(events: readonly SessionEvent[], positionMs: number): number {
  let k = 0;
  while (k < events.length && events[k].tMs <= positionMs) k++;
  return k;
}

/**
 * Folds prefixes of the events, keeping a state every `every` events: moving forward folds
 * only the new events, seeking back restarts from the nearest kept state, not from the start.
 */
export class Folder {
  private readonly checkpoints: SessionState[] = [INITIAL_STATE];
  private count = 0;
  private state: SessionState = INITIAL_STATE;
  constructor(private readonly events: readonly SessionEvent[], private readonly every = 500) {}

  /** The state after the first `count` events. */
  stateAfter(count: number): SessionState {
    const target = Math.max(0, Math.min(count, this.events.length));
    if (target < this.count) {
      const k = Math.min(Math.floor(target / this.every), this.checkpoints.length - 1);
      this.state = this.checkpoints[k];
      this.count = k * this.every;
    }
    while (this.count < target) {
      this.state = reduce(this.state, this.events[this.count]);
      this.count++;
      if (this.count % this.every === 0 && this.checkpoints.length === this.count / this.every) this.checkpoints.push(this.state);
    }
    return this.state;
  }
}

// ---- The playback clock: pure functions of time, keys and speed. ----

export const SPEEDS = [0.5, 1, 2, 5, 10] as const;
export const SEEK_MS = 5_000;

export interface Playback {
  /** Where the replay is, in the recording's time (ms since the session started). */
  readonly positionMs: number;
  readonly playing: boolean;
  /** Index into SPEEDS. */
  readonly speedIndex: number;
  /** The recording's length. */
  readonly durationMs: number;
}

export type PlaybackAction =
  | { readonly type: 'replay/toggle' }
  | { readonly type: 'replay/faster' }
  | { readonly type: 'replay/slower' }
  | { readonly type: 'replay/seek'; readonly deltaMs: number }
  /** Wall-clock time passed since the last tick. */
  | { readonly type: 'replay/tick'; readonly elapsedMs: number };

export function startPlayback(durationMs: number, playing = true): Playback {
  return { positionMs: 0, playing, speedIndex: SPEEDS.indexOf(1), durationMs };
}

export const playbackSpeed = (p: Playback): number => SPEEDS[p.speedIndex];

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

export function playbackReducer(p: Playback, action: PlaybackAction): Playback {
  switch (action.type) {
    case 'replay/toggle':
      // Play at the end starts over, as a player does.
      if (!p.playing && p.positionMs >= p.durationMs) return { ...p, positionMs: 0, playing: true };
      return { ...p, playing: !p.playing };
    case 'replay/faster':
      return { ...p, speedIndex: Math.min(SPEEDS.length - 1, p.speedIndex + 1) };
    case 'replay/slower':
      return { ...p, speedIndex: Math.max(0, p.speedIndex - 1) };
    case 'replay/seek':
      return { ...p, positionMs: clamp(p.positionMs + action.deltaMs, 0, p.durationMs) };
    case 'replay/tick': {
      if (!p.playing || action.elapsedMs <= 0) return p;
      const positionMs = Math.min(p.durationMs, p.positionMs + action.elapsedMs * playbackSpeed(p));
      return { ...p, positionMs, playing: positionMs < p.durationMs };
    }
  }
}

/** m:ss (h:mm:ss from an hour), of whole seconds. */
export function clockText(ms: number): string {
  const total = Math.floor(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** `replay 0:12 / 1:30 · 2× · playing` */
export function cursorText(p: Playback): string {
  const state = p.playing ? 'playing' : p.positionMs >= p.durationMs ? 'ended' : 'paused';
  return `replay ${clockText(p.positionMs)} / ${clockText(p.durationMs)} · ${playbackSpeed(p)}× · ${state}`;
}
