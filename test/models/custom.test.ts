import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCli } from '../../src/cli-options.js';
import { checkAttachable, httpUrl, ownServer, shellCommand, type AttachHost } from '../../src/models/custom.js';
import { UsageError } from '../../src/util/errors.js';

// --cmd / --attach / --url (issue 5): what may go together, checked at the edge, one line each.

const URL_OK = 'http://127.0.0.1:8000/';

/** The message of the UsageError that parseCli throws, or 'no error'. */
function usageError(args: readonly string[]): string {
  try {
    parseCli(args);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  return 'no error';
}

describe('parseCli with --cmd / --attach', () => {
  it.each([
    [['--cmd', 'x'], '--cmd needs --url, where your server answers (e.g. --url http://127.0.0.1:8000/)'],
    [['--attach', '1234'], '--attach needs --url, where your server answers (e.g. --url http://127.0.0.1:8000/)'],
    [['--url', URL_OK], '--url is where your own server answers: give --cmd COMMAND or --attach PID with it'],
    [['--cmd', 'x', '--url', 'https://127.0.0.1:8000/'], "--url must be an http:// URL, not https:// (watchload's load speaks plain HTTP)"],
    [['--cmd', 'x', '--url', '127.0.0.1:8000'], "--url '127.0.0.1:8000' needs its scheme: http://127.0.0.1:8000"],
    [['--cmd', 'x', '--url', 'localhost:8000/'], "--url 'localhost:8000/' needs its scheme: http://localhost:8000/"],
    [['--cmd', 'x', '--url', 'http://not a url/'], "--url 'http://not a url/' is not a valid URL (e.g. http://127.0.0.1:8000/)"],
    [['--cmd', 'x', '--attach', '1234', '--url', URL_OK], '--cmd starts a server, --attach watches a running one: give one of them'],
    [['--cmd', 'x', '--url', URL_OK, '--model', 'single'], "--model configures watchload's own models: drop it with --cmd"],
    // Given explicitly, even with the default value.
    [['--cmd', 'x', '--url', URL_OK, '--model', 'cluster'], "--model configures watchload's own models: drop it with --cmd"],
    [['--cmd', 'x', '--url', URL_OK, '--workers', '2'], "--workers configures watchload's own models: drop it with --cmd"],
    [['--cmd', 'x', '--url', URL_OK, '--threads', '2'], "--threads configures watchload's own models: drop it with --cmd"],
    [['--cmd', 'x', '--url', URL_OK, '--async-cores', '2'], "--async-cores configures watchload's own models: drop it with --cmd"],
    [['--cmd', 'x', '--url', URL_OK, '--proxy', 'nginx'], "--proxy configures watchload's own models: drop it with --cmd"],
    [['--cmd', 'x', '--url', URL_OK, '--db', 'postgres'], "--db configures watchload's own models: drop it with --cmd"],
    [['--attach', '1234', '--url', URL_OK, '--psycogreen'], "--psycogreen configures watchload's own models: drop it with --attach"],
    [['--cmd', 'x', '--url', URL_OK, '--delay', '0'], "--delay is the upstream's delay, which your own server does not call: drop --delay with --cmd"],
    [['--attach', '1234', '--url', URL_OK, '--port', '8000'], "your server's port is in --url: drop --port with --attach"],
    [['--cmd', ' ', '--url', URL_OK], '--cmd needs a command (e.g. --cmd "python3 -m http.server 8000")'],
    [['--attach', '1', '--url', URL_OK], "--attach 1 is init, the system's first process: give your server's pid"],
    // The vitest worker that runs this is watchload here.
    [['--attach', String(process.pid), '--url', URL_OK], `--attach ${process.pid} is watchload itself: give your server's pid`],
    [['--attach', String(process.ppid), '--url', URL_OK], `--attach ${process.ppid} is an ancestor of watchload (its tree would include watchload itself): give your server's pid`],
  ])('%j → %s', (args, message) => {
    expect(usageError(args)).toBe(message);
  });

  it('--attach 0 and --attach abc are refused by the option itself', () => {
    expect(usageError(['--attach', '0', '--url', URL_OK])).toMatch(/--attach <pid>' argument '0' is invalid/);
    expect(usageError(['--attach', 'abc', '--url', URL_OK])).toMatch(/--attach <pid>' argument 'abc' is invalid/);
  });

  it('--cmd: model custom, run by /bin/sh -c at the URL as given, no upstream delay', () => {
    const command = parseCli(['--cmd', "python3 -m http.server 8000 --bind '127.0.0.1'", '--url', 'http://127.0.0.1:8000/x?y=1', '-n', '10']);
    if (command.kind !== 'run') throw new Error(`expected a run, got ${command.kind}`);
    expect(command.model.name).toBe('custom');
    expect(command.model.family).toBe('custom');
    expect(command.model.own).toEqual({ url: 'http://127.0.0.1:8000/x?y=1' });
    expect(command.config).toMatchObject({ model: 'custom', delayS: 0, workers: null, threads: null, requests: 10 });
    const launch = command.model.launch({ host: '127.0.0.1', port: 8000, upstreamUrl: '', workers: null, threads: null });
    expect(launch.argv).toEqual(['/bin/sh', '-c', "exec python3 -m http.server 8000 --bind '127.0.0.1'"]);
    expect(launch.cwd).toBe(process.cwd());
  });

  let child: ChildProcess | null = null;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = null;
  });

  it('--attach to a live process of ours: model attach, its pid, the URL as given', () => {
    child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const command = parseCli(['--attach', String(child.pid), '--url', URL_OK, '-d', '5']);
    if (command.kind !== 'run') throw new Error(`expected a run, got ${command.kind}`);
    expect(command.model.name).toBe('attach');
    expect(command.model.own).toEqual({ url: URL_OK, attachPid: child.pid });
    expect(command.config).toMatchObject({ model: 'attach', delayS: 0, durationS: 5 });
    expect(() => command.model.launch({ host: '127.0.0.1', port: 1, upstreamUrl: '', workers: null, threads: null })).toThrow(/never launched/);
  });

  it('no --cmd, --attach or --url: a registry model, as before', () => {
    expect(ownServer({}, ['--workers'])).toBeNull();
    const command = parseCli(['--model', 'single', '--delay', '1']);
    if (command.kind !== 'run') throw new Error(`expected a run, got ${command.kind}`);
    expect(command.model.own).toBeUndefined();
    expect(command.config.delayS).toBe(1);
  });
});

describe('httpUrl', () => {
  it.each([
    ['http://127.0.0.1:8000/', null],
    ['http://localhost/health?x=1', null],
    ['http://[::1]:8080/', null],
    ['ftp://127.0.0.1/', /not ftp:\/\//],
    ['http://', /not a valid URL/],
    ['', /needs its scheme/],
  ])('%j', (raw, error) => {
    if (error === null) expect(httpUrl(raw)).toBe(raw);
    else expect(() => httpUrl(raw)).toThrow(error);
  });
});

describe('checkAttachable on a recorded /proc', () => {
  // A /proc of four processes: 100 (ours), 200 (another user's), 300 (a zombie), 400 (no
  // task dir: unreadable), and watchload as 500, child of 450, child of 1.
  const proc = mkdtempSync(join(tmpdir(), 'watchload-proc-'));
  afterAll(() => rmSync(proc, { recursive: true, force: true }));
  function processEntry(pid: number, { ppid = 1, state = 'S', uid = 1000, task = true } = {}) {
    mkdirSync(join(proc, String(pid)), { recursive: true });
    writeFileSync(join(proc, String(pid), 'stat'), `${pid} (srv) ${state} ${ppid} ${pid} ${pid} 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 12345 3133440 358 18446744073709551615 1 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n`);
    writeFileSync(join(proc, String(pid), 'status'), `Name:\tsrv\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n`);
    if (task) mkdirSync(join(proc, String(pid), 'task', String(pid)), { recursive: true });
  }
  processEntry(1, { ppid: 0, uid: 0 });
  processEntry(100);
  processEntry(200, { uid: 0 });
  processEntry(300, { state: 'Z' });
  processEntry(400, { task: false });
  processEntry(450, { ppid: 1 });
  processEntry(500, { ppid: 450 });
  const host: AttachHost = { procDir: proc, uid: 1000, selfPid: 500 };

  it.each([
    [100, null],
    [999, '--attach 999: no such process'],
    [1, "--attach 1 is init, the system's first process: give your server's pid"],
    [500, "--attach 500 is watchload itself: give your server's pid"],
    [450, "--attach 450 is an ancestor of watchload (its tree would include watchload itself): give your server's pid"],
    [300, '--attach 300: process 300 has exited (a zombie)'],
    [200, '--attach 200: process 200 belongs to another user (uid 0); watchload can read its threads only as that user or as root'],
    [400, `--attach 400: cannot read ${proc}/400/task (ENOENT): not a process watchload may read`],
  ])('pid %d → %s', (pid, message) => {
    if (message === null) expect(() => checkAttachable(pid, host)).not.toThrow();
    else expect(() => checkAttachable(pid, host)).toThrow(new UsageError(message));
  });

  it('as root, another user\'s process may be watched', () => {
    expect(() => checkAttachable(200, { ...host, uid: 0 })).not.toThrow();
  });
});

describe('shellCommand', () => {
  it.each([
    ['node server.js', 'exec node server.js'],
    ['  python3 -m http.server 8000 ', 'exec python3 -m http.server 8000'],
    ['exec node x.js', 'exec node x.js'],
    ['cd app && gunicorn app:app', 'cd app && gunicorn app:app'],
    ['FOO=1 node x.js', 'FOO=1 node x.js'],
    ['node a.js | tee log', 'node a.js | tee log'],
    ['node $(echo x.js)', 'node $(echo x.js)'],
    ['node a.js; node b.js', 'node a.js; node b.js'],
    ['if true; then node a.js; fi', 'if true; then node a.js; fi'],
  ])('%j → %j', (command, expected) => {
    expect(shellCommand(command)).toBe(expected);
  });
});
