import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { processesMatching, runCli, startCli, collect, survivors, waitForOutput } from '../helpers/cli.js';

// The built CLI, as a user runs it (npm test builds first). stdout is a pipe here, so no TUI.
const SERVER_SCRIPTS = 'src/models/servers/node-';

afterEach(async () => {
  // Whatever a test did, no server of ours may outlive it.
  expect(await survivors(processesMatching(SERVER_SCRIPTS))).toEqual([]);
});

describe('watchload --help', () => {
  it('prints Usage, Options and Examples on stdout and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: watchload /m);
    expect(run.stdout).toMatch(/^Options:/m);
    expect(run.stdout).toMatch(/^Examples:/m);
    expect(run.stdout).toContain('--model <name>');
    expect(run.stderr).toBe('');
  });
});

describe('bad input', () => {
  it.each([
    [['--model', 'nope'], /^watchload: unknown model 'nope' \(valid: cluster, single, worker-pool, thread-per-request, libuv-pool, blocking, flask-dev, flask-threaded, gunicorn, gunicorn-gevent, gevent, uwsgi, uwsgi-gevent\)/],
    [['-c', 'abc'], /^watchload: option '-c, --connections <n>' argument 'abc' is invalid/],
    [['-c', '0'], /expected a whole number from 1 to 10000/],
    [['--delay', '-1'], /expected seconds from 0 to 600/],
    [['--workers', '2.5'], /expected a whole number/],
    [['--model', 'single', '--workers', '2'], /model 'single' has no workers/],
    [['-n', '10', '-d', '5'], /not both/],
    [['--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j is a one-line usage error, exit 2', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  let blocker: Server | null = null;
  afterEach(() => {
    blocker?.close();
    blocker = null;
  });

  it('a --port in use is a one-line runtime error, exit 1, nothing left running', async () => {
    blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port)));
    const run = await runCli(['--model', 'single', '--port', String(port), '-n', '10', '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`watchload: port ${port} on 127.0.0.1 is already in use`);
  });
});

describe('watchload --model cluster --workers 4 -c 50 -d 5 --delay 0.2 --json', () => {
  it('reports the prefork shape and the throughput the delay allows', async () => {
    const run = await runCli(['--model', 'cluster', '--workers', '4', '-c', '50', '-d', '5', '--delay', '0.2', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.version).toBe(1);
    expect(report.model).toBe('cluster');
    expect(report.config).toMatchObject({ connections: 50, durationS: 5, requests: null, delayS: 0.2 });
    // 1 primary + 4 workers, all there before the first request.
    expect(report.shape.before.processes).toBe(5);
    expect(report.shape.peak.processes).toBe(5);
    expect(report.shape.after.processes).toBe(5);
    expect(Object.keys(report.shape.peak.threadsPerProcess)).toHaveLength(5);
    // Closed loop: 50 connections / 0.2 s = 250 req/s at most, each request about 200 ms. The
    // lower bound is loose: it is this machine's speed (a busy CI box reads 200), measured in
    // bench/, not a property of the code; below half the ideal something is wrong.
    expect(report.load.rps).toBeGreaterThan(125);
    expect(report.load.rps).toBeLessThan(275);
    expect(report.load.latencyMs.p50).toBeGreaterThan(180);
    expect(report.load.latencyMs.p50).toBeLessThan(300);
    expect(report.load.errors + report.load.timeouts + report.load.non2xx + report.load.resets).toBe(0);
    expect(report.load.ok).toBe(report.load.requests);
    expect(report.timeline.length).toBeGreaterThan(15);
    // Said by the insights: prefork, threads flat, and the 50 connections all in flight.
    const kinds = report.insights.map((i: { kind: string }) => i.kind);
    expect(kinds).toEqual(expect.arrayContaining(['prefork', 'flat', 'littles-law']));
    expect(kinds).not.toContain('on-demand');
    const little = report.insights.find((i: { kind: string }) => i.kind === 'littles-law');
    expect(little.evidence.inFlight).toBeGreaterThan(45);
    expect(little.evidence.inFlight).toBeLessThan(55);
    // Every process of the tree is gone once watchload has exited.
    const pids = [report.server.pid, ...Object.keys(report.shape.peak.threadsPerProcess).map(Number)];
    expect(await survivors(pids)).toEqual([]);
  });
});

describe('headless run', () => {
  it('prints status lines on stderr and the summary on stdout', async () => {
    const run = await runCli(['--model', 'single', '-n', '200', '-c', '20', '--delay', '0.05', '--no-tui']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/\] (loading|done|ready|starting)/);
    expect(run.stdout).toContain('single');
    expect(run.stdout).toMatch(/p99/);
  });
});

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const)('%s during the load', (signal, exitCode) => {
  it(`stops everything and exits ${exitCode}`, async () => {
    const child = startCli(['--model', 'cluster', '--workers', '2', '-d', '60', '--no-tui']);
    await waitForOutput(child, (o) => /\] loading .* [1-9]\d* req\/s/.test(o.stderr), 30_000);
    const servers = processesMatching(SERVER_SCRIPTS);
    expect(servers.length).toBe(3);
    child.kill(signal);
    const run = await collect(child, 20_000);
    expect(run.code).toBe(exitCode);
    expect(await survivors(servers)).toEqual([]);
  });
});
