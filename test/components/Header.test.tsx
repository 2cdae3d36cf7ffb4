import React from 'react';
import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { Header, containerLine, formatCommand, headerInfo, headerLines, progressBar, progressFraction, wholeSecondsRps } from '../../components/Header.js';
import { lineWidth } from '../../components/line.js';
import { activeLoadMs } from '../../src/session/store.js';
import type { SessionState } from '../../src/session/state.js';
import { statusLine } from '../../src/report/status-line.js';
import { BASE_STATE } from './fixtures.js';
import { frameLines } from './render.js';

const ZERO = { completed: 0, ok: 0, non2xx: 0, timeouts: 0, errors: 0, resets: 0 };

function frame(state: SessionState, width: number, lines: number): string[] {
  const { lastFrame, unmount } = render(<Header info={headerInfo(state)} widthColumns={width} lines={lines} />);
  const out = frameLines(lastFrame() ?? '');
  unmount();
  return out;
}

const PAUSED_WITH_ERRORS: SessionState = {
  ...BASE_STATE,
  phase: 'paused',
  load: { ...BASE_STATE.load, pausedSinceMs: 13_000, counts: { ...BASE_STATE.load.counts, timeouts: 3, non2xx: 12, resets: 1 } },
};

/** The fixture as an open loop at 250/s that sends only 200/s: its load worker at 97 % of a core. */
const OPEN_LOOP_BEHIND: SessionState = {
  ...BASE_STATE,
  config: { ...BASE_STATE.config!, rate: 250, connections: 1000 },
  load: {
    ...BASE_STATE.load,
    sendLag: { valuesUs: [800, 41_000], counts: [990, 10] },
    generator: [{ cpuPercent: 97, loopDelayP99Ms: 30, loopDelayMaxMs: 45, busy: 50, connections: 1000, backlog: 12 }],
  },
};

