import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModelImage } from '../../src/docker/image.js';
import {
  cmdlinesFromTop,
  INITIAL_TOP_STATE,
  MIN_ENGINE_INTERVAL_MS,
  parseTopRows,
  snapshotFromTop,
  startEngineSampler,
  type TopResult,
  type TopState,
} from '../../src/docker/top-sampler.js';
import type { SamplerThread } from '../../src/proc/sampler-thread.js';
import type { ProcessSample, Snapshot } from '../../src/proc/types.js';
import { freePort } from '../../src/util/ports.js';

/** A fixture written by test/fixtures/docker/record.ts: the engine's answers, as given. */
interface Fixture {
  readonly samples: readonly {
    readonly label: string;
    readonly tMs: number;
    readonly top: TopResult;
    readonly args: TopResult;
    readonly truth?: { readonly tid: number; readonly runNsBefore: number; readonly runNsAfter: number };
  }[];
}

function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/docker/${name}.json`, import.meta.url), 'utf8')) as Fixture;
}

/** Every sample of a fixture through snapshotFromTop, in order. */
function replay(name: string): (readonly ProcessSample[])[] {
  let state: TopState = INITIAL_TOP_STATE;
  return fixture(name).samples.map((sample) => {
    const read = snapshotFromTop(sample.top, state, sample.tMs, cmdlinesFromTop(sample.args));
    state = read.state;
    return read.processes;
  });
}

const shape = (processes: readonly ProcessSample[]) => processes.map((p) => [p.pid, p.threads.length]);
const thread = (processes: readonly ProcessSample[], tid: number) => processes.flatMap((p) => p.threads).find((t) => t.tid === tid);

describe('snapshotFromTop on gunicorn --workers 2 --threads 4 behind docker-init', () => {
  const [idle1, idle2, load1, load2] = replay('gunicorn-gthread');
  const gunicorn = ['/usr/bin/python3', '/usr/bin/gunicorn', '--workers', '2', '--threads', '4', '--bind', '127.0.0.1:18761', 'app:app'];

  it('drops the init: the master is the root, then the workers by pid, with host pids', () => {
    expect(idle1.map((p) => [p.pid, p.ppid, p.name])).toEqual([
      [21864, 21850, 'gunicorn'],
      [21865, 21864, 'gunicorn'],
      [21866, 21864, 'gunicorn'],
    ]);
    expect(idle1[0].cmdline).toEqual(gunicorn);
    expect(idle1[0].rssBytes).toBe(29364 * 1024);
  });

  it('gives no CPU on first sight, then a share of the interval', () => {
    expect(idle1.every((p) => p.cpuPercent === null && p.threads.every((t) => t.cpuPercent === null && t.ranMs === null))).toBe(true);
    expect(idle2.every((p) => p.cpuPercent === 0 && p.threads.every((t) => t.cpuPercent === 0 && t.ranMs === 0))).toBe(true);
  });

  it('keeps the raw wchan and labels the wait', () => {
    const master = idle2[0].threads[0];
    expect([master.wchan, master.waitLabel, master.state]).toEqual(['poll_schedule_timeout.constprop.0', 'poll/select', 'S']);
    expect(idle2[1].threads.map((t) => t.waitLabel)).toEqual(['epoll wait', 'futex wait']);
    // A running thread: ps prints '-', kept as no wchan.
    expect(idle1[2].threads[0]).toMatchObject({ state: 'R', wchan: '', waitLabel: '' });
  });

  it('shows the thread pools growing under load: new threads have no CPU yet', () => {
    expect(shape(idle2)).toEqual([[21864, 1], [21865, 2], [21866, 1]]);
    expect(shape(load1)).toEqual([[21864, 1], [21865, 5], [21866, 5]]);
    expect(shape(load2)).toEqual(shape(load1));
    expect(thread(load1, 21896)?.cpuPercent).toBeNull();
    expect(thread(load1, 21867)?.cpuPercent).toBe(0);
    expect(load2.every((p) => p.threads.every((t) => t.cpuPercent !== null && t.cpuPercent >= 0 && t.cpuPercent <= 100))).toBe(true);
    // The process's share is its threads' sum.
    for (const p of load2) expect(p.cpuPercent).toBeCloseTo(p.threads.reduce((sum, t) => sum + (t.cpuPercent ?? 0), 0), 9);
  });
});

describe('snapshotFromTop on gevent.pywsgi', () => {
  const [idle1, , load1, load2] = replay('gevent');

  it('is one process whose hub pool appears under load', () => {
    expect(shape(idle1)).toEqual([[22037, 2]]);
    expect(idle1[0].cmdline).toEqual(['/usr/bin/python3', '/opt/s/pywsgi.py', '127.0.0.1', '18762']);
    expect(shape(load1)).toEqual([[22037, 11]]);
    expect(load1[0].threads.slice(2).every((t) => t.waitLabel === 'futex wait' && t.cpuPercent === null)).toBe(true);
    expect(load2[0].threads.every((t) => t.cpuPercent !== null)).toBe(true);
  });
});

describe('snapshotFromTop on churn.py (no init)', () => {
  const recorded = fixture('churn');
  const [first, second] = replay('churn');

  it('roots the tree at the first process when there is no init', () => {
    expect(first.map((p) => [p.pid, p.ppid, p.name, p.cmdline.join(' ')])).toEqual([
      [22200, 22179, 'python3', '/usr/bin/python3 /opt/s/churn.py'],
      [22216, 22200, 'child proc', '/usr/bin/python3 /opt/s/churn.py'],
    ]);
  });

  it('keeps thread names with spaces and parentheses, cut at 15 bytes by the kernel', () => {
    expect(first[0].threads.slice(1, 5).map((t) => t.name)).toEqual(['a test', '(sd-pam)', '0123456789abcde', 'busy half']);
  });

  it('drops threads that ended and adds those born between samples', () => {
    const tids = (processes: readonly ProcessSample[]) => processes[0].threads.map((t) => t.tid);
    expect(tids(first)).toEqual([22200, 22212, 22213, 22214, 22215, 22222, 22223, 22224]);
    expect(tids(second)).toEqual([22200, 22212, 22213, 22214, 22215, 22246, 22247]);
    expect(second[0].threads.filter((t) => t.cpuPercent === null).map((t) => t.tid)).toEqual([22246, 22247]);
  });

  it('measures a thread at half a core within 3 points of its schedstat, from whole-second TIME and %CUU', () => {
    const [a, b] = recorded.samples;
    const truth = (s: typeof a) => ((s.truth?.runNsBefore ?? 0) + (s.truth?.runNsAfter ?? 0)) / 2 / 1e6;
    const truePercent = ((truth(b) - truth(a)) / (b.tMs - a.tMs)) * 100;
    expect(truePercent).toBeGreaterThan(40);
    expect(Math.abs((thread(second, 22215)?.cpuPercent ?? 0) - truePercent)).toBeLessThan(3);
  });

  it('gives the main thread what is left of the process total on its row, not the total', () => {
    const main = thread(second, 22200);
    expect(main?.cpuPercent).not.toBeNull();
    expect(main?.cpuPercent).toBeLessThan(5);
    // The process: the busy thread and the rest, about half a core.
    expect(second[0].cpuPercent).toBeGreaterThan(45);
    expect(second[0].cpuPercent).toBeLessThan(60);
  });
});

describe('parseTopRows and snapshotFromTop on made-up answers', () => {
  const titles = ['PID', 'PPID', 'LWP', 'S', 'PSR', 'TIME', '%CUU', 'ELAPSED', 'RSS', 'WCHAN', 'COMMAND'];
  const row = (pid: number, ppid: number, tid: number, time: number, cuu: string, elapsed: number, comm: string, state = 'S') =>
    [String(pid), String(ppid), String(tid), state, '1', String(time), cuu, String(elapsed), '2048', 'do_epoll_wait', comm];

  it('reads columns by title in any order, time in either format, and the joined last column', () => {
    const rows = parseTopRows({
      Titles: ['LWP', 'PID', 'TIME', 'ELAPSED', 'COMMAND'],
      Processes: [['7', '5', '1-02:03:04', '01:05', 'web worker 1']],
    });
    expect(rows).toEqual([
      { pid: 5, ppid: 0, tid: 7, state: '', lastCpu: 0, cpuSeconds: 93784, cuu: null, elapsedSeconds: 65, rssKiB: 0, wchan: '', comm: 'web worker 1' },
    ]);
    expect(parseTopRows({ Titles: ['LWP', 'COMMAND'], Processes: [['1', 'x']] })).toEqual([]); // no PID column
    expect(parseTopRows({ Titles: ['PID', 'COMMAND'], Processes: [['-', 'x'], ['12', 'y']] }).map((r) => [r.pid, r.tid])).toEqual([[12, 12]]);
  });

  it('takes the lowest pid without a parent as the root when it is no init, and leaves other trees out', () => {
    const top: TopResult = { Titles: titles, Processes: [row(30, 1, 30, 0, '0.000', 5, 'server'), row(31, 30, 31, 0, '0.000', 5, 'child'), row(40, 2, 40, 0, '0.000', 1, 'sh')] };
    const { processes } = snapshotFromTop(top, INITIAL_TOP_STATE, 10_000);
    expect(processes.map((p) => p.pid)).toEqual([30, 31]);
  });

  it('waits for the init to fork the server, then stays with it; once gone it stays gone', () => {
    const init = row(10, 1, 10, 0, '0.000', 1, 'docker-init');
    let read = snapshotFromTop({ Titles: titles, Processes: [init] }, INITIAL_TOP_STATE, 1000);
    expect([read.processes.length, read.state.rootPid, read.state.rootGone]).toEqual([0, null, false]);
    read = snapshotFromTop({ Titles: titles, Processes: [init, row(12, 10, 12, 0, '0.000', 0, 'tini child')] }, read.state, 2000);
    expect([read.processes.map((p) => p.pid), read.state.rootPid]).toEqual([[12], 12]);
    read = snapshotFromTop({ Titles: titles, Processes: [init] }, read.state, 3000);
    expect([read.processes.length, read.state.rootGone]).toEqual([0, true]);
    read = snapshotFromTop({ Titles: titles, Processes: [init, row(13, 10, 13, 0, '0.000', 0, 'again')] }, read.state, 4000);
    expect(read.processes).toEqual([]);
  });

  it('drops zombie threads and a process with no live thread', () => {
    const top: TopResult = {
      Titles: titles,
      Processes: [row(30, 1, 30, 0, '0.000', 5, 'server'), row(30, 1, 33, 0, '0.000', 5, 'gone', 'Z'), row(31, 30, 31, 0, '0.000', 5, 'dead', 'Z')],
    };
    const { processes } = snapshotFromTop(top, INITIAL_TOP_STATE, 10_000);
    expect(processes.map((p) => [p.pid, p.threads.map((t) => t.tid)])).toEqual([[30, [30]]]);
  });

  it('computes CPU from %CUU over a start time narrowed by whole-second ELAPSED', () => {
    // A thread started at t = 0.3 s using 40 % of a core: sampled at 10.0 s and 11.0 s.
    const at = (tMs: number) => {
      const aliveMs = tMs - 300;
      const cpuMs = 0.4 * aliveMs;
      return row(30, 1, 31, Math.floor(cpuMs / 1000), ((cpuMs / aliveMs) * 100).toFixed(3), Math.floor(aliveMs / 1000), 'w');
    };
    const leader = (tMs: number) => row(30, 1, 30, Math.floor((0.4 * (tMs - 300)) / 1000), '40.000', Math.floor((tMs - 300) / 1000), 'server');
    let read = snapshotFromTop({ Titles: titles, Processes: [leader(10_000), at(10_000)] }, INITIAL_TOP_STATE, 10_000);
    read = snapshotFromTop({ Titles: titles, Processes: [leader(11_000), at(11_000)] }, read.state, 11_000);
    const [main, worker] = read.processes[0].threads;
    expect(worker.cpuPercent).toBeCloseTo(40, 0);
    expect(worker.ranMs).toBeCloseTo(400, -1);
    // The leader's row holds the process total (procps-ng 4.0.2): the main thread ran nothing.
    expect(main.cpuPercent).toBeCloseTo(0, 0);
    expect(read.processes[0].cpuPercent).toBeCloseTo(40, 0);
  });

  it('falls back to whole seconds without %CUU, and treats a reused tid as a new thread', () => {
    const coarse = ['PID', 'PPID', 'LWP', 'S', 'TIME', 'ELAPSED', 'COMMAND'];
    const r = (time: number, elapsed: number) => ['30', '1', '30', 'R', String(time), String(elapsed), 'spin'];
    let read = snapshotFromTop({ Titles: coarse, Processes: [r(4, 9)] }, INITIAL_TOP_STATE, 10_000);
    read = snapshotFromTop({ Titles: coarse, Processes: [r(5, 10)] }, read.state, 11_000);
    expect(read.processes[0].threads[0].cpuPercent).toBe(100);
    // Same tid, started 10 s later than the one remembered: first sight again.
    read = snapshotFromTop({ Titles: coarse, Processes: [r(0, 1)] }, read.state, 12_000);
    expect(read.processes[0].threads[0].cpuPercent).toBeNull();
  });
});

// The real thing: a gunicorn gthread container on the engine DOCKER_HOST names. Outside CI a
// machine without an engine skips with a warning; in CI a missing engine fails here, loudly.
const docker = new Dockerode();
const haveEngine = await (docker.ping as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>)
  .call(docker, { abortSignal: AbortSignal.timeout(3000) })
  .then(() => true, () => false);
if (!haveEngine && !process.env.CI) console.warn('top-sampler: no Docker engine answers (DOCKER_HOST): the engine test is skipped');

describe.skipIf(!haveEngine && !process.env.CI)('startEngineSampler against a real engine', () => {
  const LABEL = { 'io.watchload.test': 'helper' };
  const WORKERS = 2;
  const THREADS = 4;
  let container: Dockerode.Container | null = null;
  let upstream: Server | null = null;
  let sampler: SamplerThread | null = null;
  let port = 0;
  const snapshots: Snapshot[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    if (!haveEngine) throw new Error(`no Docker engine answers at ${process.env.DOCKER_HOST ?? 'the default socket'}: start one (bash scripts/dockerd.sh start) and export DOCKER_HOST`);
    const image = process.env.WATCHLOAD_TEST_IMAGE ?? (await ensureModelImage(docker, () => undefined));
    // The app asks its upstream on every request: a small one here, on the 127.0.0.1 the container shares.
    upstream = createServer((req, res) => {
      const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
      setTimeout(() => res.end('ok'), delay * 1000);
    });
    await new Promise<void>((resolve) => upstream?.listen(0, '127.0.0.1', resolve));
    port = await freePort('127.0.0.1');
    container = await docker.createContainer({
      Image: image,
      Cmd: ['/usr/bin/gunicorn', '--workers', String(WORKERS), '--threads', String(THREADS), '--bind', `127.0.0.1:${port}`, 'app:app'],
      WorkingDir: '/opt/s',
      Env: [`UPSTREAM_URL=http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`],
      Labels: LABEL,
      HostConfig: { NetworkMode: 'host', Init: true },
    });
    const app = fileURLToPath(new URL('../../src/models/servers/app.py', import.meta.url));
    const tar = spawnSync('tar', ['-C', app.replace(/\/app\.py$/, ''), '--transform', 's,^,opt/s/,', '-c', 'app.py']);
    await container.putArchive(tar.stdout, { path: '/' });
    await container.start();
    await untilAnswers(`http://127.0.0.1:${port}/?delay=0`);
    // gthread starts a worker's threads on demand: requests in flight until every worker has
    // all of its threads (which worker accepts is the kernel's choice, so rounds, checked).
    for (let round = 0; round < 20 && !(await allThreadsStarted(container, WORKERS, THREADS)); round++) {
      await Promise.all(Array.from({ length: WORKERS * THREADS * 2 }, () => get(`http://127.0.0.1:${port}/?delay=0.3`)));
    }
    sampler = startEngineSampler({
      container,
      intervalMs: 50, // raised to MIN_ENGINE_INTERVAL_MS
      sessionStartMs: performance.timeOrigin + performance.now(),
      onSnapshot: (s) => snapshots.push(s),
      onError: (message) => errors.push(message),
    });
  }, 600_000);

  afterAll(async () => {
    await sampler?.stop();
    await container?.remove({ force: true }).catch(() => undefined);
    upstream?.closeAllConnections();
    upstream?.close();
  });

  it('sees the gunicorn master as the root, its workers and their threads, with CPU on the second sample', async () => {
    const first = await sampler!.sampleNow();
    const second = await sampler!.sampleNow();
    expect(errors).toEqual([]);
    const [master, ...workers] = second.processes;
    expect(master.cmdline.slice(0, 2)).toEqual(['/usr/bin/python3', '/usr/bin/gunicorn']);
    expect(workers).toHaveLength(WORKERS);
    expect(workers.every((w) => w.ppid === master.pid)).toBe(true);
    expect(second.processes.map((p) => p.threads.length)).toEqual([1, ...workers.map(() => 1 + THREADS)]);
    expect(first.processes.map((p) => p.pid)).toEqual(second.processes.map((p) => p.pid));
    expect(second.processes.every((p) => p.cpuPercent !== null && p.threads.every((t) => t.cpuPercent !== null))).toBe(true);
    expect(second.intervalMs).toBeGreaterThan(0);
    expect(second.costMs).toBeGreaterThan(0);
    expect(snapshots).toContain(second);
  });

  it('keeps MIN_ENGINE_INTERVAL_MS between scheduled samples, and delivers nothing after stop', async () => {
    const count = snapshots.length;
    await sleep(MIN_ENGINE_INTERVAL_MS * 2.5);
    const scheduled = snapshots.slice(count);
    expect(scheduled.length).toBeGreaterThanOrEqual(1);
    expect(scheduled.length).toBeLessThanOrEqual(3);
    await sampler!.stop();
    await sampler!.stop();
    const after = snapshots.length;
    await expect(sampler!.sampleNow()).rejects.toThrow('sampler stopped');
    await sleep(MIN_ENGINE_INTERVAL_MS * 1.5);
    expect(snapshots.length).toBe(after);
  });
});

/** True when the container's top shows `workers` processes with 1 + threads threads each. */
async function allThreadsStarted(container: Dockerode.Container, workers: number, threads: number): Promise<boolean> {
  const top = (await container.top({ ps_args: '-L -o pid,ppid,lwp' })) as TopResult;
  const count = new Map<string, number>();
  for (const [pid] of top.Processes) count.set(pid, (count.get(pid) ?? 0) + 1);
  return [...count.values()].filter((n) => n === 1 + threads).length === workers;
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function untilAnswers(url: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if ((await get(url)) === 200) return;
    await sleep(100);
  }
  throw new Error(`${url} never answered 200`);
}
