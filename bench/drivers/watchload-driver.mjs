// watchload's load engine alone, for bench/load-engine.ts: startLoad() from the built
// dist/src/load/driver.js (autocannon in a worker thread, per-response µs HDR histograms),
// exactly as the CLI calls it, without the CLI's model server, sampler or UI around it.
//
//   node bench/drivers/watchload-driver.mjs URL CONNECTIONS DURATION_S
//
// Prints one JSON line on stdout: counts, req/s over the time the load ran, latency in ms.
import { existsSync } from 'node:fs';

const [url, connections, durationS] = process.argv.slice(2);
const dist = new URL('../../dist/src/load/', import.meta.url);
if (!existsSync(new URL('driver.js', dist))) {
  process.stderr.write('dist/src/load/driver.js is missing: run `npm run build` first\n');
  process.exit(1);
}
const { startLoad } = await import(new URL('driver.js', dist).href);
const { mergeAll, summarizeMs } = await import(new URL('histogram.js', dist).href);

const sessionStartMs = performance.timeOrigin + performance.now();
const histograms = [];
let startedMs = null;
const errors = [];
startLoad(
  {
    url,
    connections: Number(connections),
    requests: null,
    durationS: Number(durationS),
    timeoutS: 10,
    batchMs: 250,
  },
  {
    sessionStartMs,
    onStarted: (tMs) => {
      startedMs = tMs;
    },
    onBatch: (_tMs, batch) => histograms.push(batch.histogram),
    onError: (message) => errors.push(message),
    onFinished: (tMs, totals) => {
      // From the first request to the end of the drain (requests on the wire at the deadline
      // are answered and counted, ≤ CONNECTIONS of them).
      const ranS = (tMs - (startedMs ?? 0)) / 1000;
      process.stdout.write(
        `${JSON.stringify({ totals, ranS, rps: totals.completed / ranS, latencyMs: summarizeMs(mergeAll(histograms)), errors })}\n`,
      );
    },
  },
);
