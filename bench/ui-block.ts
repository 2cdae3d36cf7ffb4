/**
 * UI blocking: is watchload's UI (main) thread ever blocked more than 16 ms (one frame at
 * 60 Hz) while the real sampler thread samples a big tree at 10 Hz and its snapshots are
 * folded into the store and drawn by the live view? drivers/ui-block-child.mjs wires the
 * store, the sampler thread and the Ink view from dist/ as the CLI does and runs in a tmux
 * pane (a real terminal); it measures the event-loop delay with perf_hooks'
 * monitorEventLoopDelay. The tree is fixtures/idle-threads.py (as sampler-cost.ts starts it).
 *
 *   npm run build && npx tsx bench/ui-block.ts [--sizes 1000,5000] [--runs 3]
 *
 * Writes bench/results/ui-block.json and prints the Markdown table for BENCHMARKS.md.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, killAllChildren, startChild, stopChild, waitForLine } from './lib/children.js';
import { measureWhileQuiet, QUIET_DEFAULTS, quietUsage, type Attempt } from './lib/harness.js';
import { describeMachine, loadAverage1, REPO_ROOT, waitForQuiet } from './lib/machine.js';
import { markdownTable, median, numberList, parseFlags, sig, writeResults } from './lib/results.js';
import { runAsSubreaper } from './lib/subreaper.js';
import { startTmux, tmuxMissing, type Tmux } from './lib/tmux.js';
import { cliMissing } from './lib/watchload-cli.js';

const USAGE = `Usage: npx tsx bench/ui-block.ts [options]   (build first: npm run build)

For each tree size, starts fixtures/idle-threads.py (SIZE threads over --processes
processes, all idle) and, in a tmux pane of --columns x --rows, drivers/ui-block-child.mjs:
watchload's store, sampler thread (--interval ms) and live view from dist/, wired as the CLI
wires them, without server, upstream or load. It measures the main thread's event-loop delay
(monitorEventLoopDelay, 1 ms resolution) in three phases: idle (--idle s: the VM's own
jitter), store (sampler feeding the store, no view; --measure s) and view (the same with the
view drawing; --measure s), each after --warm s. Goal: max <= 16 ms in the view phase.
About 3 min with the defaults (2 sizes x 3 runs of ~25 s, plus the quiet-machine waits).

Options:
  --sizes LIST       threads in the tree (default 1000,5000)
  --processes N      processes they are spread over (default 3, as sampler-cost.ts)
  --interval MS      the sampler's interval (default 100: 10 Hz)
  --columns N        terminal width (default 120)
  --rows N           terminal height (default 40)
  --idle S           idle phase (default 3)
  --warm S           seconds before each measured phase (default 2)
  --measure S        store and view phases (default 8)
  --runs N           runs per size (default 3)
${quietUsage('ui-block')}`;

const flags = parseFlags(
  {
    sizes: '1000,5000',
    processes: '3',
    interval: '100',
    columns: '120',
    rows: '40',
    idle: '3',
    warm: '2',
    measure: '8',
    runs: '3',
    out: 'ui-block',
    ...QUIET_DEFAULTS,
  },
  USAGE,
);
const SIZES = numberList(flags.sizes);
const PROCESSES = Number(flags.processes);
const RUNS = Number(flags.runs);
const MAX_FOREIGN = Number(flags['max-foreign']);
const GOAL_MS = 16;
const PYTHON = '/usr/bin/python3';
const FIXTURE = `${REPO_ROOT}bench/fixtures/idle-threads.py`;
const CHILD = `${REPO_ROOT}bench/drivers/ui-block-child.mjs`;
const log = (line: string) => process.stderr.write(`[ui-block] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface LoopDelay {
  readonly max: number;
  readonly p99: number;
  readonly p999: number;
  readonly mean: number;
  readonly samples: number;
}
interface Block {
  readonly ms: number;
  /** 'view': a publish or a frame write in it; 'snapshot': only a snapshot's fold; 'unseen': neither (GC, the scheduler). */
  readonly cause: 'view' | 'snapshot' | 'unseen';
  readonly folds: number;
  readonly foldMs: number;
  readonly writes: number;
  readonly writeMs: number;
  readonly publishes: number;
}
interface Phase {
  readonly wallMs: number;
  readonly loopDelayMs: LoopDelay;
  readonly mainThreadCpuPercent: number;
  /** Gaps of the child's own 1 ms interval over 16 ms, with what happened inside them. */
  readonly blocks: { count: number; causes: Record<Block['cause'], number>; longest: Block[] };
  /** Frames written to the terminal (synchronous for a TTY). */
  readonly writes: { count: number; maxMs: number; totalMs: number; bytes: number };
  readonly snapshots?: number;
  readonly snapshotsPerS?: number;
}
interface FoldStats {
  readonly count: number;
  readonly max: number;
  readonly p50: number;
  readonly mean: number;
}
/** What the child writes. */
interface ChildResult {
  readonly phases: { idle?: Phase; store?: Phase; view?: Phase };
  readonly dispatch: { store: FoldStats | null; view: FoldStats | null } | null;
  readonly threads: number | null;
  readonly error: string | null;
}

