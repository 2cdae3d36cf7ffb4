import { afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { configureModel, findModel } from '../../src/models/registry.js';
import { missingForModel, missingMessage } from '../../src/models/requirements.js';
import { collect, processesMatching, runCli, startCli, survivors, childrenOf } from '../helpers/cli.js';

// The tutorial's bonus (issue 3): --db postgres runs the DB app (servers/app_db.py: half the
// delay upstream, half in `SELECT NOW(), pg_sleep(delay/2)` through psycopg2) on a PostgreSQL
// that watchload starts itself, in a temp dir. Under a gevent worker, psycopg2's blocking C
// call freezes the hub: the DB halves serialize. --psycogreen makes them yield: they overlap.
// Run for real through the built CLI, on Debian's packages; a missing part fails, never skips.

beforeAll(() => {
  const model = configureModel(findModel('gunicorn-gevent')!, { db: 'postgres', psycogreen: true });
  const missing = missingForModel(model);
  if (missing.length > 0) throw new Error(`--db postgres cannot run here: ${missingMessage("model 'gunicorn-gevent' with --db postgres --psycogreen", missing)}`);
});

interface Report {
  command: string[];
  url: string;
  server: { pid: number; exit: { expected: boolean } | null };
  load: { requests: number; ok: number; errors: number; timeouts: number; non2xx: number; resets: number; rps: number; durationS: number; latencyMs: { p50: number; mean: number } };
  shape: { peak: { threadsPerProcess: Record<string, number> } };
  insights: { kind: string; text: string; evidence: Record<string, number | string | null> }[];
}

/** Temp dirs that were there before: another run's are not ours to judge. */
const tempBefore = readdirSync(tmpdir());
const ourTempDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('watchload-postgres-') && !tempBefore.includes(name));

let lastPids: number[] = [];

afterEach(async () => {
  expect(await survivors(lastPids)).toEqual([]);
  lastPids = [];
});

/**
 * One run with --json. While it loads, finds its PostgreSQL (the postmaster's command line
 * names its temp dir; its children, by parent pid: checkpointer, walwriter, the backends) and
 * checks, once the run is over, that they and the temp dir are all gone.
 */
