/**
 * --docker (issue 7): what one sample of a container's threads costs, by each way watchload
 * can take it, against `ps`, `docker top` and `top` on the same container in the same run.
 *
 * One uWSGI container of watchload's model image (`--master --workers 4 --threads 50`: 1 + 4
 * processes, 201 threads, all made at start, idle), host network, docker-init in front. Then,
 * in each of --rounds rounds, every method once, in an order that rotates every round:
 *
 * - watchload's /proc sampler (`createSampler`, in this thread), rooted at the server's host
 *   pid (the child of the container's init): what a local engine gets.
 * - watchload's engine sampler (`startEngineSampler` + `sampleNow`, as the CLI runs it for a
 *   remote engine: a thread `top`, and every 10 samples one more for command lines), and one
 *   bare `container.top` with THREAD_PS_ARGS folded by `snapshotFromTop`.
 * - peers: `ps -eLo` (whole host), `docker top` (the CLI), `top -H -b -n 1 -p PIDS`.
 * - the cgroup: `readContainerUsage` (one-shot engine stats) against reading the cgroup v1
 *   files directly; then 10 stats calls back to back (in the rounds they come ~1 s apart, and
 *   a one-shot call waits for the engine's collector, which publishes once a second).
 *
 *   DOCKER_HOST=unix:///run/wl-docker/docker.sock npx tsx bench/docker-sampling.ts [--rounds 50]
 *
 * Loads dist/ (npm run build first). Prints the Markdown table for BENCHMARKS.md and writes it
 * to out/bench/docker-sampling.md. The container is labelled io.watchload.test=bench and is
 * removed on every path: at the end, on failure, on SIGINT/SIGTERM/SIGHUP, after --deadline-s,
 * and by watchload's guard (src/docker/guard.cjs) when this process is killed outright.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { CLOCK_TICKS_PER_SECOND, reapedChildrenCpuMs, startForeignMeter, waitForIdleOthers } from './lib/cpu.js';
import { describeMachine, distModule, loadAverage1, REPO_ROOT } from './lib/machine.js';
import { markdownTable, median, parseFlags, sig, times } from './lib/results.js';

type SamplerModule = typeof import('../src/proc/sampler.js');
type ReaderModule = typeof import('../src/proc/reader.js');
type TopModule = typeof import('../src/docker/top-sampler.js');
type UsageModule = typeof import('../src/docker/usage.js');
type ImageModule = typeof import('../src/docker/image.js');
type EngineModule = typeof import('../src/docker/engine.js');
type Snapshot = import('../src/proc/types.js').Snapshot;
type TopResult = import('../src/docker/top-sampler.js').TopResult;
type TopState = import('../src/docker/top-sampler.js').TopState;

const USAGE = `Usage: DOCKER_HOST=unix://… npx tsx bench/docker-sampling.ts [options]   (build first: npm run build)
  --rounds N        rounds; each takes every method once (default 50; ~1 s a round, mostly the stats call)
  --workers N       uWSGI workers (default 4)
  --threads N       threads per worker (default 50)
  --image REF       image with uWSGI (default: watchload's model image, ensureModelImage)
  --deadline-s S    give up (and remove the container) after S seconds (default 170)`;

const flags = parseFlags({ rounds: '50', workers: '4', threads: '50', image: '', 'deadline-s': '170' }, USAGE);
const ROUNDS = Number(flags.rounds);
const WORKERS = Number(flags.workers);
const THREADS = Number(flags.threads);
/** Rounds taken and thrown away first: files opened, JIT warm, the engine's caches. */
const WARM_ROUNDS = 2;
/** One-shot stats calls made back to back after the rounds (in the rounds they come ~1 s apart). */
const STATS_IN_A_ROW = 10;
const DOCKER_CLI = '/usr/local/bin/docker';
const SERVERS = `${REPO_ROOT}src/models/servers`;
const TEST_LABEL = { 'io.watchload.test': 'bench' };
const OUT = `${REPO_ROOT}out/bench/docker-sampling.md`;
const log = (line: string) => process.stderr.write(`[docker-sampling] ${line}\n`);