/** One run, as measured (lib/harness.ts adds how the attempt went). */
interface RunMeasure {
  readonly threads: number;
  readonly run: number;
  readonly child: ChildResult;
}
type RunRecord = RunMeasure & Attempt;

/** Where the child writes its results; removed at exit, Ctrl-C included (lib/children.ts exits from its handler). */
let scratch: string | null = null;
function scratchDir(): string {
  if (scratch === null) {
    const dir = mkdtempSync(join(tmpdir(), 'watchload-bench-ui-block-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  return scratch;
}

async function runOnce(tmux: Tmux, threads: number, run: number): Promise<ChildResult> {
  const tree = startChild([PYTHON, FIXTURE, String(threads), String(PROCESSES)], { stderr: 'inherit' });
  const out = join(scratchDir(), `result-${threads}-${run}-${Date.now()}.json`);
  const session = `ui-block-${threads}-${run}`;
  try {
    await waitForLine(tree, /^READY ?(.*)$/, 60_000);
    const args = ['--root', String(tree.pid), '--interval', flags.interval, '--out', out, '--idle', flags.idle, '--warm', flags.warm, '--measure', flags.measure];
    const pid = tmux.run(session, [process.execPath, CHILD, ...args], { columns: Number(flags.columns), rows: Number(flags.rows) });
    const budgetMs = (Number(flags.idle) + 2 * (Number(flags.warm) + Number(flags.measure)) + 60) * 1000;
    const deadline = performance.now() + budgetMs;
    while (isAlive(pid)) {
      if (performance.now() > deadline) throw new Error(`ui-block-child did not finish within ${budgetMs} ms:\n${tmux.capture(session, true).slice(-2000)}`);
      await sleep(200);
    }
    if (!existsSync(out)) throw new Error(`ui-block-child wrote nothing:\n${tmux.capture(session, true).slice(-2000)}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as ChildResult;
    if (result.error) throw new Error(`ui-block-child failed: ${result.error}`);
    return result;
  } finally {
    tmux.kill(session);
    await stopChild(tree);
    rmSync(out, { force: true });
  }
}

const MAX_ATTEMPTS = 4;

function measure(tmux: Tmux, threads: number, run: number): Promise<RunRecord[]> {
  const d = (x: Phase | undefined) => (x ? `max ${sig(x.loopDelayMs.max)} / p99 ${sig(x.loopDelayMs.p99)} ms` : '—');
  return measureWhileQuiet(async (): Promise<RunMeasure> => ({ threads, run, child: await runOnce(tmux, threads, run) }), {
    maxForeign: MAX_FOREIGN,
    maxAttempts: MAX_ATTEMPTS,
    log,
    describe: ({ child }) => {
      const p = child.phases;
      return (
        `${threads} threads run ${run}: idle ${d(p.idle)}; store ${d(p.store)}; view ${d(p.view)}, main ${sig(p.view?.mainThreadCpuPercent ?? null, 2)} % of a core, ` +
        `${sig(p.view?.snapshotsPerS ?? null, 2)} snapshots/s, fold max ${sig(child.dispatch?.view?.max ?? null)} ms`
      );
    },
  });
}

interface Summary {
  readonly threads: number;
  readonly runs: number;
  /** Per phase: the worst max over runs, the median of maxes, the median p99. */
  readonly phases: Record<'idle' | 'store' | 'view', { worstMax: number; medianMax: number; medianP99: number; medianP999: number } | null>;
  readonly viewMainCpuPercentMedian: number | null;
  readonly snapshotsPerSMedian: number | null;
  readonly foldMaxMs: number | null;
  readonly foldMeanMs: number | null;
  readonly writeMaxMs: number | null;
  /** Blocks over 16 ms in the view phase, summed over runs, by cause, and the view phases' total seconds. */
  readonly viewBlocks: number;
  readonly viewBlockCauses: Record<Block['cause'], number>;
  readonly viewSeconds: number;
  readonly busyRuns: number;
}

function summarize(records: readonly RunRecord[]): Summary[] {
  const kept = records.filter((r) => !r.discarded);
  return [...new Set(kept.map((r) => r.threads))].map((threads) => {
    const mine = kept.filter((r) => r.threads === threads);
    const phase = (name: 'idle' | 'store' | 'view') => {
      const xs = mine.flatMap((r) => (r.child.phases[name] ? [r.child.phases[name] as Phase] : []));
      if (xs.length === 0) return null;
      const maxes = xs.map((x) => x.loopDelayMs.max);
      return {
        worstMax: Math.max(...maxes),
        medianMax: median(maxes) ?? 0,
        medianP99: median(xs.map((x) => x.loopDelayMs.p99)) ?? 0,
        medianP999: median(xs.map((x) => x.loopDelayMs.p999)) ?? 0,
      };
    };
    const folds = mine.flatMap((r) => (r.child.dispatch?.view ? [r.child.dispatch.view] : []));
    const views = mine.flatMap((r) => (r.child.phases.view ? [r.child.phases.view] : []));
    return {
      threads,
      runs: mine.length,
      phases: { idle: phase('idle'), store: phase('store'), view: phase('view') },
      viewMainCpuPercentMedian: median(mine.flatMap((r) => (r.child.phases.view ? [r.child.phases.view.mainThreadCpuPercent] : []))),
      snapshotsPerSMedian: median(mine.flatMap((r) => (r.child.phases.view?.snapshotsPerS === undefined ? [] : [r.child.phases.view.snapshotsPerS]))),
      foldMaxMs: folds.length === 0 ? null : Math.max(...folds.map((f) => f.max)),
      foldMeanMs: median(folds.map((f) => f.mean)),
      writeMaxMs: views.length === 0 ? null : Math.max(...views.map((v) => v.writes.maxMs)),
      viewBlocks: views.reduce((n, v) => n + v.blocks.count, 0),
      viewBlockCauses: {
        view: views.reduce((n, v) => n + v.blocks.causes.view, 0),
        snapshot: views.reduce((n, v) => n + v.blocks.causes.snapshot, 0),
        unseen: views.reduce((n, v) => n + v.blocks.causes.unseen, 0),
      },
      viewSeconds: views.reduce((n, v) => n + v.wallMs / 1000, 0),
      busyRuns: mine.filter((r) => r.busy).length,
    };
  });
}

function table(summaries: readonly Summary[]): string {
  const cell = (p: Summary['phases']['view']) => (p === null ? null : `${sig(p.worstMax)} / ${sig(p.medianP99)}`);
  const rows = summaries.map((s) => [
    `${s.threads.toLocaleString('en-US')}${s.busyRuns > 0 ? ` (${s.busyRuns} disturbed)` : ''}`,
    s.runs,
    cell(s.phases.idle),
    cell(s.phases.store),
    cell(s.phases.view),
    s.phases.view === null ? null : s.phases.view.worstMax <= GOAL_MS ? 'yes' : s.phases.view.medianMax <= GOAL_MS ? 'not every run' : 'no',
    `${s.viewBlocks} in ${sig(s.viewSeconds, 2)} s: ${s.viewBlockCauses.view} view, ${s.viewBlockCauses.snapshot} snapshot, ${s.viewBlockCauses.unseen} neither`,
    s.foldMaxMs === null ? null : `${sig(s.foldMaxMs)} (${sig(s.foldMeanMs)})`,
    sig(s.writeMaxMs),
    sig(s.snapshotsPerSMedian, 2),
    s.viewMainCpuPercentMedian === null ? null : `${sig(s.viewMainCpuPercentMedian, 2)} %`,
  ]);
  return markdownTable(
    [
      'threads',
      'runs',
      'idle: loop delay max / p99, ms',
      'sampler → store, no view',
      'sampler → store → view',
      `view max ≤ ${GOAL_MS} ms`,
      `blocks > ${GOAL_MS} ms with the view, by what was in them`,
      'fold of one snapshot, max (mean) ms',
      'frame write, max ms',
      'snapshots / s',
      'main thread CPU with the view',
    ],
    rows,
    [1, 2, 3, 4, 6, 7, 8, 9, 10],
  );
}

if (flags.render !== '') {
  const saved = JSON.parse(readFileSync(flags.render, 'utf8')) as { records: RunRecord[] };
  process.stdout.write(`${table(summarize(saved.records))}\n`);
  process.exit(0);
}

// Orphans in our tree (a cluster's workers) must count as ours, not as others' CPU.
const subreaper = await runAsSubreaper(log);
let tmux: Tmux | null = null;
try {
  const machine = describeMachine();
  const missing = cliMissing() ?? tmuxMissing() ?? (existsSync(PYTHON) ? null : `${PYTHON} is missing`);
  if (missing) throw new Error(missing);
  const quiet = await waitForQuiet(Number(flags['max-load']), Number(flags['max-wait']), log);
  const load1AtStart = loadAverage1();
  tmux = await startTmux();
  const records: RunRecord[] = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const threads of SIZES) {
      records.push(...(await measure(tmux, threads, run)));
      await sleep(1_000);
    }
  }
  const summaries = summarize(records);
  const path = writeResults(flags.out, {
    benchmark: 'ui-block',
    command: `npx tsx bench/ui-block.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    config: {
      sizes: SIZES,
      processes: PROCESSES,
      intervalMs: Number(flags.interval),
      terminal: { columns: Number(flags.columns), rows: Number(flags.rows) },
      idleS: Number(flags.idle),
      warmS: Number(flags.warm),
      measureS: Number(flags.measure),
      runs: RUNS,
      maxForeignCpuPercent: MAX_FOREIGN,
      goalMs: GOAL_MS,
    },
    load1AtStart,
    quiet: quiet.quiet,
    subreaper,
    method: {
      wiring: 'drivers/ui-block-child.mjs: createStore({ publishMs: 250 }), startSamplerThread (real worker, /proc), tuiFrontEnd() (Ink, LiveApp, Dashboard) from dist/, in a tmux pane; NODE_ENV=production',
      loopDelay: 'perf_hooks.monitorEventLoopDelay({ resolution: 1 }) over each phase: how late a 1 ms timer fired; a block of B ms reads about B',
      fold: 'store.dispatch of one proc/sample event (the reducer), timed with performance.now(); receiving and decoding the snapshot and drawing are not in it',
      blocks: 'gaps over 16 ms of a 1 ms interval in the child, with what happened inside (±2 ms before): a store publish or a frame write (the view), else a snapshot fold (its receipt and fold), else nothing seen (GC, the scheduler)',
      writes: 'process.stdout.write wrapped and timed: synchronous for a TTY',
    },
    summaries,
    records,
  });
  process.stdout.write(`${table(summaries)}\n`);
  log(`raw results: ${path}`);
} finally {
  await (tmux as Tmux | null)?.stop();
  killAllChildren();
}
