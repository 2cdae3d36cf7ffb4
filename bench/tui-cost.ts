/**
 * TUI cost: CPU of watchload's UI (main) thread while its live view shows ~60 thread rows at
 * 4 Hz, in a real terminal (a tmux pane), with NODE_ENV=production as bin/watchload.js sets
 * it; beside it the sampler thread, the load worker and the upstream worker, each measured
 * from /proc/<pid>/task/<tid>/schedstat over a steady window. The same run headless
 * (`--json`) is the reference: what the process costs without Ink.
 *
 *   npm run build && npx tsx bench/tui-cost.ts [--runs 3] [--workers 8]
 *
 * Writes bench/results/tui-cost.json and prints the Markdown table for BENCHMARKS.md.
 */
import { readFileSync } from 'node:fs';
import { killAllChildren } from './lib/children.js';
import { measureWhileQuiet, QUIET_DEFAULTS, quietUsage, type Attempt } from './lib/harness.js';
import { describeMachine, loadAverage1, waitForQuiet } from './lib/machine.js';
import { markdownTable, median, parseFlags, sig, writeResults } from './lib/results.js';
import { runAsSubreaper } from './lib/subreaper.js';
import { processCpuMs, threadsOf, type ThreadCpu } from './lib/threads.js';
import { startTmux, tmuxMissing, type Tmux } from './lib/tmux.js';
import { cliMissing, runHeadless, runTui } from './lib/watchload-cli.js';

const USAGE = `Usage: npx tsx bench/tui-cost.ts [options]   (build first: npm run build)

Runs watchload --model cluster --workers 8 (9 processes x 7 threads = 63 threads) under a
light load (-c 50, delay 0.2 s: ~250 req/s), with its live view in a tmux pane of
--columns x --rows, and measures each of watchload's threads over --measure seconds of
steady load, starting --warm seconds after the load began; then, TUI only, --held seconds
of the view held after the load (still sampling at 4 Hz, no load). The same run headless
(--json) alternates with it as the reference. About 3 min with the defaults (3 rounds of a
TUI run of ~25 s and a headless run of ~20 s, plus the quiet-machine waits).

Thread roles: main is the process's own tid; the upstream, sampler and load workers are the
last three threads in creation order (src/session/run.ts starts them in that order, one OS
thread per Worker); everything else (V8 platform/GC, libuv pool) is "other".

Options:
  --workers N        cluster workers (default 8: 63 threads, as many rows as the pane holds at 60 rows)
  --interval MS      watchload's --interval (default 250: 4 Hz, the rate the view publishes at)
  --columns N        terminal width (default 120)
  --rows N           terminal height (default 60)
  --warm S           seconds of load before the window (default 4)
  --measure S        window length, seconds (default 10)
  --held S           TUI only: window after the load ends, view still up (default 5; 0: skip)
  --runs N           rounds; each runs the TUI and the headless case once (default 3)
  --modes LIST       tui,headless (default both)
${quietUsage('tui-cost')}`;

