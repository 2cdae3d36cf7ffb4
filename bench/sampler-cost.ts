/**
 * Sampler cost: CPU per full sample of a process tree with 100 / 1,000 / 5,000 idle
 * threads, watchload's /proc sampler against `ps` and `top` on the same tree, plus a check
 * that watchload counts the same processes and threads as `ps -L`. watchload is measured
 * back to back, at 10 Hz (as the CLI samples), in its worst case (every thread ran since the
 * last sample) and as the CLI runs it (a worker thread posting each snapshot).
 *
 *   npm run build && npx tsx bench/sampler-cost.ts [--sizes 100,1000,5000] [--processes 3]
 *
 * Writes bench/results/sampler-cost.json and prints the Markdown tables for BENCHMARKS.md.
 * See bench/README.md for what each figure means and how it is measured.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { measureCommand, startForeignMeter, waitForIdleOthers, type CommandCost } from './lib/cpu.js';
import { isAlive, killAllChildren, startChild, stopChild, waitForLine } from './lib/children.js';
import { describeMachine, distModule, loadAverage1, REPO_ROOT, waitForQuiet } from './lib/machine.js';
import { markdownTable, numberList, parseFlags, sig, times, writeResults } from './lib/results.js';

type SamplerModule = typeof import('../src/proc/sampler.js');
type ReaderModule = typeof import('../src/proc/reader.js');
type ThreadModule = typeof import('../src/proc/sampler-thread.js');
type ProcReader = import('../src/proc/reader.js').ProcReader;

const USAGE = `Usage: npx tsx bench/sampler-cost.ts [options]   (build first: npm run build)
  --sizes LIST        threads in the generated tree (default 100,1000,5000)
  --processes N       processes the threads are spread over, root included (default 3)
  --min-ms MS         measure each tool for at least this much CPU/wall time (default 2000)
  --thread-s S        seconds to run the sampler thread at 10 Hz per size (default 5)
  --max-load L        wait until the 1-min load average is <= L before each size (default 1.0)
  --max-wait S        ...but at most S seconds (default 300)
  --max-foreign P     redo a size when other processes used more than P % of one core meanwhile (default 25)
  --out NAME          results file bench/results/NAME.json (default sampler-cost)
  --render FILE       only print the tables of an earlier results file`;

const flags = parseFlags(
  { sizes: '100,1000,5000', processes: '3', 'min-ms': '2000', 'thread-s': '5', 'max-load': '1.0', 'max-wait': '300', 'max-foreign': '25', out: 'sampler-cost', render: '' },
  USAGE,
);
const SIZES = numberList(flags.sizes);
const PROCESSES = Number(flags.processes);
const MIN_MS = Number(flags['min-ms']);
const THREAD_S = Number(flags['thread-s']);
const MAX_FOREIGN = Number(flags['max-foreign']);
/** A size disturbed by other processes is measured again, up to this many attempts in all. */
const MAX_ATTEMPTS = 4;
const PYTHON = '/usr/bin/python3';
const FIXTURE = `${REPO_ROOT}bench/fixtures/idle-threads.py`;
const log = (line: string) => process.stderr.write(`[sampler-cost] ${line}\n`);

/** The generated server's tree: a root and its direct children (the fixture forks once). */
interface Tree {
  readonly root: number;
  readonly pids: readonly number[];
}

/**
 * The peers, as users run them. Add one here and it is measured, written and tabled.
 * `ps --pid R --ppid R` covers the fixture's tree because it is one level deep.
 */
