/**
 * Fidelity on the tutorial's workload: does watchload's load reach c / delay on a server with
 * the capacity for it? c = 200 connections, an upstream delay of 1 s, so an ideal closed loop
 * sends 200 req/s. Against models that can hold 200 requests at once (a Node cluster of 4,
 * uWSGI 4 × 50 threads), watchload's `--json` report, with wrk and ab (the tutorial's tool)
 * on the same server started the same way, for reference.
 *
 *   npm run build && npx tsx bench/fidelity.ts [--duration 15] [--runs 3]
 *
 * Writes bench/results/fidelity.json and prints the Markdown table for BENCHMARKS.md.
 */
import { cpus } from 'node:os';
import { killAllChildren } from './lib/children.js';
import { measureWhileQuiet, QUIET_DEFAULTS, quietUsage, type Attempt } from './lib/harness.js';
import { describeMachine, loadAverage1, waitForQuiet } from './lib/machine.js';
import { modelMissing, startModelServer } from './lib/model-server.js';
import { tcpExt, tcpExtDelta } from './lib/netstat.js';
import { onPath, parseAb, parseWrk, runProgram, type ToolResult } from './lib/peers.js';
import { markdownTable, median, parseFlags, sig, writeResults } from './lib/results.js';
import { runAsSubreaper } from './lib/subreaper.js';
import { cliMissing, outcomeOfReport, runHeadless } from './lib/watchload-cli.js';

const USAGE = `Usage: npx tsx bench/fidelity.ts [options]   (build first: npm run build)

The tutorial's load, -c 200 with a 1 s upstream delay (ideal: 200 req/s), against models
that can hold 200 requests at once. Each round runs every tool once per model, in rotated
order, each against a server started afresh. About 6–7 min with the defaults (2 models x 3
tools x 3 rounds of ~17 s, plus the quiet-machine waits).

Models (--models, comma-separated; default cluster,uwsgi):
  cluster   watchload --model cluster --workers 4 (Node: 4 event loops)
  uwsgi     watchload --model uwsgi --workers 4 --threads 50 (200 threads; Debian's uwsgi
            and uwsgi-plugin-python3: bash scripts/install-servers.sh)

Tools (--tools, comma-separated; default watchload,wrk,ab):
  watchload  watchload ... -c 200 -d D --delay 1 --json: the report's load.rps
  wrk        wrk -t1 -c200 -dDs --timeout 30s --latency, keep-alive (it reconnects when
             uWSGI closes), on the model's server started as watchload starts it
  ab         ab -c 200 -n 200*D (the tutorial's way: no keep-alive; its first request goes
             alone, so its best is n / (1 + n/c) = 200*D / (1 + D))

Options:
  --connections N    concurrent connections (default 200)
  --delay S          upstream delay per request, seconds (default 1)
  --duration S       seconds per run (default 15)
  --runs N           rounds (default 3)
  --models LIST      see above
  --tools LIST       see above
${quietUsage('fidelity')}`;

