/**
 * Load engine: req/s and p50 latency of watchload's load driver against autocannon's CLI,
 * wrk and ab, on the same servers (a trivial node:http server, nginx `return 200`), same
 * connections and duration, run alternately and repeated; medians and ratios.
 *
 *   npm run build && npx tsx bench/load-engine.ts [--connections 50] [--duration 10] [--runs 5]
 *
 * Needs: apt-get install wrk apache2-utils nginx (a missing tool or server is skipped and
 * said so). Writes bench/results/load-engine.json and prints the Markdown table for
 * BENCHMARKS.md. Every load goes to 127.0.0.1 only, bounded in time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { reapedChildrenCpuMs, startForeignMeter, waitForIdleOthers } from './lib/cpu.js';
import { diesWithUs, killAllChildren, startChild, stopChild, waitForLine } from './lib/children.js';
import { describeMachine, distModule, loadAverage1, REPO_ROOT, waitForQuiet } from './lib/machine.js';
import { markdownTable, median, parseFlags, sig, times, writeResults } from './lib/results.js';

const USAGE = `Usage: npx tsx bench/load-engine.ts [options]   (build first: npm run build)
  --connections N    concurrent connections for every tool (default 50)
  --duration S       seconds per run (default 10)
  --runs N           runs per tool and server, alternated (default 5)
  --servers LIST     node,nginx (default both)
  --tools LIST       watchload,autocannon,wrk,ab (default all)
  --max-load L       wait until the 1-min load average is <= L before starting (default 1.0)
  --max-wait S       ...but at most S seconds (default 300)
  --max-foreign P    redo a run when other processes used more than P % of one core meanwhile (default 25)
  --pin on|off       servers on the last CPU, load tools on CPU 0 (taskset), when there are >= 2 (default on)
  --out NAME         results file bench/results/NAME.json (default load-engine)
  --render FILE      only print the table of an earlier results file`;

const flags = parseFlags(
  {
    connections: '50',
    duration: '10',
    runs: '5',
    servers: 'node,nginx',
    tools: 'watchload,autocannon,wrk,ab',
    'max-load': '1.0',
    'max-wait': '300',
    'max-foreign': '25',
    pin: 'on',
    out: 'load-engine',
    render: '',
  },
  USAGE,
);
const CONNECTIONS = Number(flags.connections);
const DURATION_S = Number(flags.duration);
const RUNS = Number(flags.runs);
const MAX_FOREIGN = Number(flags['max-foreign']);
/**
 * With 2 cores, a server and a load tool that the scheduler puts on the same core halve each
 * other (req/s varied 14k–30k between identical runs unpinned). Pinned, each tool has one
 * core of its own and the server the other: the comparison is "what one core of load
 * generation does". taskset execs, so the pid we start is still the server's.
 */
