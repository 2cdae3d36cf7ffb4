import React from 'react';
import { describe, expect, it, vi } from 'vitest';
import { render } from 'ink-testing-library';
import { LiveApp } from '../../components/LiveApp.js';
import { INITIAL_UI, keyAction, uiReducer } from '../../components/keys.js';
import type { SessionState } from '../../src/session/state.js';
import { BASE_STATE, fakeStore } from './fixtures.js';
import { stripAnsi } from './render.js';



describe('keyAction', () => {
  it.each([
    ['q', {}, false, 'session/quit'],
    ['c', { ctrl: true }, false, 'session/interrupt'],
    [' ', {}, false, 'load/toggle-pause'],
    ['?', {}, false, 'ui/toggle-help'],
    ['', { escape: true }, true, 'ui/close-help'],
    ['', { escape: true }, false, null],
    ['x', {}, false, null],
    ['q', { ctrl: true }, false, null],
  ])('%j %j (help %s) → %s', (input, key, help, type) => {
    expect(keyAction(input, key, help)?.type ?? null).toBe(type);
  });

  it('session actions leave the UI state as it is; help toggles', () => {
    expect(uiReducer(INITIAL_UI, { type: 'ui/toggle-help' })).toEqual({ ...INITIAL_UI, showHelp: true });
    expect(uiReducer({ ...INITIAL_UI, showHelp: true }, { type: 'ui/close-help' })).toEqual(INITIAL_UI);
    const same = { ...INITIAL_UI, showHelp: true };
    expect(uiReducer(same, { type: 'session/quit' })).toBe(same);
  });
});

describe('LiveApp', () => {
  it('renders the published state, maps keys to controls, and unsubscribes on unmount', async () => {
    const store = fakeStore(BASE_STATE);
    const controls = { quit: vi.fn(), interrupt: vi.fn(), togglePause: vi.fn() };
    const app = render(<LiveApp store={store} controls={controls} />);
    const { stdin, unmount } = app;
    const lastFrame = () => stripAnsi(app.lastFrame() ?? '');
    // Ink renders asynchronously; on a busy machine 10 ms is not always enough.
    await vi.waitFor(() => expect(lastFrame()).toContain('Threads · 5 processes · 35 threads'), { timeout: 5_000 });

    store.publish({ ...BASE_STATE, phase: 'paused' });
    await vi.waitFor(() => expect(lastFrame()).toContain('space resume'), { timeout: 5_000 });

    // Each key's effect is awaited, not a fixed tick: a frame can take longer on a busy machine.
    stdin.write('?');
    await vi.waitFor(() => expect(lastFrame()).toContain('q, Ctrl-C'), { timeout: 5_000 });
    stdin.write('?');
    await vi.waitFor(() => expect(lastFrame()).not.toContain('q, Ctrl-C'), { timeout: 5_000 });

    stdin.write(' ');
    await vi.waitFor(() => expect(controls.togglePause).toHaveBeenCalledTimes(1), { timeout: 5_000 });
    stdin.write('\x03');
    await vi.waitFor(() => expect(controls.interrupt).toHaveBeenCalledWith('SIGINT'), { timeout: 5_000 });
    stdin.write('q');
    await vi.waitFor(() => expect(controls.quit).toHaveBeenCalledTimes(1), { timeout: 5_000 });

    expect(store.listeners.size).toBe(1);
    unmount();
    expect(store.listeners.size).toBe(0);
  });
});
