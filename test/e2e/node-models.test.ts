import { insight, kinds, type ReportedInsight } from '../helpers/insights.js';
import { afterEach, describe, expect, it } from 'vitest';
import { processesMatching, runCli, survivors } from '../helpers/cli.js';

// The Node models of issue 5 (worker-pool, thread-per-request, libuv-pool, blocking), each run
// for real through the built CLI with --json and a load of a few seconds. Each test asserts
// the shape the model is about, from the report. 7 is an idle CommonJS Node 20 process's
// thread count here (main, V8's delayed-task thread, 4 V8 platform workers, the inspector's
// start-io thread: see shared FACTS.md and src/proc/thread-roles.ts).
const NODE_IDLE_THREADS = 7;

interface Report {
  model: string;
  command: string[];
  url: string;
  server: { pid: number; exit: { code: number | null; signal: string | null; expected: boolean } | null };
  config: { threads: number | null };
  load: { requests: number; ok: number; errors: number; timeouts: number; non2xx: number; resets: number; rps: number; durationS: number; latencyMs: { p50: number; mean: number } };
  shape: {
    before: { processes: number; threads: number };
    peak: { processes: number; threads: number; threadsPerProcess: Record<string, number> };
    after: { processes: number; threads: number };
  };
  insights: ReportedInsight[];
}


let lastPids: number[] = [];
let lastPort: string | null = null;

afterEach(async () => {
  // Nothing a test started may outlive it: the pids the report named, and any process whose
  // command line names the test's port (/proc cmdline ends each argument with NUL, read as a
  // space: the trailing space delimits). Other runs' servers on this machine are not ours.
  const port = lastPort;
  const byPort = port === null ? [] : processesMatching(`--port ${port} `);
  expect(await survivors([...lastPids, ...byPort])).toEqual([]);
  lastPids = [];
  lastPort = null;
});

async function run(args: readonly string[]): Promise<Report> {
  const result = await runCli([...args, '--json'], { timeoutMs: 60_000 });
  expect(result.code, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout) as Report;
  lastPids = [report.server.pid, ...Object.keys(report.shape.peak.threadsPerProcess).map(Number)];
  lastPort = new URL(report.url).port;
  expect(report.server.exit?.expected).toBe(true);
  // Every request answered with 200, none lost.
  expect(report.load.non2xx + report.load.timeouts + report.load.errors + report.load.resets).toBe(0);
  expect(report.load.ok).toBe(report.load.requests);
  // One process throughout: these models grow threads, never processes.
  for (const moment of ['before', 'peak', 'after'] as const) expect(report.shape[moment].processes).toBe(1);
  return report;
}

describe('single: one process, one event loop', () => {
  it('concurrency without threads: flat, no prefork, every connection in flight', async () => {
    const report = await run(['--model', 'single', '-c', '20', '-d', '2', '--delay', '0.1']);
    expect(report.shape.before.threads).toBe(NODE_IDLE_THREADS);
    expect(insight(report, 'flat').evidence).toMatchObject({ processes: 1, threads: NODE_IDLE_THREADS, connections: 20 });
    expect(kinds(report)).not.toContain('prefork');
    expect(kinds(report)).not.toContain('on-demand');
    expect(kinds(report)).not.toContain('blocked-loop');
    expect(insight(report, 'littles-law').evidence.inFlight).toBeGreaterThan(17);
  });
});

describe('worker-pool: a fixed pool of worker_threads, started up front', () => {
  it('7 + N threads before the first request, flat under load; requests beyond N queue', async () => {
    const delayS = 0.2;
    const report = await run(['--model', 'worker-pool', '--threads', '3', '-c', '12', '-d', '3', '--delay', String(delayS)]);
    expect(report.command).toEqual(expect.arrayContaining(['--threads', '3']));
    expect(report.shape.before.threads).toBe(NODE_IDLE_THREADS + 3);
    expect(report.shape.peak.threads).toBe(report.shape.before.threads);
    expect(report.shape.after.threads).toBe(report.shape.before.threads);
    // 12 connections on 3 workers: each request waits for about 3 others ahead of it (on
    // average, whatever the order: Little's law, 12 in flight ÷ 3 / delay = 4 × delay).
    expect(report.load.latencyMs.mean).toBeGreaterThan(2 * delayS * 1000);
    // Said by the insights: the 3 worker threads are a pool from the start, nothing grows.
    expect(insight(report, 'pool').evidence).toMatchObject({ poolThreads: 3, upFront: 1 });
    expect(kinds(report)).toEqual(expect.arrayContaining(['flat', 'saturation']));
    expect(kinds(report)).not.toContain('on-demand');
  });
});

