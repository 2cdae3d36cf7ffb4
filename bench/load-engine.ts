/**
 * Load engine: req/s and p50 latency of watchload against autocannon's CLI, wrk and ab, on
 * the same servers, same connections and duration, run alternately and repeated; medians
 * and paired ratios. watchload is measured three ways: its engine alone (`startLoad` from
 * dist/), and the CLI as users run it, headless (`--json`) and with its live view on (in a
 * tmux pane). Servers: nginx `return 200`, and watchload's own `single` model (the CLI
 * starts its own server, so only this one can be loaded by the CLI).
 *
 *   npm run build && npx tsx bench/load-engine.ts [--connections 50] [--duration 8] [--runs 3]
 *
 * Needs: apt-get install wrk apache2-utils nginx tmux (a missing tool or server is skipped and
 * said so). Writes bench/results/load-engine.json and prints the Markdown table for
 * BENCHMARKS.md. Every load goes to 127.0.0.1 only, bounded in time.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { reapedChildrenCpuMs } from './lib/cpu.js';
import { killAllChildren, startChild, stopChild, waitForLine } from './lib/children.js';
import { measureWhileQuiet, QUIET_DEFAULTS, quietUsage, type Attempt } from './lib/harness.js';
import { describeMachine, distModule, loadAverage1, REPO_ROOT, waitForQuiet } from './lib/machine.js';
import { freePort, startModelServer } from './lib/model-server.js';
import { AUTOCANNON, onPath, parseAb, parseAutocannon, parseWrk, runProgram, type ToolResult } from './lib/peers.js';
import { markdownTable, median, parseFlags, sig, times, writeResults } from './lib/results.js';
import { runAsSubreaper } from './lib/subreaper.js';
import { keepDescendantsOn, processCpuMs } from './lib/threads.js';
import { startTmux, tmuxMissing, type Tmux } from './lib/tmux.js';
import { cliMissing, outcomeOfReport, runHeadless, runTui } from './lib/watchload-cli.js';

const USAGE = `Usage: npx tsx bench/load-engine.ts [options]   (build first: npm run build)

Measures how much load watchload sends, against autocannon's CLI, wrk and ab: each tool in
turn for --duration seconds with --connections connections, --runs rounds, against each
server. About 6–7 min with the defaults (30 runs of 8 s plus the quiet-machine waits).

Tools (--tools, comma-separated; default all):
  watchload-tui   the CLI with its live view, in a tmux pane (--columns x --rows); the
                  numbers are read from the summary it prints after q. Needs tmux >= 3.2.
  watchload-json  the CLI headless: watchload ... --json
  watchload       watchload's engine alone: startLoad() from dist/ (drivers/watchload-driver.mjs)
  autocannon      autocannon's own CLI (node_modules/autocannon)
  wrk             wrk -t1
  ab              ab -k
  The CLI always starts its own model server, so the two watchload-* tools run only
  against the 'single' server.

Servers (--servers, comma-separated; default single,nginx):
  single   watchload's \`single\` model (node-single.cjs) with its upstream at ?delay=0,
           started afresh for every run, as the CLI starts its own
  nginx    nginx \`return 200\`, one process, started once
  node     servers/http-200.mjs: node:http answering 200 at once, started once

Options:
  --connections N    concurrent connections for every tool (default 50)
  --duration S       seconds per run (default 8)
  --runs N           rounds; each round runs every tool once per server, order rotated (default 3)
  --servers LIST     see above (default single,nginx)
  --tools LIST       see above (default all)
  --columns N        the TUI's terminal width (default 120)
  --rows N           the TUI's terminal height (default 40)
  --pin on|off       servers on the last CPU, load tools on CPU 0 (taskset), when there are >= 2 (default on)
${quietUsage('load-engine')}`;

const flags = parseFlags(
  {
    connections: '50',
    duration: '8',
    runs: '3',
    servers: 'single,nginx',
    tools: 'watchload-tui,watchload-json,watchload,autocannon,wrk,ab',
    columns: '120',
    rows: '40',
    pin: 'on',
    out: 'load-engine',
    ...QUIET_DEFAULTS,
  },
  USAGE,
);
const CONNECTIONS = Number(flags.connections);
const DURATION_S = Number(flags.duration);
const RUNS = Number(flags.runs);
const MAX_FOREIGN = Number(flags['max-foreign']);
const TUI_COLUMNS = Number(flags.columns);
const TUI_ROWS = Number(flags.rows);
/**
 * With 2 cores, a server and a load tool that the scheduler puts on the same core halve each
 * other (req/s varied 14k–30k between identical runs unpinned). Pinned, each tool has one
 * core of its own and the server the other: the comparison is "what one core of load
 * generation does". taskset execs, so the pid we start is still the server's.
 */