const CPUS = cpus().length;
const PIN = flags.pin === 'on' && CPUS >= 2;
const clientCpu = (argv: string[]): string[] => (PIN ? ['taskset', '-c', '0', ...argv] : argv);
const serverCpu = (argv: string[]): string[] => (PIN ? ['taskset', '-c', String(CPUS - 1), ...argv] : argv);
const log = (line: string) => process.stderr.write(`[load-engine] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What one run of one tool measured, in the same units whatever the tool. */
interface ToolResult {
  /** Responses received. */
  readonly completed: number;
  /** Errors of any kind the tool reports: connection errors, timeouts, non-2xx. */
  readonly failures: number;
  /** Seconds the tool says it ran. */
  readonly durationS: number;
  /** completed / durationS as the tool computes it. */
  readonly rps: number;
  /** Median latency in ms, at the tool's own resolution (autocannon, ab: whole ms). */
  readonly p50Ms: number | null;
  /** What the tool printed, reduced to what was parsed (for the record). */
  readonly raw: unknown;
}

interface Tool {
  readonly id: string;
  readonly label: string;
  /** Why it cannot run here, or null. */
  readonly missing: () => string | null;
  readonly argv: (url: string, connections: number, durationS: number) => string[];
  readonly parse: (stdout: string) => ToolResult;
}

const onPath = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** "812.00us", "1.23ms", "1.01s" → ms. */
function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) throw new Error(`wrk: unreadable duration ${text}`);
  const scale = { us: 1e-3, ms: 1, s: 1e3, m: 6e4 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * scale;
}

function match(stdout: string, pattern: RegExp, what: string): RegExpExecArray {
  const m = pattern.exec(stdout);
  if (!m) throw new Error(`cannot find ${what} in:\n${stdout}`);
  return m;
}

/**
 * The tools, each as users run it, one load-generating thread each (autocannon, ab and
 * watchload's engine are single-threaded; wrk is given -t1 to match). Add one here and it is
 * run, written and tabled.
 */
const TOOLS: readonly Tool[] = [
  {
    id: 'watchload',
    label: 'watchload engine (`startLoad`, dist/)',
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
  },
  {
    id: 'autocannon',
    label: 'autocannon 9 CLI',
    missing: () => null,
    // What `npx autocannon` runs (node_modules/.bin/autocannon), without npm's own start-up.
    argv: (url, c, d) => [process.execPath, `${REPO_ROOT}node_modules/autocannon/autocannon.js`, '-c', String(c), '-d', String(d), '-j', url],
    parse: (stdout) => {
      const r = JSON.parse(stdout) as {
        duration: number;
        errors: number;
        non2xx: number;
        resets: number;
        requests: { total: number; average: number; sent: number };
        latency: { p50: number; average: number; p99: number };
      };
      return {
        completed: r.requests.total,
        failures: r.errors + r.non2xx + r.resets,
        durationS: r.duration,
        rps: r.requests.total / r.duration,
        p50Ms: r.latency.p50,
        raw: { duration: r.duration, requests: r.requests, latency: r.latency, errors: r.errors, non2xx: r.non2xx, resets: r.resets },
      };
    },
  },
  {
    id: 'wrk',
    label: 'wrk 4.1 (`-t1`)',
    missing: () => (onPath('wrk') ? null : 'wrk not installed (apt-get install wrk)'),
    argv: (url, c, d) => ['wrk', '-t1', `-c${c}`, `-d${d}s`, '--latency', url],
    parse: (stdout) => {
      const [, count, took] = match(stdout, /(\d+) requests in (\S+),/, 'the request count');
      const seconds = wrkMs(took) / 1000;
      const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
      const failures = (errors ? errors.slice(1).reduce((n, x) => n + Number(x), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
      return {
        completed: Number(count),
        failures,
        durationS: seconds,
        rps: Number(match(stdout, /Requests\/sec:\s+([\d.]+)/, 'Requests/sec')[1]),
        p50Ms: wrkMs(match(stdout, /^\s+50%\s+(\S+)/m, 'the 50% latency')[1]),
        raw: stdout,
      };
    },
  },
  {
    id: 'ab',
    label: 'ab 2.3 (`-k`, keep-alive)',
    missing: () => (onPath('ab') ? null : 'ab not installed (apt-get install apache2-utils)'),
    // -t sets a time limit and implies -n 50000; -n after it raises the cap (ab allocates a
    // record per request up front, lazily touched: 5 M × 32 bytes).
    argv: (url, c, d) => ['ab', '-q', '-k', '-c', String(c), '-t', String(d), '-n', '5000000', url],
    parse: (stdout) => {
      const failed = Number(match(stdout, /Failed requests:\s+(\d+)/, 'Failed requests')[1]);
      const non2xx = /Non-2xx responses:\s+(\d+)/.exec(stdout);
      return {
        completed: Number(match(stdout, /Complete requests:\s+(\d+)/, 'Complete requests')[1]),
        failures: failed + (non2xx ? Number(non2xx[1]) : 0),
        durationS: Number(match(stdout, /Time taken for tests:\s+([\d.]+)/, 'Time taken')[1]),
        rps: Number(match(stdout, /Requests per second:\s+([\d.]+)/, 'Requests per second')[1]),
        p50Ms: Number(match(stdout, /^\s+50%\s+(\d+)/m, 'the 50% line')[1]),
        raw: stdout,
      };
    },
  },
];

/** A server under test, on 127.0.0.1, started once for the whole benchmark. */
interface RunningServer {
  readonly id: string;
  readonly url: string;
  stop(): Promise<void>;
}

interface ServerSpec {
  readonly id: string;
  readonly label: string;
  readonly missing: () => string | null;
  readonly start: () => Promise<RunningServer>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
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
    id: 'node',
    label: '`node:http`, 200 at once (1 process)',
    missing: () => null,
    start: async () => {
      const child = startChild(serverCpu([process.execPath, `${REPO_ROOT}bench/servers/http-200.mjs`]));
      const [, port] = await waitForLine(child, /^LISTENING (\d+)$/, 10_000);
      return { id: 'node', url: `http://127.0.0.1:${port}/`, stop: () => stopChild(child) };
    },
  },
  {
    id: 'nginx',
    label: 'nginx `return 200` (1 worker)',
    missing: () => (onPath('nginx') ? null : 'nginx not installed (apt-get install nginx)'),
    start: async () => {
      // Its own prefix, pid, logs and temp paths in a temp dir: never the system's nginx.
      // master_process off: one process that is the worker, so that killing it (and
      // setpriv's pdeathsig) leaves no orphaned worker behind.
      const dir = mkdtempSync(join(tmpdir(), 'watchload-bench-nginx-'));
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
        stop: async () => {
          await stopChild(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

interface RunRecord {
  readonly server: string;
  readonly tool: string;
  readonly run: number;
  readonly attempt: number;
  readonly load1AtStart: number;
  /** Share of one core other processes used in the 2 s before the run (waited for ≤ max-foreign / 2). */
  readonly othersBefore: number;
  /** Share of one core other processes used during the run; above --max-foreign the run is redone. */
  readonly foreignCpuPercent: number;
  readonly discarded: boolean;
  /** Others used more than --max-foreign during it; kept only when every attempt was so. */
  readonly busy: boolean;
  /** CPU of the tool's process (reaped child: cutime + cstime), start-up included, per response. */
  readonly clientCpuUsPerRequest: number;
  readonly result: ToolResult;
}

/** Runs a tool once, bounded in time; resolves with its stdout. */
function runTool(argv: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // In our process group (Ctrl-C reaches it), and killed with us even on SIGKILL.
    const [command, ...args] = diesWithUs(argv);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${argv.join(' ')} exited ${code ?? signal}: ${stderr.trim() || stdout.trim()}`));
    });
  });
}

/** A run disturbed by other processes is redone, up to this many attempts in all. */
const MAX_ATTEMPTS = 5;

async function measure(server: RunningServer, tool: Tool, run: number): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (let attempt = 1; ; attempt++) {
    // Others' bursts (a test suite) come and go: start each run in a quiet moment.
    const othersBefore = await waitForIdleOthers(MAX_FOREIGN / 2, 2_000, 180_000);
    const load1AtStart = loadAverage1();
    const meter = startForeignMeter();
    const cpu0 = reapedChildrenCpuMs();
    const stdout = await runTool(clientCpu(tool.argv(server.url, CONNECTIONS, DURATION_S)), (DURATION_S + 60) * 1000);
    const clientCpuMs = reapedChildrenCpuMs() - cpu0;
    const { foreignCpuPercent } = meter.stop();
    const result = tool.parse(stdout);
    const busy = foreignCpuPercent > MAX_FOREIGN;
    const retry = busy && attempt < MAX_ATTEMPTS;
    records.push({
      server: server.id,
      tool: tool.id,
      run,
      attempt,
      load1AtStart,
      othersBefore,
      foreignCpuPercent,
      discarded: retry,
      busy,
      clientCpuUsPerRequest: (clientCpuMs * 1000) / Math.max(1, result.completed),
      result,
    });
    log(
      `${server.id} ${tool.id} run ${run}: ${sig(result.rps)} req/s, p50 ${sig(result.p50Ms)} ms, ${result.failures} failures ` +
        `(load ${load1AtStart.toFixed(2)}, others ${sig(foreignCpuPercent, 2)} % of a core${retry ? ': too busy, again' : ''})`,
    );
    if (!retry) return records;
  }
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
    tools.map((tool): Summary => {
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

const running: RunningServer[] = [];
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

  const quiet = await waitForQuiet(Number(flags['max-load']), Number(flags['max-wait']), log);
  const load1AtStart = loadAverage1();
  for (const spec of serverSpecs.filter((s) => !(s.id in skipped))) {
    const server = await spec.start();
    running.push(server);
    // Warm-up (JIT, caches, accept queue): 3 s of load, wrk if present, not recorded.
    const warmer = activeTools.find((t) => t.id === 'wrk') ?? activeTools[0];
    await runTool(clientCpu(warmer.argv(server.url, CONNECTIONS, 3)), 60_000);
    log(`${spec.id} ready at ${server.url}`);
  }

  const records: RunRecord[] = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const server of running) {
      // Rotate the order each run, so that no tool always follows the same one.
      const order = activeTools.map((_, i) => activeTools[(i + run - 1) % activeTools.length]);
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
    config: { connections: CONNECTIONS, durationS: DURATION_S, runs: RUNS, maxForeignCpuPercent: MAX_FOREIGN, pinned: PIN ? { tools: 0, servers: CPUS - 1 } : null },
    load1AtStart,
    quiet: quiet.quiet,
    skipped,
    method: {
      rps: 'each tool\'s own figure: responses / the time it ran (autocannon: requests.total / duration; watchload: completed / (finished − started), drain included)',
      p50: 'each tool\'s own p50: watchload µs HDR, wrk µs, autocannon and ab whole ms',
      ratios: 'paired: tool run k / peer run k (same round), median over k',
      clientCpu: 'cutime + cstime delta of this process around the tool\'s run (process start-up included) / responses',
      foreign: '/proc/stat busy (user+nice+system+irq+softirq) minus this process tree\'s CPU, over the run',
    },
    summaries,
    records,
  });
  process.stdout.write(`${table(summaries)}\n`);
  log(`raw results: ${path}`);
} finally {
  for (const server of running) await server.stop();
  killAllChildren();
}
