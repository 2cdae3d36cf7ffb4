import { describe, expect, it } from 'vitest';
import {
  clockText,
  cursorText,
  eventsUntil,
  Folder,
  playbackReducer,
  recordingDurationMs,
  startPlayback,
  type Playback,
} from '../../src/session/playback.js';
import { foldEvents } from '../../src/session/replay.js';
import { syntheticRun } from './recording-stream.js';

const at = (positionMs: number, over: Partial<Playback> = {}): Playback => ({ ...startPlayback(90_000), positionMs, ...over });

describe('the playback clock', () => {
  it('starts at 0:00, 1×, playing (or paused)', () => {
    expect(startPlayback(90_000)).toEqual({ positionMs: 0, playing: true, speedIndex: 1, durationMs: 90_000 });
    expect(startPlayback(90_000, false).playing).toBe(false);
  });

  it('advances by wall time × speed while playing, not while paused', () => {
    expect(playbackReducer(at(1_000), { type: 'replay/tick', elapsedMs: 200 }).positionMs).toBe(1_200);
    expect(playbackReducer(at(1_000, { speedIndex: 0 }), { type: 'replay/tick', elapsedMs: 200 }).positionMs).toBe(1_100);
    expect(playbackReducer(at(1_000, { speedIndex: 4 }), { type: 'replay/tick', elapsedMs: 200 }).positionMs).toBe(3_000);
    const paused = at(1_000, { playing: false });
    expect(playbackReducer(paused, { type: 'replay/tick', elapsedMs: 200 })).toBe(paused);
  });

  it('stops at the end, and play there starts over', () => {
    const end = playbackReducer(at(89_900, { speedIndex: 3 }), { type: 'replay/tick', elapsedMs: 200 });
    expect(end).toMatchObject({ positionMs: 90_000, playing: false });
    expect(cursorText(end)).toBe('replay 1:30 / 1:30 · 5× · ended');
    expect(playbackReducer(end, { type: 'replay/toggle' })).toMatchObject({ positionMs: 0, playing: true });
  });

  it.each([
    [1, 'replay/faster', 2],
    [4, 'replay/faster', 4],
    [1, 'replay/slower', 0],
    [0, 'replay/slower', 0],
  ] as const)('speed index %i, %s → %i', (from, type, to) => {
    expect(playbackReducer(at(0, { speedIndex: from }), { type }).speedIndex).toBe(to);
  });

  it('seeks by ± 5 s within the recording', () => {
    expect(playbackReducer(at(12_000), { type: 'replay/seek', deltaMs: 5_000 }).positionMs).toBe(17_000);
    expect(playbackReducer(at(3_000), { type: 'replay/seek', deltaMs: -5_000 }).positionMs).toBe(0);
    expect(playbackReducer(at(88_000), { type: 'replay/seek', deltaMs: 5_000 }).positionMs).toBe(90_000);
  });

  it('says where it is', () => {
    expect(cursorText(at(12_400, { speedIndex: 2 }))).toBe('replay 0:12 / 1:30 · 2× · playing');
    expect(cursorText(at(12_400, { playing: false, speedIndex: 0 }))).toBe('replay 0:12 / 1:30 · 0.5× · paused');
    expect(clockText(3_723_000)).toBe('1:02:03');
  });
});

describe('folding at a position', () => {
  const events = syntheticRun(40);

  it('counts the events up to the position, in file order', () => {
    expect(eventsUntil(events, -1)).toBe(0);
    expect(eventsUntil(events, 0)).toBe(1);
    expect(eventsUntil(events, recordingDurationMs(events))).toBe(events.length);
    expect(recordingDurationMs(events)).toBe(520 + 40 * 250);
  });

  it('Folder gives the fold of each prefix, forward, back and forward again', () => {
    const folder = new Folder(events, 7);
    for (const count of [0, 5, 30, 64, 12, 3, 64, events.length, 1, events.length - 1]) {
      expect(folder.stateAfter(count)).toEqual(foldEvents(events.slice(0, count)));
    }
  });
});
