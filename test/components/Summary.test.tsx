import React from 'react';
import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { Summary } from '../../components/Summary.js';
import { renderSummaryText, summaryLines } from '../../components/summary-text.js';
import type { SessionState } from '../../src/session/state.js';
import { BASE_STATE } from './fixtures.js';
import { frameLines } from './render.js';

const FINISHED: SessionState = {
  ...BASE_STATE,
  phase: 'done',
  ended: 'completed',
  nowMs: 33_000,
  load: {
    ...BASE_STATE.load,
    finishedAtMs: 32_000,
    totals: { completed: 7_450, ok: 7_440, non2xx: 10, timeouts: 1, errors: 0, resets: 2 },
  },
  shape: { ...BASE_STATE.shape, after: { processes: 5, threads: 35 } },
};

describe('renderSummaryText', () => {
  it('says everything the run measured, in plain text, each line within 80 columns', () => {
    for (const line of renderSummaryText(FINISHED).split('\n').slice(2)) expect(line.length).toBeLessThanOrEqual(80);
    const lines = renderSummaryText(FINISHED).split('\n');
    expect(lines.slice(0, 9).join('\n')).toBe(
      [
        'watchload · cluster · 4 workers · completed after 0:33',
        '  command   node /work/main/dist/src/models/servers/cluster.js --workers 4 --port 41234',
        '  url       http://127.0.0.1:41234/',
        '  load      -c 50 · 30 s · delay 200 ms',
        '  requests  7,450 responses · 7,440 ok · 248 req/s over 30.0 s',
        '  errors    1 timeout · 10 non-2xx · 0 conn errors · 2 resets',
        '  latency   p50 201 ms · p90 202 ms · p99 208 ms · p99.9 412 ms',
        '            max 412 ms · mean 201 ms',
        '  shape     processes / threads: before 5 / 35 · peak 5 / 35 · after 5 / 35',
      ].join('\n'),
    );
    // Then the insights, each wrapped under its time.
    expect(lines.slice(9, 11)).toEqual([
      '  insights  2.3s   5 processes existed before the first request (1 master + 4',
      '                   workers): prefork',
    ]);
    expect(lines.slice(11).join(' ')).toMatch(/^ +\d+\.\ds +Little's law: 248\.3 req\/s × 201 ms mean latency = 50 in +flight, the 50 connections, kept busy \(100 %\)$/);
  });

  it('in a container, a line past 80 columns goes on under its label, styles kept; the command stays whole', () => {
    const inContainer: SessionState = {
      ...FINISHED,
      server: {
        ...FINISHED.server!,
        command: ['/usr/bin/gunicorn', '--workers', '2', '--threads', '10', '--bind', '127.0.0.1:37059', '--worker-class', 'gthread', 'app:app'],
        container: { id: 'f00d'.repeat(16), name: 'watchload-gunicorn-14877-8xpg', image: 'watchload-models:823abc6d0f9d', engine: 'unix:///run/docker.sock', sampling: 'engine' },
        containerUsage: { pidsCurrent: 24, pidsLimit: 24, cpuLimit: null, memoryBytes: 73.2 * 1024 ** 2, memoryLimitBytes: null },
        containerPidsPeak: 24,
      },
    };
    const text = renderSummaryText(inContainer).split('\n');
    expect(text.slice(1, 7)).toEqual([
      '  command   /usr/bin/gunicorn --workers 2 --threads 10 --bind 127.0.0.1:37059 --worker-class gthread app:app',
      '  url       http://127.0.0.1:41234/',
      '  container watchload-gunicorn-14877-8xpg · watchload-models:823abc6d0f9d ·',
      '            pids peak 24/24 (the limit) · mem 73.2 MiB ·',
      "            threads from the engine's top",
      '  load      -c 50 · 30 s · delay 200 ms',
    ]);
    for (const line of text.slice(2)) expect(line.length).toBeLessThanOrEqual(80);
    // The limit reached stays red and bold on both sides of the break.
    const lines = summaryLines(inContainer);
    const red = (line: (typeof lines)[number]) => line.filter((s) => s.color === 'red' && s.bold === true && s.text.trim() !== '').map((s) => s.text);
    expect(red(lines[3])).toEqual([' ·']);
    expect(red(lines[4]).join('')).toBe('pids peak 24/24 (the limit)');
    expect(lines[4][0]).toMatchObject({ text: ' '.repeat(12), dim: true });
  });

  it('includes why the server died and its last stderr lines, sanitized', () => {
    const state: SessionState = {
      ...FINISHED,
      phase: 'failed',
      ended: 'server-exited',
      shape: { before: null, peak: null, after: null },
      server: { ...FINISHED.server!, exited: { tMs: 5_000, code: 1, signal: null, expected: false, stderrTail: ['at listen', 'Error: \x1b[31mEADDRINUSE\x1b[0m'] } },
    };
    const text = renderSummaryText(state);
    expect(text.split('\n').slice(0, 1)).toEqual(['watchload · cluster · 4 workers · server exited after 0:33']);
    expect(text.split('\n').filter((l) => !/^ +(insights +)?\d+\.\ds|^ {19}\S/.test(l)).slice(-4)).toEqual([
      '  shape     processes / threads: before — · peak — · after —',
      '  server    exited on its own (code 1)',
      '  │ at listen',
      '  │ Error: EADDRINUSE',
    ]);
    expect(text).not.toMatch(/\x1b/);
  });

  it('before anything ran', () => {
    const empty: SessionState = { ...BASE_STATE, config: null, server: null, nowMs: 0, load: { ...BASE_STATE.load, startedAtMs: null, cumulative: { valuesUs: [], counts: [] } } };
    expect(renderSummaryText(empty).split('\n')).toEqual([
      'watchload · — · loading after 0:00',
      '  requests  2,972 responses · 2,972 ok · — req/s over 0.0 s',
      '  errors    0 timeouts · 0 non-2xx · 0 conn errors · 0 resets',
      '  latency   p50 — · p90 — · p99 — · p99.9 —',
      '            max — · mean —',
      '  shape     processes / threads: before 5 / 35 · peak 5 / 35 · after —',
    ]);
  });
});

describe('Summary', () => {
  it('renders the same lines as the text', () => {
    const { lastFrame, unmount } = render(<Summary state={FINISHED} />);
    expect(frameLines(lastFrame() ?? '')).toEqual(renderSummaryText(FINISHED).split('\n'));
    unmount();
  });
});