const samplerMod = (await import(distModule('src/proc/sampler.js'))) as SamplerModule;
const readerMod = (await import(distModule('src/proc/reader.js'))) as ReaderModule;
const topMod = (await import(distModule('src/docker/top-sampler.js'))) as TopModule;
const usageMod = (await import(distModule('src/docker/usage.js'))) as UsageModule;
const imageMod = (await import(distModule('src/docker/image.js'))) as ImageModule;
const engineMod = (await import(distModule('src/docker/engine.js'))) as EngineModule;
const portsMod = (await import(distModule('src/util/ports.js'))) as { freePort(host: string): Promise<number> };
const guardMod = (await import(distModule('src/util/death-guard.js'))) as { startDeathGuard(argv: readonly string[]): ChildProcess | null };

// ---------------------------------------------------------------------------------------------
// The container, and its removal on every path.

let container: Dockerode.Container | null = null;
let guard: ChildProcess | null = null;
let removal: Promise<void> | null = null;

function removeContainer(): Promise<void> {
  removal ??= (async () => {
    if (container !== null) {
      await container.remove({ force: true }).catch((error: Error) => log(`could not remove ${container?.id.slice(0, 12)}: ${error.message}`));
      log(`removed container ${container.id.slice(0, 12)}`);
    }
    guard?.kill('SIGKILL');
  })();
  return removal;
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.on(signal, () => void removeContainer().finally(() => process.exit(code)));
}
const deadline = setTimeout(() => {
  log(`not done after ${flags['deadline-s']} s: giving up`);
  void removeContainer().finally(() => process.exit(1));
}, Number(flags['deadline-s']) * 1000);
deadline.unref();


function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The container's tasks' cgroup directory of one v1 controller, from /proc/PID/cgroup (`id:controllers:path`). */
function cgroupDir(pid: number, controller: string): string {
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const [, controllers, path] = line.split(':');
    if (controllers?.split(',').includes(controller)) return `/sys/fs/cgroup/${controllers}${path}`;
  }
  throw new Error(`pid ${pid} is in no ${controller} cgroup (cgroup v1 expected)`);
}

// ---------------------------------------------------------------------------------------------
// CPU of the engine: dockerd (its reaped children: the ps of every top), its containerd, and the
// container's shim (stats are read there). Fields 14–17 of /proc/PID/stat, in clock ticks.