const CPUS = cpus().length;
const PIN = flags.pin === 'on' && CPUS >= 2;
const CLIENT_WRAP: readonly string[] = PIN ? ['taskset', '-c', '0'] : [];
const SERVER_WRAP: readonly string[] = PIN ? ['taskset', '-c', String(CPUS - 1)] : [];
const clientCpu = (argv: string[]): string[] => [...CLIENT_WRAP, ...argv];
const serverCpu = (argv: string[]): string[] => [...SERVER_WRAP, ...argv];
const log = (line: string) => process.stderr.write(`[load-engine] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where a run goes: a server the benchmark started, or none (the CLI starts its own). */
interface RunTarget {
  readonly server: ServerSpec;
  /** null for the CLI tools, which start the server themselves. */
  readonly running: RunningServer | null;
  readonly run: number;
}

interface ToolOutcome {
  readonly result: ToolResult;
  /** CPU of the tool's own process over the run, start-up included, ms. */
  readonly toolCpuMs: number;
  /** Anything else worth keeping for the record (pids pinned, the screen). */
  readonly extra?: Record<string, unknown>;
}

interface Tool {
  readonly id: string;
  readonly label: string;
  /** Why it cannot run here, or null. */
  readonly missing: () => string | null;
  /** 'url': loads a server the benchmark started; 'cli': watchload's CLI, which starts its model's server itself. */
  readonly kind: 'url' | 'cli';
  readonly run: (target: RunTarget) => Promise<ToolOutcome>;
}

/**
 * A tool that is a program run once per run against a URL: its CPU is the delta of our
 * reaped children's (cutime + cstime), exact to 10 ms, start-up included.
 */
function program(
  spec: Omit<Tool, 'kind' | 'run'> & {
    readonly argv: (url: string, connections: number, durationS: number) => string[];
    readonly parse: (stdout: string) => ToolResult;
  },
): Tool {
  return {
    id: spec.id,
    label: spec.label,
    missing: spec.missing,
    kind: 'url',
    run: async ({ running }) => {
      if (running === null) throw new Error(`${spec.id} needs a server`);
      const cpu0 = reapedChildrenCpuMs();
      const stdout = await runProgram(clientCpu(spec.argv(running.url, CONNECTIONS, DURATION_S)), (DURATION_S + 60) * 1000);
      return { result: spec.parse(stdout), toolCpuMs: reapedChildrenCpuMs() - cpu0 };
    },
  };
}

/** Starts pinning what the CLI spawns (its server) to the servers' CPU, like the peers' servers. */
function pinCliServer(): { onStart: (pid: number) => void; stop: () => number[] } {
  let pinner: { stop(): number[] } | null = null;
  return {
    onStart: (pid) => {
      if (PIN) pinner = keepDescendantsOn(pid, CPUS - 1);
    },
    stop: () => pinner?.stop() ?? [],
  };
}

let tmux: Tmux | null = null;

/**
 * The tools, each as users run it, one load-generating thread each (autocannon, ab and
 * watchload's engine are single-threaded; wrk is given -t1 to match). Add one here and it is
 * run, written and tabled.
 */
const TOOLS: readonly Tool[] = [
  {
    id: 'watchload-tui',
    label: `watchload CLI, live view on (tmux ${TUI_COLUMNS}×${TUI_ROWS})`,
    kind: 'cli',
    missing: () => cliMissing() ?? tmuxMissing(),
    run: async ({ server, run }) => {
      const pin = pinCliServer();
      tmux ??= await startTmux();
      try {
        const args = [...(server.cliArgs ?? []), '-c', String(CONNECTIONS), '-d', String(DURATION_S)];
        const r = await runTui(tmux, args, {
          session: `load-${server.id}-${run}`,
          columns: TUI_COLUMNS,
          rows: TUI_ROWS,
          timeoutMs: (DURATION_S + 60) * 1000,
          wrap: CLIENT_WRAP,
          onStart: pin.onStart,
          // Its CPU when the load has ended, before q: start-up, load, sampling, the view.
          onDone: (pid) => processCpuMs(pid),
        });
        const o = r.outcome;
        return {
          // The summary's req/s is over the rate window, which with -d is the duration.
          result: { completed: o.completed, failures: o.failures, durationS: DURATION_S, rps: o.rps, p50Ms: o.p50Ms, raw: { ...o, summary: r.screen.slice(r.screen.lastIndexOf('watchload · ')) } },
          toolCpuMs: (r.atDone as number | null) ?? 0,
          extra: { pinnedPids: pin.stop(), screenAtDone: r.screenAtDone },
        };
      } finally {
        pin.stop();
      }
    },
  },
  {
    id: 'watchload-json',
    label: 'watchload CLI `--json` (headless)',
    kind: 'cli',
    missing: cliMissing,
    run: async ({ server }) => {
      const pin = pinCliServer();
      try {
        const args = [...(server.cliArgs ?? []), '-c', String(CONNECTIONS), '-d', String(DURATION_S)];
        const r = await runHeadless(args, { timeoutMs: (DURATION_S + 60) * 1000, wrap: CLIENT_WRAP, onStart: pin.onStart });
        if (r.exitCode !== 0) throw new Error(`watchload exited ${r.exitCode}: ${r.stderrTail.trim().slice(-1000)}`);
        const o = outcomeOfReport(r.report);
        return {
          result: { completed: o.completed, failures: o.failures, durationS: Math.min(r.report.load.durationS, DURATION_S), rps: o.rps, p50Ms: o.p50Ms, raw: { load: r.report.load, command: r.report.command } },
          toolCpuMs: r.selfCpuMs,
          extra: { pinnedPids: pin.stop() },
        };
      } finally {
        pin.stop();
      }
    },
  },
  program({
    id: 'watchload',
    label: 'watchload engine alone (`startLoad`, dist/)',
    missing: () => {
      try {
        distModule('src/load/driver.js');
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    },
    argv: (url, c, d) => [process.execPath, `${REPO_ROOT}bench/drivers/watchload-driver.mjs`, url, String(c), String(d)],
    parse: (stdout) => {
      const r = JSON.parse(stdout.trim().split('\n').pop() ?? '') as {
        totals: { completed: number; ok: number; non2xx: number; timeouts: number; errors: number; resets: number };
        ranS: number;
        rps: number;
        latencyMs: { p50: number | null };
        errors: string[];
      };
      if (r.errors.length > 0) throw new Error(`watchload driver: ${r.errors.join('; ')}`);
      const t = r.totals;
      return { completed: t.completed, failures: t.non2xx + t.timeouts + t.errors + t.resets, durationS: r.ranS, rps: r.rps, p50Ms: r.latencyMs.p50, raw: r };
    },
  }),
  program({
    id: 'autocannon',
    label: 'autocannon 9 CLI',
    missing: () => null,
    argv: (url, c, d) => [process.execPath, AUTOCANNON, '-c', String(c), '-d', String(d), '-j', url],
    parse: parseAutocannon,
  }),
  program({
    id: 'wrk',
    label: 'wrk 4.1 (`-t1`)',
    missing: () => (onPath('wrk') ? null : 'wrk not installed (apt-get install wrk)'),
    argv: (url, c, d) => ['wrk', '-t1', `-c${c}`, `-d${d}s`, '--latency', url],
    parse: parseWrk,
  }),
  program({
    id: 'ab',
    label: 'ab 2.3 (`-k`, keep-alive)',
    missing: () => (onPath('ab') ? null : 'ab not installed (apt-get install apache2-utils)'),
    // -t sets a time limit and implies -n 50000; -n after it raises the cap (ab allocates a
    // record per request up front, lazily touched: 5 M × 32 bytes).
    argv: (url, c, d) => ['ab', '-q', '-k', '-c', String(c), '-t', String(d), '-n', '5000000', url],
    parse: parseAb,
  }),
];

/** A server under test, on 127.0.0.1. */
interface RunningServer {
  readonly id: string;
  readonly url: string;
  /**
   * CPU used so far by what runs on the load tool's core beside it (the `single` model's
   * upstream: a thread of watchload's own process in the CLI runs), ms; 0 when nothing does.
   */
  besideCpuMs(): number;
  stop(): Promise<void>;
}

interface ServerSpec {
  readonly id: string;
  readonly label: string;
  readonly missing: () => string | null;
  /**
   * Started afresh for every run and never warmed up, as the CLI starts its own model server
   * for every run; otherwise started once, with 3 s of warm-up load.
   */
  readonly perRun: boolean;
  /** The CLI's arguments that start this same server; null: the CLI cannot load it. */
  readonly cliArgs: readonly string[] | null;
  readonly start: () => Promise<RunningServer>;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`nothing listening on ${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

const SERVERS: readonly ServerSpec[] = [
  {
    id: 'single',
    label: 'watchload `single` model (`node-single.cjs`, upstream `?delay=0`)',
    missing: () => {
      try {
        distModule('src/models/registry.js');
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    },
    perRun: true,
    cliArgs: ['--model', 'single', '--delay', '0'],
    start: async () => {
      // The model's own launch from dist/ (same argv as the CLI's), on the servers' CPU; its
      // upstream on the tool's CPU, where the CLI has it (a worker thread of watchload).
      const server = await startModelServer('single', { serverWrap: SERVER_WRAP, upstreamWrap: CLIENT_WRAP });
      return { id: 'single', url: `${server.url}?delay=0`, besideCpuMs: () => server.upstreamCpuMs(), stop: () => server.stop() };
    },
  },
  {
    id: 'node',
    label: '`node:http`, 200 at once (1 process)',
    missing: () => null,
    perRun: false,
    cliArgs: null,
    start: async () => {
      const child = startChild(serverCpu([process.execPath, `${REPO_ROOT}bench/servers/http-200.mjs`]));
      const [, port] = await waitForLine(child, /^LISTENING (\d+)$/, 10_000);
      return { id: 'node', url: `http://127.0.0.1:${port}/`, besideCpuMs: () => 0, stop: () => stopChild(child) };
    },
  },
  {
    id: 'nginx',
    label: 'nginx `return 200` (1 worker)',
    missing: () => (onPath('nginx') ? null : 'nginx not installed (apt-get install nginx)'),
    perRun: false,
    cliArgs: null,
    start: async () => {
      // Its own prefix, pid, logs and temp paths in a temp dir: never the system's nginx.
      // master_process off: one process that is the worker, so that killing it (and
      // setpriv's pdeathsig) leaves no orphaned worker behind.
      const dir = mkdtempSync(join(tmpdir(), 'watchload-bench-nginx-'));
      // Also on Ctrl-C: lib/children.ts then exits from its signal handler, past every finally.
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      const port = await freePort();
      const conf = `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  # The default (1000) closes every connection after 1000 requests; the node server never does.
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    location / { default_type text/plain; return 200 "ok\\n"; }
  }
}
`;
      writeFileSync(`${dir}/nginx.conf`, conf);
      const child = startChild(serverCpu(['nginx', '-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`]));
      await waitForPort(port, child, 10_000);
      return {
        id: 'nginx',
        url: `http://127.0.0.1:${port}/`,
        besideCpuMs: () => 0,
        stop: async () => {
          await stopChild(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

/** One run of one tool against one server, as measured (lib/harness.ts adds how the attempt went). */
interface RunMeasure {
  readonly server: string;
  readonly tool: string;
  readonly run: number;
  /**
   * Client-side CPU per response, µs: the tool's process (start-up included; for the CLI
   * its own process, read from /proc, not the server it starts) plus, against `single`,
   * the upstream process beside the peers (the CLI has it as a thread of its own).
   */
  readonly clientCpuUsPerRequest: number;
  /** The tool's process alone, ms, and what ran beside it on its core, ms. */
  readonly toolCpuMs: number;
  readonly besideCpuMs: number;
  readonly result: ToolResult;
  readonly extra?: Record<string, unknown>;
}
type RunRecord = RunMeasure & Attempt;

/** A run disturbed by other processes is redone, up to this many attempts in all. */
const MAX_ATTEMPTS = 5;

/** Servers started once, by id (the perRun ones are started inside measure()). */
const shared = new Map<string, RunningServer>();

function measure(server: ServerSpec, tool: Tool, run: number): Promise<RunRecord[]> {
  return measureWhileQuiet(
    async (): Promise<RunMeasure> => {
      const running = tool.kind === 'cli' ? null : server.perRun ? await server.start() : (shared.get(server.id) as RunningServer);
      try {
        const beside0 = running?.besideCpuMs() ?? 0;
        const outcome = await tool.run({ server, running, run });
        const besideCpuMs = (running?.besideCpuMs() ?? 0) - beside0;
        const { result } = outcome;
        return {
          server: server.id,
          tool: tool.id,
          run,
          clientCpuUsPerRequest: ((outcome.toolCpuMs + besideCpuMs) * 1000) / Math.max(1, result.completed),
          toolCpuMs: outcome.toolCpuMs,
          besideCpuMs,
          result,
          extra: outcome.extra,
        };
      } finally {
        if (running !== null && server.perRun) await running.stop();
      }
    },
    {
      maxForeign: MAX_FOREIGN,
      maxAttempts: MAX_ATTEMPTS,
      log,
      describe: ({ result }) => `${server.id} ${tool.id} run ${run}: ${sig(result.rps)} req/s, p50 ${sig(result.p50Ms)} ms, ${result.failures} failures`,
    },
  );
}

interface Summary {
  readonly server: string;
  readonly tool: string;
  readonly runs: number;
  readonly rpsMedian: number;
  readonly rpsMin: number;
  readonly rpsMax: number;
  readonly p50MsMedian: number | null;
  readonly clientCpuUsPerRequestMedian: number | null;
  readonly failures: number;
  /** Runs kept although others used more than --max-foreign during them (every attempt was disturbed). */
  readonly busyRuns: number;
  /**
   * Ratios are paired: this tool's run k over the peer's run k (minutes apart at most, in
   * the same round), then the median over k. The machine's speed drifts between rounds
   * (a VM: identical runs varied ±30 %); pairing cancels what a round shares.
   */
  readonly rpsVsAutocannon: Ratio | null;
  readonly rpsVsWrk: Ratio | null;
  /** null for tools that report whole milliseconds only (autocannon, ab): their p50 is not comparable. */
  readonly p50VsWrk: Ratio | null;
  /** Client CPU per response over autocannon's, paired. */
  readonly cpuVsAutocannon: Ratio | null;
}

interface Ratio {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Latencies these tools report in whole milliseconds (a p50 of 0.4 ms reads 0). */
const WHOLE_MS_TOOLS = new Set(['autocannon', 'ab']);

function summarize(records: readonly RunRecord[]): Summary[] {
  const kept = records.filter((r) => !r.discarded);
  const servers = [...new Set(kept.map((r) => r.server))];
  const tools = [...new Set(kept.map((r) => r.tool))];
  const find = (server: string, tool: string, run: number) => kept.find((r) => r.server === server && r.tool === tool && r.run === run);
  const paired = (mine: readonly RunRecord[], peerTool: string, value: (r: RunRecord) => number | null): Ratio | null => {
    const ratios = mine.flatMap((r) => {
      const peer = find(r.server, peerTool, r.run);
      const a = value(r);
      const b = peer === undefined ? null : value(peer);
      return a === null || b === null || !(b > 0) ? [] : [a / b];
    });
    const m = median(ratios);
    return m === null ? null : { median: m, min: Math.min(...ratios), max: Math.max(...ratios) };
  };
  return servers.flatMap((server) =>
    tools.filter((tool) => kept.some((r) => r.server === server && r.tool === tool)).map((tool): Summary => {
      const mine = kept.filter((r) => r.server === server && r.tool === tool);
      const rps = mine.map((r) => r.result.rps);
      return {
        server,
        tool,
        runs: mine.length,
        rpsMedian: median(rps) ?? 0,
        rpsMin: Math.min(...rps),
        rpsMax: Math.max(...rps),
        p50MsMedian: median(mine.flatMap((r) => (r.result.p50Ms === null ? [] : [r.result.p50Ms]))),
        clientCpuUsPerRequestMedian: median(mine.map((r) => r.clientCpuUsPerRequest)),
        failures: mine.reduce((n, r) => n + r.result.failures, 0),
        busyRuns: mine.filter((r) => r.busy).length,
        rpsVsAutocannon: paired(mine, 'autocannon', (r) => r.result.rps),
        rpsVsWrk: paired(mine, 'wrk', (r) => r.result.rps),
        p50VsWrk: WHOLE_MS_TOOLS.has(tool) ? null : paired(mine, 'wrk', (r) => r.result.p50Ms),
        cpuVsAutocannon: paired(mine, 'autocannon', (r) => r.clientCpuUsPerRequest),
      };
    }),
  );
}

function table(summaries: readonly Summary[]): string {
  const serverLabel = (id: string) => SERVERS.find((s) => s.id === id)?.label ?? id;
  const toolLabel = (id: string) => TOOLS.find((t) => t.id === id)?.label ?? id;
  const ratio = (r: Ratio | null) => (r === null ? null : `${times(r.median)} (${sig(r.min, 2)}–${sig(r.max, 2)})`);
  let previous = '';
  const rows = summaries.map((s) => {
    const first = s.server !== previous;
    previous = s.server;
    return [
      first ? serverLabel(s.server) : '',
      toolLabel(s.tool),
      `${sig(s.rpsMedian, 3)}${s.busyRuns > 0 ? ` (${s.busyRuns} disturbed)` : ''}`,
      `${sig(s.rpsMin, 2)}–${sig(s.rpsMax, 2)}`,
      s.tool === 'autocannon' ? '1×' : ratio(s.rpsVsAutocannon),
      s.tool === 'wrk' ? '1×' : ratio(s.rpsVsWrk),
      `${sig(s.p50MsMedian)}${WHOLE_MS_TOOLS.has(s.tool) ? ' (whole ms)' : ''}`,
      s.tool === 'wrk' ? '1×' : ratio(s.p50VsWrk),
      s.tool === 'autocannon' || s.cpuVsAutocannon === null
        ? sig(s.clientCpuUsPerRequestMedian, 2)
        : `${sig(s.clientCpuUsPerRequestMedian, 2)} (${times(s.cpuVsAutocannon.median)})`,
      s.failures,
    ];
  });
  const runs = Math.max(...summaries.map((s) => s.runs));
  return markdownTable(
    ['server', 'tool', `req/s, median of ${runs}`, 'range', '× autocannon CLI (range)', '× wrk (range)', 'p50 ms', 'p50 ÷ wrk\'s (range)', 'client CPU µs / response (× autocannon\'s)', 'failures'],
    rows,
    [2, 3, 4, 5, 6, 7, 8, 9],
  );
}

// --render FILE: print the table of a results file again (after changing the table, say).
if (flags.render !== '') {
  const saved = JSON.parse(readFileSync(flags.render, 'utf8')) as { records: RunRecord[] };
  process.stdout.write(`${table(summarize(saved.records))}\n`);
  process.exit(0);
}

/** 3 s of load before a shared server's first run (JIT, caches, accept queue), not recorded: wrk if present. */
async function warmUp(url: string): Promise<void> {
  const argv = onPath('wrk')
    ? ['wrk', '-t1', `-c${CONNECTIONS}`, '-d3s', url]
    : [process.execPath, AUTOCANNON, '-c', String(CONNECTIONS), '-d', '3', url];
  await runProgram(clientCpu(argv), 60_000);
}

// Orphans in our tree (a cluster's workers) must count as ours, not as others' CPU.
const subreaper = await runAsSubreaper(log);
try {
  const machine = describeMachine();
  const wanted = new Set(flags.tools.split(','));
  const tools = TOOLS.filter((t) => wanted.has(t.id));
  const skipped: Record<string, string> = {};
  for (const t of tools) {
    const why = t.missing();
    if (why) skipped[t.id] = why;
  }
  const wantedServers = new Set(flags.servers.split(','));
  const serverSpecs = SERVERS.filter((s) => wantedServers.has(s.id));
  for (const s of serverSpecs) {
    const why = s.missing();
    if (why) skipped[s.id] = why;
  }
  for (const [what, why] of Object.entries(skipped)) log(`skipping ${what}: ${why}`);
  const activeTools = tools.filter((t) => !(t.id in skipped));
  const activeServers = serverSpecs.filter((s) => !(s.id in skipped));
  /** The CLI starts its own model's server: it can load only servers that are a model. */
  const toolsFor = (server: ServerSpec) => activeTools.filter((t) => t.kind === 'url' || server.cliArgs !== null);
  for (const server of activeServers) {
    if (server.cliArgs === null && activeTools.some((t) => t.kind === 'cli')) {
      log(`${server.id}: the watchload CLI starts its own model server and cannot load this one: its engine alone is measured there`);
    }
  }

  const quiet = await waitForQuiet(Number(flags['max-load']), Number(flags['max-wait']), log);
  const load1AtStart = loadAverage1();
  for (const spec of activeServers.filter((s) => !s.perRun)) {
    const server = await spec.start();
    shared.set(spec.id, server);
    await warmUp(server.url);
    log(`${spec.id} ready at ${server.url}`);
  }

  const records: RunRecord[] = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const server of activeServers) {
      // Rotate the order each run, so that no tool always follows the same one.
      const mine = toolsFor(server);
      const order = mine.map((_, i) => mine[(i + run - 1) % mine.length]);
      for (const tool of order) {
        records.push(...(await measure(server, tool, run)));
        await sleep(1_000);
      }
    }
  }

  const summaries = summarize(records);
  const path = writeResults(flags.out, {
    benchmark: 'load-engine',
    command: `npx tsx bench/load-engine.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    config: {
      connections: CONNECTIONS,
      durationS: DURATION_S,
      runs: RUNS,
      maxForeignCpuPercent: MAX_FOREIGN,
      pinned: PIN ? { tools: 0, servers: CPUS - 1 } : null,
      tui: { columns: TUI_COLUMNS, rows: TUI_ROWS },
    },
    load1AtStart,
    quiet: quiet.quiet,
    subreaper,
    skipped,
    method: {
      rps: 'each tool\'s own figure: responses / the time it ran (autocannon: requests.total / duration; watchload engine: completed / (finished − started), drain included; watchload CLI: its report\'s and summary\'s load.rps, responses over its rate window, src/session/store.ts rateWindowMs)',
      p50: 'each tool\'s own p50: watchload µs HDR (the TUI summary prints 3 significant digits), wrk µs, autocannon and ab whole ms',
      ratios: 'paired: tool run k / peer run k (same round), median over k',
      clientCpu: 'the tool process\'s CPU (cutime + cstime delta for programs we reap; for the watchload CLI its own utime + stime from /proc, read last before exit or, with the TUI, when the load has ended) plus, against single, the upstream process beside the peers, / responses',
      cliServer: 'the CLI runs under taskset -c 0 and the server it spawns is moved to the servers\' CPU (taskset -a -p) within 20 ms of appearing, and again 1 s later',
      foreign: '/proc/stat busy (user+nice+system+irq+softirq) minus this process tree\'s CPU (the private tmux server and its panes included), over the run',
    },
    summaries,
    records,
  });
  process.stdout.write(`${table(summaries)}\n`);
  log(`raw results: ${path}`);
} finally {
  for (const server of shared.values()) await server.stop();
  // Started on first use by the TUI runs (TS cannot see the assignment there).
  await (tmux as Tmux | null)?.stop();
  killAllChildren();
}
