import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { collect, isAlive, listeningSockets, processesWithEnv, socketInodes, startCli, type CliRun, type StartedCli } from '../helpers/cli.js';
import { freePort } from '../../src/util/ports.js';

// Every process watchload starts dies with it, on every exit path: watchload is killed with
// SIGINT, SIGTERM, SIGHUP and SIGKILL at a random moment of a run (starting, warm, under load,
// stopping) for the prefork models, and /proc must then show no process, temp dir or
// listening port of the run. The random delays come from a seeded PRNG: a failure names its
// seed, and WATCHLOAD_KILL_SEED=<seed> replays it (one case alone with -t: each case draws
// from its own stream, derived from the seed and its name).

const SEED = process.env.WATCHLOAD_KILL_SEED ? Number(process.env.WATCHLOAD_KILL_SEED) >>> 0 : Math.floor(Math.random() * 2 ** 32);

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** FNV-1a of a case's name: its own stream of the seed, whatever runs before it. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGKILL';
type Moment = 'starting' | 'warm' | 'loading' | 'stopping';

/** The run's exit code once its handlers are installed (run.ts SIGNAL_EXIT; 128 + signal number). */
const EXIT_CODE: Record<Exclude<Signal, 'SIGKILL'>, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

interface Model {
  readonly name: string;
  readonly args: readonly string[];
  /**
   * Typical time from spawning the CLI to the server answering (the 'server/ready' event), on
   * the 2-core CI machine: 0.6–1.1 s (Node's start and imports ~0.5 s, then the server's own).
   * A 'starting' kill lands uniformly in [0, readyMs): before the signal handlers exist, while
   * the upstream, nginx or the server start, or while the readiness probe waits.
   */
  readonly readyMs: number;
}

const MODELS: readonly Model[] = [
  { name: 'cluster', args: ['--model', 'cluster', '--workers', '2'], readyMs: 700 },
  { name: 'gunicorn', args: ['--model', 'gunicorn', '--workers', '2', '--threads', '4'], readyMs: 900 },
  { name: 'uwsgi', args: ['--model', 'uwsgi', '--workers', '2', '--threads', '4'], readyMs: 900 },
];
const SIGNALS: readonly Signal[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'];
const MOMENTS: readonly Moment[] = ['starting', 'warm', 'loading', 'stopping'];
const NGINX: Model = { name: 'gunicorn+nginx', args: [...MODELS[1].args, '--proxy', 'nginx'], readyMs: 1_000 };

/** The env variable every process of a run inherits (spawnServer passes watchload's env on). */
const MARK_VARIABLE = 'WATCHLOAD_KILL_MARK';

let work = '';
let runs = 0;
/** What each case did, printed at the end: where the signal landed is only known afterwards. */
const notes: string[] = [];
/** The case's latest run: what is left of it is killed after a failed case, so that it cannot spoil the next one. */
let current: Started | null = null;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kill-matrix-'));
  // nginx's worker runs as nobody: it must reach the prefix inside this dir (companions.ts).
  chmodSync(work, 0o755);
});

