import { describe, expect, it } from 'vitest';
import { INITIAL_STATE, MAX_PROCESS_EVENTS, processChanges, reduce, respawnsOf } from '../../src/session/store.js';
import type { SessionEvent } from '../../src/session/events.js';
import type { ProcessEvent } from '../../src/session/state.js';
import type { ProcessSample, Snapshot } from '../../src/proc/types.js';
import { buildJsonReport } from '../../src/report/json.js';
import { renderSummaryText } from '../../components/summary-text.js';
import { SessionBuilder, baseConfig, type ProcSpec } from '../insights/build.js';

// Issue 8: a worker that dies during the run, and the one its master forks in its place, are
// events in the state, derived by the reducer from consecutive samples.

const master: ProcSpec = { pid: 100, ppid: 1, threads: 1, name: 'gunicorn' };
const worker = (pid: number): ProcSpec => ({ pid, ppid: 100, threads: 4, name: 'gunicorn' });

/** gunicorn -w 2: workers forked after ready, load at 1 s, worker 200 killed at 2.1 s, 400 forked in its place. */
function killedWorker(respawnAtMs = 2_250) {
  return new SessionBuilder({ workers: 2, threads: 4 })
    .sample(250, [master])
    .sample(500, [master, worker(200)])
    .sample(750, [master, worker(200), worker(300)])
    .startLoad(1_000)
    .samples(1_000, 2_000, () => [master, worker(200), worker(300)])
    .samples(2_250, 4_000, (t) => [master, worker(300), ...(t >= respawnAtMs ? [worker(400)] : [])])
    .responses(4_000, 100, 5)
    .finishLoad(4_000)
    .sample(4_250, [master, worker(300), ...(4_250 >= respawnAtMs ? [worker(400)] : [])]);
}

describe('process events from samples', () => {
  it('a worker killed under load: its exit and its respawn under the same master; the forks before the load are the before shape', () => {
    const state = killedWorker().state();
    expect(state.shape.before).toEqual({ processes: 3, threads: 9 });
    expect(state.processEvents).toEqual({
      recent: [
        { tMs: 2_250, pid: 200, ppid: 100, name: 'gunicorn', kind: 'exited' },
        { tMs: 2_250, pid: 400, ppid: 100, name: 'gunicorn', kind: 'started' },
      ],
      exited: 1,
      started: 1,
    });
    const { exits, starts } = respawnsOf(state.processEvents.recent);
    expect(exits).toEqual([{ exited: state.processEvents.recent[0], respawn: state.processEvents.recent[1] }]);
    expect(starts).toEqual([]);
  });

  it('a respawn seen samples after the exit is still paired with it', () => {
    const { recent } = killedWorker(3_000).state().processEvents;
    expect(recent.map((e) => [e.tMs, e.kind, e.pid])).toEqual([
      [2_250, 'exited', 200],
      [3_000, 'started', 400],
    ]);
    expect(respawnsOf(recent).exits[0].respawn?.pid).toBe(400);
  });

  it('a worker that is not replaced: an exit with no respawn', () => {
    const { recent } = killedWorker(99_999).state().processEvents;
    expect(recent).toEqual([{ tMs: 2_250, pid: 200, ppid: 100, name: 'gunicorn', kind: 'exited' }]);
    expect(respawnsOf(recent).exits).toEqual([{ exited: recent[0], respawn: null }]);
  });

  it('companions (nginx in front) are not the server: their processes are never events', () => {
    const nginx = (pid: number): ProcessSample => ({ pid, ppid: 1, name: 'nginx', cmdline: ['nginx'], rssBytes: 1, cpuPercent: 0, threads: [], group: 'nginx' });
    const server: ProcessSample = { pid: 100, ppid: 1, name: 'flask', cmdline: ['flask'], rssBytes: 1, cpuPercent: 0, threads: [] };
    const snap = (tMs: number, processes: ProcessSample[]): Snapshot => ({ tMs, intervalMs: 250, processes, costMs: 0 });
    expect(processChanges(snap(0, [server, nginx(500)]), snap(250, [server, nginx(501)]))).toEqual([]);
  });

  it('the whole tree gone is the server exiting (server/exited tells it), not an exit per process', () => {
    const state = killedWorker().sample(4_500, []).state();
    expect(state.processEvents.exited).toBe(1);
  });

  it('nothing after the server exited: its remains are not its doing', () => {
    const builder = killedWorker();
    const events: SessionEvent[] = [{ type: 'server/exited', tMs: 4_300, code: null, signal: 'SIGKILL', expected: false, stderrTail: [] }];
    const state = events.reduce(reduce, builder.state());
    const lastTree = state.snapshot!.processes.slice(0, 1);
    const after = reduce(state, { type: 'proc/sample', tMs: 4_500, snapshot: { tMs: 4_500, intervalMs: 250, processes: lastTree, costMs: 0 } });
    expect(after.processEvents).toBe(state.processEvents);
  });

  it('a zombie has exited: counted at the first sample that shows it so, once, not again when reaped', () => {
    const proc = (pid: number, ppid: number, state = 'S'): ProcessSample => ({
      pid, ppid, name: 'uwsgi', cmdline: ['uwsgi'], rssBytes: 1, cpuPercent: 0,
      threads: [{ tid: pid, name: 'uwsgi', state, cpuPercent: 0, ranMs: 0, lastCpu: 0, wchan: '', waitLabel: '', role: '' }],
    });
    const sample = (tMs: number, processes: ProcessSample[]): SessionEvent => ({ type: 'proc/sample', tMs, snapshot: { tMs, intervalMs: 250, processes, costMs: 0 } });
    const state = [
      { type: 'session/started', tMs: 0, config: baseConfig },
      { type: 'server/spawned', tMs: 1, pid: 100, command: ['uwsgi'], url: 'http://127.0.0.1:1/' },
      { type: 'server/ready', tMs: 2 },
      sample(250, [proc(100, 1), proc(200, 100)]),
      { type: 'load/started', tMs: 300 },
      sample(500, [proc(100, 1), proc(200, 100, 'Z')]),
      sample(750, [proc(100, 1)]),
      sample(1_000, [proc(100, 1), proc(300, 100)]),
    ].reduce<typeof INITIAL_STATE>((s, e) => reduce(s, e as SessionEvent), INITIAL_STATE);
    expect(state.processEvents.recent.map((e) => [e.tMs, e.kind, e.pid])).toEqual([
      [500, 'exited', 200],
      [1_000, 'started', 300],
    ]);
  });

  it('keeps the last MAX_PROCESS_EVENTS and counts them all (a server forking per request)', () => {
    const builder = new SessionBuilder().sample(250, [master]).startLoad(300);
    // A child per sample, gone by the next: 300 starts, 299 exits.
    for (let k = 1; k <= 300; k++) builder.sample(250 + k * 250, [master, worker(1_000 + k * 10)]);
    const { processEvents } = builder.state();
    expect(processEvents.started).toBe(300);
    expect(processEvents.exited).toBe(299);
    expect(processEvents.recent).toHaveLength(MAX_PROCESS_EVENTS);
    expect(processEvents.recent[MAX_PROCESS_EVENTS - 1]).toMatchObject({ kind: 'started', pid: 4_000 });
  });
});

