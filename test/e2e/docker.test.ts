import { hostname } from 'node:os';
import Dockerode from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OWNER_LABEL } from '../../src/docker/types.js';
import { ROOT, collect, processesMatching, runCli, startCli, survivors, waitForOutput, type StartedCli } from '../helpers/cli.js';
import { insight, kinds, type ReportedInsight } from '../helpers/insights.js';
import { RATE_ABOVE_ZERO, Tmux } from '../helpers/tmux.js';

// --docker on a real engine (issue 7): DOCKER_HOST names it (.ci/run starts one with
// scripts/dockerd.sh). The model image is built by `watchload docker build` in beforeAll (a
// minute the first time, nothing after). Every test checks that what it started is gone:
// containers by their owner label, guards by their command line, servers by pid.
//
// In CI a missing engine fails this file; elsewhere it is skipped with the reason.

const docker = new Dockerode();
const engineAnswers = await docker.ping().then(
  () => true,
  () => false,
);
const needEngine = engineAnswers || process.env.CI !== undefined;

interface Report {
  model: string;
  command: string[];
  url: string;
  server: {
    pid: number;
    runtime: {
      kind: string;
      image?: string;
      container?: string;
      id?: string;
      sampling?: string;
      limits?: { pids: number | null; cpus: number | null; memoryBytes: number | null };
      pidsPeak?: number | null;
      usage?: { pidsCurrent: number | null; pidsRefused?: number | null } | null;
    };
    exit: { code: number | null; signal: string | null; expected: boolean } | null;
  };
  load: { requests: number; ok: number; errors: number; timeouts: number; non2xx: number; resets: number; rps: number };
  shape: {
    before: { processes: number; threads: number };
    peak: { processes: number; threads: number; threadsPerProcess: Record<string, number> };
    after: { processes: number; threads: number };
  };
  insights: ReportedInsight[];
}

/** Containers some watchload on this host made, by owner pid: the label is "host:pid:starttime". */
async function containersOf(pid: number | null = null): Promise<Dockerode.ContainerInfo[]> {
  const all = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  return all.filter((c) => {
    const owner = c.Labels[OWNER_LABEL] ?? '';
    return owner.startsWith(`${hostname()}:`) && (pid === null || owner.startsWith(`${hostname()}:${pid}:`));
  });
}

const started: StartedCli[] = [];
const tmux = new Tmux('docker-e2e');
afterAll(() => tmux.close());
let serverPids: number[] = [];