afterEach(() => {
  const run = current;
  current = null;
  if (run === null) return;
  run.tracker.stop();
  const pids = [...run.tracker.seen.values()].filter(stillAlive).map((seen) => seen.pid);
  for (const pid of [...pids, ...processesWithEnv(`${MARK_VARIABLE}=${run.mark}\0`)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  console.log(`kill matrix, seed ${SEED}:\n  ${notes.join('\n  ')}`);
});

interface Seen {
  readonly pid: number;
  readonly starttime: string;
  readonly cmdline: string;
}

function readStat(pid: number | string): { ppid: number; state: string; starttime: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // proc(5): after `(comm)`, field 3 state, 4 ppid, ..., 22 starttime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]), starttime: fields[19] };
  } catch {
    return null;
  }
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** The same process (not a reused pid) is still alive. */
function stillAlive(seen: Seen): boolean {
  const stat = readStat(seen.pid);
  return stat !== null && stat.starttime === seen.starttime && stat.state !== 'Z' && stat.state !== 'X';
}

/**
 * Follows a CLI's process tree in /proc while it runs: every descendant (by parent pid, also
 * children of descendants already seen), and every TCP port one of them listens on. Polled
 * often, so that even a process that lives a moment (a worker respawned) is seen.
 */
function track(root: number) {
  const seen = new Map<string, Seen>();
  const ports = new Set<number>();
  const poll = () => {
    const children = new Map<number, number[]>();
    const stats = new Map<number, { state: string; starttime: string }>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readStat(entry);
      if (stat === null || stat.state === 'Z') continue;
      stats.set(Number(entry), stat);
      const list = children.get(stat.ppid) ?? [];
      list.push(Number(entry));
      children.set(stat.ppid, list);
    }
    const queue = [root, ...[...seen.values()].filter(stillAlive).map((s) => s.pid)];
    const visited = new Set<number>();
    while (queue.length > 0) {
      const pid = queue.pop()!;
      if (visited.has(pid)) continue;
      visited.add(pid);
      const stat = stats.get(pid);
      if (stat && !seen.has(`${pid}:${stat.starttime}`)) seen.set(`${pid}:${stat.starttime}`, { pid, starttime: stat.starttime, cmdline: cmdlineOf(pid) });
      queue.push(...(children.get(pid) ?? []));
    }
    const listening = listeningSockets();
    for (const pid of visited) for (const inode of socketInodes(pid)) if (listening.has(inode)) ports.add(listening.get(inode)!);
  };
  poll();
  const timer = setInterval(poll, 25);
  return {
    seen,
    ports,
    poll,
    stop: () => clearInterval(timer),
  };
}

interface Started {
  readonly child: StartedCli;
  readonly port: number;
  readonly tmp: string;
  readonly mark: string;
  readonly record: string;
  readonly tracker: ReturnType<typeof track>;
  exited: boolean;
}

/** Starts the built CLI with its own TMPDIR (other runs on the machine use /tmp) and marker. */
async function start(model: Model, loadArgs: readonly string[], tmp?: string): Promise<Started> {
  const n = ++runs;
  const port = await freePort('127.0.0.1');
  const dir = tmp ?? join(work, `tmp-${n}`);
  if (tmp === undefined) {
    mkdirSync(dir);
    chmodSync(dir, 0o755); // nginx's worker (nobody) reaches its prefix through it
  }
  const mark = `km-${SEED}-${n}-`;
  const record = join(work, `run-${n}.ndjson`);
  const child = startCli(
    [...model.args, ...loadArgs, '-c', '5', '--delay', '0.01', '--port', String(port), '--no-tui', '--record', record],
    { TMPDIR: dir, [MARK_VARIABLE]: mark },
  );
  const started: Started = { child, port, tmp: dir, mark, record, tracker: track(child.pid!), exited: false };
  current = started;
  child.once('exit', () => (started.exited = true));
  void child.closed.then(() => started.tracker.stop());
  return started;
}

/** True once the recording holds an event of this type (the recorder flushes every 250 ms). */
function recorded(record: string, type: string): boolean {
  try {
    return readFileSync(record, 'utf8').includes(`"type":"${type}"`);
  } catch {
    return false;
  }
}

/**
 * Where a caught signal landed, from the recording (closed in order after it): the run's end
 * reason, then how far it had got. Nothing recorded: before the handlers (Node's start, the
 * imports) or after teardown, where the default action ends the process.
 */
function landedAt(record: string): string {
  let text = '';
  try {
    text = readFileSync(record, 'utf8');
  } catch {
    return 'before the recording';
  }
  const reason = /"type":"session\/ended"[^\n]*"reason":"([a-z-]+)"/.exec(text)?.[1];
  if (reason === undefined) return 'before the handlers or after the teardown';
  if (reason !== 'interrupted') return `in teardown (ended ${reason})`;
  const has = (type: string) => text.includes(`"type":"${type}"`);
  return has('load/started') ? 'under load' : has('server/ready') ? 'warm' : has('server/spawned') ? 'server starting' : 'before the server';
}

async function until(run: Started, what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (run.exited) throw new Error(`the CLI exited before ${what}; stderr:\n${run.child.output.stderr.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr:\n${run.child.output.stderr.slice(-2000)}`);
    await sleep(10);
  }
}

