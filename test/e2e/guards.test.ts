import { afterEach, describe, expect, it } from 'vitest';
import { runCli, survivors } from '../helpers/cli.js';

// The CI guards through the built CLI: a breach exits 3 with the moment it broke; a run within
// its limits exits 0. thread-per-request grows a thread per request in flight: the explosion
// CI must catch.
interface Guard { guard: string; limit: number | string; breached: boolean; value: number | null; t: number | null; text: string }
interface Report { server: { pid: number }; shape: { peak: { threads: number; threadsPerProcess: Record<string, number> } }; guards: Guard[] }

let pids: number[] = [];
afterEach(async () => {
  expect(await survivors(pids)).toEqual([]);
  pids = [];
});

async function run(args: readonly string[]) {
  const result = await runCli([...args, '--json'], { timeoutMs: 60_000 });
  const report = JSON.parse(result.stdout) as Report;
  pids = [report.server.pid, ...Object.keys(report.shape.peak.threadsPerProcess).map(Number)];
  return { result, report };
}

describe('--max-threads on a server that spawns a thread per request', () => {
  it('a breach exits 3 and names the moment and the count that broke it', async () => {
    const { result, report } = await run(['--model', 'thread-per-request', '-c', '30', '-d', '2', '--delay', '0.5', '--max-threads', '20']);
    expect(result.code, result.stderr).toBe(3);
    const [threads] = report.guards;
    expect(threads).toMatchObject({ guard: 'maxThreads', limit: 20, breached: true });
    expect(threads.value).toBe(report.shape.peak.threads);
    expect(threads.t).toBeGreaterThan(0);
    expect(threads.text).toMatch(/^threads \d+ > 20 at \d+\.\d s/);
    expect(result.stderr).toContain('guard broken: threads');
  });

  it('limits that hold exit 0 and say how close the run came', async () => {
    const { result, report } = await run(['--model', 'single', '-c', '10', '-n', '200', '--delay', '0.01', '--max-threads', '50', '--max-processes', '1', '--max-errors', '0', '--max-p99', '5000']);
    expect(result.code, result.stderr).toBe(0);
    expect(report.guards.map((g) => [g.guard, g.breached])).toEqual([['maxThreads', false], ['maxProcesses', false], ['maxP99Ms', false], ['maxErrors', false]]);
    expect(report.guards[0].text).toMatch(/^threads at most \d+ \(limit 50\)$/);
  });
});

describe('--max-processes and --max-p99', () => {
  it('a prefork server over its process limit, and a p99 over its bound, both break', async () => {
    const { result, report } = await run(['--model', 'cluster', '--workers', '2', '-c', '10', '-n', '100', '--delay', '0.1', '--max-processes', '2', '--max-p99', '50']);
    expect(result.code, result.stderr).toBe(3);
    expect(report.guards.find((g) => g.guard === 'maxProcesses')).toMatchObject({ breached: true, value: 3 });
    const p99 = report.guards.find((g) => g.guard === 'maxP99Ms');
    expect(p99?.breached).toBe(true);
    expect(p99?.value).toBeGreaterThan(90);
  });
});
