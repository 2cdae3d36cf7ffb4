/**
 * Recording size: bytes per minute of `--record FILE.ndjson` for a server of 1,000 threads,
 * sampled at the default 250 ms. The server is real: a Python process with 1,000 threads, of
 * which 100 wake every 50–150 ms and compute for ~1 ms (a pool under light load), the rest
 * idle on a lock; watchload's own sampler (dist/, in its worker thread, as the CLI runs it)
 * samples it, and each snapshot is encoded by the recorder's EventEncoder as it would be
 * written. Latency batches come every 250 ms as the load driver sends them, with the bucket
 * count of a real run (~60 non-empty buckets of the HDR histogram per batch).
 *
 *   npm run build && npx tsx bench/recording-size.ts [--seconds 60] [--threads 1000] [--busy 100]
 *
 * Prints bytes per minute, split into samples and batches, and the 10-minute extrapolation;
 * writes bench/results/recording-size.json. Budget: ≤ 25 MB per 10 minutes at 1,000 threads.
 */
import { describeMachine, distModule } from './lib/machine.js';
import { killAllChildren, startChild, stopChild, waitForLine } from './lib/children.js';
import { median, parseFlags, writeResults } from './lib/results.js';

type ThreadModule = typeof import('../src/proc/sampler-thread.js');
type FormatModule = typeof import('../src/session/recording-format.js');
type Snapshot = import('../src/proc/types.js').Snapshot;
type SessionEvent = import('../src/session/events.js').SessionEvent;

const USAGE = `Usage: npx tsx bench/recording-size.ts [options]   (build first: npm run build)
  --seconds S     how long to sample the server (default 60)
  --threads N     threads of the server (default 1000)
  --busy N        of which this many wake and compute now and then (default 100)
  --interval MS   sampling interval (default 250, the CLI's default)
`;
const flags = parseFlags({ seconds: '60', threads: '1000', busy: '100', interval: '250' }, USAGE);
const SECONDS = Number(flags.seconds);
const THREADS = Number(flags.threads);
const BUSY = Number(flags.busy);
const INTERVAL_MS = Number(flags.interval);

const { startSamplerThread } = (await import(distModule('src/proc/sampler-thread.js'))) as ThreadModule;
const { EventEncoder } = (await import(distModule('src/session/recording-format.js'))) as FormatModule;

// Threads 1..BUSY wake every 50–150 ms and spin ~1 ms; the others wait on an Event forever.
const SERVER = `
import threading, time, random, sys
n, busy = int(sys.argv[1]), int(sys.argv[2])
stop = threading.Event()
def idle(): stop.wait()
def worker(seed):
    r = random.Random(seed)
    while not stop.is_set():
        time.sleep(r.uniform(0.05, 0.15))
        end = time.perf_counter() + 0.001
        while time.perf_counter() < end: pass
for k in range(n - 1):
    threading.Thread(target=worker if k < busy else idle, args=((k,) if k < busy else ()), daemon=True).start()
print("READY", threading.active_count(), flush=True)
sys.stdin.read()
`;

const server = startChild(['python3', '-c', SERVER, String(THREADS), String(BUSY)], { stderr: 'inherit' });
const ready = await waitForLine(server, /^READY (\d+)/m, 30_000);
process.stderr.write(`server pid ${server.pid}: ${ready[1]} threads\n`);

const encoder = new EventEncoder();
const bytes = { samples: 0, keyframes: 0, batches: 0, other: 0 };
let samples = 0;
let keyframes = 0;
let threadsSeen = 0;
/** Main-thread time to encode each sample (what the recorder costs the UI's thread). */
const encodeMs: number[] = [];
const write = (event: SessionEvent) => {
  const t0 = performance.now();
  const text = encoder.encode(event);
  if (event.type === 'proc/sample') encodeMs.push(performance.now() - t0);
  const line = text.length + 1;
  if (event.type === 'proc/sample') {
    bytes.samples += line;
    samples++;
    if (text.startsWith('{"type":"proc/sample","tMs":') && text.includes(',"key":{')) {
      keyframes++;
      bytes.keyframes += line;
    }
  } else if (event.type === 'load/batch') bytes.batches += line;
  else bytes.other += line;
};

