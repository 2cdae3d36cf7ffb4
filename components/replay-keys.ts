import { SEEK_MS, type PlaybackAction } from '../src/session/playback.js';

/**
 * What a key means in the replay view, as a pure function: a playback action, or quitting.
 * Kept apart from the live view's keys (keys.ts): a replay has no load to pause or adjust.
 */
export type ReplayKeyAction = PlaybackAction | { readonly type: 'replay/quit' };

/** The parts of Ink's `Key` this reads. */
export interface ReplayKeyFlags {
  readonly ctrl?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
}

/** space play/pause, `+` `=` `]` faster, `-` `_` `[` slower, ←/→ seek 5 s, `q` or Ctrl-C quit. */
export function replayKeyAction(input: string, key: ReplayKeyFlags): ReplayKeyAction | null {
  if (key.ctrl) return input === 'c' ? { type: 'replay/quit' } : null;
  if (key.leftArrow) return { type: 'replay/seek', deltaMs: -SEEK_MS };
  if (key.rightArrow) return { type: 'replay/seek', deltaMs: SEEK_MS };
  switch (input) {
    case 'q':
    case 'Q':
      return { type: 'replay/quit' };
    case ' ':
      return { type: 'replay/toggle' };
    case '+':
    case '=':
    case ']':
      return { type: 'replay/faster' };
    case '-':
    case '_':
    case '[':
      return { type: 'replay/slower' };
    default:
      return null;
  }
}

/** The replay's own line under the dashboard: where it is, how fast, and its keys. */
export function replayLineText(cursor: string, widthColumns: number): string {
  const keys = 'space play/pause · ←/→ 5 s · +/- speed · q quit';
  const full = `${cursor}   ${keys}`;
  return full.length <= widthColumns ? full : cursor.slice(0, widthColumns);
}
