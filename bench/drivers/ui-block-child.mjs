// The UI side of watchload wired as the CLI wires it, for bench/ui-block.ts, run in a tmux
// pane (a real terminal): the session store (createStore, publishing every 250 ms as the
// interactive CLI does), the real sampler thread (startSamplerThread) on a given tree with
// its snapshots dispatched into the store, and the live view (tuiFrontEnd: Ink + LiveApp +
// Dashboard) subscribed to it, all from the built dist/. No server, no upstream, no load:
// only sampling and drawing. It measures the main thread's event-loop delay
// (perf_hooks.monitorEventLoopDelay, 1 ms resolution) in three phases:
//
//   idle      nothing running: this VM's own timer jitter
//   store     the sampler thread feeding the store, no view mounted
//   view      the same with the live view mounted and drawing
//
//   node bench/drivers/ui-block-child.mjs --root PID --interval MS --out FILE
//        [--idle S] [--warm S] [--measure S]
//
// Writes one JSON object to FILE and exits 0 (1 on failure, the error in FILE).
process.env.NODE_ENV ??= 'production'; // as bin/watchload.js: before React loads
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    root: { type: 'string' },
    interval: { type: 'string', default: '100' },
    out: { type: 'string' },
    idle: { type: 'string', default: '3' },
    warm: { type: 'string', default: '2' },
    measure: { type: 'string', default: '8' },
  },
});
const rootPid = Number(opts.root);
const intervalMs = Number(opts.interval);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const dist = new URL('../../dist/', import.meta.url);
const load = async (path) => {
  const url = new URL(path, dist);
  if (!existsSync(url)) throw new Error(`dist/${path} is missing: run \`npm run build\` first`);
  return import(url.href);
};

/** CPU of this process's main thread so far, ms (schedstat's first field, ns). */
function mainThreadCpuMs() {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

/**
 * What happened on the main thread, for attributing long blocks: a snapshot folded into the
 * store ('fold', its ms), a publish of the store ('publish': the view's setState), a write of
 * a frame to the terminal ('write', its ms). Times are performance.now().
 */
const marks = [];
const BLOCK_MS = 16;

/**
 * Event-loop delay and main-thread CPU over `seconds`, while whatever runs keeps running.
 * Beside monitorEventLoopDelay, a 1 ms interval of our own records every gap over BLOCK_MS
 * with the marks inside it, to say what blocked: a gap holding a publish or a write is the
 * view drawing; one holding only a fold is a snapshot's receipt (copy, decoding) and fold;
 * one holding nothing is GC or the scheduler (others' processes, the sampler thread).
 */
async function phase(seconds, during) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const cpu0 = mainThreadCpuMs();
  const t0 = performance.now();
  const counters0 = during?.();
  const firstMark = marks.length;
  const gaps = [];
  let last = performance.now();
  const detector = setInterval(() => {
    const now = performance.now();
    if (now - last > BLOCK_MS + 1) gaps.push({ start: last, end: now });
    last = now;
  }, 1);
  h.enable();
  await sleep(seconds * 1000);
  h.disable();
  clearInterval(detector);
  const wallMs = performance.now() - t0;
  const counters1 = during?.();
  const ms = (ns) => ns / 1e6;
  const mine = marks.slice(firstMark);
  const causes = { view: 0, snapshot: 0, unseen: 0 };
  const blocks = gaps.map(({ start, end }) => {
    // A publish just before the gap's start still counts: the render it scheduled runs after.
    const inside = mine.filter((m) => m.t >= start - 2 && m.t <= end);
    const kinds = (k) => inside.filter((m) => m.kind === k);
    const cause = kinds('publish').length + kinds('write').length > 0 ? 'view' : kinds('fold').length > 0 ? 'snapshot' : 'unseen';
    causes[cause]++;
    return {
      ms: end - start - 1,
      cause,
      folds: kinds('fold').length,
      foldMs: kinds('fold').reduce((n, m) => n + m.ms, 0),
      writes: kinds('write').length,
      writeMs: kinds('write').reduce((n, m) => n + m.ms, 0),
      publishes: kinds('publish').length,
    };
  });
  const writes = mine.filter((m) => m.kind === 'write');
  return {
    wallMs,
    // monitorEventLoopDelay records how late its 1 ms timer fired: a block of B ms reads ~B.
    loopDelayMs: { max: ms(h.max), p99: ms(h.percentile(99)), p999: ms(h.percentile(99.9)), mean: ms(h.mean), samples: h.count },
    mainThreadCpuPercent: ((mainThreadCpuMs() - cpu0) / wallMs) * 100,
    blocks: { count: blocks.length, causes, longest: [...blocks].sort((a, b) => b.ms - a.ms).slice(0, 20) },
    writes: { count: writes.length, maxMs: Math.max(0, ...writes.map((w) => w.ms)), totalMs: writes.reduce((n, w) => n + w.ms, 0), bytes: writes.reduce((n, w) => n + w.bytes, 0) },
    ...(counters0 && counters1 ? { snapshots: counters1.snapshots - counters0.snapshots, snapshotsPerS: ((counters1.snapshots - counters0.snapshots) * 1000) / wallMs } : {}),
  };
}

