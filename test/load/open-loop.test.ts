import { afterEach, describe, expect, it } from 'vitest';
import { startEngine, type InstanceCheck } from '../../src/load/engine.js';
import { mergeAll, summarizeMs, totalCount } from '../../src/load/histogram.js';
import type { LatencyBatch, LoadConfig, LoadCounts } from '../../src/load/types.js';
import { delayed, startServer, type Handler, type TestServer } from './servers.js';

// The open loop and the ramps against real node:http servers, in-process: what the schedule
// sends, what corrected and uncorrected latency say, and that autocannon's own counts agree.

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Run {
  readonly server: TestServer;
  readonly totals: LoadCounts;
  readonly batches: LatencyBatch[];
  readonly checks: InstanceCheck[];
  readonly errors: string[];
}

async function run(handler: Handler, config: Partial<LoadConfig>): Promise<Run> {
  const server = await startServer(handler);
  servers.push(server);
  const batches: LatencyBatch[] = [];
  const checks: InstanceCheck[] = [];
  const errors: string[] = [];
  const totals = await new Promise<LoadCounts>((resolve) => {
    startEngine(
      { url: server.url, connections: 20, requests: null, durationS: 1, timeoutS: 5, batchMs: 50, ...config },
      () => performance.now(),
      { onBatch: (_t, b) => batches.push(b), onFinished: (_t, t) => resolve(t), onError: (m) => errors.push(m), onInstanceResult: (c) => checks.push(c) },
    );
  });
  return { server, totals, batches, checks, errors };
}

const merged = (batches: LatencyBatch[], key: 'histogram' | 'uncorrected' | 'sendLag') =>
  mergeAll(batches.map((b) => b[key] ?? { valuesUs: [], counts: [] }));

describe('open loop (--rate)', () => {
  it('sends rate × duration requests, each answered, and autocannon counts the same', async () => {
    const { totals, batches, checks, errors, server } = await run(delayed(5), { rate: 200 });
    expect(errors).toEqual([]);
    expect(totals).toEqual({ completed: 200, ok: 200, non2xx: 0, timeouts: 0, errors: 0, resets: 0 });
    expect(server.received()).toBe(200);
    expect(batches.reduce((n, b) => n + b.sent, 0)).toBe(200);
    expect(totalCount(merged(batches, 'histogram'))).toBe(200);
    expect(totalCount(merged(batches, 'uncorrected'))).toBe(200);
    expect(totalCount(merged(batches, 'sendLag'))).toBe(200);
    // autocannon adds one `sent` per client at construction (lib/run.js: "we will miss the
    // initial request emits"), sent or not; parked clients send nothing then, so only the
    // fates compare.
    const [{ autocannon: theirs, ours }] = checks;
    expect([ours.completed, ours.ok, ours.errorsWithTimeouts]).toEqual([theirs.completed, theirs.ok, theirs.errorsWithTimeouts]);
  });

  it('opens connections only as the schedule needs them', async () => {
    // 20 requests/s against a 5 ms server: one connection is always idle in time for the next.
    const { server, totals } = await run(delayed(5), { rate: 20, connections: 50 });
    expect(totals.completed).toBe(20);
    expect(server.accepted()).toBeLessThanOrEqual(2);
  });

  it('stops at -n even while the schedule would go on', async () => {
    const { totals, server } = await run(delayed(2), { rate: 500, requests: 30, durationS: null });
    expect(totals.completed).toBe(30);
    expect(server.received()).toBe(30);
  });

  it('counts the wait of requests queued behind a stalled server from their intended time', async () => {
    // Two connections at 100/s; the server holds every answer that arrives in 200–700 ms
    // until 700 ms. Both connections stall, ~50 requests fall due meanwhile and go out late,
    // answered in 2 ms: measured from their send (uncorrected) they look fast; from their
    // intended time they waited up to half a second.
    const start = performance.now();
    const stalling: Handler = (req, res) => {
      const at = performance.now() - start;
      const wait = at >= 200 && at < 700 ? 700 - at : 2;
      delayed(wait)(req, res, 0);
    };
    const { totals, batches, errors } = await run(stalling, { rate: 100, connections: 2, durationS: 1.5 });
    expect(errors).toEqual([]);
    expect(totals.completed).toBe(150);
    const corrected = summarizeMs(merged(batches, 'histogram'));
    const uncorrected = summarizeMs(merged(batches, 'uncorrected'));
    const lag = summarizeMs(merged(batches, 'sendLag'));
    // About a third of the requests were due during the stall: the corrected p90 shows it.
    expect(corrected.p90).toBeGreaterThan(200);
    expect(corrected.max).toBeGreaterThan(400);
    // Only the two requests on the wire when it stalled waited on the server.
    expect(uncorrected.p90).toBeLessThan(50);
    expect(lag.max).toBeGreaterThan(400);
  });
});

describe('closed-loop ramp (--ramp)', () => {
  it('uses as many connections as the stage says, connecting the others only when their stage comes', async () => {
    let inFlight = 0;
    const seen: Array<[number, number]> = [];
    const start = performance.now();
    const counting: Handler = (req, res) => {
      inFlight++;
      seen.push([performance.now() - start, inFlight]);
      setTimeout(() => {
        inFlight--;
        res.end('ok');
      }, 10);
    };
    const ramp = { unit: 'connections' as const, stages: [{ durationMs: 400, value: 1 }, { durationMs: 400, value: 4 }] };
    const { server, totals, errors } = await run(counting, { connections: 1, durationS: 0.8, ramp });
    expect(errors).toEqual([]);
    expect(totals.resets + totals.errors + totals.timeouts).toBe(0);
    const concurrency = (from: number, to: number) => Math.max(0, ...seen.filter(([t]) => t >= from && t < to).map(([, n]) => n));
    expect(concurrency(0, 350)).toBe(1);
    expect(concurrency(450, 800)).toBe(4);
    expect(server.accepted()).toBe(4);
  });
});
