/**
 * Coordinated omission: an open loop at --rate requests/s for --duration seconds, the server
 * frozen (SIGSTOP … SIGCONT) for --stall seconds in the middle. The requests due while it is
 * frozen wait too; an honest open loop counts that wait from each request's intended send
 * time. watchload (`--rate`, corrected and uncorrected) against autocannon's own rate mode
 * and wrk's closed loop, each on watchload's `single` model server with the same stall.
 *
 *   npm run build && npx tsx bench/coordinated-omission.ts [--rate 200] [--duration 20] [--stall 2]
 *
 * Goals (issue 4): watchload's corrected p99 ≥ 1.6 s (a 2 s stall in 20 s holds up 10 % of
 * the requests, so p99 sits inside the stall); total requests = rate × duration ± 1 %; the
 * uncorrected figures show the difference. Needs wrk for its row (skipped when missing).
 * About 2 min. Writes bench/results/coordinated-omission.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { killAllChildren, startChild } from './lib/children.js';
import { startForeignMeter } from './lib/cpu.js';
import { describeMachine, loadAverage1, REPO_ROOT, waitForQuiet } from './lib/machine.js';
import { startModelServer } from './lib/model-server.js';
import { AUTOCANNON, onPath, parseWrk, runProgram } from './lib/peers.js';
import { markdownTable, parseFlags, sig, writeResults } from './lib/results.js';

const USAGE = `Usage: npx tsx bench/coordinated-omission.ts [options]   (build first: npm run build)

Each tool loads watchload's 'single' model for --duration s; --stall-at s after its load
starts, the server is frozen with SIGSTOP for --stall s, then resumed with SIGCONT.

  watchload        watchload --rate R (connections open as needed, up to 1,000)
  watchload -c C   watchload --rate R -c C: the C connections stall too, later requests queue
                   in the client: latency from the actual send no longer sees the stall
  autocannon       autocannon -c C --overallRate R (its own pacing and correction)
  wrk              wrk -c C (closed loop: no schedule; the stall only holds C requests)

Options:
  --rate R          requests per second (default 200)
  --duration S      seconds per run (default 20)
  --stall S         seconds the server is frozen (default 2)
  --stall-at S      when, after the load starts (default 8)
  --connections C   connections for the rows that take -c (default 50)
  --max-load L      wait for a 1-minute load average <= L before starting (default 1.0)
  --max-wait S      ... for at most S seconds (default 300)
  --out NAME        write results/NAME.json (default coordinated-omission)
  --help`;

const flags = parseFlags(
  { rate: '200', duration: '20', stall: '2', 'stall-at': '8', connections: '50', 'max-load': '1.0', 'max-wait': '300', out: 'coordinated-omission' },
  USAGE,
);
const RATE = Number(flags.rate);
const DURATION_S = Number(flags.duration);
const STALL_S = Number(flags.stall);
const STALL_AT_S = Number(flags['stall-at']);
const CONNECTIONS = Number(flags.connections);

interface Row {
  readonly tool: string;
  /** Requests the tool counted as answered. */
  readonly completed: number;
  readonly sent: number | null;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  /** watchload only: from the actual send. */
  readonly uncorrected: { readonly p50Ms: number | null; readonly p90Ms: number | null; readonly p99Ms: number | null; readonly maxMs: number | null } | null;
  readonly sendLagP99Ms: number | null;
  /** When the stall began and ended, seconds after the tool started. */
  readonly stall: { readonly fromS: number; readonly toS: number };
  readonly foreignCpuPercent: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Freezes `pid` at stallAt seconds from `t0` for STALL_S seconds; resolves with when it did, relative to t0. */
