import { afterEach, describe, expect, it } from 'vitest';
import { collect, processesMatching, startCli, survivors, waitForOutput } from '../helpers/cli.js';

// The coordinated-omission scenario through the built CLI, on a real server: an open loop at
// 100 requests/s for 4 s while the server is frozen (SIGSTOP) for 1 s. The schedule does not
// wait for the server: every due request is sent, late once the 20 connections are all
// stuck, and latency from the intended send time shows the freeze that latency from the
// actual send hides.

const started: number[] = [];
afterEach(async () => {
  expect(await survivors(started.splice(0))).toEqual([]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('open loop through a frozen server', () => {
  it('sends rate × duration requests, and corrected latency shows the stall that uncorrected latency hides', async () => {
    const child = startCli(['--model', 'single', '--rate', '100', '-d', '4', '-c', '20', '--delay', '0.01', '--json']);
    await waitForOutput(child, (o) => /\] loading .* [1-9]\d* req\/s/.test(o.stderr), 30_000);
    const [server] = processesMatching('node-single.cjs');
    expect(server).toBeGreaterThan(0);
    started.push(server);
    process.kill(server, 'SIGSTOP');
    await sleep(1_000);
    process.kill(server, 'SIGCONT');
    const run = await collect(child, 30_000);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const load = report.load;
    expect(load.sent).toBe(400);
    expect(load.requests).toBe(400);
    expect(load.ok).toBe(400);
    expect(load.rate.target).toBe(100);
    expect(load.rate.achieved).toBeCloseTo(100, 0);
    // About a quarter of the requests were due while the server was frozen.
    expect(load.latencyMs.p90).toBeGreaterThan(500);
    expect(load.latencyMs.p99).toBeGreaterThan(800);
    // Measured from their send, only the 20 on the wire at the freeze waited on it.
    expect(load.uncorrectedLatencyMs.p90).toBeLessThan(100);
    expect(load.rate.sendLagMs.max).toBeGreaterThan(700);
  });
});
