/**
 * Sampler back-off (issue 8): what one sample costs at 1,000 / 5,000 / 10,000 threads, and the
 * interval the sampler thread settles on when asked for --interval 100.
 *
 *   npm run build && npx tsx bench/sampler-backoff.ts [--sizes 1000,5000,10000] [--seconds 8]
 *
 * For each size, starts fixtures/idle-threads.py (SIZE idle threads over --processes
 * processes) and measures, one after the other:
 *   paced      createSampler + createProcReader from dist/, one sample() every --interval ms
 *              in this thread for --seconds: each sample's wall cost (its costMs) and the
 *              process's CPU per sample (process.cpuUsage; the sleeping costs ~0.01 ms);
 *   thread     startSamplerThread({ intervalMs: --interval }) as the CLI runs it, for
 *              --seconds: snapshots per second, the intervals between them, and the interval
 *              each snapshot says the sampler runs at (targetIntervalMs; absent before issue 8).
 * Then the same with a tree being born: a sampler thread started on a fresh
 * fixtures/idle-threads.py while it starts its threads (the explosion's first seconds).
 *
 * Writes bench/results/sampler-backoff.json and prints a Markdown table. No quiet-machine
 * wait here (a trial tool): the load average at the start of each size is recorded.
 */
import { existsSync } from 'node:fs';
import { killAllChildren, startChild, stopChild, waitForLine } from './lib/children.js';
import { describeMachine, distModule, loadAverage1, REPO_ROOT } from './lib/machine.js';
import { markdownTable, median, numberList, parseFlags, sig, writeResults } from './lib/results.js';

type SamplerModule = typeof import('../src/proc/sampler.js');
type ReaderModule = typeof import('../src/proc/reader.js');
type ThreadModule = typeof import('../src/proc/sampler-thread.js');
type Snapshot = import('../src/proc/types.js').Snapshot;

const USAGE = `Usage: npx tsx bench/sampler-backoff.ts [options]   (build first: npm run build)
  --sizes LIST     threads in the generated tree (default 1000,5000,10000)
  --processes N    processes they are spread over (default 1: an explosion is one process)
  --interval MS    the interval asked for (default 100)
  --seconds S      each measurement (default 8)
  --out NAME       results file bench/results/NAME.json (default sampler-backoff)`;

