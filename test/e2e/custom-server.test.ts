import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, childrenOf, collect, isAlive, processesMatching, runCli, startCli, survivors, waitForOutput, type CliRun } from '../helpers/cli.js';
import { freePort } from '../../src/util/ports.js';

// Issue 5, the user's own server, with the built CLI: --cmd starts it with /bin/sh -c and
// stops its whole tree on every way out; --attach watches a running one and never touches it.

const DIR = mkdtempSync(join(tmpdir(), 'watchload-own-server-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/**
 * A plain Node HTTP server on argv[2]; a short wait per request, so that requests overlap. It
 * answers 404 to a ?delay= it knows nothing of: the load must go to the URL as given.
 */
const SERVER = join(DIR, 'server.cjs');
writeFileSync(SERVER, `
  require('node:http').createServer((req, res) => {
    res.statusCode = req.url.includes('delay=') ? 404 : 200;
    setTimeout(() => res.end('ok ' + req.url), 5);
  })
    .listen(Number(process.argv[2]), '127.0.0.1');
`);
/** A Node cluster: a primary that forks argv[3] workers sharing the port argv[2]. */
const CLUSTER = join(DIR, 'cluster.cjs');
writeFileSync(CLUSTER, `
  const cluster = require('node:cluster');
  if (cluster.isPrimary) for (let i = 0; i < Number(process.argv[3]); i++) cluster.fork();
  else require('node:http').createServer((req, res) => setTimeout(() => res.end('ok'), 5)).listen(Number(process.argv[2]), '127.0.0.1');
`);

/** Polls the URL until it answers: a server the test started itself. */
async function answering(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Everything of ours running: every test's server lives in DIR (the CLIs named it too: not them). */
const ours = () => processesMatching(DIR).filter((pid) => !started.some((child) => child.pid === pid));

const started: ChildProcess[] = [];
afterEach(async () => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  expect(await survivors(ours())).toEqual([]);
});

/** A server the test starts, for --attach. */
async function startOwnServer(): Promise<{ pid: number; url: string }> {
  const port = await freePort('127.0.0.1');
  const child = spawn(process.execPath, [SERVER, String(port)], { stdio: 'ignore' });
  started.push(child);
  const url = `http://127.0.0.1:${port}/`;
  await answering(url);
  return { pid: child.pid!, url };
}

/** stderr without the headless status lines (`[   1.0 s] loading …`): what watchload said. */
/** The CLI, killed after the test whatever happened. */
function cli(args: readonly string[]) {
  const child = startCli(args);
  started.push(child);
  return child;
}

const oneLine = (run: CliRun) => run.stderr.trimEnd().split('\n').filter((line) => !/^\[\s*[\d.]+ s\]/.test(line));

describe('--cmd: your own server, started and stopped by watchload', () => {
  it('a Node server: the load goes to the URL as given, its tree is sampled, nothing is left', async () => {
    const port = await freePort('127.0.0.1');
    const command = `node ${SERVER} ${port}`;
    const url = `http://127.0.0.1:${port}/exactly?as=given`;
    const run = await runCli(['--cmd', command, '--url', url, '-n', '200', '-c', '10', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.model).toBe('custom');
    // A single program is exec'd in the shell's place: the tree is the server alone.
    expect(report.command).toEqual(['/bin/sh', '-c', `exec ${command}`]);
    expect(report.url).toBe(url);
    expect(report.config.delayS).toBe(0);
    expect(report.load).toMatchObject({ requests: 200, ok: 200, errors: 0, timeouts: 0, non2xx: 0 });
    expect(report.shape.before.processes).toBe(1);
    expect(report.shape.before.threads).toBeGreaterThanOrEqual(7);
    expect(report.insights.map((i: { kind: string }) => i.kind)).not.toContain('prefork');
    const pids = Object.keys(report.shape.peak.threadsPerProcess).map(Number);
    expect(pids).toContain(report.server.pid);
    expect(await survivors(pids)).toEqual([]);
  });

  it('a command that forks (a Node cluster of 3 workers): its children are sampled, and all stopped after', async () => {
    const port = await freePort('127.0.0.1');
    const run = await runCli(['--cmd', `node ${CLUSTER} ${port} 3`, '--url', `http://127.0.0.1:${port}/`, '-n', '300', '-c', '10', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.load.ok).toBe(300);
    // The primary (exec'd in the shell's place) and its 3 workers, before the first request.
    expect(report.shape.before.processes).toBe(4);
    expect(report.insights.find((i: { kind: string }) => i.kind === 'prefork')?.evidence).toMatchObject({ processes: 4, workers: 3 });
    const pids = Object.keys(report.shape.peak.threadsPerProcess).map(Number);
    expect(await survivors(pids)).toEqual([]);
  });

  it('a command that exits before it answers: exit 1, said so, with its last lines', async () => {
    const port = await freePort('127.0.0.1');
    const run = await runCli(['--cmd', "echo 'listening soon' ; echo 'bad config: port' >&2 ; exit 3", '--url', `http://127.0.0.1:${port}/`, '-n', '10']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('watchload: the command exited before it was ready (exit code 3)');
    expect(run.stderr).toContain('  | bad config: port');
  });

  it('a command that never answers: exit 1 at --ready-timeout, naming the URL; nothing left', async () => {
    const port = await freePort('127.0.0.1');
    const run = await runCli(['--cmd', `node -e "setInterval(() => {}, 1000)" ${DIR}`, '--url', `http://127.0.0.1:${port}/health`, '-n', '10', '--ready-timeout', '1', '--json']);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toEqual([`watchload: the command was not ready after 1 s: GET http://127.0.0.1:${port}/health (last: ECONNREFUSED)`]);
  });

  it('a URL where something already answers: refused before the command starts', async () => {
    const { url } = await startOwnServer();
    const run = await runCli(['--cmd', `node ${SERVER} 1 ${DIR}-never`, '--url', url, '-n', '10', '--json']);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toEqual([`watchload: something already answers at ${url} before the command started: stop it, or watch it with --attach PID`]);
    expect(processesMatching(`${DIR}-never`)).toEqual([]);
  });
});

describe('--attach: a server already running, watched and left running', () => {
  it('the run completes, the report counts its threads, and it is still alive after', async () => {
    const server = await startOwnServer();
    const run = await runCli(['--attach', String(server.pid), '--url', server.url, '-n', '200', '-c', '10', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.model).toBe('attach');
    expect(report.server.pid).toBe(server.pid);
    expect(report.command).toEqual([process.execPath, SERVER, expect.any(String)]);
    expect(report.url).toBe(server.url);
    expect(report.load).toMatchObject({ requests: 200, ok: 200 });
    // One Node process: its main thread, V8's and libuv's: about 7 (more on some Node versions).
    expect(report.shape.before.processes).toBe(1);
    expect(report.shape.before.threads).toBeGreaterThanOrEqual(5);
    expect(report.shape.before.threads).toBeLessThanOrEqual(12);
    expect(report.server.exit).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(server.pid)).toBe(true);
    await answering(server.url);
  });

  it('SIGTERM to watchload: exit 143, the attached server is untouched', async () => {
    const server = await startOwnServer();
    const child = cli(['--attach', String(server.pid), '--url', server.url, '-d', '60', '-c', '5', '--no-tui']);
    await waitForOutput(child, (o) => /\] loading .* [1-9]\d* req\/s/.test(o.stderr), 30_000);
    child.kill('SIGTERM');
    const run = await collect(child, 20_000);
    expect(run.code).toBe(143);
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(server.pid)).toBe(true);
    await answering(server.url);
  });

  it('the attached server dies during the run: exit 1, one clear line', async () => {
    const server = await startOwnServer();
    const child = cli(['--attach', String(server.pid), '--url', server.url, '-d', '60', '-c', '5', '--json']);
    await waitForOutput(child, (o) => /\] loading/.test(o.stderr), 30_000);
    process.kill(server.pid, 'SIGKILL');
    const run = await collect(child, 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`watchload: the attached process ${server.pid} exited during the run`);
    expect(JSON.parse(run.stdout).ended).toBe('server-exited');
  });

  it('a URL that refuses connections: exit 1, one line, the server untouched', async () => {
    const server = await startOwnServer();
    const port = await freePort('127.0.0.1');
    const run = await runCli(['--attach', String(server.pid), '--url', `http://127.0.0.1:${port}/`, '-n', '10', '--json']);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toEqual([`watchload: nothing answers at http://127.0.0.1:${port}/ (ECONNREFUSED): is the attached server listening there?`]);
    expect(isAlive(server.pid)).toBe(true);
  });
});

describe('signals during a --cmd run', () => {
  it('SIGTERM: exit 143, the command\'s whole tree is stopped', async () => {
    const port = await freePort('127.0.0.1');
    const child = cli(['--cmd', `node ${CLUSTER} ${port} 2`, '--url', `http://127.0.0.1:${port}/`, '-d', '60', '-c', '5', '--no-tui']);
    await waitForOutput(child, (o) => /\] loading .* [1-9]\d* req\/s/.test(o.stderr), 30_000);
    const tree = ours();
    expect(tree.length).toBeGreaterThanOrEqual(3); // the primary, 2 workers (and sh)
    child.kill('SIGTERM');
    const run = await collect(child, 20_000);
    expect(run.code).toBe(143);
    expect(await survivors(tree)).toEqual([]);
  });

  it('SIGKILL: no cleanup code runs, yet the tree dies (the group guard), the sh\'s children too', async () => {
    const port = await freePort('127.0.0.1');
    // `; true` keeps sh from exec'ing node: node is then sh's child, which the parent-death
    // signal (set on sh) would not reach.
    const child = cli(['--cmd', `node ${SERVER} ${port}; true`, '--url', `http://127.0.0.1:${port}/`, '-d', '60', '-c', '5', '--no-tui']);
    await waitForOutput(child, (o) => /\] loading .* [1-9]\d* req\/s/.test(o.stderr), 30_000);
    const tree = ours();
    expect(tree.length).toBe(2); // sh and node
    expect(tree.filter((pid) => childrenOf(pid).some((c) => tree.includes(c)))).toHaveLength(1); // node is sh's child
    child.kill('SIGKILL');
    await collect(child, 10_000);
    expect(await survivors(tree, 5_000)).toEqual([]);
  });
});

