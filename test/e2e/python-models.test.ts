import { insight, kinds, type ReportedInsight } from '../helpers/insights.js';
import { afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { findModel } from '../../src/models/registry.js';
import { missingForModel, missingMessage } from '../../src/models/requirements.js';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { collect, processesMatching, runCli, startCli, survivors, waitForOutput, childrenOf } from '../helpers/cli.js';

// The tutorial's Python servers (issue 3), each run for real through the built CLI with
// --json and a small load, on Debian's packages. Each test asserts the shape the model is
// about, from the JSON report. Sizes are small so a test takes seconds; the shapes are the
// ones measured at the tutorial's sizes (see the README's models section).
//
// A missing server fails the suite with the install command; it never skips.

const PYTHON_MODELS = ['flask-dev', 'flask-threaded', 'gunicorn', 'gunicorn-gevent', 'gevent', 'uwsgi', 'uwsgi-gevent'];

beforeAll(() => {
  const lacking = PYTHON_MODELS.flatMap((name) => {
    const missing = missingForModel(findModel(name)!);
    return missing.length > 0 ? [missingMessage(`model '${name}'`, missing)] : [];
  });
  if (lacking.length > 0) throw new Error(`the Python servers are not installed here:\n${lacking.join('\n')}`);
});

interface Report {
  model: string;
  command: string[];
  url: string;
  server: { pid: number; exit: { code: number | null; signal: string | null; expected: boolean } | null };
  load: { requests: number; ok: number; errors: number; timeouts: number; non2xx: number; resets: number; rps: number; latencyMs: { p50: number; mean: number } };
  shape: {
    before: { processes: number; threads: number };
    peak: { processes: number; threads: number; threadsPerProcess: Record<string, number> };
    after: { processes: number; threads: number };
  };
  insights: ReportedInsight[];
}


/** Temp dirs that were there before: another run's are not ours to judge. */
const tempBefore = readdirSync(tmpdir());

let lastPids: number[] = [];
let lastPort: string | null = null;

afterEach(async () => {
  // Whatever a test did, nothing it started may outlive it: the pids the report named, and
  // any process whose command line names the test's port (workers the sampler never saw).
  // (/proc cmdline ends each argument with NUL, read as a space: the trailing space delimits.)
  const port = lastPort;
  const byPort = port === null ? [] : [`127.0.0.1:${port} `, `--port ${port} `, `127.0.0.1 ${port} `].flatMap((text) => processesMatching(text));
  expect(await survivors([...lastPids, ...byPort])).toEqual([]);
  lastPids = [];
  lastPort = null;
});

async function run(args: readonly string[]): Promise<Report> {
  const result = await runCli([...args, '--json'], { timeoutMs: 90_000 });
  expect(result.code, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout) as Report;
  lastPids = [report.server.pid, ...Object.keys(report.shape.peak.threadsPerProcess).map(Number)];
  lastPort = new URL(report.url).port;
  // watchload stopped it; it did not die on its own.
  expect(report.server.exit?.expected).toBe(true);
  // Every request answered, none lost: servers that close after each response (Werkzeug,
  // uWSGI's --http-socket) get each request on a new connection, as ab gives them.
  expect(report.load.non2xx + report.load.timeouts + report.load.errors + report.load.resets).toBe(0);
  expect(report.load.ok).toBe(report.load.requests);
  return report;
}

/** Threads of the server's children (its workers) at the peak, the master (server.pid) left out. */
function workerThreads(report: Report): number[] {
  return Object.entries(report.shape.peak.threadsPerProcess)
    .filter(([pid]) => Number(pid) !== report.server.pid)
    .map(([, threads]) => threads);
}

describe('flask-dev: flask run --without-threads', () => {
  it('1 process, 1 thread throughout; requests served one at a time (rps = 1/delay)', async () => {
    const report = await run(['--model', 'flask-dev', '-c', '5', '-n', '15', '--delay', '0.2', '--interval', '100']);
    expect(report.command.slice(0, 4)).toEqual(['/usr/bin/flask', 'run', '--no-reload', '--without-threads']);
    expect(report.shape.before).toEqual({ processes: 1, threads: 1 });
    expect(report.shape.peak).toMatchObject({ processes: 1, threads: 1 });
    expect(report.shape.after).toEqual({ processes: 1, threads: 1 });
    // 5 clients, yet one request at a time: 1 / 0.2 s = 5 req/s, and each waits for the others.
    expect(report.load.rps).toBeGreaterThan(4);
    expect(report.load.rps).toBeLessThan(5.5);
    expect(report.load.latencyMs.mean).toBeGreaterThan(2 * 200);
    expect(insight(report, 'one-at-a-time').text).toContain('(1 process, 1 thread)');
    expect(kinds(report)).not.toContain('on-demand');
  });
});

describe('flask-threaded: flask run --with-threads', () => {
  it('1 process; a thread per in-flight request, gone once the load stops', async () => {
    const report = await run(['--model', 'flask-threaded', '-c', '20', '-n', '100', '--delay', '0.3', '--interval', '100']);
    expect(report.shape.before).toEqual({ processes: 1, threads: 1 });
    expect(report.shape.peak.processes).toBe(1);
    // The main thread plus one per request in flight: 1 + 20, at least half of them seen. A
    // thread whose connection just closed can still be ending as the client's next connection
    // starts another: a sample may catch one or two such, never a thread per request sent.
    expect(report.shape.peak.threads).toBeGreaterThan(10);
    expect(report.shape.peak.threads).toBeLessThanOrEqual(1 + 20 + 2);
    expect(report.shape.after.processes).toBe(1);
    expect(report.shape.after.threads).toBeLessThanOrEqual(2);
    const onDemand = insight(report, 'on-demand');
    expect(onDemand.evidence).toMatchObject({ processes: 1, from: 1, peak: report.shape.peak.threads });
    expect(onDemand.text).toContain('fell back');
    expect(kinds(report)).not.toContain('pool');
  });
});

describe('gunicorn: --workers 2 --threads 10 (gthread)', () => {
  it('1 + 2 processes before the first request; threads born on demand and kept', async () => {
    const report = await run(['--model', 'gunicorn', '--workers', '2', '--threads', '10', '-c', '20', '-n', '100', '--delay', '0.3', '--interval', '100']);
    expect(report.command).toContain('--threads');
    expect(report.shape.before.processes).toBe(3);
    // Master 1 + each worker 1; the readiness probe's connection may have started one gthread thread.
    expect(report.shape.before.threads).toBeLessThanOrEqual(4);
    expect(report.shape.peak.processes).toBe(3);
    const workers = workerThreads(report);
    expect(workers).toHaveLength(2);
    for (const threads of workers) expect(threads).toBeLessThanOrEqual(1 + 10);
    expect(report.shape.peak.threads).toBeGreaterThan(report.shape.before.threads + 5);
    // gthread never shrinks its pool: after = peak.
    expect(report.shape.after).toEqual({ processes: 3, threads: report.shape.peak.threads });
    expect(insight(report, 'prefork').evidence).toMatchObject({ processes: 3, workers: 2 });
    // Which worker accepts a connection is the kernel's choice: one worker may take nearly all
    // 20 keep-alive connections and the other grow by a thread or two, below the insight's bar.
    const onDemand = insight(report, 'on-demand');
    expect(onDemand.evidence.processes).toBeGreaterThanOrEqual(1);
    expect(onDemand.evidence.processes).toBeLessThanOrEqual(2);
    expect(onDemand.evidence.peak).toBeLessThanOrEqual(1 + 10);
    expect(onDemand.evidence.peak).toBeGreaterThan(onDemand.evidence.from as number);
    expect(onDemand.text).toContain('stayed after the load');
    expect(kinds(report)).toContain('pool');
  });

  it('--threads 1 is the sync worker: no threads at all, ever', async () => {
    const report = await run(['--model', 'gunicorn', '--workers', '2', '--threads', '1', '-c', '4', '-n', '20', '--delay', '0.1', '--interval', '100']);
    expect(report.shape.before).toEqual({ processes: 3, threads: 3 });
    expect(report.shape.peak).toMatchObject({ processes: 3, threads: 3 });
    expect(report.shape.after).toEqual({ processes: 3, threads: 3 });
    // Two sync workers, one request each at a time: 2 / 0.1 s = 20 req/s at most.
    expect(report.load.rps).toBeLessThan(22);
    expect(kinds(report)).toEqual(expect.arrayContaining(['prefork', 'flat']));
    expect(kinds(report)).not.toContain('on-demand');
  });
});

describe('gunicorn-gevent: --worker-class gevent --workers 2', () => {
  it('1 + 2 processes; each worker one thread plus at most gevent\'s 10 pool threads', async () => {
    const report = await run(['--model', 'gunicorn-gevent', '--workers', '2', '-c', '50', '-n', '200', '--delay', '0.3', '--interval', '100']);
    expect(report.command).toEqual(expect.arrayContaining(['--worker-class', 'gevent', 'patched:app']));
    expect(report.shape.before.processes).toBe(3);
    expect(report.shape.peak.processes).toBe(3);
    const workers = workerThreads(report);
    expect(workers).toHaveLength(2);
    for (const threads of workers) expect(threads).toBeLessThanOrEqual(1 + 10);
    // 50 requests in flight on at most 1 + 2 × 11 threads: green threads, not OS threads.
    expect(report.shape.peak.threads).toBeLessThanOrEqual(1 + 2 * 11);
    // 50 clients served concurrently: far above what 2 sync workers could do (2 / 0.3 s).
    expect(report.load.rps).toBeGreaterThan(50);
    expect(insight(report, 'prefork').evidence).toMatchObject({ processes: 3, workers: 2 });
    expect(kinds(report)).not.toContain('blocked-loop');
  });
});

describe('gevent: gevent.pywsgi after monkey.patch_all()', () => {
  it('1 process; the hub\'s pool (at most 10 threads) under load, not a thread per request', async () => {
    const report = await run(['--model', 'gevent', '-c', '20', '-n', '100', '--delay', '0.3', '--interval', '100']);
    expect(report.command[0]).toBe('/usr/bin/python3');
    expect(report.shape.before.processes).toBe(1);
    expect(report.shape.before.threads).toBeLessThanOrEqual(2);
    expect(report.shape.peak.processes).toBe(1);
    expect(report.shape.peak.threads).toBeGreaterThan(report.shape.before.threads);
    expect(report.shape.peak.threads).toBeLessThanOrEqual(1 + 10);
    expect(report.load.rps).toBeGreaterThan(20);
    // gevent's hub pool: threads on first use, held (at most 10 of them).
    const pool = insight(report, 'pool');
    expect(pool.evidence.level).toBeLessThanOrEqual(1 + 10);
    expect(kinds(report)).not.toContain('prefork');
  });
});

describe('uwsgi: --master --workers 2 --threads 10', () => {
  it('1 + 2 processes and all 2 x 10 threads before the first request, flat under load', async () => {
    const report = await run(['--model', 'uwsgi', '--workers', '2', '--threads', '10', '-c', '20', '-n', '100', '--delay', '0.3', '--interval', '100']);
    expect(report.command).toEqual(expect.arrayContaining(['--plugins', 'python3', '--master']));
    const flat = { processes: 3, threads: 1 + 2 * 10 };
    expect(report.shape.before).toEqual(flat);
    expect(report.shape.peak).toMatchObject(flat);
    expect(report.shape.after).toEqual(flat);
    expect(workerThreads(report)).toEqual([10, 10]);
    expect(report.load.rps).toBeGreaterThan(20);
    expect(insight(report, 'prefork').evidence).toMatchObject({ processes: 3, workers: 2, threads: 21 });
    expect(kinds(report)).toContain('flat');
    expect(kinds(report)).not.toContain('on-demand');
  });

  it('saturated (20 connections on 2 x 4 threads): requests queue, and a main thread serving beside its peers is no frozen loop', async () => {
    // Each worker's main thread is one of its 4 request threads: under this load it sleeps in
    // its upstream's socket read, not in epoll, like a frozen event loop would. It once was
    // taken for one (blocked-loop, in about half the runs).
    const report = await run(['--model', 'uwsgi', '--workers', '2', '--threads', '4', '-c', '20', '-n', '100', '--delay', '0.3', '--interval', '100']);
    expect(workerThreads(report)).toEqual([4, 4]);
    expect(kinds(report)).toEqual(expect.arrayContaining(['prefork', 'flat', 'saturation']));
    expect(kinds(report)).not.toContain('blocked-loop');
  });
});

describe('uwsgi-gevent: --workers 2 --gevent 100', () => {
  it('1 + 2 processes up front; green threads, few OS threads', async () => {
    const report = await run(['--model', 'uwsgi-gevent', '--workers', '2', '--async-cores', '100', '-c', '20', '-n', '100', '--delay', '0.3', '--interval', '100']);
    expect(report.command).toEqual(expect.arrayContaining(['--gevent', '100', '--single-interpreter', 'patched:app']));
    expect(report.shape.before.processes).toBe(3);
    expect(report.shape.peak.processes).toBe(3);
    for (const threads of workerThreads(report)) expect(threads).toBeLessThanOrEqual(1 + 10);
    expect(report.shape.peak.threads).toBeLessThan(1 + 20);
    expect(report.load.rps).toBeGreaterThan(20);
    expect(insight(report, 'prefork').evidence).toMatchObject({ processes: 3, workers: 2 });
    expect(kinds(report)).not.toContain('blocked-loop');
  });
});

describe('--proxy nginx: nginx in front, in its own temp prefix, gone after the run', () => {
  /** nginx's master and worker: their command line (the master's; the worker's title) names the prefix or "nginx: worker". */
  const nginxOfOurs = () => processesMatching('watchload-nginx-');

  it.each([
    ['gunicorn', ['--workers', '2', '--threads', '10'], '--bind'],
    ['uwsgi', ['--workers', '2', '--threads', '10'], '--socket'],
  ])('%s behind nginx: the load goes to nginx, the shape is the server\'s', async (model, sizes, bindFlag) => {
    const before = nginxOfOurs();
    const child = startCli(['--model', model, ...sizes, '--proxy', 'nginx', '-c', '20', '-d', '3', '--delay', '0.2', '--interval', '100', '--json']);
    onTestFinished(() => {
      child.kill('SIGKILL'); // only if an assertion failed before the run ended: its pdeathsig'd servers follow
    });
    // While the load runs: one nginx master of ours (the worker's title is "nginx: worker process").
    const deadline = Date.now() + 30_000;
    let masters: number[] = [];
    while (masters.length === 0 && Date.now() < deadline && child.exitCode === null) {
      masters = nginxOfOurs().filter((pid) => !before.includes(pid));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(masters).toHaveLength(1);
    const workers = childrenOf(masters[0]);
    expect(workers).toHaveLength(1);
    const result = await collect(child, 60_000);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    lastPids = [report.server.pid, ...Object.keys(report.shape.peak.threadsPerProcess).map(Number)];
    lastPort = new URL(report.url).port;
    // uWSGI speaks its binary protocol to nginx (uwsgi_pass): --socket, not --http-socket.
    expect(report.command).toContain(bindFlag);
    const serverPort = report.command[report.command.indexOf(bindFlag) + 1].split(':')[1];
    expect(new URL(report.url).port).not.toBe(serverPort);
    expect(report.load.ok).toBeGreaterThan(100);
    expect(report.load.non2xx + report.load.errors + report.load.timeouts + report.load.resets).toBe(0);
    expect(report.shape.before.processes).toBe(3);
    // nginx and its temp prefix are gone with the run.
    expect(await survivors([...masters, ...workers])).toEqual([]);
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('watchload-nginx-') && !tempBefore.includes(name))).toEqual([]);
  });
});