describe('thread-per-request: a new worker_thread per request, ended when it answers', () => {
  it('threads grow with the requests in flight and fall back after', async () => {
    const connections = 20;
    const report = await run(['--model', 'thread-per-request', '-c', String(connections), '-d', '3', '--delay', '0.5']);
    expect(report.shape.before.threads).toBe(NODE_IDLE_THREADS);
    // Most connections have a thread of their own at the peak (a sample can fall between one
    // thread's end and the next one's start).
    expect(report.shape.peak.threads).toBeGreaterThanOrEqual(report.shape.before.threads + connections * 0.75);
    expect(report.shape.after.threads).toBeLessThan(report.shape.peak.threads);
    const onDemand = insight(report, 'on-demand');
    expect(onDemand.evidence.from).toBe(NODE_IDLE_THREADS);
    expect(onDemand.evidence.peak).toBe(report.shape.peak.threads);
    expect(onDemand.evidence.after).toBeLessThan(report.shape.peak.threads);
    expect(onDemand.text).toMatch(/fell back|then \d+ after/);
    expect(kinds(report)).not.toContain('pool');
  });
});

describe('thread-per-request under a rising ramp: the thread explosion', () => {
  it('threads climb with the connections and have not levelled off when the sending stops', async () => {
    const report = await run(['--model', 'thread-per-request', '--ramp', '2:10,2:30,2:60', '--delay', '1.5']);
    const explosion = insight(report, 'thread-explosion');
    expect(explosion.evidence.from).toBe(NODE_IDLE_THREADS);
    // The last stage's 60 connections: most of them have a thread of their own at the end.
    expect(explosion.evidence.peak).toBeGreaterThan(NODE_IDLE_THREADS + 40);
    expect(explosion.evidence.perSecond).toBeGreaterThan(5);
    expect(explosion.text).toContain('still climbing when the load stopped');
  });
});

describe('libuv-pool: each request also hashes on libuv\'s threadpool', () => {
  it('no pool before the first request, N more threads from then on', async () => {
    const report = await run(['--model', 'libuv-pool', '--threads', '3', '-c', '10', '-d', '2', '--delay', '0.1']);
    expect(report.shape.before.threads).toBe(NODE_IDLE_THREADS);
    expect(report.shape.peak.threads).toBe(NODE_IDLE_THREADS + 3);
    // libuv's pool never shrinks.
    expect(report.shape.after.threads).toBe(NODE_IDLE_THREADS + 3);
    // A pool that appears on first use: libuv's threads, told apart by role.
    expect(insight(report, 'pool').evidence).toMatchObject({ from: 0, level: 3, upFront: 0 });
    expect(kinds(report)).not.toContain('flat');
  });
});

describe('blocking: a synchronous handler on the main thread', () => {
  it('7 threads, flat; one request at a time: rps about 1/delay', async () => {
    const delayS = 0.25;
    const report = await run(['--model', 'blocking', '-c', '2', '-n', '8', '--delay', String(delayS)]);
    for (const moment of ['before', 'peak', 'after'] as const) expect(report.shape[moment].threads).toBe(NODE_IDLE_THREADS);
    expect(report.load.rps).toBeGreaterThan(0.6 / delayS);
    expect(report.load.rps).toBeLessThan(1.25 / delayS);
    // Two connections, one served at a time: each request also waits for the other's, on
    // average (Little's law: 2 in flight ÷ 1/delay). Not the median: the loop may answer one
    // connection again and again while the other waits (p50 259 ms once in CI).
    expect(report.load.latencyMs.mean).toBeGreaterThan(1.5 * delayS * 1000);
    // The event loop sat in Atomics.wait (a futex), not in epoll, while the clients waited.
    expect(insight(report, 'blocked-loop').evidence.wait).toBe('futex wait');
    expect(kinds(report)).toEqual(expect.arrayContaining(['one-at-a-time', 'flat']));
  });
});