async function runWithPostgres(args: readonly string[]): Promise<Report> {
  const before = processesMatching('watchload-postgres-');
  const child = startCli([...args, '--json']);
  // Listening for its end from the start: 'close' may come while the loop below looks at /proc.
  const ended = collect(child, 90_000);
  onTestFinished(() => {
    child.kill('SIGKILL'); // only if an assertion failed before the run ended: its pdeathsig'd servers follow
  });
  const postgres = new Set<number>();
  const deadline = Date.now() + 60_000;
  let running = true;
  void ended.then(() => (running = false));
  while (running && Date.now() < deadline) {
    for (const pid of processesMatching('watchload-postgres-').filter((p) => !before.includes(p))) {
      postgres.add(pid);
      for (const backend of childrenOf(pid)) postgres.add(backend);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const result = await ended;
  expect(result.code, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout) as Report;
  lastPids = [report.server.pid, ...Object.keys(report.shape.peak.threadsPerProcess).map(Number), ...postgres];
  expect(report.server.exit?.expected).toBe(true);
  expect(report.load.non2xx + report.load.timeouts + report.load.errors + report.load.resets).toBe(0);
  expect(report.load.ok).toBe(report.load.requests);
  // Its PostgreSQL ran (a postmaster and its children were seen), and none of it survives the run.
  expect(postgres.size, 'PostgreSQL processes seen during the run').toBeGreaterThan(3);
  expect(await survivors([...postgres])).toEqual([]);
  expect(ourTempDirs()).toEqual([]);
  return report;
}

describe('--db postgres under gunicorn-gevent --workers 1 (the tutorial\'s -n 10 -c 5, delay 1)', () => {
  // Each request: 0.5 s upstream (a patched socket: yields) + 0.5 s pg_sleep through psycopg2.
  const LOAD = ['--model', 'gunicorn-gevent', '--workers', '1', '--db', 'postgres', '-c', '5', '-n', '10', '--delay', '1', '--interval', '100'];
  let blocking: Report;
  let green: Report;

  it('without psycogreen: psycopg2 blocks the worker\'s hub, the DB halves serialize (≥ 10 × 0.5 s)', async () => {
    blocking = await runWithPostgres(LOAD);
    expect(blocking.command).toEqual(expect.arrayContaining(['--worker-class', 'gevent', 'patched_db:app']));
    // Ten pg_sleep(0.5) one after another: 5 s at the very least (the tutorial: 6.67 s), whatever the machine.
    expect(blocking.load.durationS).toBeGreaterThanOrEqual(4.9);
    expect(blocking.load.rps).toBeLessThan(2.1);
    // Clients wait for the others' queries: on average well above one request's 1 s.
    expect(blocking.load.latencyMs.mean).toBeGreaterThan(1_500);
    // Said by the insights: the worker's hub waited in libpq's poll(), not in its epoll.
    const frozen = blocking.insights.find((i) => i.kind === 'blocked-loop');
    expect(frozen, blocking.insights.map((i) => i.text).join(' | ')).toBeDefined();
    expect(frozen?.evidence.wait).toMatch(/poll/);
  });

  it('with --psycogreen: queries yield to the hub and overlap (~2 × 1 s)', async () => {
    green = await runWithPostgres([...LOAD, '--psycogreen']);
    expect(green.command).toContain('patched_db:app');
    // Two rounds of five concurrent 1 s requests: ~2 s (the tutorial: 3.15 s); room for a loaded 2-core machine.
    expect(green.load.durationS).toBeLessThan(3.6);
    expect(green.load.rps).toBeGreaterThan(2.8);
    expect(green.load.latencyMs.p50).toBeLessThan(1_500);
    expect(green.insights.map((i) => i.kind)).not.toContain('blocked-loop');
  });

  it('the pair: the blocking run takes clearly longer', () => {
    expect(blocking, 'both runs above must have completed').toBeDefined();
    expect(green, 'both runs above must have completed').toBeDefined();
    expect(blocking.load.durationS / green.load.durationS).toBeGreaterThan(1.6);
  });
});

describe('--db postgres under a threaded server (gunicorn gthread): the app is the same, threads overlap anyway', () => {
  it('runs app_db:app; 5 threads serve the 5 clients at once', async () => {
    const report = await runWithPostgres(['--model', 'gunicorn', '--workers', '1', '--threads', '5', '--db', 'postgres', '-c', '5', '-n', '10', '--delay', '1', '--interval', '100']);
    expect(report.command).toContain('app_db:app');
    expect(report.load.durationS).toBeLessThan(3.6);
  });
});

describe('usage errors (exit 2, one line, nothing started)', () => {
  it.each([
    [['--model', 'uwsgi', '--db', 'postgres', '--psycogreen'], "model 'uwsgi' does not run on gevent: --psycogreen is for the gevent models"],
    [['--model', 'flask-dev', '--db', 'postgres', '--psycogreen'], "model 'flask-dev' does not run on gevent"],
    [['--model', 'uwsgi-gevent', '--psycogreen'], '--psycogreen patches psycopg2: add --db postgres'],
    [['--model', 'cluster', '--db', 'postgres'], "model 'cluster' runs no Python app"],
    [['--model', 'gevent', '--db', 'mysql'], "argument 'mysql' is invalid"],
  ])('%j', async (args, message) => {
    const before = processesMatching('watchload-postgres-');
    const result = await runCli([...args, '-n', '1', '--json'], { timeoutMs: 20_000 });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
    expect(processesMatching('watchload-postgres-').filter((pid) => !before.includes(pid))).toEqual([]);
    expect(ourTempDirs()).toEqual([]);
  });
});
