import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startLoad, type LoadHandle } from '../../src/load/driver.js';
import { mergeAll, summarizeMs } from '../../src/load/histogram.js';
import { addCounts, ZERO_COUNTS } from '../../src/load/counts.js';
import { STOP_GRACE_MS } from '../../src/load/plan.js';
import type { LatencyBatch, LoadConfig, LoadCounts } from '../../src/load/types.js';
import { UsageError } from '../../src/util/errors.js';
import { delayed, dropping, silent, startServer, type TestServer } from './servers.js';

// Real loads through the real worker thread against real node:http servers on 127.0.0.1.
// Latency bounds are loose on purpose: they check correctness (a 20 ms server reads as
// about 20 ms, not 0 and not 60), not this machine's speed.

interface Run {
  readonly handle: LoadHandle;
  readonly batches: Array<{ tMs: number; batch: LatencyBatch }>;
  readonly errors: string[];
  readonly finishedCalls: Array<{ tMs: number; totals: LoadCounts }>;
  readonly finished: Promise<{ tMs: number; totals: LoadCounts }>;
  /** Session times at which onStarted was called. */
  readonly started: number[];
  /** Session time now, on the driver's clock. */
  readonly now: () => number;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}

function run(config: Partial<LoadConfig> & { url: string }, workers = 1): Run {
  const sessionStartMs = performance.timeOrigin + performance.now();
  const batches: Run['batches'] = [];
  const errors: string[] = [];
  const finishedCalls: Run['finishedCalls'] = [];
  const started: number[] = [];
  let resolve!: (value: { tMs: number; totals: LoadCounts }) => void;
  const finished = new Promise<{ tMs: number; totals: LoadCounts }>((r) => (resolve = r));
  const handle = startLoad(
    { connections: 10, requests: 200, durationS: null, timeoutS: 5, batchMs: 50, ...config },
    {
      sessionStartMs,
      onStarted: (tMs) => started.push(tMs),
      onBatch: (tMs, batch) => batches.push({ tMs, batch }),
      onFinished: (tMs, totals) => {
        finishedCalls.push({ tMs, totals });
        resolve({ tMs, totals });
      },
      onError: (message) => errors.push(message),
    },
    workers,
  );
  return { handle, batches, errors, finishedCalls, finished, started, now: () => performance.timeOrigin + performance.now() - sessionStartMs };
}