describe('bad input for --cmd / --attach: one line, exit 2', () => {
  it.each([
    [['--attach', '4194000', '--url', 'http://127.0.0.1:1/'], "watchload: --attach 4194000: no such process (see watchload --help)"],
    [['--attach', '1', '--url', 'http://127.0.0.1:1/'], "watchload: --attach 1 is init, the system's first process: give your server's pid (see watchload --help)"],
    [['--cmd', 'true'], 'watchload: --cmd needs --url, where your server answers (e.g. --url http://127.0.0.1:8000/) (see watchload --help)'],
    [['--attach', '1234'], 'watchload: --attach needs --url, where your server answers (e.g. --url http://127.0.0.1:8000/) (see watchload --help)'],
    [['--cmd', 'true', '--url', 'https://127.0.0.1/'], "watchload: --url must be an http:// URL, not https:// (watchload's load speaks plain HTTP) (see watchload --help)"],
    [['--cmd', 'true', '--url', 'http://bad host/'], "watchload: --url 'http://bad host/' is not a valid URL (e.g. http://127.0.0.1:8000/) (see watchload --help)"],
    [['--cmd', 'true', '--attach', '1234', '--url', 'http://127.0.0.1/'], 'watchload: --cmd starts a server, --attach watches a running one: give one of them (see watchload --help)'],
    [['--cmd', 'true', '--url', 'http://127.0.0.1/', '--model', 'single'], "watchload: --model configures watchload's own models: drop it with --cmd (see watchload --help)"],
    [['--cmd', 'true', '--url', 'http://127.0.0.1/', '--workers', '2'], "watchload: --workers configures watchload's own models: drop it with --cmd (see watchload --help)"],
    [['--attach', '1234', '--url', 'http://127.0.0.1/', '--delay', '1'], "watchload: --delay is the upstream's delay, which your own server does not call: drop --delay with --attach (see watchload --help)"],
  ])('%j', async (args, line) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(oneLine(run)).toEqual([line]);
  });

  it('--attach to watchload\'s own pid (sh execs watchload with its own $$)', async () => {
    const child = spawn('/bin/sh', ['-c', `exec "${process.execPath}" "${BIN}" --attach $$ --url http://127.0.0.1:1/`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toBe(`watchload: --attach ${child.pid} is watchload itself: give your server's pid (see watchload --help)\n`);
  });

  it('--attach to an ancestor of watchload (this test process)', async () => {
    const run = await runCli(['--attach', String(process.pid), '--url', 'http://127.0.0.1:1/']);
    expect(run.code).toBe(2);
    expect(oneLine(run)).toEqual([`watchload: --attach ${process.pid} is an ancestor of watchload (its tree would include watchload itself): give your server's pid (see watchload --help)`]);
  });
});