async function stallAt(pid: number, t0: number): Promise<{ fromS: number; toS: number }> {
  await sleep(Math.max(0, t0 + STALL_AT_S * 1000 - performance.now()));
  const from = performance.now();
  process.kill(pid, 'SIGSTOP');
  try {
    await sleep(STALL_S * 1000);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  return { fromS: (from - t0) / 1000, toS: (performance.now() - t0) / 1000 };
}

/** The pid of the model server watchload started: its child running node-single.cjs. */
function findServer(watchloadPid: number): number | null {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== watchloadPid) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'latin1').includes('node-single.cjs')) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

async function runWatchload(label: string, extra: readonly string[]): Promise<Row> {
  const meter = startForeignMeter();
  const argv = [process.execPath, `${REPO_ROOT}bin/watchload.js`, '--model', 'single', '--rate', String(RATE), '-d', String(DURATION_S), '--delay', '0', '--json', ...extra];
  const child = startChild(argv, { env: { ...process.env, CI: 'true' }, stderr: 'pipe' });
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // The first status line that says `loading`: the load has started (about 1 s after).
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('watchload did not start loading within 30 s')), 30_000);
    child.stderr?.on('data', (d: Buffer) => {
      if (/\] loading /.test(d.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const t0 = performance.now() - 500;
  const server = findServer(child.pid as number);
  if (server === null) throw new Error('watchload: no node-single.cjs child found');
  const stall = await stallAt(server, t0);
  const code = await exited;
  if (code !== 0) throw new Error(`watchload exited ${code}`);
  const load = JSON.parse(stdout).load;
  return {
    tool: label,
    completed: load.requests - load.timeouts - load.errors - load.resets,
    sent: load.sent,
    p50Ms: load.latencyMs.p50,
    p90Ms: load.latencyMs.p90,
    p99Ms: load.latencyMs.p99,
    maxMs: load.latencyMs.max,
    uncorrected: { p50Ms: load.uncorrectedLatencyMs.p50, p90Ms: load.uncorrectedLatencyMs.p90, p99Ms: load.uncorrectedLatencyMs.p99, maxMs: load.uncorrectedLatencyMs.max },
    sendLagP99Ms: load.rate.sendLagMs.p99,
    stall,
    foreignCpuPercent: meter.stop().foreignCpuPercent,
  };
}

async function runPeer(tool: 'autocannon' | 'wrk'): Promise<Row> {
  const server = await startModelServer('single');
  try {
    const meter = startForeignMeter();
    const url = `${server.url}?delay=0`;
    const argv =
      tool === 'autocannon'
        ? [process.execPath, AUTOCANNON, '-c', String(CONNECTIONS), '--overallRate', String(RATE), '-d', String(DURATION_S), '-j', url]
        : ['wrk', '-t1', '-c', String(CONNECTIONS), '-d', `${DURATION_S}s`, '--latency', url];
    const t0 = performance.now();
    const output = runProgram(argv, (DURATION_S + 30) * 1000);
    const stall = await stallAt(server.serverPid, t0);
    const stdout = await output;
    const foreign = meter.stop().foreignCpuPercent;
    if (tool === 'wrk') {
      const r = parseWrk(stdout);
      const max = /Latency\s+\S+\s+\S+\s+(\S+)/.exec(stdout);
      const p90 = /^\s+90%\s+(\S+)/m.exec(stdout);
      return { tool: `wrk -c ${CONNECTIONS} (closed loop)`, completed: r.completed, sent: null, p50Ms: r.p50Ms, p90Ms: p90 ? wrkMaxMs(p90[1]) : null, p99Ms: r.p99Ms ?? null, maxMs: max ? wrkMaxMs(max[1]) : null, uncorrected: null, sendLagP99Ms: null, stall, foreignCpuPercent: foreign };
    }
    const r = JSON.parse(stdout) as { requests: { total: number; sent: number }; latency: { p50: number; p90: number; p99: number; max: number } };
    return {
      tool: `autocannon -c ${CONNECTIONS} --overallRate ${RATE}`,
      completed: r.requests.total,
      sent: r.requests.sent,
      p50Ms: r.latency.p50,
      p90Ms: r.latency.p90,
      p99Ms: r.latency.p99,
      maxMs: r.latency.max,
      uncorrected: null,
      sendLagP99Ms: null,
      stall,
      foreignCpuPercent: foreign,
    };
  } finally {
    await server.stop();
  }
}

function wrkMaxMs(text: string): number | null {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  return m ? Number(m[1]) * { us: 1e-3, ms: 1, s: 1e3 }[m[2] as 'us' | 'ms' | 's'] : null;
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const quiet = await waitForQuiet(Number(flags['max-load']), Number(flags['max-wait']), log);
  const rows: Row[] = [];
  const runs: Array<[string, () => Promise<Row>]> = [
    ['watchload', () => runWatchload(`watchload --rate ${RATE}`, [])],
    [`watchload -c ${CONNECTIONS}`, () => runWatchload(`watchload --rate ${RATE} -c ${CONNECTIONS}`, ['-c', String(CONNECTIONS)])],
    ['autocannon', () => runPeer('autocannon')],
    ...(onPath('wrk') ? ([['wrk', () => runPeer('wrk')]] as Array<[string, () => Promise<Row>]>) : []),
  ];
  if (!onPath('wrk')) log('wrk is not installed: its row is skipped (apt-get install wrk)');
  for (const [name, run] of runs) {
    log(`${name}: ${DURATION_S} s at ${RATE}/s, server frozen ${STALL_S} s from ${STALL_AT_S} s…`);
    rows.push(await run());
  }
  const expected = RATE * DURATION_S;
  const [watchload] = rows;
  const goals = {
    correctedP99AtLeastMs: 0.8 * STALL_S * 1000,
    correctedP99Ms: watchload.p99Ms,
    correctedP99Met: (watchload.p99Ms ?? 0) >= 0.8 * STALL_S * 1000,
    totalExpected: expected,
    total: watchload.completed,
    totalMet: Math.abs(watchload.completed - expected) <= 0.01 * expected,
  };
  const path = writeResults(flags.out, {
    machine: describeMachine(),
    loadAverageAtStart: loadAverage1(),
    quiet,
    settings: { rate: RATE, durationS: DURATION_S, stallS: STALL_S, stallAtS: STALL_AT_S, connections: CONNECTIONS },
    goals,
    rows,
  });
  const ms = (v: number | null) => (v === null ? null : v >= 1000 ? `${sig(v / 1000)} s` : `${sig(v)} ms`);
  console.log(
    markdownTable(
      ['tool', 'answered', 'p50', 'p90', 'p99', 'max', 'p50 / p90 / p99 / max from the actual send', 'send lag p99', 'stall (s after start)'],
      rows.map((r) => [
        r.tool,
        r.completed.toLocaleString('en-US'),
        ms(r.p50Ms),
        ms(r.p90Ms),
        ms(r.p99Ms),
        ms(r.maxMs),
        r.uncorrected ? `${ms(r.uncorrected.p50Ms)} / ${ms(r.uncorrected.p90Ms)} / ${ms(r.uncorrected.p99Ms)} / ${ms(r.uncorrected.maxMs)}` : null,
        ms(r.sendLagP99Ms),
        `${r.stall.fromS.toFixed(1)}–${r.stall.toS.toFixed(1)}`,
      ]),
      [1, 2, 3, 4, 5, 7],
    ),
  );
  console.log(`\ngoals: corrected p99 ${ms(goals.correctedP99Ms)} (≥ ${ms(goals.correctedP99AtLeastMs)}: ${goals.correctedP99Met ? 'met' : 'NOT met'}); total ${goals.total} of ${expected} (± 1 %: ${goals.totalMet ? 'met' : 'NOT met'})`);
  log(`results: ${path}`);
}

main()
  .catch((error) => {
    process.stderr.write(`coordinated-omission: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => killAllChildren());