const flags = parseFlags(
  {
    connections: '200',
    delay: '1',
    duration: '15',
    runs: '3',
    models: 'cluster,uwsgi',
    tools: 'watchload,wrk,ab',
    out: 'fidelity',
    ...QUIET_DEFAULTS,
  },
  USAGE,
);
const CONNECTIONS = Number(flags.connections);
const DELAY_S = Number(flags.delay);
const DURATION_S = Number(flags.duration);
const RUNS = Number(flags.runs);
const MAX_FOREIGN = Number(flags['max-foreign']);
/** What a closed loop of c connections can send when every request takes `delay`. */
const IDEAL_RPS = CONNECTIONS / DELAY_S;
const log = (line: string) => process.stderr.write(`[fidelity] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Case {
  readonly id: string;
  readonly label: string;
  readonly model: string;
  readonly workers: number;
  readonly threads: number | null;
}

const CASES: readonly Case[] = [
  { id: 'cluster', label: '`--model cluster --workers 4`', model: 'cluster', workers: 4, threads: null },
  { id: 'uwsgi', label: '`--model uwsgi --workers 4 --threads 50`', model: 'uwsgi', workers: 4, threads: 50 },
];

const cliArgs = (c: Case) => ['--model', c.model, '--workers', String(c.workers), ...(c.threads === null ? [] : ['--threads', String(c.threads)])];

interface Tool {
  readonly id: string;
  readonly label: string;
  readonly missing: () => string | null;
  run(c: Case): Promise<{ result: ToolResult; extra?: Record<string, unknown> }>;
}

/** A peer against the model's server, started for this run the way watchload starts it. */
function peer(id: string, label: string, missing: () => string | null, argv: (url: string) => string[], parse: (stdout: string) => ToolResult): Tool {
  return {
    id,
    label,
    missing,
    async run(c) {
      const server = await startModelServer(c.model, { workers: c.workers, threads: c.threads });
      try {
        const stdout = await runProgram(argv(`${server.url}?delay=${DELAY_S}`), (DURATION_S * 3 + 60) * 1000);
        return { result: parse(stdout), extra: { serverArgv: server.argv } };
      } finally {
        await server.stop();
      }
    },
  };
}

const TOOLS: readonly Tool[] = [
  {
    id: 'watchload',
    label: 'watchload `--json`',
    missing: cliMissing,
    async run(c) {
      const args = [...cliArgs(c), '-c', String(CONNECTIONS), '-d', String(DURATION_S), '--delay', String(DELAY_S)];
      const r = await runHeadless(args, { timeoutMs: (DURATION_S + 90) * 1000 });
      if (r.exitCode !== 0) throw new Error(`watchload ${args.join(' ')} exited ${r.exitCode}: ${r.stderrTail.trim().slice(-1000)}`);
      const o = outcomeOfReport(r.report);
      return {
        result: {
          completed: o.completed,
          failures: o.failures,
          durationS: r.report.load.durationS,
          rps: o.rps,
          p50Ms: o.p50Ms,
          p99Ms: o.p99Ms,
          meanMs: r.report.load.latencyMs.mean,
          raw: { load: r.report.load, config: r.report.config },
        },
        extra: { command: r.report.command, shape: r.report.shape },
      };
    },
  },
  peer(
    'wrk',
    'wrk 4.1 (`-t1`, keep-alive)',
    () => (onPath('wrk') ? null : 'wrk not installed (apt-get install wrk)'),
    // watchload's request timeout is 30 s: the same here (wrk's default, 2 s, would count
    // SYN retries after a listen-queue overflow as timeouts).
    (url) => ['wrk', '-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, '--timeout', '30s', '--latency', url],
    parseWrk,
  ),
  peer(
    'ab',
    'ab 2.3 (`-n c×D`, no keep-alive: the tutorial\'s)',
    () => (onPath('ab') ? null : 'ab not installed (apt-get install apache2-utils)'),
    (url) => ['ab', '-q', '-s', '30', '-c', String(CONNECTIONS), '-n', String(Math.round(CONNECTIONS * DURATION_S)), url],
    parseAb,
  ),
];

/** One run of one tool on one model, as measured (lib/harness.ts adds how the attempt went). */
interface RunMeasure {
  readonly model: string;
  readonly tool: string;
  readonly run: number;
  /** rps ÷ (connections ÷ delay). */
  readonly ofIdeal: number;
  /**
   * connections ÷ the tool's mean latency: what a closed loop sends when each connection
   * sends its next request the moment the previous answer arrives, given the latencies this
   * server gave. rps over it is how busy the tool kept its connections.
   */
  readonly closedLoopRps: number | null;
  /**
   * Machine-wide TcpExt counters over the run: ListenOverflows (a SYN the full listen queue
   * could not take: the client retries after 1 s, so that request takes ≥ 2 s), ListenDrops,
   * SyncookiesSent. The uWSGI model listens with a backlog of 100.
   */
  readonly tcp: Record<string, number>;
  readonly result: ToolResult;
  readonly extra?: Record<string, unknown>;
}
type RunRecord = RunMeasure & Attempt;

const MAX_ATTEMPTS = 4;

function measure(c: Case, tool: Tool, run: number): Promise<RunRecord[]> {
  return measureWhileQuiet(
    async (): Promise<RunMeasure> => {
      const tcp0 = tcpExt();
      const { result, extra } = await tool.run(c);
      const tcp = tcpExtDelta(tcp0, ['ListenOverflows', 'ListenDrops', 'SyncookiesSent']);
      const closedLoopRps = result.meanMs ? CONNECTIONS / (result.meanMs / 1000) : null;
      return { model: c.id, tool: tool.id, run, ofIdeal: result.rps / IDEAL_RPS, closedLoopRps, tcp, result, extra };
    },
    {
      maxForeign: MAX_FOREIGN,
      maxAttempts: MAX_ATTEMPTS,
      log,
      describe: ({ result, tcp, closedLoopRps }) =>
        `${c.id} ${tool.id} run ${run}: ${sig(result.rps)} req/s (${sig((result.rps / IDEAL_RPS) * 100)} % of ${IDEAL_RPS}; c ÷ mean latency ${sig(closedLoopRps)}), ` +
        `p50 ${sig(result.p50Ms)} ms, p99 ${sig(result.p99Ms ?? null)} ms, ${result.failures} failures, ${tcp.ListenOverflows} listen overflows`,
    },
  );
}

interface Summary {
  readonly model: string;
  readonly tool: string;
  readonly runs: number;
  readonly rpsMedian: number;
  readonly rpsMin: number;
  readonly rpsMax: number;
  /** Median of rps ÷ ideal, and its range. */
  readonly ofIdealMedian: number;
  readonly ofIdealMin: number;
  readonly ofIdealMax: number;
  readonly p50MsMedian: number | null;
  readonly p99MsMedian: number | null;
  readonly meanMsMedian: number | null;
  readonly closedLoopRpsMedian: number | null;
  /** Median over runs of rps ÷ closedLoopRps. */
  readonly keptBusyMedian: number | null;
  readonly failures: number;
  /** wrk's read errors (uWSGI closing each connection), not failures. */
  readonly readErrors: number;
  /** Median over runs of ListenOverflows during a run (machine-wide). */
  readonly listenOverflowsMedian: number | null;
  readonly busyRuns: number;
}

function summarize(records: readonly RunRecord[]): Summary[] {
  const kept = records.filter((r) => !r.discarded);
  const models = [...new Set(kept.map((r) => r.model))];
  const tools = [...new Set(kept.map((r) => r.tool))];
  return models.flatMap((model) =>
    tools
      .filter((tool) => kept.some((r) => r.model === model && r.tool === tool))
      .map((tool): Summary => {
        const mine = kept.filter((r) => r.model === model && r.tool === tool);
        const rps = mine.map((r) => r.result.rps);
        const ofIdeal = mine.map((r) => r.ofIdeal);
        return {
          model,
          tool,
          runs: mine.length,
          rpsMedian: median(rps) ?? 0,
          rpsMin: Math.min(...rps),
          rpsMax: Math.max(...rps),
          ofIdealMedian: median(ofIdeal) ?? 0,
          ofIdealMin: Math.min(...ofIdeal),
          ofIdealMax: Math.max(...ofIdeal),
          p50MsMedian: median(mine.flatMap((r) => (r.result.p50Ms === null ? [] : [r.result.p50Ms]))),
          p99MsMedian: median(mine.flatMap((r) => (r.result.p99Ms == null ? [] : [r.result.p99Ms]))),
          meanMsMedian: median(mine.flatMap((r) => (r.result.meanMs == null ? [] : [r.result.meanMs]))),
          closedLoopRpsMedian: median(mine.flatMap((r) => (r.closedLoopRps == null ? [] : [r.closedLoopRps]))),
          keptBusyMedian: median(mine.flatMap((r) => (r.closedLoopRps == null ? [] : [r.result.rps / r.closedLoopRps]))),
          failures: mine.reduce((n, r) => n + r.result.failures, 0),
          readErrors: mine.reduce((n, r) => n + (r.result.readErrors ?? 0), 0),
          listenOverflowsMedian: median(mine.flatMap((r) => (r.tcp ? [r.tcp.ListenOverflows ?? 0] : []))),
          busyRuns: mine.filter((r) => r.busy).length,
        };
      }),
  );
}

const pct = (x: number) => `${sig(x * 100, 3)} %`;

function table(summaries: readonly Summary[], ideal: number): string {
  const caseLabel = (id: string) => CASES.find((c) => c.id === id)?.label ?? id;
  const toolLabel = (id: string) => TOOLS.find((t) => t.id === id)?.label ?? id;
  let previous = '';
  const rows = summaries.map((s) => {
    const first = s.model !== previous;
    previous = s.model;
    return [
      first ? caseLabel(s.model) : '',
      toolLabel(s.tool),
      `${sig(s.rpsMedian, 4)}${s.busyRuns > 0 ? ` (${s.busyRuns} disturbed)` : ''}`,
      `${pct(s.ofIdealMedian)} (${pct(s.ofIdealMin)}–${pct(s.ofIdealMax)})`,
      s.tool === 'watchload' ? (Math.abs(s.ofIdealMin - 1) <= 0.05 && Math.abs(s.ofIdealMax - 1) <= 0.05 ? 'yes' : 'no') : '',
      sig(s.meanMsMedian, 4),
      sig(s.closedLoopRpsMedian, 4),
      s.keptBusyMedian === null ? null : pct(s.keptBusyMedian),
      sig(s.p50MsMedian),
      sig(s.p99MsMedian),
      s.listenOverflowsMedian === null ? null : String(s.listenOverflowsMedian),
      s.readErrors > 0 ? `${s.failures} (${s.readErrors.toLocaleString('en-US')} read errors: closed connections)` : s.failures,
    ];
  });
  const runs = Math.max(...summaries.map((s) => s.runs));
  return markdownTable(
    [
      'model',
      'tool',
      `req/s, median of ${runs}`,
      `of ideal ${sig(ideal)} req/s (range)`,
      'every run within 5 %',
      'mean latency ms',
      'c ÷ mean latency, req/s',
      'req/s ÷ (c ÷ mean latency)',
      'p50 ms',
      'p99 ms',
      'listen-queue overflows per run',
      'failures',
    ],
    rows,
    [2, 3, 5, 6, 7, 8, 9, 10],
  );
}

if (flags.render !== '') {
  const { readFileSync } = await import('node:fs');
  const saved = JSON.parse(readFileSync(flags.render, 'utf8')) as { records: RunRecord[]; config: { idealRps: number } };
  process.stdout.write(`${table(summarize(saved.records), saved.config.idealRps)}\n`);
  process.exit(0);
}

// Orphans in our tree (a cluster's workers) must count as ours, not as others' CPU.
const subreaper = await runAsSubreaper(log);
try {
  const machine = describeMachine();
  const wantedTools = new Set(flags.tools.split(','));
  const wantedModels = new Set(flags.models.split(','));
  const skipped: Record<string, string> = {};
  const tools = TOOLS.filter((t) => wantedTools.has(t.id));
  for (const t of tools) {
    const why = t.missing();
    if (why) skipped[t.id] = why;
  }
  const cases = CASES.filter((c) => wantedModels.has(c.id));
  for (const c of cases) {
    const why = await modelMissing(c.model);
    if (why) skipped[c.id] = why;
  }
  for (const [what, why] of Object.entries(skipped)) log(`skipping ${what}: ${why}`);
  const activeTools = tools.filter((t) => !(t.id in skipped));
  const activeCases = cases.filter((c) => !(c.id in skipped));

  const quiet = await waitForQuiet(Number(flags['max-load']), Number(flags['max-wait']), log);
  const load1AtStart = loadAverage1();
  const records: RunRecord[] = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const c of activeCases) {
      const order = activeTools.map((_, i) => activeTools[(i + run - 1) % activeTools.length]);
      for (const tool of order) {
        records.push(...(await measure(c, tool, run)));
        await sleep(1_000);
      }
    }
  }
  const summaries = summarize(records);
  const path = writeResults(flags.out, {
    benchmark: 'fidelity',
    command: `npx tsx bench/fidelity.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    config: { connections: CONNECTIONS, delayS: DELAY_S, durationS: DURATION_S, runs: RUNS, idealRps: IDEAL_RPS, maxForeignCpuPercent: MAX_FOREIGN, cpus: cpus().length },
    load1AtStart,
    quiet: quiet.quiet,
    subreaper,
    skipped,
    method: {
      ideal: 'connections / delay: a closed loop in which every request takes exactly the upstream delay',
      watchload: 'the --json report\'s load.rps, responses over its rate window (src/session/store.ts rateWindowMs); mean latency: load.latencyMs.mean, from each send',
      closedLoop: 'connections / mean latency: the rate of a closed loop that sends the next request the instant the previous answer arrives, with this run\'s latencies; rps over it says how busy the tool kept its connections',
      wrk: 'its Requests/sec: requests completed within -d; those on the wire at the deadline are dropped, so with 1 s requests a connection completes D or D - 1 of them',
      ab: 'its Requests per second over its own time; its first request goes alone, so its best is n / (1 + n/c)',
      tcp: 'deltas of /proc/net/netstat TcpExt ListenOverflows, ListenDrops, SyncookiesSent over the run, machine-wide',
      servers: 'the peers load the model\'s server started from the built registry\'s launch (same argv, env, cwd as watchload), beside servers/upstream.mjs, afresh for every run',
    },
    summaries,
    records,
  });
  process.stdout.write(`${table(summaries, IDEAL_RPS)}\n`);
  log(`raw results: ${path}`);
} finally {
  killAllChildren();
}