const PEERS: ReadonlyArray<{ readonly id: string; readonly label: string; readonly argv: (tree: Tree) => string[] }> = [
  { id: 'ps-eLo', label: '`ps -eLo pid,tid,stat,pcpu,comm` (whole system)', argv: () => ['ps', '-eLo', 'pid,tid,stat,pcpu,comm'] },
  {
    id: 'ps-L-tree',
    label: '`ps -L -o pid,tid,stat,pcpu,comm --pid R --ppid R` (the tree)',
    argv: (t) => ['ps', '-L', '-o', 'pid,tid,stat,pcpu,comm', '--pid', String(t.root), '--ppid', String(t.root)],
  },
  { id: 'top-H', label: '`top -H -b -n 1 -p PIDS`', argv: (t) => ['top', '-H', '-b', '-n', '1', '-p', t.pids.join(',')] },
  // Not a peer: what starting any program costs here, the floor under every ps/top figure.
  { id: 'true', label: '`/bin/true` (floor: starting any program)', argv: () => ['/bin/true'] },
];

const samplerMod = (await import(distModule('src/proc/sampler.js'))) as SamplerModule;
const readerMod = (await import(distModule('src/proc/reader.js'))) as ReaderModule;
const threadMod = (await import(distModule('src/proc/sampler-thread.js'))) as ThreadModule;

interface InProcessCost {
  readonly samples: number;
  /** CPU of this whole process (user + sys, every thread, GC included) per sample, ms. */
  readonly cpuMsPerSample: number;
  readonly wallMsPerSample: number;
  /** The same sampler at 10 Hz (a sample every 100 ms, caches cold between samples), CPU ms per sample. */
  readonly cpuMsPerSampleAt10Hz: number;
  /** Back to back with every thread's schedstat made to move: stat and wchan re-read for all. */
  readonly cpuMsPerSampleAllMoved: number;
  /** The first sample of a fresh sampler (it meets every thread for the first time). */
  readonly firstSampleWallMs: number;
  readonly threadsSeen: number;
  readonly processesSeen: number;
}

/**
 * The real reader, but every schedstat reads as if its thread had run 1 ns more since the last
 * read: the sampler's worst case, where no thread may be skipped and stat and wchan are read
 * again for all. The rewrite costs a little CPU of its own (a split and a join per thread).
 */
function everyThreadMoves(): ProcReader {
  const real = readerMod.createProcReader();
  let tick = 0;
  return {
    readText: (path) => real.readText(path),
    listDir: (path) => real.listDir(path),
    openFile(path, priority) {
      const file = real.openFile(path, priority);
      if (!path.endsWith('/schedstat')) return file;
      return {
        read() {
          const text = file.read();
          if (text === null) return null;
          const [run, wait, count] = text.trim().split(' ');
          return `${Number(run) + ++tick} ${wait} ${count}\n`;
        },
        release: () => file.release(),
        close: () => file.close(),
      };
    },
  };
}