function pidsByComm(test: (comm: string, cmdline: string) => boolean): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const comm = readFileSync(`/proc/${name}/comm`, 'utf8').trim();
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (test(comm, cmdline)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function enginePids(initPid: number): number[] {
  const socket = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
  const dockerd = pidsByComm((comm, cmdline) => comm === 'dockerd' && cmdline.includes(socket));
  const containerd = dockerd.flatMap((pid) => childrenOf(pid)).filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'containerd');
  const shimPid = Number(readFileSync(`/proc/${initPid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  const shim = readFileSync(`/proc/${shimPid}/comm`, 'utf8').startsWith('containerd-shim') ? [shimPid] : [];
  return [...dockerd, ...containerd, ...shim];
}

function engineCpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // gone: the engine stopped, the figures will say so
    }
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

// ---------------------------------------------------------------------------------------------
// The methods. Each call returns what it saw; the loop times it.

interface Seen {
  /** Rows (threads) it saw, as printed in the table. */
  readonly rows: number;
  /** Of those, the container's server tree (init left out), for the agreement check; null: n/a. */
  readonly serverThreads: number | null;
  /** Host tids of the server tree, when the method gives them. */
  readonly tids?: readonly number[];
}

interface Method {
  readonly id: string;
  readonly label: string;
  readonly run: () => Promise<Seen> | Seen;
}

const threadCount = (snapshot: Snapshot) => snapshot.processes.reduce((n, p) => n + p.threads.length, 0);
const tidsOf = (snapshot: Snapshot) => snapshot.processes.flatMap((p) => p.threads.map((t) => t.tid)).sort((a, b) => a - b);

function runCommand(argv: readonly string[]): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Data lines of a ps-style output: the header left out. */
const psRows = (text: string) => text.split('\n').slice(1).filter((l) => l.trim() !== '');

/** top -b's thread rows: the lines after its column header. */
function topRows(text: string): string[] {
  const lines = text.split('\n');
  const header = lines.findIndex((l) => /^\s*PID\s+USER\b/.test(l));
  return lines.slice(header + 1).filter((l) => l.trim() !== '');
}

/**
 * What readContainerUsage gives, from the cgroup v1 files of a local container: pids and their
 * limit, memory as `docker stats` shows it (usage less the inactive page cache, as usageFrom
 * computes it) and its limit, the CFS quota.
 */
function readCgroup(dirs: { pids: string; memory: string; cpu: string }): { pidsCurrent: number; pidsMax: string; memoryBytes: number; memoryLimitBytes: number; cpuQuotaUs: number; cpuPeriodUs: number } {
  const read = (path: string) => readFileSync(path, 'utf8').trim();
  const usage = Number(read(`${dirs.memory}/memory.usage_in_bytes`));
  const inactive = Number(/^total_inactive_file (\d+)$/m.exec(read(`${dirs.memory}/memory.stat`))?.[1] ?? 0);
  return {
    pidsCurrent: Number(read(`${dirs.pids}/pids.current`)),
    pidsMax: read(`${dirs.pids}/pids.max`),
    memoryBytes: inactive < usage ? usage - inactive : usage,
    memoryLimitBytes: Number(read(`${dirs.memory}/memory.limit_in_bytes`)),
    cpuQuotaUs: Number(read(`${dirs.cpu}/cpu.cfs_quota_us`)),
    cpuPeriodUs: Number(read(`${dirs.cpu}/cpu.cfs_period_us`)),
  };
}

// ---------------------------------------------------------------------------------------------

interface Timing {
  readonly id: string;
  readonly label: string;
  readonly wallMs: number[];
  /** This process: user + sys (process.cpuUsage), plus reaped children (cutime + cstime). */
  ownCpuMs: number;
  engineCpuMs: number;
  last: Seen | null;
}

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const { docker, where } = await engineMod.connectEngine();
  const version = await docker.version();
  const image = flags.image || (await imageMod.ensureModelImage(docker, (line) => log(line)));
  const port = await portsMod.freePort('127.0.0.1');
  log(`engine ${where} (Docker ${version.Version}, API ${version.ApiVersion}); image ${image}; uWSGI on 127.0.0.1:${port}`);

  container = await docker.createContainer({
    name: `watchload-bench-${process.pid}`,
    Image: image,
    Cmd: [
      '/usr/bin/uwsgi', '--plugins', 'python3', '--master', '--workers', String(WORKERS), '--threads', String(THREADS),
      '--http-socket', `127.0.0.1:${port}`, '--need-app', '--module', 'app:app',
    ],
    WorkingDir: SERVERS,
    // The app's upstream is called per request only; an idle server never calls it.
    Env: ['UPSTREAM_URL=http://127.0.0.1:9/'],
    Labels: TEST_LABEL,
    HostConfig: { NetworkMode: 'host', Init: true, Binds: [`${SERVERS}:${SERVERS}:ro`] },
  });
  // watchload's own guard removes the container if this process is killed, SIGKILL included.
  guard = guardMod.startDeathGuard([process.execPath, `${REPO_ROOT}src/docker/guard.cjs`, container.id]);
  await container.start();
  const inspected = await container.inspect();
  const initPid = inspected.State.Pid;
  const id = container.id;

  // The server: the init's child. Ready once its tree holds 1 + workers processes and its thread count stands.
  const expectedThreads = 1 + WORKERS * THREADS;
  let serverPid = 0;
  let ready = false;
  const readyBy = performance.now() + 30_000;
  let lastCount = -1;
  while (!ready && performance.now() < readyBy) {
    await sleep(250);
    serverPid = Math.min(...childrenOf(initPid), Number.MAX_SAFE_INTEGER);
    if (serverPid === Number.MAX_SAFE_INTEGER) continue;
    const probe = samplerMod.createSampler({ rootPid: serverPid, reader: readerMod.createProcReader(), nowMs: () => performance.now() });
    const snapshot = probe.sample();
    probe.close();
    const count = threadCount(snapshot);
    ready = snapshot.processes.length === 1 + WORKERS && count >= expectedThreads && count === lastCount;
    lastCount = count;
  }
  if (!ready) throw new Error(`uWSGI did not come up in 30 s (pid ${serverPid}, ${lastCount} threads): ${(await container.logs({ stdout: true, stderr: true, tail: 20 })).toString()}`);
  const containerPids = readFileSync(`${cgroupDir(initPid, 'pids')}/cgroup.procs`, 'utf8').trim().split('\n').map(Number);
  const dirs = { pids: cgroupDir(initPid, 'pids'), memory: cgroupDir(initPid, 'memory'), cpu: cgroupDir(initPid, 'cpu') };
  const engine = enginePids(initPid);
  log(`container ${id.slice(0, 12)}: init ${initPid}, server ${serverPid}, pids ${containerPids.join(',')}; engine processes ${engine.join(',')}`);
  if (containerPids.length > 20) throw new Error(`top -p takes at most 20 pids; the container has ${containerPids.length}`);

  // The engine's own CPU when nobody asks it anything: the floor under its per-call figures.
  const idle0 = engineCpuMs(engine);
  await sleep(3_000);
  const engineIdleMsPerS = (engineCpuMs(engine) - idle0) / 3;

  const procSampler = samplerMod.createSampler({ rootPid: serverPid, reader: readerMod.createProcReader(), nowMs: () => performance.now() });
  const sessionStartMs = performance.timeOrigin + performance.now();
  const engineSampler = topMod.startEngineSampler({
    container,
    // Only sampleNow() here: the first sample is taken at start, the next scheduled one never comes.
    intervalMs: 600_000,
    sessionStartMs,
    onSnapshot: () => undefined,
    onError: (message) => log(`engine sampler: ${message}`),
  });
  let topState: TopState = topMod.INITIAL_TOP_STATE;
  const hostConfig = inspected.HostConfig;
  const box = container;

  const methods: Method[] = [
    {
      id: 'proc',
      label: 'watchload /proc sampler (`createSampler`, in-process)',
      run: () => {
        const s = procSampler.sample();
        return { rows: threadCount(s), serverThreads: threadCount(s), tids: tidsOf(s) };
      },
    },
    {
      id: 'engine-sampler',
      label: 'watchload engine sampler (`startEngineSampler` + `sampleNow`)',
      run: async () => {
        const s = await engineSampler.sampleNow();
        return { rows: threadCount(s), serverThreads: threadCount(s), tids: tidsOf(s) };
      },
    },
    {
      id: 'engine-top',
      label: 'one `container.top` (THREAD_PS_ARGS) + `snapshotFromTop`',
      run: async () => {
        const t0 = performance.timeOrigin + performance.now() - sessionStartMs;
        const top = (await box.top({ ps_args: topMod.THREAD_PS_ARGS })) as TopResult;
        const t1 = performance.timeOrigin + performance.now() - sessionStartMs;
        const read = topMod.snapshotFromTop(top, topState, (t0 + t1) / 2);
        topState = read.state;
        const threads = read.processes.reduce((n, p) => n + p.threads.length, 0);
        return { rows: top.Processes.length, serverThreads: threads };
      },
    },
    {
      id: 'ps-eLo',
      label: '`ps -eLo pid,tid,stat,wchan:32,comm` (whole host)',
      run: () => {
        const rows = psRows(runCommand(['ps', '-eLo', 'pid,tid,stat,wchan:32,comm']));
        const inContainer = rows.filter((r) => containerPids.includes(Number(r.trim().split(/\s+/)[0])));
        return { rows: rows.length, serverThreads: inContainer.length - 1 };
      },
    },
    {
      id: 'docker-top',
      label: '`docker top ID -L -o pid,lwp,stat,comm` (CLI)',
      run: () => {
        const rows = psRows(runCommand([DOCKER_CLI, 'top', id, '-L', '-o', 'pid,lwp,stat,comm']));
        return { rows: rows.length, serverThreads: rows.length - 1 };
      },
    },
    {
      id: 'top-H',
      label: '`top -H -b -n 1 -p PIDS` (the container\'s pids)',
      run: () => {
        const rows = topRows(runCommand(['top', '-H', '-b', '-n', '1', '-p', containerPids.join(',')]));
        return { rows: rows.length, serverThreads: rows.length - 1 };
      },
    },
    {
      id: 'stats',
      label: '`readContainerUsage` (engine stats, one-shot)',
      run: async () => {
        const usage = await usageMod.readContainerUsage(box, hostConfig);
        return { rows: usage.pidsCurrent ?? 0, serverThreads: usage.pidsCurrent === null ? null : usage.pidsCurrent - 1 };
      },
    },
    {
      id: 'cgroup',
      label: 'cgroup v1 files read directly (pids, memory, cpu)',
      run: () => {
        const usage = readCgroup(dirs);
        return { rows: usage.pidsCurrent, serverThreads: usage.pidsCurrent - 1 };
      },
    },
  ];

  const timings: Timing[] = methods.map((m) => ({ id: m.id, label: m.label, wallMs: [], ownCpuMs: 0, engineCpuMs: 0, last: null }));
  await waitForIdleOthers(12.5, 2_000, 20_000);
  const load1AtStart = loadAverage1();
  const meter = startForeignMeter();
  let engineTotalMs = 0;
  const started = performance.now();
  /** Runs a method once and, unless warming up, adds its wall time and CPU to its timing. */
  async function timeOnce(method: Method, timing: Timing | null): Promise<void> {
    const cpu0 = process.cpuUsage();
    const children0 = reapedChildrenCpuMs();
    const engine0 = engineCpuMs(engine);
    const t0 = performance.now();
    const seen = await method.run();
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const engineMs = engineCpuMs(engine) - engine0;
    const children = reapedChildrenCpuMs() - children0;
    engineTotalMs += engineMs;
    if (timing === null) return;
    timing.wallMs.push(wall);
    timing.ownCpuMs += (cpu.user + cpu.system) / 1000 + children;
    timing.engineCpuMs += engineMs;
    timing.last = seen;
  }
  for (let round = -WARM_ROUNDS; round < ROUNDS; round++) {
    for (let k = 0; k < methods.length; k++) {
      const at = (k + Math.max(0, round)) % methods.length;
      await timeOnce(methods[at], round < 0 ? null : timings[at]);
    }
    if (round % 10 === 9) log(`round ${round + 1}/${ROUNDS}`);
  }
  // Stats back to back, as watchContainerUsage would call them without its pause: each call
  // waits for the engine's collector, which publishes once a second.
  const stats = methods.find((m) => m.id === 'stats') as Method;
  const statsBackToBack: Timing = { id: 'stats-b2b', label: `\`readContainerUsage\`, ${STATS_IN_A_ROW} calls back to back`, wallMs: [], ownCpuMs: 0, engineCpuMs: 0, last: null };
  timings.push(statsBackToBack);
  await timeOnce(stats, null);
  for (let i = 0; i < STATS_IN_A_ROW; i++) await timeOnce(stats, statsBackToBack);
  const measuredS = (performance.now() - started) / 1000;
  const foreign = meter.stop();
  await engineSampler.stop();
  procSampler.close();
  // The engine is not our descendant: the meter counts its CPU as others'. Take ours out.
  const othersPercent = Math.max(0, foreign.foreignCpuPercent - (engineTotalMs / foreign.wallMs) * 100);

  // Agreement: every method's count of the server's threads, and the tids one by one where given.
  const byId = new Map(timings.map((t) => [t.id, t]));
  const procTids = byId.get('proc')?.last?.tids ?? [];
  const engineTids = byId.get('engine-sampler')?.last?.tids ?? [];
  const sameTids = procTids.length === engineTids.length && procTids.every((tid, i) => tid === engineTids[i]);
  const counts = timings.map((t) => `${t.id} ${t.last?.serverThreads ?? '—'}`).join(', ');
  log(`server threads (init left out) by method: ${counts}; expected ${expectedThreads}`);
  log(`/proc sampler and engine sampler list the same host tids: ${sameTids ? 'yes' : 'NO'} (${procTids.length} / ${engineTids.length})`);

  const psMedian = median(byId.get('ps-eLo')?.wallMs ?? []);
  const rowsCell = (t: Timing): string => {
    const rows = t.last?.rows ?? 0;
    if (t.id === 'ps-eLo') return `${rows.toLocaleString('en-US')} (${(t.last?.serverThreads ?? 0) + 1} of the container)`;
    if (t.id.startsWith('stats') || t.id === 'cgroup') return `${rows} pids`;
    return rows.toLocaleString('en-US');
  };
  const table = markdownTable(
    ['method', 'rows seen', 'median ms', 'p95 ms', '× `ps -eLo` (median)', 'CPU ms / sample, this process + its children', 'engine CPU ms / sample (dockerd, containerd, shim)'],
    timings.map((t) => {
      const m = median(t.wallMs);
      const viaEngine = ['engine-sampler', 'engine-top', 'docker-top', 'stats', 'stats-b2b'].includes(t.id);
      return [
        t.label,
        rowsCell(t),
        sig(m),
        sig(percentile(t.wallMs, 95)),
        m === null || psMedian === null ? null : times(m / psMedian),
        sig(t.ownCpuMs / t.wallMs.length, 2),
        viaEngine ? sig(t.engineCpuMs / t.wallMs.length, 2) : '—',
      ];
    }),
    [2, 3, 4, 5, 6],
  );
  const machine = describeMachine();
  const notes = [
    `${ROUNDS} rounds (after ${WARM_ROUNDS} thrown away), every method once a round in rotating order, ${sig(measuredS, 3)} s in all; ` +
      `uWSGI --workers ${WORKERS} --threads ${THREADS} idle behind docker-init (host network), Docker ${version.Version} (API ${version.ApiVersion}) at ${where}.`,
    `Server threads seen (init left out): ${counts}; expected ${expectedThreads}. /proc and engine samplers list the same host tids: ${sameTids ? 'yes' : '**no**'}.`,
    `The engine's own CPU when idle: ${sig(engineIdleMsPerS, 2)} ms/s (in its per-sample column). Load average at start ${load1AtStart.toFixed(2)}; ` +
      `others used ${sig(othersPercent, 2)} % of a core meanwhile (the engine's work for us taken out). ${machine.nproc} CPUs, ${machine.os}, ${machine.kernel}, node ${machine.node}, ${machine.date.slice(0, 10)}.`,
  ];
  const text = `${table}\n\n${notes.join('\n')}\n`;
  mkdirSync(`${REPO_ROOT}out/bench`, { recursive: true });
  writeFileSync(OUT, text);
  process.stdout.write(`${text}\n`);
  log(`written to ${OUT}`);
}

try {
  await main();
} catch (error) {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  await removeContainer();
}