const flags = parseFlags(
  {
    workers: '8',
    interval: '250',
    columns: '120',
    rows: '60',
    warm: '4',
    measure: '10',
    held: '5',
    runs: '3',
    modes: 'tui,headless',
    out: 'tui-cost',
    ...QUIET_DEFAULTS,
  },
  USAGE,
);
const WORKERS = Number(flags.workers);
const COLUMNS = Number(flags.columns);
const ROWS = Number(flags.rows);
const WARM_S = Number(flags.warm);
const MEASURE_S = Number(flags.measure);
const HELD_S = Number(flags.held);
const RUNS = Number(flags.runs);
const MAX_FOREIGN = Number(flags['max-foreign']);
const DURATION_S = WARM_S + MEASURE_S + 2;
const ARGS = ['--model', 'cluster', '--workers', String(WORKERS), '-c', '50', '--delay', '0.2', '--interval', flags.interval, '-d', String(DURATION_S)];
const log = (line: string) => process.stderr.write(`[tui-cost] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Role = 'main' | 'upstream' | 'sampler' | 'load' | 'other';
const ROLES: readonly Role[] = ['main', 'sampler', 'load', 'upstream', 'other'];

/** Which of watchload's threads is which: see USAGE. */
function roleOf(threads: readonly ThreadCpu[], pid: number): Map<number, Role> {
  const roles = new Map<number, Role>();
  const workers: Role[] = ['upstream', 'sampler', 'load'];
  const last = threads.filter((t) => t.tid !== pid).slice(-workers.length);
  for (const t of threads) roles.set(t.tid, t.tid === pid ? 'main' : 'other');
  last.forEach((t, i) => roles.set(t.tid, workers[workers.length - last.length + i]));
  return roles;
}

interface Window {
  readonly wallMs: number;
  /** Per role, % of one core over the window. */
  readonly cpuPercent: Record<Role, number>;
  /** The whole process (utime + stime, 10 ms ticks), % of one core. */
  readonly processCpuPercent: number;
  readonly threads: Array<{ tid: number; role: Role; cpuMs: number }>;
}

/** Thread CPU of pid over ms: schedstat before and after, by role. */
async function measureWindow(pid: number, ms: number, roles: Map<number, Role> | null): Promise<Window & { roles: Map<number, Role> }> {
  const before = threadsOf(pid);
  const proc0 = processCpuMs(pid) ?? 0;
  const t0 = performance.now();
  await sleep(ms);
  const after = threadsOf(pid);
  const proc1 = processCpuMs(pid) ?? proc0;
  const wallMs = performance.now() - t0;
  const r = roles ?? roleOf(after, pid);
  const cpuPercent: Record<Role, number> = { main: 0, upstream: 0, sampler: 0, load: 0, other: 0 };
  const threads: Window['threads'] = [];
  for (const t of after) {
    const b = before.find((x) => x.tid === t.tid);
    const cpuMs = (t.cpuNs - (b?.cpuNs ?? 0)) / 1e6;
    const role = r.get(t.tid) ?? 'other';
    cpuPercent[role] += (cpuMs / wallMs) * 100;
    threads.push({ tid: t.tid, role, cpuMs });
  }
  return { wallMs, cpuPercent, processCpuPercent: ((proc1 - proc0) / wallMs) * 100, threads, roles: r };
}

/** Thread-pane rows on a screen: the lines below `PID/TID` whose left half is not blank, above the footer. */
function threadRowsOnScreen(screen: string): number {
  const lines = screen.split('\n');
  const header = lines.findIndex((l) => l.startsWith('PID/TID'));
  if (header < 0) return 0;
  let rows = 0;
  for (const line of lines.slice(header + 1)) {
    if (/^q quit/.test(line)) break;
    if (line.slice(0, Math.floor(COLUMNS / 2)).trim() !== '') rows++;
  }
  return rows;
}

/** One run, as measured (lib/harness.ts adds how the attempt went). */
interface RunMeasure {
  readonly mode: 'tui' | 'headless';
  readonly run: number;
  readonly loading: Window;
  readonly held: Window | null;
  /** The server's shape the header showed, and the rows of the thread pane (TUI). */
  readonly threadsShown: string | null;
  readonly threadRows: number | null;
  readonly screen: string | null;
}
type RunRecord = RunMeasure & Attempt;

const LOADING_TUI = /\bloading\s+\d+:\d\d\s*$/;

async function runOnce(mode: 'tui' | 'headless', tmux: Tmux | null, run: number): Promise<RunMeasure> {
  const timeoutMs = (DURATION_S + HELD_S + 60) * 1000;
  if (mode === 'headless') {
    let seen = false;
    let loadingSeen: () => void = () => undefined;
    const loading = new Promise<void>((resolve) => (loadingSeen = resolve));
    let window: Promise<Window> | null = null;
    await runHeadless(ARGS, {
      timeoutMs,
      onStderrLine: (line) => {
        if (/\] loading /.test(line)) {
          seen = true;
          loadingSeen();
        }
      },
      onStart: (pid) => {
        window = loading.then(async () => {
          await sleep(WARM_S * 1000 - 1_000); // the first status line comes ~1 s in
          return measureWindow(pid, MEASURE_S * 1000, null);
        });
      },
    });
    if (!seen) throw new Error('watchload never said `loading` on stderr');
    const loadingWindow = await (window as unknown as Promise<Window>);
    return { mode, run, loading: strip(loadingWindow), held: null, threadsShown: null, threadRows: null, screen: null };
  }
  if (tmux === null) throw new Error('no tmux');
  const session = `tui-cost-${run}`;
  let loadingWindow: Promise<Window & { roles: Map<number, Role> }> | null = null;
  let screen = '';
  const r = await runTui(tmux, ARGS, {
    session,
    columns: COLUMNS,
    rows: ROWS,
    timeoutMs,
    onStart: (pid) => {
      loadingWindow = (async () => {
        const deadline = performance.now() + 60_000;
        while (!LOADING_TUI.test(tmux.capture(session).split('\n', 1)[0] ?? '')) {
          if (performance.now() > deadline) throw new Error('the view never showed `loading`');
          await sleep(100);
        }
        await sleep(WARM_S * 1000);
        const w = await measureWindow(pid, MEASURE_S * 1000, null);
        screen = tmux.capture(session);
        return w;
      })();
      // If the run fails first, runTui's error is the one to report, not this one.
      loadingWindow.catch(() => undefined);
    },
    onDone: async (pid) => {
      const loading = await (loadingWindow as unknown as Promise<Window & { roles: Map<number, Role> }>);
      // Held: the load worker has ended; the roles stay those seen under load.
      return HELD_S > 0 ? measureWindow(pid, HELD_S * 1000, loading.roles) : null;
    },
  });
  const loading = await (loadingWindow as unknown as Promise<Window>);
  const held = r.atDone as Window | null;
  const shown = /Threads · (\d+ process(?:es)? · \d+ threads)/.exec(screen)?.[1] ?? null;
  return { mode, run, loading: strip(loading), held: held ? strip(held) : null, threadsShown: shown, threadRows: threadRowsOnScreen(screen), screen };
}

function strip(w: Window): Window {
  return { wallMs: w.wallMs, cpuPercent: w.cpuPercent, processCpuPercent: w.processCpuPercent, threads: w.threads };
}

const MAX_ATTEMPTS = 4;

function measure(mode: 'tui' | 'headless', tmux: Tmux | null, run: number): Promise<RunRecord[]> {
  return measureWhileQuiet(() => runOnce(mode, tmux, run), {
    maxForeign: MAX_FOREIGN,
    maxAttempts: MAX_ATTEMPTS,
    log,
    describe: (r) => {
      const c = r.loading.cpuPercent;
      return (
        `${mode} run ${run}: main ${sig(c.main, 2)} %, sampler ${sig(c.sampler, 2)} %, load ${sig(c.load, 2)} %, upstream ${sig(c.upstream, 2)} %, other ${sig(c.other, 2)} % of a core` +
        `${r.held ? `; held: main ${sig(r.held.cpuPercent.main, 2)} %` : ''}${r.threadRows !== null ? `; ${r.threadRows} thread rows (${r.threadsShown})` : ''}`
      );
    },
  });
}

interface Summary {
  readonly mode: string;
  readonly phase: 'loading' | 'held';
  readonly runs: number;
  /** Per role: median % of one core, and min–max. */
  readonly cpu: Record<Role, { median: number; min: number; max: number }>;
  readonly processCpuPercentMedian: number;
  readonly threadRows: number | null;
  readonly threadsShown: string | null;
  readonly busyRuns: number;
}

function summarize(records: readonly RunRecord[]): Summary[] {
  const kept = records.filter((r) => !r.discarded);
  const out: Summary[] = [];
  for (const mode of ['tui', 'headless'] as const) {
    for (const phase of ['loading', 'held'] as const) {
      const mine = kept.filter((r) => r.mode === mode && (phase === 'loading' || r.held !== null));
      if (mine.length === 0) continue;
      const windows = mine.map((r) => (phase === 'loading' ? r.loading : (r.held as Window)));
      const cpu = Object.fromEntries(
        ROLES.map((role) => {
          const v = windows.map((w) => w.cpuPercent[role]);
          return [role, { median: median(v) ?? 0, min: Math.min(...v), max: Math.max(...v) }];
        }),
      ) as Summary['cpu'];
      out.push({
        mode,
        phase,
        runs: mine.length,
        cpu,
        processCpuPercentMedian: median(windows.map((w) => w.processCpuPercent)) ?? 0,
        threadRows: median(mine.flatMap((r) => (r.threadRows === null ? [] : [r.threadRows]))),
        threadsShown: mine.find((r) => r.threadsShown !== null)?.threadsShown ?? null,
        busyRuns: mine.filter((r) => r.busy).length,
      });
    }
  }
  return out;
}

function table(summaries: readonly Summary[]): string {
  const cell = (x: { median: number; min: number; max: number }) => `${sig(x.median, 2)} % (${sig(x.min, 2)}–${sig(x.max, 2)})`;
  const label = (s: Summary) =>
    s.mode === 'tui'
      ? `live view ${COLUMNS}×${ROWS}, ${s.phase === 'loading' ? 'under load' : 'held after the load'}${s.threadRows !== null && s.phase === 'loading' ? ` (${s.threadRows} thread rows; ${s.threadsShown})` : ''}`
      : '`--json` (no view), under load';
  const rows = summaries.map((s) => [
    `${label(s)}${s.busyRuns > 0 ? ` (${s.busyRuns} disturbed)` : ''}`,
    s.runs,
    cell(s.cpu.main),
    s.mode === 'tui' && s.phase === 'loading' ? (s.cpu.main.max <= 10 ? 'yes' : s.cpu.main.median <= 10 ? 'median only' : 'no') : '',
    cell(s.cpu.sampler),
    s.phase === 'held' ? '(ended)' : cell(s.cpu.load),
    cell(s.cpu.upstream),
    cell(s.cpu.other),
    `${sig(s.processCpuPercentMedian, 2)} %`,
  ]);
  return markdownTable(
    ['watchload', 'runs', 'main (UI) thread, % of a core (range)', '≤ 10 %', 'sampler thread', 'load worker', 'upstream worker', 'other threads (V8, libuv)', 'whole process'],
    rows,
    [1, 2, 4, 5, 6, 7, 8],
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
  const modes = flags.modes.split(',').filter((m): m is 'tui' | 'headless' => m === 'tui' || m === 'headless');
  const missing = cliMissing() ?? (modes.includes('tui') ? tmuxMissing() : null);
  if (missing) throw new Error(missing);
  // bin/watchload.js sets NODE_ENV=production unless it is already set: make sure it is not.
  if (process.env.NODE_ENV !== undefined && process.env.NODE_ENV !== 'production') {
    log(`NODE_ENV=${process.env.NODE_ENV} here: unset for watchload, so that its bin sets production`);
    delete process.env.NODE_ENV;
  }
  const quiet = await waitForQuiet(Number(flags['max-load']), Number(flags['max-wait']), log);
  const load1AtStart = loadAverage1();
  if (modes.includes('tui')) tmux = await startTmux();
  const records: RunRecord[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const order = run % 2 === 1 ? modes : [...modes].reverse();
    for (const mode of order) {
      records.push(...(await measure(mode, tmux, run)));
      await sleep(1_000);
    }
  }
  const summaries = summarize(records);
  const path = writeResults(flags.out, {
    benchmark: 'tui-cost',
    command: `npx tsx bench/tui-cost.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    config: { args: ARGS, columns: COLUMNS, rows: ROWS, warmS: WARM_S, measureS: MEASURE_S, heldS: HELD_S, runs: RUNS, maxForeignCpuPercent: MAX_FOREIGN },
    load1AtStart,
    quiet: quiet.quiet,
    subreaper,
    method: {
      threads: '/proc/<pid>/task/<tid>/schedstat first field (ns on CPU), before and after the window, / wall time',
      roles: 'main = the pid; upstream, sampler, load = the last three threads by start time (stat field 22), in the order src/session/run.ts starts them; other = the rest',
      terminal: 'a private tmux server (tmux -D), session of columns × rows, status line off; bin/watchload.js sets NODE_ENV=production',
      goal: 'main thread ≤ 10 % of one core with the view on',
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