/** CPU ms per sample of `sample()` run back to back for ≥ MIN_MS (after 6 warm-up samples). */
function backToBack(sample: () => unknown, minMs: number): { samples: number; cpuMs: number; wallMs: number } {
  for (let i = 0; i < 6; i++) sample(); // warm the JIT and open every file
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let samples = 0;
  while (samples < 20 || performance.now() - t0 < minMs) {
    sample();
    samples++;
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { samples, cpuMs: (cpu.user + cpu.system) / 1000 / samples, wallMs: wallMs / samples };
}

/** (a) createSampler with the real reader, in this thread: back to back, at 10 Hz, and with every thread moving. */
async function measureInProcess(tree: Tree): Promise<InProcessCost> {
  const sampler = samplerMod.createSampler({ rootPid: tree.root, reader: readerMod.createProcReader(), nowMs: () => performance.now() });
  const tFirst = performance.now();
  const first = sampler.sample();
  const firstSampleWallMs = performance.now() - tFirst;
  const steady = backToBack(() => sampler.sample(), MIN_MS);
  // At 10 Hz, as the CLI samples: between samples other work (here: none but the machine's
  // own) takes the caches, so each sample costs more than back to back.
  const cpu0 = process.cpuUsage();
  let ticks = 0;
  const t0 = performance.now();
  while (ticks < 10 || performance.now() - t0 < Math.max(MIN_MS, 3_000)) {
    await sleep(100);
    sampler.sample();
    ticks++;
  }
  const cpu = process.cpuUsage(cpu0);
  sampler.close();
  const moving = samplerMod.createSampler({ rootPid: tree.root, reader: everyThreadMoves(), nowMs: () => performance.now() });
  const allMoved = backToBack(() => moving.sample(), MIN_MS / 2);
  moving.close();
  return {
    samples: steady.samples,
    cpuMsPerSample: steady.cpuMs,
    wallMsPerSample: steady.wallMs,
    cpuMsPerSampleAt10Hz: (cpu.user + cpu.system) / 1000 / ticks,
    cpuMsPerSampleAllMoved: allMoved.cpuMs,
    firstSampleWallMs,
    threadsSeen: first.processes.reduce((n, p) => n + p.threads.length, 0),
    processesSeen: first.processes.length,
  };
}

interface ThreadCost {
  readonly intervalMs: number;
  readonly snapshots: number;
  /** CPU of this whole process per snapshot: the worker's sampling, the copy, the main thread's receive. */
  readonly cpuMsPerSample: number;
  /** Share of one core it used. */
  readonly cpuPercent: number;
  /** Snapshots per second it managed: below 1000 / intervalMs when a sample outlasts the interval. */
  readonly achievedHz: number;
  /** Longest the main thread's event loop was held up, ms (monitorEventLoopDelay, 1 ms resolution). */
  readonly mainLoopDelayMaxMs: number;
  readonly mainLoopDelayP99Ms: number;
  /** The same without the sampler thread, just before: the machine's own timer jitter. */
  readonly baselineLoopDelayMaxMs: number;
}

/** The longest event-loop delay of this thread over `ms`, in ms, and its p99. */
async function loopDelay(ms: number): Promise<{ maxMs: number; p99Ms: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await sleep(ms);
  histogram.disable();
  return { maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6 };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * (a') startSamplerThread as the CLI runs it, at 10 Hz: first the whole process's CPU, then
 * (separately, since a 1 ms delay monitor costs CPU of its own) the main loop's delay.
 */
async function measureThread(tree: Tree, intervalMs: number): Promise<ThreadCost> {
  const baseline = await loopDelay(THREAD_S * 1000);
  let snapshots = 0;
  let errors = 0;
  const thread = threadMod.startSamplerThread({
    rootPid: tree.root,
    intervalMs,
    sessionStartMs: performance.timeOrigin + performance.now(),
    onSnapshot: () => {
      snapshots++;
    },
    onError: (message) => {
      errors++;
      log(`sampler thread: ${message}`);
    },
  });
  try {
    // Let the worker load, meet each thread and get its code compiled before measuring: what a
    // session pays after its first seconds. V8 optimizes a function after enough calls, and at
    // 10 Hz the once-per-sample functions get there only after ~10 s; until then the compiler's
    // background threads cost ~1 ms per sample more (measured here at 100 threads).
    while (snapshots < 100) await sleep(20);
    const n0 = snapshots;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(THREAD_S * 1000);
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    const n = snapshots - n0;

    const delay = await loopDelay(THREAD_S * 1000);
    if (errors > 0) throw new Error(`the sampler thread reported ${errors} errors`);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    return {
      intervalMs,
      snapshots: n,
      cpuMsPerSample: cpuMs / n,
      cpuPercent: (cpuMs / wallMs) * 100,
      achievedHz: (n / wallMs) * 1000,
      mainLoopDelayMaxMs: delay.maxMs,
      mainLoopDelayP99Ms: delay.p99Ms,
      baselineLoopDelayMaxMs: baseline.maxMs,
    };
  } finally {
    await thread.stop();
  }
}

interface ReadsCost {
  /** The reads of the sampler before issue 4 alone (no parsing, no bookkeeping): open + read + close. */
  readonly readerCpuMsPerSample: number;
  /** The same reads on file descriptors kept open, pread at offset 0. */
  readonly keptOpenCpuMsPerSample: number;
  /** The floor of an idle tree now: the /proc listing and each thread's schedstat on a kept fd. */
  readonly schedstatOnlyCpuMsPerSample: number;
}

/**
 * What reads cost without anything else. Before issue 4 the sampler read the /proc scan of
 * every pid's stat, then stat + schedstat + wchan of each thread of the tree, each time with
 * open + read + close; the same on kept fds; and the floor of what it reads now for an idle
 * tree: the /proc listing and one schedstat per thread on a kept fd.
 */
function measureReads(tree: Tree): ReadsCost {
  const reader = readerMod.createProcReader();
  const files = tree.pids.flatMap((pid) =>
    (reader.listDir(`/proc/${pid}/task`) ?? []).flatMap((tid) => ['stat', 'schedstat', 'wchan'].map((f) => `/proc/${pid}/task/${tid}/${f}`)),
  );
  const scan = () => {
    for (const name of reader.listDir('/proc') ?? []) if (/^\d+$/.test(name)) reader.readText(`/proc/${name}/stat`);
  };
  const perSample = (fn: () => void): number => {
    fn();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let n = 0;
    while (n < 10 || performance.now() - t0 < MIN_MS / 2) {
      fn();
      n++;
    }
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / 1000 / n;
  };
  const readerCpuMsPerSample = perSample(() => {
    scan();
    for (const f of files) reader.readText(f);
  });
  const fds = files.map((f) => openSync(f, 'r'));
  const buffer = Buffer.allocUnsafe(4096);
  try {
    const keptOpenCpuMsPerSample = perSample(() => {
      scan();
      for (const fd of fds) buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
    });
    const schedstats = fds.filter((_, k) => files[k].endsWith('/schedstat'));
    const schedstatOnlyCpuMsPerSample = perSample(() => {
      reader.listDir('/proc');
      for (const fd of schedstats) buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
    });
    return { readerCpuMsPerSample, keptOpenCpuMsPerSample, schedstatOnlyCpuMsPerSample };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

interface Accuracy {
  readonly expectedThreads: number;
  readonly watchload: { readonly processes: number; readonly threads: number };
  readonly psL: { readonly processes: number; readonly threads: number };
  /** Same pids and the same tids, one by one. */
  readonly sameTids: boolean;
}

/** Thread and process counts watchload reports vs what `ps -L` lists for the same tree. */
function checkAccuracy(tree: Tree, expectedThreads: number): Accuracy {
  const sampler = samplerMod.createSampler({ rootPid: tree.root, reader: readerMod.createProcReader(), nowMs: () => performance.now() });
  const snapshot = sampler.sample();
  sampler.close();
  const ps = spawnSync('ps', ['-L', '-o', 'pid=,tid=', '--pid', String(tree.root), '--ppid', String(tree.root)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const rows = ps.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const key = (pid: number, tid: number) => `${pid}/${tid}`;
  const ours = new Set(snapshot.processes.flatMap((p) => p.threads.map((t) => key(p.pid, t.tid))));
  const theirs = new Set(rows.map(([pid, tid]) => key(pid, tid)));
  return {
    expectedThreads,
    watchload: { processes: snapshot.processes.length, threads: ours.size },
    psL: { processes: new Set(rows.map(([pid]) => pid)).size, threads: theirs.size },
    sameTids: ours.size === theirs.size && [...ours].every((k) => theirs.has(k)),
  };
}

interface SizeResult {
  readonly threads: number;
  readonly processes: number;
  readonly attempt: number;
  /** Others used more than --max-foreign meanwhile: redone, and kept only if every attempt was so. */
  readonly busy: boolean;
  readonly load1AtStart: number;
  readonly quiet: boolean;
  readonly machineThreadsTotal: number;
  readonly accuracy: Accuracy;
  readonly watchload: InProcessCost;
  readonly watchloadThread10Hz: ThreadCost;
  readonly reads: ReadsCost;
  /** Share of one core used by everything else on the machine while this size was measured. */
  readonly foreignCpuPercent: number;
  readonly peers: Record<string, CommandCost & { readonly ratioToWatchload: number }>;
}

/** Every attempt at one size; the last is the one kept. */
async function measureSize(threads: number): Promise<SizeResult[]> {
  const attempts: SizeResult[] = [];
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const result = await attemptSize(threads, attempt);
    attempts.push(result);
    if (!result.busy) break;
    log(`  others were busy: measuring ${threads} threads again`);
  }
  return attempts;
}

async function attemptSize(threads: number, attempt: number): Promise<SizeResult> {
  const quiet = await waitForQuiet(Number(flags['max-load']), Number(flags['max-wait']), log);
  // Others' bursts (a test suite) come and go: start in a quiet moment.
  await waitForIdleOthers(MAX_FOREIGN / 2, 2_000, 180_000);
  const load1AtStart = loadAverage1();
  log(`${threads} threads in ${PROCESSES} processes (load average ${load1AtStart.toFixed(2)})`);
  const server = startChild([PYTHON, FIXTURE, String(threads), String(PROCESSES)], { stderr: 'inherit' });
  try {
    const ready = await waitForLine(server, /^READY ?(.*)$/, 60_000);
    const children = ready[1].trim() === '' ? [] : ready[1].trim().split(/\s+/).map(Number);
    const tree: Tree = { root: server.pid as number, pids: [server.pid as number, ...children] };
    // setpriv execs python: the pid we spawned is the fixture's root.
    await sleep(300);
    const foreign = startForeignMeter();

    const accuracy = checkAccuracy(tree, threads);
    log(`  accuracy: watchload ${accuracy.watchload.processes} processes / ${accuracy.watchload.threads} threads, ps -L ${accuracy.psL.processes} / ${accuracy.psL.threads}, same tids: ${accuracy.sameTids}`);
    const watchload = await measureInProcess(tree);
    log(
      `  watchload sampler: ${sig(watchload.cpuMsPerSample)} ms CPU per sample over ${watchload.samples} samples; ` +
        `${sig(watchload.cpuMsPerSampleAt10Hz)} ms at 10 Hz; ${sig(watchload.cpuMsPerSampleAllMoved)} ms with every thread moving`,
    );
    const watchloadThread10Hz = await measureThread(tree, 100);
    log(
      `  watchload sampler thread at 100 ms: ${sig(watchloadThread10Hz.achievedHz, 2)} Hz, ${sig(watchloadThread10Hz.cpuPercent)} % of a core, ` +
        `main loop delay max ${sig(watchloadThread10Hz.mainLoopDelayMaxMs)} ms (${sig(watchloadThread10Hz.baselineLoopDelayMaxMs)} ms without)`,
    );
    const reads = measureReads(tree);
    log(`  reads alone: ${sig(reads.readerCpuMsPerSample)} ms; on kept-open fds: ${sig(reads.keptOpenCpuMsPerSample)} ms; schedstat only: ${sig(reads.schedstatOnlyCpuMsPerSample)} ms`);
    const peers: SizeResult['peers'] = {};
    for (const peer of PEERS) {
      const cost = measureCommand(peer.argv(tree), { minCpuMs: MIN_MS / 4, minRuns: 20, maxWallMs: Math.max(MIN_MS * 4, 10_000) });
      peers[peer.id] = { ...cost, ratioToWatchload: cost.cpuMsPerRun / watchload.cpuMsPerSample };
      log(`  ${peer.id}: ${sig(cost.cpuMsPerRun)} ms CPU per run over ${cost.runs} runs (${sig(peers[peer.id].ratioToWatchload)}× watchload)`);
    }
    const machineThreadsTotal = peers['ps-eLo'] ? peers['ps-eLo'].stdoutLines - 1 : 0;
    const { foreignCpuPercent } = foreign.stop();
    log(`  others used ${sig(foreignCpuPercent, 2)} % of a core meanwhile`);
    const busy = foreignCpuPercent > MAX_FOREIGN;
    return { threads, processes: PROCESSES, attempt, busy, load1AtStart, quiet: quiet.quiet, foreignCpuPercent, machineThreadsTotal, accuracy, watchload, watchloadThread10Hz, reads, peers };
  } finally {
    await stopChild(server);
    // The fixture's children exit at EOF of the root's pipe; make sure before the next size.
    for (let i = 0; i < 50 && isAlive(server.pid as number); i++) await sleep(100);
  }
}

/** CPU ms per sample as a share of one core at 10 Hz, or the most it could do if that is over a core. */
function at10Hz(cpuMs: number, wallMs: number | null): string | null {
  if (cpuMs * 10 <= 1000) return `${sig(cpuMs)} %`;
  return wallMs === null ? '> 100 %' : `> 100 % (${sig(1000 / wallMs, 2)} Hz max)`;
}

function tables(results: readonly SizeResult[]): string {
  const costRows = results.flatMap((r) => [
    [
      `${r.threads.toLocaleString('en-US')}`,
      'watchload `createSampler` (in-process, back to back)',
      sig(r.watchload.cpuMsPerSample),
      sig(r.watchload.wallMsPerSample),
      '1×',
      at10Hz(r.watchload.cpuMsPerSample, r.watchload.wallMsPerSample),
    ],
    [
      '',
      'watchload `createSampler` at 10 Hz (in-process, a sample every 100 ms)',
      sig(r.watchload.cpuMsPerSampleAt10Hz),
      '—',
      times(r.watchload.cpuMsPerSampleAt10Hz / r.watchload.cpuMsPerSample),
      at10Hz(r.watchload.cpuMsPerSampleAt10Hz, null),
    ],
    [
      '',
      '_worst case_: every thread ran since the last sample (stat and wchan re-read for all)',
      sig(r.watchload.cpuMsPerSampleAllMoved),
      '—',
      times(r.watchload.cpuMsPerSampleAllMoved / r.watchload.cpuMsPerSample),
      at10Hz(r.watchload.cpuMsPerSampleAllMoved, null),
    ],
    [
      '',
      'watchload sampler thread, 100 ms interval (whole process)',
      sig(r.watchloadThread10Hz.cpuMsPerSample),
      '—',
      times(r.watchloadThread10Hz.cpuMsPerSample / r.watchload.cpuMsPerSample),
      r.watchloadThread10Hz.achievedHz >= 9.5
        ? `${sig(r.watchloadThread10Hz.cpuPercent)} %`
        : `${sig(r.watchloadThread10Hz.cpuPercent)} % at ${sig(r.watchloadThread10Hz.achievedHz, 2)} Hz (all it could)`,
    ],
    ...PEERS.filter((p) => r.peers[p.id]).map((p) => [
      '',
      p.label,
      sig(r.peers[p.id].cpuMsPerRun),
      sig(r.peers[p.id].wallMsPerRun),
      times(r.peers[p.id].ratioToWatchload),
      at10Hz(r.peers[p.id].cpuMsPerRun, r.peers[p.id].wallMsPerRun),
    ]),
    [
      '',
      '_reads alone_: what the sampler read before issue 4 (scan, stat + schedstat + wchan per thread; open + read + close)',
      sig(r.reads.readerCpuMsPerSample),
      '—',
      times(r.reads.readerCpuMsPerSample / r.watchload.cpuMsPerSample),
      at10Hz(r.reads.readerCpuMsPerSample, null),
    ],
    [
      '',
      '_reads alone_: the same on kept-open fds (pread at 0)',
      sig(r.reads.keptOpenCpuMsPerSample),
      '—',
      times(r.reads.keptOpenCpuMsPerSample / r.watchload.cpuMsPerSample),
      at10Hz(r.reads.keptOpenCpuMsPerSample, null),
    ],
    ...(r.reads.schedstatOnlyCpuMsPerSample === undefined
      ? []
      : [
          [
            '',
            '_reads alone_: the floor of an idle tree (the /proc listing, schedstat per thread on kept fds)',
            sig(r.reads.schedstatOnlyCpuMsPerSample),
            '—',
            times(r.reads.schedstatOnlyCpuMsPerSample / r.watchload.cpuMsPerSample),
            at10Hz(r.reads.schedstatOnlyCpuMsPerSample, null),
          ],
        ]),
  ]);
  const cost = markdownTable(['threads', 'tool', 'CPU ms / sample', 'wall ms / sample', '× watchload CPU', 'at 10 Hz, % of one core'], costRows, [2, 3, 4, 5]);
  const accuracyRows = results.map((r) => [
    r.threads.toLocaleString('en-US'),
    `${r.accuracy.watchload.processes} / ${r.accuracy.watchload.threads}`,
    `${r.accuracy.psL.processes} / ${r.accuracy.psL.threads}`,
    r.accuracy.sameTids ? 'yes' : '**no**',
    sig(r.watchload.firstSampleWallMs),
    `${sig(r.watchloadThread10Hz.mainLoopDelayMaxMs)} (${sig(r.watchloadThread10Hz.baselineLoopDelayMaxMs)} without)`,
    r.load1AtStart.toFixed(2),
    `${sig(r.foreignCpuPercent, 2)} %`,
  ]);
  const accuracy = markdownTable(
    ['threads', 'watchload processes / threads', '`ps -L` processes / threads', 'same pids and tids', 'first sample, wall ms', 'main thread loop delay max with the sampler thread, ms', 'load avg at start', 'others\' CPU meanwhile (of one core)'],
    accuracyRows,
    [4, 5, 6, 7],
  );
  const thousand = results.find((r) => r.threads === 1000);
  const headline =
    thousand === undefined
      ? ''
      : `1,000 threads: ${sig(thousand.watchload.cpuMsPerSample, 2)} ms CPU per sample back to back, ` +
        `${sig(thousand.watchload.cpuMsPerSampleAt10Hz ?? null, 2)} ms at 10 Hz; at 10 Hz ${sig(thousand.watchloadThread10Hz.cpuPercent, 2)} % of one core ` +
        `for the sampler thread as the CLI runs it; \`ps -eLo\` costs ${times(thousand.peers['ps-eLo']?.ratioToWatchload ?? null)} as much per sample.`;
  return `${cost}\n\n${accuracy}\n\n${headline}\n`;
}

// --render FILE: print the tables of a results file again (after changing the tables, say).
if (flags.render !== '') {
  const saved = JSON.parse(readFileSync(flags.render, 'utf8')) as { results: SizeResult[] };
  process.stdout.write(`${tables(saved.results)}\n`);
  process.exit(0);
}

try {
  const machine = describeMachine();
  const attempts: SizeResult[] = [];
  for (const size of SIZES) attempts.push(...(await measureSize(size)));
  // The last attempt at each size is the result; the others stay in the JSON as discarded.
  const results = SIZES.map((size) => attempts.filter((a) => a.threads === size).at(-1) as SizeResult);
  const path = writeResults(flags.out, {
    benchmark: 'sampler-cost',
    command: `npx tsx bench/sampler-cost.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    method: {
      watchload: 'createSampler({ reader: createProcReader() }) from dist/, sample() back to back in this thread after 6 warm-up samples; process.cpuUsage() delta (user+sys, all threads of this process) / samples. At 10 Hz: the same sampler, a sample after each 100 ms sleep, for >= 3 s. Every thread moving: a reader whose schedstat reads 1 ns more run time each read, back to back',
      watchloadThread10Hz: `startSamplerThread({ intervalMs: 100 }) from dist/ for ${THREAD_S} s after 100 samples; process.cpuUsage() delta / snapshots; monitorEventLoopDelay on the main thread`,
      peers: 'spawnSync repeatedly, stdout piped and discarded; CPU = delta of /proc/self/stat cutime+cstime (reaped children, ns-accurate sums printed in 10 ms ticks) / runs',
    },
    results,
    discarded: attempts.filter((a) => !results.includes(a)),
  });
  process.stdout.write(`${tables(results)}\n`);
  log(`raw results: ${path}`);
} finally {
  killAllChildren();
}
