import React from 'react';
import { describe, expect, it, vi } from 'vitest';
import { render } from 'ink-testing-library';
import { ReplayApp } from '../../components/ReplayApp.js';
import { replayKeyAction, replayLineText } from '../../components/replay-keys.js';
import { syntheticRun } from '../session/recording-stream.js';
import { stripAnsi } from './render.js';

const RIGHT = '\u001B[C';
const LEFT = '\u001B[D';

describe('replayKeyAction', () => {
  it.each([
    [' ', {}, { type: 'replay/toggle' }],
    ['+', {}, { type: 'replay/faster' }],
    [']', {}, { type: 'replay/faster' }],
    ['=', {}, { type: 'replay/faster' }],
    ['-', {}, { type: 'replay/slower' }],
    ['[', {}, { type: 'replay/slower' }],
    ['', { rightArrow: true }, { type: 'replay/seek', deltaMs: 5_000 }],
    ['', { leftArrow: true }, { type: 'replay/seek', deltaMs: -5_000 }],
    ['q', {}, { type: 'replay/quit' }],
    ['c', { ctrl: true }, { type: 'replay/quit' }],
    ['x', {}, null],
    ['q', { ctrl: true }, null],
  ])('%j %j → %j', (input, key, action) => {
    expect(replayKeyAction(input, key)).toEqual(action);
  });

  it('the line keeps the cursor when the keys do not fit', () => {
    expect(replayLineText('replay 0:12 / 1:30 · 2× · playing', 100)).toBe('replay 0:12 / 1:30 · 2× · playing   space play/pause · ←/→ 5 s · +/- speed · q quit');
    expect(replayLineText('replay 0:12 / 1:30 · 2× · playing', 40)).toBe('replay 0:12 / 1:30 · 2× · playing');
  });
});

describe('ReplayApp', () => {
  const events = syntheticRun(40); // 10.5 s

  it('shows the dashboard and the time cursor; keys play, pause, change speed, seek and quit', async () => {
    let wallMs = 0;
    const onQuit = vi.fn();
    const app = render(<ReplayApp events={events} onQuit={onQuit} autoPlay={false} tickMs={20} now={() => wallMs} />);
    const frame = () => stripAnsi(app.lastFrame() ?? '');
    const press = async (key: string, expected: RegExp) => {
      app.stdin.write(key);
      await vi.waitFor(() => expect(frame()).toMatch(expected), { timeout: 5_000 });
    };
    await vi.waitFor(() => expect(frame()).toContain('replay 0:00 / 0:10 · 1× · paused'), { timeout: 5_000 });
    // At 0:00 only session/started is folded: no threads yet.
    expect(frame()).not.toMatch(/Threads · \d+ processes/);

    await press(RIGHT, /replay 0:05 \/ 0:10 · 1× · paused/);
    // 5 s in: the folded state has the server's tree (5 processes of the server, 1 companion).
    expect(frame()).toMatch(/Threads · 5 processes · \d+ threads/);
    await press(LEFT, /replay 0:00 \/ 0:10 · 1× · paused/);
    expect(frame()).not.toMatch(/Threads · \d+ processes/);

    await press('+', /replay 0:00 \/ 0:10 · 2× · paused/);
    await press(']', /replay 0:00 \/ 0:10 · 5× · paused/);
    await press('-', /replay 0:00 \/ 0:10 · 2× · paused/);
    await press('[', /replay 0:00 \/ 0:10 · 1× · paused/);
    await press('+', /replay 0:00 \/ 0:10 · 2× · paused/);

    await press(' ', /replay 0:00 \/ 0:10 · 2× · playing/);
    // The clock starts in an effect after the frame is written: let it read the wall clock first.
    await new Promise((r) => setTimeout(r, 100));
    // 1.5 s of wall time at 2× is 3 s of the recording.
    wallMs += 1_500;
    await vi.waitFor(() => expect(frame()).toContain('replay 0:03 / 0:10 · 2× · playing'), { timeout: 5_000 });
    await press(' ', /replay 0:03 \/ 0:10 · 2× · paused/);
    wallMs += 5_000;
    await new Promise((r) => setTimeout(r, 100));
    expect(frame()).toContain('replay 0:03 / 0:10 · 2× · paused');

    app.stdin.write('q');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(1), { timeout: 5_000 });
    app.unmount();
  });

  it('plays to the end and stops there, showing the final state', async () => {
    let wallMs = 0;
    const app = render(<ReplayApp events={events} onQuit={() => undefined} tickMs={20} now={() => wallMs} />);
    const frame = () => stripAnsi(app.lastFrame() ?? '');
    await vi.waitFor(() => expect(frame()).toContain('replay 0:00 / 0:10 · 1× · playing'), { timeout: 5_000 });
    await new Promise((r) => setTimeout(r, 100));
    wallMs += 60_000;
    await vi.waitFor(() => expect(frame()).toContain('replay 0:10 / 0:10 · 1× · ended'), { timeout: 5_000 });
    // The whole run folded: the header says it is done.
    expect(frame()).toMatch(/done/);
    app.unmount();
  });
});
