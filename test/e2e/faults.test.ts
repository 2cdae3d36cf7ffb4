import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childrenOf, collect, processesMatching, runCli, startCli, survivors, waitForOutput, type StartedCli } from '../helpers/cli.js';

// Issue 8, faults during a run, with the built CLI (`npm run build` first): a worker killed
// under load is an exit and a respawn in the report and the run goes on (exit 0); the whole
// server dying ends the run with exit 1, its last lines on stderr, and the report still printed.

interface ProcessEventJson { t: number; pid: number; ppid: number; name: string; kind: 'exited' | 'started'; respawnedAs?: number | null; respawnOf?: number | null }
interface Report {
  url: string;
  server: { pid: number; exit: { code: number | null; signal: string | null; expected: boolean } | null };
  load: { requests: number; ok: number; errors: number; timeouts: number; non2xx: number; resets: number };
  shape: { peak: { threadsPerProcess: Record<string, number> } | null };
  timeline: { t: number; processes: number; rps: number }[];
  processEvents: ProcessEventJson[];
  processEventCounts: { exited: number; started: number; respawned: number };
  ended: string;
}

const DIR = mkdtempSync(join(tmpdir(), 'watchload-faults-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** Every process a test saw: none may outlive it. */
const seen: number[] = [];
const clis: StartedCli[] = [];
afterEach(async () => {
  for (const cli of clis.splice(0)) cli.kill('SIGKILL');
  expect(await survivors(seen.splice(0), 5_000)).toEqual([]);
});

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The server watchload started (its child that runs `text`), and that server's children. */
function serverTree(cli: StartedCli, text: string): { master: number; workers: number[] } {
  const masters = childrenOf(cli.pid!).filter((pid) => cmdlineOf(pid).includes(text));
  expect(masters).toHaveLength(1);
  return { master: masters[0], workers: childrenOf(masters[0]) };
}

/** Starts the CLI with --json and waits until the load has run about `loadS` seconds (the headless lines on stderr). */
async function underLoad(args: readonly string[], loadS: number): Promise<StartedCli> {
  const cli = startCli([...args, '--json']);
  clis.push(cli);
  // `[   3.1 s] loading  1.0/6 s, 120 req  …`: the load's own clock.
  const loaded = new RegExp(`\\] loading +(\\d+\\.\\d)/`);
  await waitForOutput(cli, (o) => [...o.stderr.matchAll(new RegExp(loaded, 'g'))].some((m) => Number(m[1]) >= loadS - 1), 60_000);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return cli;
}

describe.each([
  ['gunicorn', 'gunicorn'],
  ['uwsgi', 'uwsgi'],
])('%s --workers 2 --threads 4: one worker killed with SIGKILL under load', (model, text) => {
  it('the run goes on (exit 0); the report has the exit of that pid and a new worker under the same master', async () => {
    const cli = await underLoad(['--model', model, '--workers', '2', '--threads', '4', '-d', '6', '-c', '8', '--delay', '0.05', '--interval', '100'], 2);
    const { master, workers } = serverTree(cli, text);
    expect(workers).toHaveLength(2);
    seen.push(master, ...workers);
    const victim = workers[0];
    process.kill(victim, 'SIGKILL');
    const run = await collect(cli, 60_000);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    seen.push(...report.processEvents.map((e) => e.pid));
    expect(report.ended).toBe('completed');
    expect(report.server.pid).toBe(master);
    expect(report.server.exit?.expected).toBe(true);

    const exited = report.processEvents.find((e) => e.kind === 'exited' && e.pid === victim);
    expect(exited).toMatchObject({ ppid: master, kind: 'exited' });
    const respawn = report.processEvents.find((e) => e.kind === 'started' && e.pid === exited!.respawnedAs);
    expect(respawn).toMatchObject({ ppid: master, respawnOf: victim });
    expect(respawn!.t).toBeGreaterThanOrEqual(exited!.t);
    expect(report.processEventCounts).toMatchObject({ exited: 1, started: 1, respawned: 1 });
    // The load went on after the kill: responses in the samples after the respawn, to the end.
    const afterKill = report.timeline.filter((p) => p.t > respawn!.t + 1 && p.t < respawn!.t + 3);
    expect(afterKill.length).toBeGreaterThan(5);
    expect(afterKill.every((p) => p.rps > 0)).toBe(true);
    expect(afterKill.every((p) => p.processes === 3)).toBe(true);
  }, 90_000);
});

describe('the whole server dies mid-run', () => {
  it('gunicorn master killed with SIGKILL: exit 1, one line and its last lines on stderr, the report on stdout', async () => {
    const cli = await underLoad(['--model', 'gunicorn', '--workers', '2', '--threads', '4', '-d', '20', '-c', '8', '--delay', '0.05', '--interval', '100'], 2);
    const { master, workers } = serverTree(cli, 'gunicorn');
    seen.push(master, ...workers);
    process.kill(master, 'SIGKILL');
    const run = await collect(cli, 30_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('watchload: the server exited during the run (signal SIGKILL)\n');
    // gunicorn's own log lines (it logs to stderr): `  | [… ] [INFO] Booting worker with pid: …`.
    expect(run.stderr).toMatch(/\n {2}\| .*Booting worker with pid/);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.ended).toBe('server-exited');
    expect(report.server.exit).toEqual({ code: null, signal: 'SIGKILL', expected: false });
    expect(report.load.ok).toBeGreaterThan(50);
    // The master's death is the server's, told once, not as an exit per process.
    expect(report.processEvents.filter((e) => e.pid === master)).toEqual([]);
  }, 60_000);

  it('a --cmd server that exits after 2 s: exit 1, its last lines, the report on stdout', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const script = join(DIR, 'short-lived.cjs');
    writeFileSync(script, `
      require('node:http').createServer((req, res) => setTimeout(() => res.end('ok'), 5)).listen(Number(process.argv[2]), '127.0.0.1', () => {
        setTimeout(() => { console.error('out of memory, giving up'); process.exit(9); }, 2000);
      });
    `);
    const run = await runCli(['--cmd', `node ${script} ${port}`, '--url', `http://127.0.0.1:${port}/`, '-d', '20', '-c', '4', '--json'], { timeoutMs: 30_000 });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('watchload: the server exited during the run (exit code 9)\n');
    expect(run.stderr).toContain('  | out of memory, giving up\n');
    const report = JSON.parse(run.stdout) as Report;
    expect(report.ended).toBe('server-exited');
    expect(report.server.exit).toEqual({ code: 9, signal: null, expected: false });
    expect(report.load.ok).toBeGreaterThan(20);
    expect(processesMatching(script)).toEqual([]);
  }, 60_000);
});