/** What of the run is still there: processes, listening ports, temp dirs. Empty when clean. */
function leftovers(run: Started, allowedDirs: ReadonlySet<string>, cliPid: number): string[] {
  const left: string[] = [];
  const pids = new Set<number>();
  for (const seen of run.tracker.seen.values()) if (stillAlive(seen)) pids.add(seen.pid);
  // Inherited the run's marker: started by it, even if never seen in its tree.
  for (const pid of processesWithEnv(`${MARK_VARIABLE}=${run.mark}\0`)) pids.add(pid);
  // Names the run's port or temp dir (nginx's title overwrites its environment).
  const byCmdline = new RegExp(`(:|--port )${run.port}\\b|${run.tmp.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    if (byCmdline.test(cmdlineOf(Number(entry))) && isAlive(Number(entry))) pids.add(Number(entry));
  }
  for (const pid of pids) left.push(`process ${pid}: ${cmdlineOf(pid) || '?'}`);

  const listening = new Set(listeningSockets().values());
  for (const port of new Set([run.port, ...run.tracker.ports])) if (listening.has(port)) left.push(`port ${port} still listening`);

  for (const name of readdirSync(run.tmp)) {
    if (name.startsWith('watchload-') && !allowedDirs.has(join(run.tmp, name))) left.push(`temp dir ${join(run.tmp, name)}`);
  }
  // Nothing of this run in the machine's own temp dir either (its marker names watchload's pid).
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('watchload-')) continue;
    try {
      if (readFileSync(join(tmpdir(), name, '.watchload-owner'), 'utf8').startsWith(`${cliPid} `)) left.push(`temp dir ${join(tmpdir(), name)}`);
    } catch {
      // not a run dir, or removed meanwhile
    }
  }
  return left;
}

/** Waits (bounded) for the run to leave nothing behind; returns what is still there. */
async function waitClean(run: Started, allowedDirs: ReadonlySet<string> = new Set(), waitMs = 5_000): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  let left = leftovers(run, allowedDirs, run.child.pid!);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = leftovers(run, allowedDirs, run.child.pid!);
  }
  return left;
}

const runDirs = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('watchload-')).map((name) => join(dir, name));

interface Killed {
  readonly run: Started;
  readonly result: CliRun;
  /** False when the run had ended by itself before the signal was due ('stopping'). */
  readonly signalled: boolean;
  readonly delayMs: number;
  /** What the delay counted from: the moment's marker ('spawn' or 'first child' while starting). */
  readonly from: string;
  /** Where a caught signal landed (landedAt). */
  readonly landed: string;
}

/** Runs a model, sends the signal at the moment (plus a seeded random delay), waits for the exit. */
async function killAt(model: Model, signal: Signal, moment: Moment, caseName: string): Promise<Killed> {
  const random = mulberry32((SEED ^ fnv1a(caseName)) >>> 0);
  // -n small when the run is to end by itself; else long enough never to end first.
  const run = await start(model, moment === 'stopping' ? ['-n', '150'] : ['-d', '30']);
  let delayMs = 0;
  let from = moment === 'starting' ? 'spawn' : moment;
  switch (moment) {
    case 'starting':
      // Half the time from the spawn of the CLI (mostly Node's start and imports, before the
      // handlers), half from the first process the run starts (nginx, the server, a guard):
      // the upstream, the companions, the server starting and the readiness probe.
      if (random() < 0.5) {
        delayMs = random() * model.readyMs;
      } else {
        await until(run, 'the first process of the run', () => run.tracker.seen.size > 1);
        delayMs = random() * 300;
        from = 'first child';
      }
      break;
    case 'warm':
      // Ready, and the 'before' shape being sampled (>= 300 ms, run.ts settledSample) before the first request.
      await until(run, 'server/ready', () => recorded(run.record, 'server/ready'));
      delayMs = random() * 100;
      break;
    case 'loading':
      await until(run, 'a status line with requests', () => /\] loading .* [1-9]\d* req\/s/.test(run.child.output.stderr));
      delayMs = random() * 500;
      break;
    case 'stopping':
      // The load's end, then teardown: load, sampler, front end, the server's group, companions, upstream.
      await until(run, 'load/finished', () => recorded(run.record, 'load/finished'));
      delayMs = random() * 300;
      break;
  }
  await sleep(delayMs);
  run.tracker.poll();
  const signalled = !run.exited;
  if (signalled) run.child.kill(signal);
  const result = await collect(run.child, 20_000);
  run.tracker.stop();
  const landed = landedAt(run.record);
  notes.push(
    `${caseName.padEnd(32)} ${from.padEnd(11)} +${delayMs.toFixed(0).padStart(3)} ms  ${signalled ? '' : '(ended first) '}exit ${result.signal ?? result.code}` +
      (signal === 'SIGKILL' ? '' : `  landed ${landed}`) +
      `  ${run.tracker.seen.size - 1} procs seen, ports ${[...run.tracker.ports].join(',')}`,
  );
  return { run, result, signalled, delayMs: Math.round(delayMs), from, landed };
}

/** The exit the signal must give at that moment. */
function expectExit({ result, signalled }: Killed, signal: Signal, moment: Moment, context: string): void {
  const how = `${context}; exit ${JSON.stringify({ code: result.code, signal: result.signal })}; stderr:\n${result.stderr.slice(-1500)}`;
  if (!signalled) {
    // The run ended before the signal was due: it completed.
    expect(result.code, how).toBe(0);
    return;
  }
  const caught = signal === 'SIGKILL' ? null : EXIT_CODE[signal];
  const byDefault = (result.signal as string | null) === signal;
  if (caught === null) {
    // SIGKILL: no cleanup code runs; the signal is the exit status, unless the run ended as it came.
    expect(byDefault || (moment === 'stopping' && result.code === 0), how).toBe(true);
  } else if (moment === 'starting') {
    // Before runSession installs its handlers (Node's start, the imports), the default action kills it.
    expect(result.code === caught || byDefault, how).toBe(true);
  } else if (moment === 'stopping') {
    // Once the run has ended 'completed', a signal no longer changes the exit (run.ts end() is
    // once); after teardown the handlers are gone and the default action ends the report.
    expect(result.code === caught || result.code === 0 || byDefault, how).toBe(true);
  } else {
    expect(result.code, how).toBe(caught);
  }
}

const cases = MODELS.flatMap((model) => MOMENTS.flatMap((moment) => SIGNALS.map((signal) => ({ model, moment, signal }))));

describe(`kill matrix (seed ${SEED}, replay with WATCHLOAD_KILL_SEED=${SEED})`, () => {
  it.each(cases.map((c) => [`${c.model.name} ${c.signal} ${c.moment}`, c] as const))('%s: nothing survives', async (caseName, { model, moment, signal }) => {
    const killed = await killAt(model, signal, moment, caseName);
    const context = `${caseName}, seed ${SEED}, ${killed.delayMs} ms after ${killed.from}`;
    expectExit(killed, signal, moment, context);
    // -d 30 is far from over: a caught signal under load ends the run as 'interrupted'.
    if (moment === 'loading' && signal !== 'SIGKILL') expect(killed.landed, context).toBe('under load');
    expect(await waitClean(killed.run), context).toEqual([]);
  });

  it.each([
    ['SIGHUP', 'loading'],
    ['SIGTERM', 'warm'],
    ['SIGINT', 'starting'],
  ] as const)('gunicorn+nginx %s %s: nginx stops and its prefix is removed by the run itself', async (signal, moment) => {
    const caseName = `${NGINX.name} ${signal} ${moment}`;
    const killed = await killAt(NGINX, signal, moment, caseName);
    const context = `${caseName}, seed ${SEED}, ${killed.delayMs} ms after ${killed.from}`;
    expectExit(killed, signal, moment, context);
    expect(await waitClean(killed.run), context).toEqual([]);
    if (moment === 'loading') expect(killed.run.tracker.ports.size, `${context}: nginx's port and the server's`).toBeGreaterThanOrEqual(2);
  });

  it.each(['loading', 'warm', 'starting'] as const)('gunicorn+nginx SIGKILL %s: the prefix is left, the next run removes it and says so', async (moment) => {
    const caseName = `${NGINX.name} SIGKILL ${moment}`;
    const killed = await killAt(NGINX, 'SIGKILL', moment, caseName);
    const context = `${caseName}, seed ${SEED}, ${killed.delayMs} ms after ${killed.from}`;
    expectExit(killed, 'SIGKILL', moment, context);
    // No cleanup code ran: the prefix stays (when nginx had started), everything else is gone.
    const left = new Set(runDirs(killed.run.tmp));
    expect(await waitClean(killed.run, left), context).toEqual([]);
    if (moment !== 'starting') expect([...left].filter((dir) => dir.includes('watchload-nginx-')), context).toHaveLength(1);
    for (const dir of left) expect(existsSync(join(dir, '.watchload-owner')), `${context}: ${dir} is marked`).toBe(true);

    // The next run, in the same temp dir, removes what the killed one left, and says so.
    const next = await start({ name: 'single', args: ['--model', 'single'], readyMs: 0 }, ['-n', '20', '--json'], killed.run.tmp);
    const result = await collect(next.child, 30_000);
    expect(result.code, result.stderr).toBe(0);
    for (const dir of left) {
      expect(result.stderr).toContain(`watchload: removed ${dir}, left by an earlier run that was killed`);
      expect(existsSync(dir)).toBe(false);
    }
    expect(await waitClean(next), 'the next run').toEqual([]);
  });
});