const sumBatches = (r: Run) => r.batches.reduce((sum, { batch }) => addCounts(sum, batch.counts), ZERO_COUNTS);
const latency = (r: Run) => summarizeMs(mergeAll(r.batches.map(({ batch }) => batch.histogram)));
const completedBetween = (r: Run, fromMs: number, toMs: number) =>
  r.batches.filter(({ tMs }) => tMs > fromMs && tMs <= toMs).reduce((n, { batch }) => n + batch.counts.completed, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const completedSoFar = (r: Run) => r.batches.reduce((n, { batch }) => n + batch.counts.completed, 0);
/** Waits until `n` responses have come back: the worker takes a moment to start (tsx compiles it). */
async function completions(r: Run, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (completedSoFar(r) < n) {
    if (Date.now() > deadline) throw new Error(`fewer than ${n} completions after 10 s`);
    await sleep(10);
  }
}

/** Checks that hold for every run: batches add up to the totals, onFinished once, no errors. */
function expectConsistent(r: Run, totals: LoadCounts) {
  expect(r.errors).toEqual([]);
  expect(r.finishedCalls).toHaveLength(1);
  expect(sumBatches(r)).toEqual(totals);
  expect(latency(r).count).toBe(totals.completed);
  expect(totals.ok + totals.non2xx).toBe(totals.completed);
  const times = r.batches.map(({ tMs }) => tMs);
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(times[0]).toBeGreaterThan(0);
}

describe('startLoad', () => {
  it('closed loop, c=10, n=200 against a 20 ms server: every request answered, p50 about 20 ms', async () => {
    const s = await server(delayed(20));
    const r = run({ url: s.url });
    const { totals } = await r.finished;
    expect(totals).toEqual({ completed: 200, ok: 200, non2xx: 0, timeouts: 0, errors: 0, resets: 0 });
    expectConsistent(r, totals);
    expect(s.received()).toBe(200);
    const { p50, min } = latency(r);
    // Node starts a timer from the loop's cached time, so a 20 ms timer can fire up to ~1 ms early.
    expect(min).toBeGreaterThanOrEqual(18.5);
    expect(p50).toBeLessThan(40);
    // 20 rounds of 10 at ≥ 20 ms each: at least 400 ms, so several batches of 50 ms.
    expect(r.batches.length).toBeGreaterThanOrEqual(4);
    expect(await r.handle.stop()).toEqual(totals); // after the end: the same totals, at once
    // The start is announced once, when requests go out: before the first batch, after the
    // worker has loaded (so load time is not counted as load).
    expect(r.started).toHaveLength(1);
    expect(r.started[0]).toBeLessThanOrEqual(r.batches[0].tMs);
    expect(r.started[0]).toBeGreaterThan(0);
  });

  it('counts non-2xx apart', async () => {
    const s = await server(delayed(5, (n) => (n % 4 === 0 ? 503 : 200)));
    const r = run({ url: s.url });
    const { totals } = await r.finished;
    expect(totals).toEqual({ completed: 200, ok: 150, non2xx: 50, timeouts: 0, errors: 0, resets: 0 });
    expectConsistent(r, totals);
  });

  it('counts timeouts when the server never answers', async () => {
    const s = await server(silent);
    const r = run({ url: s.url, connections: 5, requests: 10, timeoutS: 1 });
    const { tMs, totals } = await r.finished;
    expect(totals).toEqual({ completed: 0, ok: 0, non2xx: 0, timeouts: 10, errors: 0, resets: 0 });
    expectConsistent(r, totals);
    expect(s.received()).toBe(10);
    expect(tMs).toBeGreaterThanOrEqual(2_000); // two rounds of 1 s timeouts
  });

  it('a server that closes after every response (Connection: close) gets each request on a new connection: no resets', async () => {
    // Werkzeug's dev server and uWSGI's --http-socket answer like this; ab and wrk reconnect.
    const s = await server((_req, res) => {
      res.setHeader('connection', 'close');
      setTimeout(() => res.end('ok'), 5);
    });
    const r = run({ url: s.url, connections: 5, requests: 100 });
    const { totals } = await r.finished;
    expect(totals).toEqual({ completed: 100, ok: 100, non2xx: 0, timeouts: 0, errors: 0, resets: 0 });
    expectConsistent(r, totals);
    expect(s.received()).toBe(100);
  });

  it('keepAlive: false opens a new connection for every request, as ab does without -k', async () => {
    const sockets = new Set<unknown>();
    const s = await server((req, res) => {
      sockets.add(req.socket);
      setTimeout(() => res.end('ok'), 5);
    });
    const r = run({ url: s.url, connections: 5, requests: 60, keepAlive: false });
    const { totals } = await r.finished;
    expect(totals).toEqual({ completed: 60, ok: 60, non2xx: 0, timeouts: 0, errors: 0, resets: 0 });
    expect(sockets.size).toBe(60);
  });

  it('counts connections the server closes without answering as resets, and keeps latencies right', async () => {
    // autocannon itself reports nothing for these (errors stay 0). Every third request is dropped.
    const s = await server(dropping((n) => n % 3 === 0, 20));
    const r = run({ url: s.url });
    const { totals } = await r.finished;
    expect(totals).toEqual({ completed: 134, ok: 134, non2xx: 0, timeouts: 0, errors: 0, resets: 66 });
    expectConsistent(r, totals);
    // Without clearing the dropped request on reconnect (engine.ts) the next response was
    // timed from the dropped send: p50 read about 60 ms here.
    expect(latency(r).p50).toBeLessThan(40);
    // Known as they happen, not only at the end.
    expect(r.batches.filter(({ batch }) => batch.counts.resets > 0).length).toBeGreaterThan(1);
  });

  it('counts connections reset with an error (RST) as errors', async () => {
    const s = await server((req, res, n) => {
      if (n % 3 === 0) req.socket.resetAndDestroy();
      else delayed(5)(req, res, n);
    });
    const r = run({ url: s.url });
    const { totals } = await r.finished;
    expect(totals).toEqual({ completed: 134, ok: 134, non2xx: 0, timeouts: 0, errors: 66, resets: 0 });
    expectConsistent(r, totals);
  });

  it('counts refused connections as errors, one per request', async () => {
    const s = await startServer(delayed(0));
    await s.close(); // the port is now (very likely) closed
    const r = run({ url: s.url, connections: 2, requests: 20 });
    const { totals } = await r.finished;
    expect(totals).toEqual({ completed: 0, ok: 0, non2xx: 0, timeouts: 0, errors: 20, resets: 0 });
    expectConsistent(r, totals);
  });

  it('duration mode: runs for durationS, and the requests on the wire at the end complete and count', async () => {
    const s = await server(delayed(20));
    const r = run({ url: s.url, connections: 5, requests: null, durationS: 1 });
    const { tMs, totals } = await r.finished;
    expectConsistent(r, totals);
    expect(tMs).toBeGreaterThanOrEqual(1_000);
    expect(tMs).toBeLessThan(2_500);
    expect(totals.completed).toBeGreaterThan(50); // 5 connections × ~45 rounds at best
    expect(totals).toEqual({ ...totals, ok: totals.completed, non2xx: 0, timeouts: 0, errors: 0, resets: 0 });
    // Nothing dropped at the end: every request the server got was answered and counted.
    expect(s.received()).toBe(totals.completed);
  });

  it('pause/resume by requests: the total stays exact and nothing completes while paused', async () => {
    const s = await server(delayed(20));
    const r = run({ url: s.url, connections: 5, requests: 300 }); // ≥ 1.2 s of load
    await completions(r, 50);
    r.handle.pause();
    const pausedAt = r.now();
    await sleep(1_000);
    const resumedAt = r.now();
    r.handle.resume();
    const { totals } = await r.finished;
    expect(totals).toEqual({ completed: 300, ok: 300, non2xx: 0, timeouts: 0, errors: 0, resets: 0 });
    expectConsistent(r, totals);
    expect(s.received()).toBe(300);
    // The drain ends within ~20 ms (the server's delay); then silence until the resume.
    const quietFrom = pausedAt + 200;
    expect(r.batches.filter(({ tMs }) => tMs > quietFrom && tMs <= resumedAt).length).toBeGreaterThanOrEqual(10);
    expect(completedBetween(r, quietFrom, resumedAt)).toBe(0);
    expect(completedBetween(r, 0, pausedAt)).toBeGreaterThan(0);
    expect(completedBetween(r, resumedAt, Infinity)).toBeGreaterThan(0);
  });

  it('pause/resume by duration: paused time does not count against the duration', async () => {
    const s = await server(delayed(20));
    const r = run({ url: s.url, connections: 5, requests: null, durationS: 1 });
    await completions(r, 1);
    await sleep(200);
    r.handle.pause();
    const pausedAt = r.now();
    await sleep(1_000);
    const resumedAt = r.now();
    r.handle.resume();
    const { tMs, totals } = await r.finished;
    expectConsistent(r, totals);
    expect(tMs - resumedAt).toBeGreaterThanOrEqual(600); // ≥ 750 ms of the second were left
    expect(tMs - resumedAt).toBeLessThan(1_500);
    expect(completedBetween(r, pausedAt + 200, resumedAt)).toBe(0);
    expect(completedBetween(r, resumedAt, Infinity)).toBeGreaterThan(0);
    expect(s.received()).toBe(totals.completed);
  });

  it('pause while paused and resume while running change nothing', async () => {
    const s = await server(delayed(10));
    const r = run({ url: s.url, connections: 5, requests: 100 });
    r.handle.resume();
    await completions(r, 1);
    r.handle.pause();
    r.handle.pause();
    await sleep(300);
    r.handle.resume();
    r.handle.resume();
    const { totals } = await r.finished;
    expect(totals.completed).toBe(100);
    expectConsistent(r, totals);
    expect(s.received()).toBe(100);
  });

  it('stop() ends a long load early and resolves with the totals of all batches', async () => {
    const s = await server(delayed(20));
    const r = run({ url: s.url, requests: 1_000_000 });
    await completions(r, 100);
    const stoppedAt = r.now();
    const totals = await r.handle.stop();
    expect(r.now() - stoppedAt).toBeLessThan(STOP_GRACE_MS + 500);
    expect((await r.finished).totals).toEqual(totals);
    expectConsistent(r, totals);
    expect(totals.completed).toBeGreaterThanOrEqual(100);
    expect(totals.completed).toBeLessThan(1_000);
    expect(totals).toEqual({ ...totals, ok: totals.completed, timeouts: 0, errors: 0, resets: 0 });
    expect(s.received()).toBe(totals.completed); // drained, not dropped
    expect(await r.handle.stop()).toEqual(totals);
  });

  it('stop() while paused ends at once', async () => {
    const s = await server(delayed(10));
    const r = run({ url: s.url, connections: 2, requests: 1_000 });
    await completions(r, 1);
    r.handle.pause();
    await sleep(200);
    const totals = await r.handle.stop();
    expectConsistent(r, totals);
    expect(totals.completed).toBeGreaterThan(0);
    expect(s.received()).toBe(totals.completed);
  });

  it('stop() cuts off requests the server sits on once the grace period is over', async () => {
    const s = await server(silent);
    const r = run({ url: s.url, connections: 3, requests: 100, timeoutS: 30 });
    while (s.received() < 3) await sleep(10);
    const stoppedAt = r.now();
    const totals = await r.handle.stop();
    const tookMs = r.now() - stoppedAt;
    expect(tookMs).toBeGreaterThanOrEqual(STOP_GRACE_MS - 50);
    expect(tookMs).toBeLessThan(STOP_GRACE_MS + 1_000);
    // Cut off by us: neither a timeout nor a reset.
    expect(totals).toEqual(ZERO_COUNTS);
    expectConsistent(r, totals);
  });

  it('a listener that throws reaches onError and the load goes on', async () => {
    const s = await server(delayed(5));
    const errors: string[] = [];
    let thrown = false;
    const totals = await new Promise<LoadCounts>((resolve) =>
      startLoad(
        { url: s.url, connections: 2, requests: 20, durationS: null, timeoutS: 5, batchMs: 20 },
        {
          sessionStartMs: performance.timeOrigin + performance.now(),
          onBatch: () => {
            if (thrown) return;
            thrown = true;
            throw new Error('boom');
          },
          onFinished: (_tMs, t) => resolve(t),
          onError: (message) => errors.push(message),
        },
      ),
    );
    expect(errors).toEqual(['load onBatch listener threw: boom']);
    expect(totals.completed).toBe(20);
  });

  it('--load-workers: the load spread over two worker threads adds up exactly, each batch tagged with its worker', async () => {
    const s = await server(delayed(10));
    const r = run({ url: s.url, connections: 10, requests: 201 }, 2);
    const { totals } = await r.finished;
    expect(r.errors).toEqual([]);
    expect(totals).toEqual({ completed: 201, ok: 201, non2xx: 0, timeouts: 0, errors: 0, resets: 0 });
    expect(sumBatches(r)).toEqual(totals);
    expect(s.received()).toBe(201);
    expect(r.started).toHaveLength(1);
    expect(new Set(r.batches.map(({ batch }) => batch.worker))).toEqual(new Set([0, 1]));
    const sentBy = (w: number) => r.batches.filter(({ batch }) => batch.worker === w).reduce((n, { batch }) => n + batch.sent, 0);
    expect([sentBy(0), sentBy(1)]).toEqual([101, 100]);
    // Each worker reports its own health.
    expect(r.batches.every(({ batch }) => batch.generator !== undefined && batch.generator.connections <= 5)).toBe(true);
  });

  it('open loop over two workers: together they send the schedule, rate × duration', async () => {
    const s = await server(delayed(5));
    const r = run({ url: s.url, connections: 20, requests: null, durationS: 1, rate: 300 }, 2);
    const { totals } = await r.finished;
    expect(r.errors).toEqual([]);
    expect(totals.completed).toBe(300);
    expect(s.received()).toBe(300);
    expect(r.batches.every(({ batch }) => batch.uncorrected !== undefined && batch.sendLag !== undefined)).toBe(true);
  });

  it('open loop, paused and resumed: the schedule picks up where it stopped, paused time not counted', async () => {
    const s = await server(delayed(5));
    const r = run({ url: s.url, connections: 20, requests: null, durationS: 1, rate: 100 });
    await completions(r, 20);
    r.handle.pause();
    const pausedAt = r.now();
    await sleep(600);
    const resumedAt = r.now();
    r.handle.resume();
    const { totals } = await r.finished;
    expect(r.errors).toEqual([]);
    expect(completedBetween(r, pausedAt + 100, resumedAt)).toBe(0);
    // One request may fall on either side of the pause.
    expect(totals.completed).toBeGreaterThanOrEqual(99);
    expect(totals.completed).toBeLessThanOrEqual(101);
  });

  it('refuses a config that cannot run, before starting anything', () => {
    const start = () =>
      startLoad(
        { url: 'http://10.0.0.1/', connections: 1, requests: 1, durationS: null, timeoutS: 1, batchMs: 100 },
        { sessionStartMs: 0, onBatch() {}, onFinished() {}, onError() {} },
      );
    expect(start).toThrow(UsageError);
    expect(start).toThrow('load: url: load goes only to 127.0.0.1, got 10.0.0.1');
  });

  it('leaves no thread and no process behind', async () => {
    // By tid, not by count: the previous test's worker thread may still be ending while this
    // one starts, so the process-wide count can stand still while ours is born.
    const tids = () => new Set(readdirSync(`/proc/${process.pid}/task`));
    const children = () => {
      try {
        return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
          .split('\n')
          .filter((line) => line.trim() !== '' && !line.includes(' ps'));
      } catch {
        return []; // ps exits 1 when no process matches
      }
    };
    const s = await server(delayed(50));
    const tidsBefore = tids();
    const childrenBefore = children(); // e.g. the esbuild service of tsx/vitest: not ours
    const r = run({ url: s.url, connections: 2, requests: 40 });
    await completions(r, 1);
    const born = [...tids()].filter((tid) => !tidsBefore.has(tid));
    expect(born.length).toBeGreaterThan(0); // the worker thread is there while loading
    expect(children()).toEqual(childrenBefore); // a thread, not a process
    await r.finished;
    // terminate() is asynchronous, and slower on a busy machine: wait for the thread to end,
    // up to a bound far beyond any healthy exit; a worker that never ends still fails here.
    const stillThere = () => born.filter((tid) => tids().has(tid));
    const deadline = Date.now() + 5_000;
    while (stillThere().length > 0 && Date.now() < deadline) await sleep(50);
    expect(stillThere()).toEqual([]);
    expect(children()).toEqual(childrenBefore);
  });
});

describe('adjust: the load changed while it runs (keys in the live view)', () => {
  /** Responses per second in [fromMs, toMs) of the run, from its batches. */
  function rateBetween(r: Run, fromMs: number, toMs: number): number {
    const done = r.batches.filter((b) => b.tMs >= fromMs && b.tMs < toMs).reduce((n, b) => n + b.batch.counts.completed, 0);
    return done / ((toMs - fromMs) / 1000);
  }

  it('closed loop: 2 connections, then 8 — four times the throughput of a 100 ms server, at once', async () => {
    const s = await server(delayed(100));
    const r = run({ url: s.url, connections: 2, requests: null, durationS: 3, adjustable: { maxConnections: 20 } });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const switchedAt = r.now();
    r.handle.adjust({ connections: 8 });
    const { totals } = await r.finished;
    expect(r.errors).toEqual([]);
    const before = rateBetween(r, switchedAt - 800, switchedAt);
    const after = rateBetween(r, switchedAt + 300, switchedAt + 1_500);
    expect(before).toBeGreaterThan(12);
    expect(before).toBeLessThan(22);
    expect(after).toBeGreaterThan(3 * before);
    expect(totals.errors + totals.timeouts + totals.resets).toBe(0);
  });

  it('closed loop with -n: the amount is sent exactly, adjusted or not', async () => {
    const s = await server(delayed(20));
    const r = run({ url: s.url, connections: 2, requests: 150, adjustable: { maxConnections: 10 } });
    setTimeout(() => r.handle.adjust({ connections: 10 }), 200);
    const { totals } = await r.finished;
    expect(totals.completed).toBe(150);
    expect(s.received()).toBe(150);
  });

  it('open loop: 20/s, then 80/s, the schedule follows within a batch', async () => {
    const s = await server(delayed(5));
    const r = run({ url: s.url, connections: 50, requests: null, durationS: 3, rate: 20, adjustable: { maxConnections: 50 } });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const switchedAt = r.now();
    r.handle.adjust({ rate: 80 });
    await r.finished;
    expect(r.errors).toEqual([]);
    expect(rateBetween(r, switchedAt - 800, switchedAt)).toBeLessThan(30);
    expect(rateBetween(r, switchedAt + 300, switchedAt + 1_500)).toBeGreaterThan(60);
  });
});