describe('the server dying mid-run', () => {
  it('uWSGI\'s master killed under load behind nginx: exit 1, its workers, nginx and the temp prefix all gone', async () => {
    const before = processesMatching('watchload-nginx-');
    const child = startCli(['--model', 'uwsgi', '--workers', '2', '--threads', '4', '--proxy', 'nginx', '-c', '10', '-d', '30', '--delay', '0.1', '--no-tui']);
    onTestFinished(() => {
      child.kill('SIGKILL'); // only if an assertion failed before the run ended: its pdeathsig'd servers follow
    });
    await waitForOutput(child, (o) => /\] loading .* [1-9]\d* req\/s/.test(o.stderr), 30_000);
    const nginx = processesMatching('watchload-nginx-').filter((pid) => !before.includes(pid));
    // uWSGI's workers are forks with the master's command line: the master is the one whose parent is not one of them.
    const uwsgis = processesMatching('/usr/bin/uwsgi --plugins python3 --master --workers 2 --threads 4 --socket');
    const master = uwsgis.filter((pid) => !uwsgis.some((other) => childrenOf(other).includes(pid)));
    expect(master, 'one uWSGI master').toHaveLength(1);
    const workers = childrenOf(master[0]);
    expect(workers).toHaveLength(2);
    process.kill(master[0], 'SIGKILL');
    const result = await collect(child, 30_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('watchload: the server exited during the run (signal SIGKILL)');
    expect(await survivors([...master, ...workers, ...nginx])).toEqual([]);
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('watchload-nginx-') && !tempBefore.includes(name))).toEqual([]);
  });
});