// A latency batch as the driver sends it: ~60 buckets around a 200 ms delay, counts per bucket.
let batchNo = 0;
function batch(tMs: number): SessionEvent {
  batchNo++;
  const valuesUs: number[] = [];
  const counts: number[] = [];
  let v = 200_000 + (batchNo % 7) * 37;
  for (let k = 0; k < 60; k++) {
    v += 31 + ((k * 131 + batchNo * 17) % 257);
    valuesUs.push(v);
    counts.push(1 + ((k * 7 + batchNo) % 9));
  }
  const completed = counts.reduce((a, b) => a + b, 0);
  return {
    type: 'load/batch',
    tMs,
    batch: {
      histogram: { valuesUs, counts },
      sent: completed,
      lastResponseMs: tMs - 1.234567,
      counts: { completed, ok: completed, non2xx: 0, timeouts: 0, errors: 0, resets: 0 },
      generator: { cpuPercent: 31.52341, loopDelayP99Ms: 1.2345, loopDelayMaxMs: 2.5678901, busy: 50, connections: 50, backlog: 0 },
    },
  };
}

const start = performance.now();
const sampler = startSamplerThread({
  rootPid: server.pid!,
  intervalMs: INTERVAL_MS,
  sessionStartMs: performance.timeOrigin + start,
  onSnapshot: (snapshot: Snapshot) => {
    write({ type: 'proc/sample', tMs: snapshot.tMs, snapshot });
    threadsSeen = snapshot.processes.reduce((n, p) => n + p.threads.length, 0);
    write(batch(snapshot.tMs + 100));
  },
  onError: (message: string) => {
    process.stderr.write(`sampler: ${message}\n`);
  },
});
await new Promise((r) => setTimeout(r, SECONDS * 1000));
await sampler.stop();
await stopChild(server);
killAllChildren();

const minutes = (performance.now() - start) / 60_000;
const total = bytes.samples + bytes.batches + bytes.other;
const perMinute = total / minutes;
const round2 = (n: number) => Math.round(n * 100) / 100;
const mb = (n: number) => Math.round((n / 1e6) * 100) / 100;
const result = {
  machine: describeMachine(),
  config: { seconds: SECONDS, threads: THREADS, busy: BUSY, intervalMs: INTERVAL_MS, threadsSeen },
  samples,
  keyframes,
  bytes,
  bytesPerSample: Math.round(bytes.samples / samples),
  bytesPerBatch: Math.round(bytes.batches / Math.max(1, batchNo)),
  mbPerMinute: { total: mb(perMinute), samples: mb(bytes.samples / minutes), batches: mb(bytes.batches / minutes) },
  mbPer10Minutes: mb(perMinute * 10),
  encodeMsPerSample: { median: round2(median(encodeMs) ?? 0), max: round2(Math.max(...encodeMs)) },
  budgetMbPer10Minutes: 25,
};
writeResults('recording-size', result);
process.stdout.write(
  `${threadsSeen} threads, ${samples} samples in ${(minutes * 60).toFixed(1)} s (${keyframes} keyframes)\n` +
    `per sample ${result.bytesPerSample} B, per batch ${result.bytesPerBatch} B\n` +
    `per minute: ${result.mbPerMinute.total} MB (samples ${result.mbPerMinute.samples} MB, batches ${result.mbPerMinute.batches} MB)\n` +
    `10 minutes: ${result.mbPer10Minutes} MB (budget 25 MB)\n` +
    `encoding a sample on the main thread: median ${result.encodeMsPerSample.median} ms, max ${result.encodeMsPerSample.max} ms\n`,
);