afterEach(async () => {
  // Nothing a test started outlives it: no container of a watchload that ran here, no guard,
  // no server process (the container's, under host pids).
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  tmux.killSessions();
  expect(await survivors(serverPids)).toEqual([]);
  serverPids = [];
  const deadline = Date.now() + 10_000;
  while ((await containersOf()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect((await containersOf()).map((c) => c.Names[0])).toEqual([]);
  // This checkout's guards only: another checkout's run (a benchmark) is not this test's.
  expect(processesMatching(`${ROOT}src/docker/guard.cjs`)).toEqual([]);
});

async function run(args: readonly string[]): Promise<Report> {
  const result = await runCli([...args, '--docker', '--json'], { timeoutMs: 120_000 });
  expect(result.code, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout) as Report;
  serverPids = [report.server.pid, ...Object.keys(report.shape.peak.threadsPerProcess).map(Number)];
  expect(report.server.exit?.expected).toBe(true);
  expect(report.load.non2xx + report.load.timeouts + report.load.errors + report.load.resets).toBe(0);
  return report;
}

function workerThreads(report: Report): number[] {
  return Object.entries(report.shape.peak.threadsPerProcess)
    .filter(([pid]) => Number(pid) !== report.server.pid)
    .map(([, threads]) => threads);
}

describe.skipIf(!needEngine)('--docker on a real engine', () => {
  let image = '';
  beforeAll(async () => {
    if (!engineAnswers) throw new Error(`no Docker engine answers at ${process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}: run bash scripts/dockerd.sh start and export the DOCKER_HOST it prints`);
    // The real command a user runs: builds the image only when it is missing.
    const built = await runCli(['docker', 'build'], { timeoutMs: 600_000 });
    expect(built.code, built.stderr).toBe(0);
    image = built.stdout.trim().split('\n').pop() ?? '';
    expect(image).toMatch(/^watchload-models:[0-9a-f]{12}$/);
    await docker.getImage(image).inspect();
  }, 660_000);

  it('gunicorn gthread in a container: 1 + 2 processes up front, worker threads born on demand, as on the host', async () => {
    const report = await run(['--model', 'gunicorn', '--workers', '2', '--threads', '10', '-c', '20', '-n', '100', '--delay', '0.3', '--interval', '100']);
    expect(report.server.runtime).toMatchObject({ kind: 'docker', image, sampling: 'proc' });
    expect(report.server.runtime.container).toMatch(/^watchload-gunicorn-\d+-[0-9a-z]+$/);
    // The model's own command line, as on the host.
    expect(report.command).toEqual(expect.arrayContaining(['/usr/bin/gunicorn', '--threads', '10']));
    expect(report.shape.before.processes).toBe(3);
    expect(report.shape.before.threads).toBeLessThanOrEqual(4);
    expect(report.shape.peak.processes).toBe(3);
    expect(workerThreads(report)).toHaveLength(2);
    expect(report.shape.peak.threads).toBeGreaterThan(report.shape.before.threads + 5);
    expect(insight(report, 'prefork').evidence).toMatchObject({ processes: 3, workers: 2 });
    // Threads born under load (in one worker or both: the kernel spreads the connections).
    expect(insight(report, 'on-demand').evidence.processes).toBeGreaterThanOrEqual(1);
    // The engine's count of the container's pids (its init included) reached the threads seen.
    expect(report.server.runtime.pidsPeak).toBeGreaterThanOrEqual(report.shape.peak.threads);
  });

  it('uwsgi-gevent in a container: 1 + 2 processes up front, green threads, few OS threads', async () => {
    const report = await run(['--model', 'uwsgi-gevent', '--workers', '2', '--async-cores', '100', '-c', '20', '-n', '100', '--delay', '0.3', '--interval', '100']);
    expect(report.server.runtime).toMatchObject({ kind: 'docker', image });
    expect(report.shape.before.processes).toBe(3);
    expect(report.shape.peak.processes).toBe(3);
    // 20 requests in flight on a few threads each (gevent's hub pool, at most 10, for DNS):
    // green threads, not OS threads — the same bounds as on the host.
    for (const threads of workerThreads(report)) expect(threads).toBeLessThanOrEqual(1 + 10);
    expect(report.shape.peak.threads).toBeLessThan(1 + 20);
    expect(report.load.rps).toBeGreaterThan(20);
    expect(insight(report, 'prefork').evidence).toMatchObject({ processes: 3, workers: 2 });
    expect(kinds(report)).not.toContain('blocked-loop');
  });

  it('--docker-sampling engine: the same prefork shape through the engine\'s top, said in the report', async () => {
    const report = await run(['--model', 'gunicorn', '--workers', '2', '--threads', '4', '-c', '8', '-n', '40', '--delay', '0.3', '--docker-sampling', 'engine']);
    expect(report.server.runtime).toMatchObject({ kind: 'docker', sampling: 'engine' });
    expect(report.shape.before.processes).toBe(3);
    expect(report.shape.peak.processes).toBe(3);
    expect(report.shape.peak.threads).toBeGreaterThan(report.shape.before.threads);
  });

  it('--pids-limit: a thread per request runs into the container\'s limit, and the report shows it', async () => {
    const result = await runCli(
      ['--model', 'flask-threaded', '-c', '60', '-n', '240', '--delay', '0.5', '--interval', '100', '--timeout', '5', '--docker', '--pids-limit', '25', '--cpus', '1.5', '--memory', '256m', '--json'],
      { timeoutMs: 120_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    serverPids = [report.server.pid];
    expect(report.server.runtime.limits).toEqual({ pids: 25, cpus: 1.5, memoryBytes: 256 * 1024 * 1024 });
    // Werkzeug cannot start a thread past the limit: the peak stays at it, and requests fail.
    expect(report.shape.peak.threads).toBeLessThanOrEqual(25);
    expect(report.server.runtime.pidsPeak).toBeGreaterThanOrEqual(20);
    expect(report.server.runtime.pidsPeak).toBeLessThanOrEqual(25);
    expect(report.load.ok).toBeLessThan(report.load.requests);
    // A local engine: the cgroup's own count of the forks it refused, and the insight naming it.
    expect(report.server.runtime.usage?.pidsRefused).toBeGreaterThan(0);
    const limit = insight(report, 'pids-limit');
    expect(limit.evidence).toMatchObject({ limit: 25 });
    expect(limit.text).toMatch(/^the container reached its pids limit \(\d+\/25 processes and threads\) at [\d.]+ s: the kernel refused [\d,]+ new threads or processes; [\d,]+ requests failed: pids limit$/);
  });

  it('the live view in a terminal: the container\'s line in the header, its threads in the pane; q removes it', async () => {
    tmux.start('docker', 120, 40, '--model gunicorn --workers 2 --threads 20 -c 30 -d 60 --delay 0.5 --docker --pids-limit 50 --cpus 1.5', `DOCKER_HOST='${process.env.DOCKER_HOST ?? ''}'`);
    // Bounded below the test's own timeout, so a screen that never matches is printed.
    const live = await tmux.waitFor('docker', (s) => RATE_ABOVE_ZERO.test(s) && /Threads · 3 processes/.test(s), 45_000);
    const lines = live.split('\n');
    expect(lines[0]).toMatch(/^gunicorn · 2 workers · 20 threads · -c 30 · delay 500 ms · http:\/\/127\.0\.0\.1:\d+\/ +loading/);
    expect(lines[1]).toMatch(/^\$ \/usr\/bin\/gunicorn --workers 2 --threads 20 --bind 127\.0\.0\.1:\d+ app:app/);
    expect(lines[2]).toMatch(/^docker watchload-gunicorn-\d+-[0-9a-z]+ · pids \d+\/50 · cpu ≤1\.5 · mem [\d.]+ MiB · threads from \/proc/);
    // The full thread pane, from this host's /proc: the master and its two workers, nested.
    expect(live.match(/^ \d+ +└ gunicorn +\d+ thr/gm)).toHaveLength(2);
    const [container] = await containersOf();
    expect(container.State).toBe('running');

    tmux.run('send-keys', '-t', 'docker', 'q');
    const after = await tmux.waitFor('docker', (s) => s.includes('EXIT='), 30_000);
    expect(after).toContain('EXIT=0');
    // The summary's container line goes on under its label past 80 columns.
    expect(after).toMatch(/container +watchload-gunicorn-\d+-[0-9a-z]+ · watchload-models:[0-9a-f]{12} ·\s+pids peak \d+\/50/);
    expect(await containersOf()).toEqual([]);
  }, 90_000);

  it('SIGTERM mid-run: the container is removed before watchload exits', async () => {
    const child = startCli(['--model', 'gunicorn', '--workers', '2', '--threads', '4', '-c', '8', '-d', '30', '--docker', '--no-tui']);
    started.push(child);
    await waitForOutput(child, (o) => /loading|req\/s/.test(o.stderr), 60_000);
    expect(await containersOf(child.pid!)).toHaveLength(1);
    child.kill('SIGTERM');
    const result = await collect(child, 30_000);
    expect(result.code).toBe(143);
    expect(await containersOf(child.pid!)).toEqual([]);
  });

  it('SIGKILL of watchload alone: its guard removes the container', async () => {
    const child = startCli(['--model', 'gunicorn', '--workers', '2', '--threads', '4', '-c', '8', '-d', '30', '--docker', '--no-tui']);
    started.push(child);
    await waitForOutput(child, (o) => /loading|req\/s/.test(o.stderr), 60_000);
    const [container] = await containersOf(child.pid!);
    expect(container).toBeDefined();
    const initPid = (await docker.getContainer(container.Id).inspect()).State.Pid;
    serverPids = [initPid];
    child.kill('SIGKILL');
    await collect(child, 10_000);
    const deadline = Date.now() + 15_000;
    while ((await containersOf(child.pid!)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await containersOf(child.pid!)).toEqual([]);
  });

  it('SIGKILL of watchload and its guard: the next run removes the orphaned container, found by its label', async () => {
    const child = startCli(['--model', 'gunicorn', '--workers', '2', '--threads', '4', '-c', '8', '-d', '30', '--docker', '--no-tui']);
    started.push(child);
    await waitForOutput(child, (o) => /loading|req\/s/.test(o.stderr), 60_000);
    const [container] = await containersOf(child.pid!);
    const name = container.Names[0].replace(/^\//, '');
    // What a whole-session kill (the OOM killer, a closed terminal's SIGKILL) does: both die.
    for (const guard of processesMatching(`src/docker/guard.cjs ${container.Id}`)) process.kill(guard, 'SIGKILL');
    child.kill('SIGKILL');
    await collect(child, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect((await containersOf(child.pid!)).map((c) => c.State)).toEqual(['running']);

    const next = await runCli(['--model', 'single', '-c', '2', '-n', '4', '--delay', '0', '--docker', '--json'], { timeoutMs: 120_000 });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toContain(`removed container ${name}, left by an earlier run that was killed`);
    expect(await containersOf(child.pid!)).toEqual([]);
    const report = JSON.parse(next.stdout) as Report;
    serverPids = [report.server.pid];
    // A Node model too runs in the image (Debian's nodejs).
    expect(report.command[0]).toBe('/usr/bin/node');
  });

  it('an image that is not on the engine: one line, exit 1, nothing left', async () => {
    const result = await runCli(['--model', 'gunicorn', '-n', '4', '--docker', '--docker-image', 'watchload-no-such:image', '--json'], { timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^watchload: image watchload-no-such:image is not on the engine at .*: build or load it there first/)]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('--docker without an engine', () => {
  it('one line saying how to start one, exit 1, nothing started', async () => {
    const result = await runCli(['--model', 'gunicorn', '-n', '4', '--docker', '--json'], { env: { DOCKER_HOST: 'unix:///tmp/watchload-no-engine.sock' }, timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'watchload: no Docker engine answers at unix:///tmp/watchload-no-engine.sock (ENOENT): start one (bash scripts/dockerd.sh start, then export the DOCKER_HOST it prints) or set DOCKER_HOST',
    ]);
    expect(result.stdout).toBe('');
    expect(processesMatching('/tmp/watchload-no-engine')).toEqual([]);
  });
});