describe('Header frames', () => {
  it('open loop, 4 lines at 100 columns: the rate sent against the rate asked, how late, and the generator-bound warning in place of the command', () => {
    expect(frame(OPEN_LOOP_BEHIND, 100, 4)).toEqual([
      'cluster · 4 workers · --rate 250/s · ≤1000 conns · http://127.0.0.1:41234/             loading  0:14',
      '⚠ generator-bound: the load worker at 97% of a core limits the load, not the server (try --load-wor…',
      '▕█████████▍             ▏  40% 12/30 s · 2,972 req · 248 req/s · sent 248/250 per s',
      'responses 2,972 · ok 2,972 · timeouts 0 · non-2xx 0 · conn errors 0 · resets 0',
    ]);
  });

  it('open loop on 2 lines: the warning takes the progress line', () => {
    expect(frame(OPEN_LOOP_BEHIND, 80, 2)[1]).toMatch(/^⚠ generator-bound: the load worker at 97% of a core/);
  });

  it('loading, 4 lines at 80 columns', () => {
    expect(frame(BASE_STATE, 80, 4)).toEqual([
      'cluster · 4 workers · -c 50 · http://127.0.0.1:41234/              loading  0:14',
      '$ node /work/main/dist/src/models/servers/cluster.js --workers 4 --port 41234',
      '▕███████▍          ▏  40% 12/30 s · 2,972 req · 248 req/s · mean 244',
      'responses 2,972 · ok 2,972 · timeouts 0 · non-2xx 0 · conn errors 0 · resets 0',
    ]);
  });

  it('paused with errors, 4 lines: every kind counted apart', () => {
    expect(frame(PAUSED_WITH_ERRORS, 80, 4)).toEqual([
      'cluster · 4 workers · -c 50 · http://127.0.0.1:41234/               paused  0:14',
      '$ node /work/main/dist/src/models/servers/cluster.js --workers 4 --port 41234',
      '▕██████▋           ▏  36% 11/30 s · 2,975 req · 248 req/s · mean 270',
      'responses 2,972 · ok 2,972 · timeouts 3 · non-2xx 12 · conn errors 0 · resets 1',
    ]);
  });

  it('paused with errors, 3 lines: the errors move up, before anything optional', () => {
    expect(frame(PAUSED_WITH_ERRORS, 80, 3)).toEqual([
      'cluster · 4 workers · -c 50 · http://127.0.0.1:41234/               paused  0:14',
      '$ node /work/main/dist/src/models/servers/cluster.js --workers 4 --port 41234',
      '▕███▋      ▏  36% 3 timeouts · 12 non-2xx · 1 reset · 248 req/s',
    ]);
  });

  it('a request-bounded run in 2 lines at 60 columns', () => {
    const state: SessionState = { ...BASE_STATE, config: { ...BASE_STATE.config!, requests: 5_000, durationS: null } };
    expect(frame(state, 60, 2)).toEqual([
      'cluster · 4 workers · http://127.0.0.1:41234/  loading  0:14',
      '▕██████    ▏  59% 2,972/5,000 req · 248 req/s · no errors',
    ]);
  });

  it('in a container, 4 lines at 100 columns: its line takes the responses\' place, the pids count turns red at the limit', () => {
    const inContainer: SessionState = {
      ...PAUSED_WITH_ERRORS,
      server: {
        ...PAUSED_WITH_ERRORS.server!,
        container: { id: 'f00d'.repeat(16), name: 'watchload-gunicorn-4242-ab12', image: 'watchload-models:0123456789ab', engine: 'unix:///run/docker.sock', sampling: 'proc' },
        containerUsage: { pidsCurrent: 100, pidsLimit: 100, cpuLimit: 1.5, memoryBytes: 85 * 1024 ** 2, memoryLimitBytes: 512 * 1024 ** 2 },
        containerPidsPeak: 100,
      },
    };
    expect(frame(inContainer, 100, 4)).toEqual([
      'cluster · 4 workers · -c 50 · delay 200 ms · http://127.0.0.1:41234/                    paused  0:14',
      '$ node /work/main/dist/src/models/servers/cluster.js --workers 4 --port 41234',
      'docker watchload-gunicorn-4242-ab12 · pids 100/100 · cpu ≤1.5 · mem 85.0 MiB/512 MiB',
      '▕███▋      ▏  36% 3 timeouts · 12 non-2xx · 1 reset · 248 req/s · 11/30 s · 2,975 req · mean 270',
    ]);
    const line = containerLine(headerInfo(inContainer).container!, 100);
    expect(line.find((s) => s.text === '100/100')).toMatchObject({ color: 'red', bold: true });
    // Wide: the sampling source and the image too; narrow: the limits stay, the rest goes.
    expect(containerLine(headerInfo(inContainer).container!, 160).map((s) => s.text).join('')).toBe(
      'docker watchload-gunicorn-4242-ab12 · pids 100/100 · cpu ≤1.5 · mem 85.0 MiB/512 MiB · threads from /proc · watchload-models:0123456789ab',
    );
    expect(containerLine(headerInfo(inContainer).container!, 62).map((s) => s.text).join('')).toBe('docker watchload-gunicorn-4242-ab12 · pids 100/100 · cpu ≤1.5');
  });

  it('through the engine\'s top: its 1 s floor is said on the container\'s line, not warned of as a back-off', () => {
    const viaEngine = (targetIntervalMs: number): SessionState => ({
      ...BASE_STATE,
      snapshot: { ...BASE_STATE.snapshot!, targetIntervalMs },
      server: {
        ...BASE_STATE.server!,
        container: { id: 'f00d'.repeat(16), name: 'watchload-uwsgi-4242-ab12', image: 'watchload-models:0123456789ab', engine: 'ssh://demo@box', sampling: 'engine' },
        containerUsage: null,
      },
    });
    // --interval 250 asked; the engine's top samples at 1 s: that is the source, not a back-off.
    const atFloor = viaEngine(1_000);
    expect(headerInfo(atFloor).sampling).toBeNull();
    expect(frame(atFloor, 120, 4)[0]).not.toContain('backed off');
    expect(containerLine(headerInfo(atFloor).container!, 160).map((s) => s.text).join('')).toBe(
      'docker watchload-uwsgi-4242-ab12 · threads from engine top every 1.0 s · watchload-models:0123456789ab',
    );
    expect(statusLine(atFloor)).not.toContain('backed off');
    // Slower than its floor: that is a back-off, said against the floor.
    expect(headerInfo(viaEngine(2_000)).sampling).toEqual({ intervalMs: 2_000, askedMs: 1_000 });
  });

  it('before the server is up', () => {
    const state: SessionState = {
      ...BASE_STATE,
      phase: 'starting',
      server: null,
      nowMs: 300,
      load: { ...BASE_STATE.load, startedAtMs: null, rpsPerSecond: [], counts: ZERO },
    };
    expect(frame(state, 80, 4)).toEqual([
      'cluster · 4 workers · -c 50 · delay 200 ms                        starting  0:00',
      '$ starting the server…',
      '▕                  ▏   0% 0/30 s · 0 req · — req/s · mean —',
      'responses 0 · ok 0 · timeouts 0 · non-2xx 0 · conn errors 0 · resets 0',
    ]);
  });

  it('after the load: the mean rate only', () => {
    const state: SessionState = { ...BASE_STATE, phase: 'done', nowMs: 33_000, load: { ...BASE_STATE.load, finishedAtMs: 32_000 } };
    expect(frame(state, 80, 4).slice(2, 3)).toEqual(['▕██████████████████▏ 100% 30/30 s · 2,972 req · 99.1 req/s mean']);
  });

  it('never prints escape codes from the command line', () => {
    const state: SessionState = { ...BASE_STATE, server: { ...BASE_STATE.server!, command: ['node', '\x1b]0;pwned\x07app.js', '\x1b[2J'] } };
    expect(frame(state, 80, 4)[1]).toBe("$ node app.js ''");
  });

  it('a sampler that backed off says so in yellow before the phase, shorter when narrow, and nothing while it samples as asked', () => {
    const backedOff: SessionState = { ...BASE_STATE, snapshot: { ...BASE_STATE.snapshot!, targetIntervalMs: 1_000 } };
    expect(BASE_STATE.config!.intervalMs).toBe(250);
    expect(frame(backedOff, 120, 4)[0]).toBe('cluster · 4 workers · -c 50 · http://127.0.0.1:41234/             sampling 1.0 s (backed off from 250 ms)  loading  0:14');
    expect(frame(backedOff, 80, 4)[0]).toBe('cluster · 4 workers · http://127.0.0.1:41234/      sampling 1.0 s  loading  0:14');
    // Narrower: the URL goes rather than be cut; narrower still, the note goes.
    expect(frame(backedOff, 60, 2)[0]).toBe('cluster · 4 workers · -c 50    sampling 1.0 s  loading  0:14');
    expect(frame(backedOff, 20, 2)[0]).toBe('clust… loading  0:14');
    const note = headerLines(headerInfo(backedOff), 120, 4)[0].find((s) => s.text.startsWith('sampling'));
    expect(note).toMatchObject({ text: 'sampling 1.0 s (backed off from 250 ms)', color: 'yellow' });
    // At the interval asked for (or before any snapshot says one): no note.
    const asAsked: SessionState = { ...BASE_STATE, snapshot: { ...BASE_STATE.snapshot!, targetIntervalMs: 250 } };
    expect(frame(asAsked, 120, 4)[0]).not.toContain('sampling');
    expect(headerInfo(BASE_STATE).sampling).toBeNull();
    for (const width of [20, 40, 60, 80, 120])
      for (const line of headerLines(headerInfo(backedOff), width, 4)) expect(lineWidth(line)).toBeLessThanOrEqual(width);
  });

  it('keeps every line within the width', () => {
    for (const width of [20, 40, 60, 80, 120, 200])
      for (const lines of [1, 2, 3, 4])
        for (const line of headerLines(headerInfo(PAUSED_WITH_ERRORS), width, lines)) expect(lineWidth(line)).toBeLessThanOrEqual(width);
  });
});