const flags = parseFlags({ sizes: '1000,5000,10000', processes: '1', interval: '100', seconds: '8', out: 'sampler-backoff' }, USAGE);
const SIZES = numberList(flags.sizes);
const INTERVAL_MS = Number(flags.interval);
const SECONDS = Number(flags.seconds);
const PYTHON = '/usr/bin/python3';
const FIXTURE = `${REPO_ROOT}bench/fixtures/idle-threads.py`;
const log = (line: string) => process.stderr.write(`[sampler-backoff] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const samplerMod = (await import(distModule('src/proc/sampler.js'))) as SamplerModule;
const readerMod = (await import(distModule('src/proc/reader.js'))) as ReaderModule;
const threadMod = (await import(distModule('src/proc/sampler-thread.js'))) as ThreadModule;

interface Spread {
  readonly median: number | null;
  readonly p90: number | null;
  readonly max: number | null;
}
function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) return { median: null, p90: null, max: null };
  const s = [...xs].sort((a, b) => a - b);
  return { median: median(s), p90: s[Math.min(s.length - 1, Math.floor(s.length * 0.9))], max: s[s.length - 1] };
}

interface Paced {
  readonly samples: number;
  readonly wallMs: Spread;
  readonly cpuMsPerSample: number;
  readonly threads: number;
}

/** createSampler in this thread, one sample every INTERVAL_MS. */
async function paced(rootPid: number): Promise<Paced> {
  const sampler = samplerMod.createSampler({ rootPid, reader: readerMod.createProcReader(), nowMs: () => performance.now() });
  try {
    for (let i = 0; i < 5; i++) {
      sampler.sample();
      await sleep(INTERVAL_MS);
    }
    const costs: number[] = [];
    let threads = 0;
    const cpu0 = process.cpuUsage();
    const end = performance.now() + SECONDS * 1000;
    while (performance.now() < end) {
      const s = sampler.sample();
      costs.push(s.costMs);
      threads = s.processes.reduce((n, p) => n + p.threads.length, 0);
      await sleep(INTERVAL_MS);
    }
    const cpu = process.cpuUsage(cpu0);
    return { samples: costs.length, wallMs: spread(costs), cpuMsPerSample: (cpu.user + cpu.system) / 1000 / costs.length, threads };
  } finally {
    sampler.close();
  }
}

interface Threaded {
  readonly snapshots: number;
  readonly perS: number;
  readonly costMs: Spread;
  readonly intervalMs: Spread;
  /** targetIntervalMs of each snapshot, in order, compressed to runs: [ms, count]. */
  readonly targets: readonly (readonly [number | null, number])[];
  readonly threads: number;
}

/** The sampler thread as the CLI runs it, for `seconds`. */
async function threaded(rootPid: number, seconds: number): Promise<Threaded> {
  const got: Snapshot[] = [];
  let failure: string | null = null;
  const sampler = threadMod.startSamplerThread({
    rootPid,
    intervalMs: INTERVAL_MS,
    sessionStartMs: performance.timeOrigin + performance.now(),
    onSnapshot: (s) => got.push(s),
    onError: (message) => (failure = message),
  });
  await sleep(seconds * 1000);
  await sampler.stop();
  if (failure !== null) throw new Error(`sampler: ${failure}`);
  const targets: [number | null, number][] = [];
  for (const s of got) {
    const t = s.targetIntervalMs ?? null;
    const last = targets[targets.length - 1];
    if (last !== undefined && last[0] === t) last[1]++;
    else targets.push([t, 1]);
  }
  const last = got[got.length - 1];
  return {
    snapshots: got.length,
    perS: got.length / seconds,
    costMs: spread(got.map((s) => s.costMs)),
    intervalMs: spread(got.slice(1).map((s) => s.intervalMs)),
    targets,
    threads: last === undefined ? 0 : last.processes.reduce((n, p) => n + p.threads.length, 0),
  };
}

interface SizeResult {
  readonly threads: number;
  readonly load1AtStart: number;
  readonly paced: Paced;
  readonly thread: Threaded;
  /** The sampler thread started as the tree starts its threads (the explosion). */
  readonly born: Threaded;
}

async function measureSize(threads: number): Promise<SizeResult> {
  const load1AtStart = loadAverage1();
  const args = [PYTHON, FIXTURE, String(threads), flags.processes];
  const tree = startChild(args, { stderr: 'inherit' });
  let result: Omit<SizeResult, 'born'>;
  try {
    await waitForLine(tree, /^READY/, 120_000);
    const p = await paced(tree.pid as number);
    log(`${threads}: paced ${sig(p.wallMs.median)} ms wall (p90 ${sig(p.wallMs.p90)}, max ${sig(p.wallMs.max)}), ${sig(p.cpuMsPerSample)} ms CPU per sample`);
    const t = await threaded(tree.pid as number, SECONDS);
    log(`${threads}: thread ${sig(t.perS, 2)} snapshots/s, cost ${sig(t.costMs.median)} ms, targets ${JSON.stringify(t.targets)}`);
    result = { threads, load1AtStart, paced: p, thread: t };
  } finally {
    await stopChild(tree);
  }
  await sleep(1_000);
  // Born while sampled: the sampler starts with the tree's first thread.
  const fresh = startChild(args, { stderr: 'inherit' });
  try {
    await sleep(20);
    const born = await threaded(fresh.pid as number, SECONDS);
    log(`${threads}: born while sampled: ${sig(born.perS, 2)} snapshots/s, cost max ${sig(born.costMs.max)} ms, targets ${JSON.stringify(born.targets)}`);
    return { ...result, born };
  } finally {
    await stopChild(fresh);
  }
}

try {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing`);
  const machine = describeMachine();
  const sizes: SizeResult[] = [];
  for (const threads of SIZES) sizes.push(await measureSize(threads));
  const path = writeResults(flags.out, {
    benchmark: 'sampler-backoff',
    command: `npx tsx bench/sampler-backoff.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    config: { sizes: SIZES, processes: Number(flags.processes), intervalMs: INTERVAL_MS, seconds: SECONDS },
    sizes,
  });
  const runs = (t: Threaded) => t.targets.map(([ms, n]) => `${ms === null ? '—' : sig(ms, 2)}×${n}`).join(' → ');
  process.stdout.write(
    `${markdownTable(
      ['threads', 'sample wall ms at 10 Hz, median / p90 / max', 'CPU ms / sample', 'sampler thread: snapshots/s', 'its interval, median ms', 'targetIntervalMs over the run (ms×snapshots)', 'tree being born: cost max ms', 'its targets'],
      sizes.map((s) => [
        s.threads.toLocaleString('en-US'),
        `${sig(s.paced.wallMs.median)} / ${sig(s.paced.wallMs.p90)} / ${sig(s.paced.wallMs.max)}`,
        sig(s.paced.cpuMsPerSample),
        sig(s.thread.perS, 2),
        sig(s.thread.intervalMs.median),
        runs(s.thread),
        sig(s.born.costMs.max),
        runs(s.born),
      ]),
      [2, 3, 4, 6],
    )}\n`,
  );
  log(`raw results: ${path}`);
} finally {
  killAllChildren();
}