describe('respawnsOf', () => {
  const e = (tMs: number, kind: ProcessEvent['kind'], pid: number, ppid: number): ProcessEvent => ({ tMs, pid, ppid, name: 'w', kind });

  it('pairs each exit with the first later start under its parent, once; starts left over are the server growing', () => {
    const events = [e(1_000, 'started', 9, 50), e(2_000, 'exited', 1, 50), e(2_000, 'exited', 2, 60), e(2_000, 'exited', 3, 50), e(2_250, 'started', 4, 60), e(2_250, 'started', 5, 50), e(2_500, 'started', 6, 70)];
    const { exits, starts } = respawnsOf(events);
    expect(exits.map((x) => [x.exited.pid, x.respawn?.pid ?? null])).toEqual([
      [1, 5],
      [2, 4],
      [3, null],
    ]);
    expect(starts.map((s) => s.pid)).toEqual([9, 6]);
  });
});

describe('process events in the reports', () => {
  it('JSON: processEvents with the respawn named both ways, and the counts', () => {
    const state = killedWorker(3_000).state();
    const report = buildJsonReport(state, { command: ['gunicorn'], url: 'http://127.0.0.1:1/' });
    expect(report.processEvents).toEqual([
      { t: 2.25, pid: 200, ppid: 100, name: 'gunicorn', kind: 'exited', respawnedAs: 400 },
      { t: 3, pid: 400, ppid: 100, name: 'gunicorn', kind: 'started', respawnOf: 200 },
    ]);
    expect(report.processEventCounts).toEqual({ exited: 1, started: 1, respawned: 1 });
    // A clean run has the fields, empty.
    const clean = buildJsonReport(new SessionBuilder().sample(250, [master]).state(), { command: [], url: null });
    expect(clean.processEvents).toEqual([]);
    expect(clean.processEventCounts).toEqual({ exited: 0, started: 0, respawned: 0 });
  });

  it('the text summary: a count line and each exit with what replaced it', () => {
    const text = renderSummaryText(killedWorker(3_000).state()).split('\n');
    const at = text.findIndex((l) => l.startsWith('  processes '));
    expect(text.slice(at, at + 2)).toEqual([
      '  processes 1 exited (1 respawned) · 1 started',
      '            2.3s   pid 200 (gunicorn) exited · respawned as pid 400 at 3.0s',
    ]);
    expect(renderSummaryText(killedWorker(99_999).state())).toContain('            2.3s   pid 200 (gunicorn) exited · not respawned');
    expect(renderSummaryText(new SessionBuilder().sample(250, [master]).state())).not.toMatch(/^  processes /m);
  });
});