describe('header math', () => {
  const load = BASE_STATE.load;
  it.each([
    ['not started', { ...load, startedAtMs: null }, 14_200, 0],
    ['running', load, 14_200, 12_200],
    ['paused now', { ...load, pausedSinceMs: 13_000 }, 14_200, 11_000],
    ['paused before', { ...load, pausedTotalMs: 2_000 }, 14_200, 10_200],
    ['finished', { ...load, finishedAtMs: 10_000, pausedTotalMs: 1_000 }, 14_200, 7_000],
  ])('activeLoadMs: %s', (_name, l, now, ms) => expect(activeLoadMs({ ...BASE_STATE, load: l, nowMs: now })).toBe(ms));

  it.each([
    ['not started', { ...load, startedAtMs: null, rpsPerSecond: [5] }, 14_200, []],
    ['the running second left out', { ...load, rpsPerSecond: [...load.rpsPerSecond, 60] }, 14_200, load.rpsPerSecond],
    ['all whole', load, 14_200, load.rpsPerSecond],
    ['the last fraction after the end left out', { ...load, finishedAtMs: 5_500, rpsPerSecond: [168, 243, 249, 120] }, 9_000, [168, 243, 249]],
  ])('wholeSecondsRps: %s', (_name, l, now, rps) => expect(wholeSecondsRps(l, now)).toEqual(rps));

  it.each([
    [{ requestsDone: 500, requestsTotal: 2_000, loadElapsedMs: 0, loadDurationMs: null }, 0.25],
    [{ requestsDone: 2_500, requestsTotal: 2_000, loadElapsedMs: 0, loadDurationMs: null }, 1],
    [{ requestsDone: 0, requestsTotal: null, loadElapsedMs: 12_000, loadDurationMs: 30_000 }, 0.4],
    [{ requestsDone: 0, requestsTotal: null, loadElapsedMs: 12_000, loadDurationMs: null }, null],
  ])('progressFraction(%j) = %s', (info, f) => expect(progressFraction(info)).toBe(f));

  it.each([
    [0, 10, '▕        ▏'],
    [0.5, 10, '▕████    ▏'],
    [0.53, 10, '▕████▎   ▏'],
    [1, 10, '▕████████▏'],
    [2, 6, '▕████▏'],
  ])('progressBar(%d, %d) = %s', (f, w, bar) => {
    expect(progressBar(f, w)).toBe(bar);
    expect([...bar].length).toBe(w);
  });

  it.each([
    [['node', 'app.js', '--port', '8000'], 'node app.js --port 8000'],
    [['gunicorn', '-w 2', "it's"], `gunicorn '-w 2' 'it'\\''s'`],
    [['sh', '-c', ''], `sh -c ''`],
  ])('formatCommand(%j)', (argv, text) => expect(formatCommand(argv)).toBe(text));
});
