import React from 'react';
import { describe, expect, it, vi } from 'vitest';
import { render } from 'ink-testing-library';
import { footerLine } from '../../components/Footer.js';
import { LiveApp } from '../../components/LiveApp.js';
import { lineText } from '../../components/line.js';
import { runNotices } from '../../src/cli.js';
import { BASE_STATE, fakeStore } from './fixtures.js';
import { stripAnsi } from './render.js';

// Issue 8: a warning raised while the run goes on (the recording stopped) is shown in the footer.

const NOTICE = 'recording stopped at 12.3 s: no space left on device (/data/run.ndjson); the run went on';

describe('footer with a notice', () => {
  it('keeps q, space and ? and puts the notice, in yellow, in place of the other keys', () => {
    const line = footerLine('loading', false, 200, { notice: NOTICE });
    expect(lineText(line)).toBe(`q quit · space pause · ? help · ⚠ ${NOTICE}`);
    expect(line.at(-1)?.color).toBe('yellow');
  });

  it('is cut to the width, the keys first', () => {
    expect(lineText(footerLine('done', false, 40, { notice: NOTICE }))).toBe('q quit · ? help · ⚠ recording stopped a…');
  });

  it('is sanitized: a file name cannot smuggle escapes', () => {
    expect(lineText(footerLine('done', false, 200, { notice: 'stopped (\x1b]0;pwned\x07x.ndjson)' }))).toBe('q quit · ? help · ⚠ stopped (x.ndjson)');
  });

  it('gives way to the filter prompt while one is typed', () => {
    expect(lineText(footerLine('loading', false, 80, { notice: NOTICE, filterDraft: 'gun' }))).toMatch(/^filter: gun▏/);
  });
});

describe('LiveApp with run notices', () => {
  it('shows a notice added while it runs, in the footer', async () => {
    const notices = runNotices();
    const store = fakeStore(BASE_STATE);
    const app = render(<LiveApp store={store} controls={{ quit: vi.fn(), interrupt: vi.fn(), togglePause: vi.fn() }} notice={notices} />);
    const lastFrame = () => stripAnsi(app.lastFrame() ?? '');
    await vi.waitFor(() => expect(lastFrame()).toContain('q quit'), { timeout: 5_000 });
    expect(lastFrame()).not.toContain('⚠');
    notices.add(NOTICE);
    await vi.waitFor(() => expect(lastFrame()).toContain('⚠ recording stopped at 12.3 s'), { timeout: 5_000 });
    expect(notices.all()).toEqual([NOTICE]);
    app.unmount();
  });
});