// Writes to the terminal are synchronous for a TTY (a full pty blocks the loop): time them.
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const t = performance.now();
  const ok = write(chunk, ...rest);
  marks.push({ t, kind: 'write', ms: performance.now() - t, bytes: typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length });
  return ok;
};

const result = { rootPid, intervalMs, nodeEnv: process.env.NODE_ENV ?? null, phases: {}, dispatch: null, threads: null, error: null };
let sampler = null;
let frontEnd = null;
let store = null;
try {
  const { parseCli } = await load('src/cli-options.js');
  const { createStore } = await load('src/session/store.js');
  const { startSamplerThread } = await load('src/proc/sampler-thread.js');
  const { tuiFrontEnd } = await load('src/frontend/tui.js');

  // The config the CLI builds, so that the header has everything it shows.
  const cli = parseCli(['--model', 'single', '--interval', String(intervalMs), '-d', '60']);
  const config = { ...cli.config, model: 'idle-threads' };
  const sessionStartMs = performance.timeOrigin + performance.now();
  const clock = () => performance.timeOrigin + performance.now() - sessionStartMs;
  store = createStore({ publishMs: 250 });
  store.dispatch({ type: 'session/started', tMs: 0, config });
  store.dispatch({ type: 'server/spawned', tMs: clock(), pid: rootPid, command: ['python3', 'idle-threads.py'], url: 'http://127.0.0.1:1/' });
  store.dispatch({ type: 'server/ready', tMs: clock() });

  result.phases.idle = await phase(Number(opts.idle));

  // Each snapshot is folded into the store as run.ts does; the fold is timed on its own.
  const dispatchMs = [];
  marks.length = 0;
  let snapshots = 0;
  let threads = 0;
  let failure = null;
  sampler = startSamplerThread({
    rootPid,
    intervalMs,
    sessionStartMs,
    onSnapshot: (snapshot) => {
      const t0 = performance.now();
      store.dispatch({ type: 'proc/sample', tMs: snapshot.tMs, snapshot });
      const ms = performance.now() - t0;
      dispatchMs.push(ms);
      marks.push({ t: t0, kind: 'fold', ms });
      snapshots++;
      threads = snapshot.processes.reduce((n, p) => n + p.threads.length, 0);
    },
    onError: (message) => (failure = message),
  });
  const counters = () => ({ snapshots });
  await sleep(Number(opts.warm) * 1000);
  const foldsBefore = dispatchMs.length;
  result.phases.store = await phase(Number(opts.measure), counters);
  const storeFolds = dispatchMs.slice(foldsBefore);

  // The view subscribes through this, so that each publish is marked (React renders the new
  // state in a task it schedules, after the listener returns).
  const inner = store;
  const timed = {
    ...inner,
    subscribe: (listener) =>
      inner.subscribe((state) => {
        marks.push({ t: performance.now(), kind: 'publish' });
        listener(state);
      }),
  };
  const controls = { quit() {}, interrupt() {}, togglePause() {} };
  frontEnd = tuiFrontEnd();
  frontEnd.start(timed, controls);
  await sleep(Number(opts.warm) * 1000);
  const viewBefore = dispatchMs.length;
  result.phases.view = await phase(Number(opts.measure), counters);
  const viewFolds = dispatchMs.slice(viewBefore);
  if (failure) throw new Error(`sampler: ${failure}`);

  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? null : { count: s.length, max: s[s.length - 1], p50: s[Math.floor(s.length / 2)], mean: s.reduce((a, b) => a + b, 0) / s.length };
  };
  result.dispatch = { store: stats(storeFolds), view: stats(viewFolds) };
  result.threads = threads;
} catch (error) {
  result.error = error?.stack ?? String(error);
  process.exitCode = 1;
} finally {
  await sampler?.stop();
  await frontEnd?.stop();
  store?.close();
  writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
}
