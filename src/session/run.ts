import type { ModelSpec } from '../models/registry.js';
import { assertAnswers, attachServer, spawnServer, waitReady, type ServerProcess } from '../models/supervisor.js';
import { assertNothingListens } from '../models/custom.js';
import { assertRunnable } from '../models/requirements.js';
import type { RunningCompanions } from '../models/companions.js';
import { startUpstream, type StartUpstream, type Upstream } from '../upstream/upstream.js';
import { startSamplerThread } from '../proc/sampler-thread.js';
import { startLoad } from '../load/driver.js';
import type { LoadSetting } from '../load/types.js';
import type { Snapshot } from '../proc/types.js';
import { assertPortFree, freePort } from '../util/ports.js';
import { RuntimeError } from '../util/errors.js';
import { createStore, currentLoadSetting, type Store } from './store.js';
import type { EndReason, SessionConfig, SessionEvent } from './events.js';
import type { SessionState } from './state.js';
import type { Engine } from '../docker/engine.js';
import type { ContainerUsage, DockerOptions } from '../docker/types.js';
import type { ContainerServer } from '../docker/container.js';

export interface SessionOptions {
  readonly config: SessionConfig;
  /**
   * What to run: a registry model, or the user's own server (ModelSpec.own: --cmd started
   * here, --attach already running and never stopped).
   */
  readonly model: ModelSpec;
  /** --port, or null for a free one. */
  readonly port: number | null;
  readonly host: string;
  /** Per-request timeout of the load, seconds. */
  readonly requestTimeoutS: number;
  readonly readyTimeoutMs: number;
  /** Keep sampling after the load ends until the user quits (the TUI), or end at once (headless). */
  readonly holdAfterLoad: boolean;
  /** How often the store publishes to the front end. */
  readonly publishMs: number;
  /** Every event as the store folds it, in dispatch order (--record writes them). */
  readonly onEvent?: (event: SessionEvent) => void;
  /**
   * --docker: the server runs in a container on this engine, from this image (ready: the
   * command line's edge connected and built it); absent or null: on this host.
   */
  readonly docker?: { readonly engine: Engine; readonly image: string; readonly options: DockerOptions } | null;
  /**
   * Starts the upstream a registry model's app calls (default: the slow API in a worker
   * thread). Tests pass one that stalls or dies on cue, to see the run go on through it.
   */
  readonly startUpstream?: StartUpstream;
}

/** How often a container's cgroup (pids, CPU quota, memory) is read from the engine (one read takes ~1 s)… */
const CONTAINER_USAGE_MS = 2_000;
/** …and from its files, where the engine is local. */
const LOCAL_CGROUP_MS = 250;

/** What the front end may ask of the session (keys, signals). */
export interface Controls {
  quit(): void;
  interrupt(signal: NodeJS.Signals): void;
  togglePause(): void;
  /**
   * Changes the running load from now on (keys in the live view) by a difference: connections
   * that send (closed loop) or requests/s (open loop) added to the current setting, clamped to
   * what the load can do. A difference, not a value: presses made before the front end sees
   * the first change still add up. Ignored for a ramp, before the load starts and after it ends.
   */
  adjustLoad(change: LoadSetting): void;
}

/** The Ink app or the headless printer: reads the store, never touches the run. */
export interface FrontEnd {
  start(store: Store, controls: Controls): void;
  /** Unmounts / stops printing; called before the server is killed and the report printed. */
  stop(): Promise<void>;
}

export interface SessionResult {
  readonly state: SessionState;
  readonly reason: EndReason;
  readonly exitCode: number;
  /** Set when the run failed (the server would not start, died, or something threw). */
  readonly error: Error | null;
  readonly command: readonly string[];
  readonly url: string | null;
}

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Owns every lifecycle of a run: upstream, server, sampler, load, front end. Starts them in
 * order, ends on the first of: load done (headless), quit, a signal, the server dying, an
 * error; then tears down in order: load, sampler, UI, server group, upstream. An attached
 * server (--attach) is watched like any other but never stopped: watchload did not start it.
 */
export async function runSession(options: SessionOptions, frontEnd: FrontEnd): Promise<SessionResult> {
  const { config, model } = options;
  const own = model.own ?? null;
  const attached = own?.attachPid !== undefined;
  const sessionStartMs = performance.timeOrigin + performance.now();
  const clock = () => performance.timeOrigin + performance.now() - sessionStartMs;
  const store = createStore({ publishMs: options.publishMs, onEvent: options.onEvent });
  const dispatch = (event: SessionEvent) => store.dispatch(event);

  const ending = deferred<{ reason: EndReason; exitCode: number }>();
  let ended: { reason: EndReason; exitCode: number } | null = null;
  const end = (reason: EndReason, exitCode: number) => {
    if (ended) return;
    ended = { reason, exitCode };
    ending.resolve(ended);
  };

  let upstream: Upstream | null = null;
  let server: ServerProcess | null = null;
  // Set in startServer(): a declared type alone would be narrowed to null at its uses here.
  let companions = null as RunningCompanions | null;
  let sampler: Awaited<ReturnType<typeof startSamplerThread>> | null = null;
  let usageWatch: { stop(): void } | null = null;
  let load: ReturnType<typeof startLoad> | null = null;
  let error: Error | null = null;
  let url: string | null = null;
  let paused = false;

  // Only a live view changes a running load; a headless run keeps its load exactly as given.
  const adjustable = options.holdAfterLoad && config.ramp === null ? { maxConnections: adjustableConnections(config) } : null;
  const controls: Controls = {
    // Quitting once the load has finished is how a held view ends: the run completed.
    quit: () => end(store.getState().load.finishedAtMs === null ? 'quit' : 'completed', 0),
    interrupt: (signal) => end('interrupted', SIGNAL_EXIT[signal] ?? 130),
    togglePause() {
      const phase = store.getState().phase;
      if (!load || (phase !== 'loading' && phase !== 'paused')) return;
      paused = !paused;
      if (paused) load.pause();
      else load.resume();
      dispatch({ type: paused ? 'load/paused' : 'load/resumed', tMs: clock() });
    },
    adjustLoad(change) {
      const state = store.getState();
      if (!load || adjustable === null || (state.phase !== 'loading' && state.phase !== 'paused')) return;
      const current = currentLoadSetting(state);
      if (current === null || ('connections' in current) !== ('connections' in change)) return;
      const next: LoadSetting =
        'connections' in current && 'connections' in change
          ? { connections: Math.min(adjustable.maxConnections, Math.max(config.loadWorkers, Math.round(current.connections + change.connections))) }
          : 'rate' in current && 'rate' in change
            ? { rate: Math.min(MAX_RATE, Math.max(MIN_RATE, current.rate + change.rate)) }
            : current;
      if (JSON.stringify(next) === JSON.stringify(current)) return;
      load.adjust(next);
      dispatch({ type: 'load/adjusted', tMs: clock(), connections: 'connections' in next ? next.connections : null, rate: 'rate' in next ? next.rate : null });
    },
  };
  const onSignal = (signal: NodeJS.Signals) => controls.interrupt(signal);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  // A bug must not leave a server running or the terminal in raw mode: end the run in order.
  const onCrash = (caught: unknown) => {
    error ??= new RuntimeError(`internal error: ${caught instanceof Error ? caught.message : String(caught)}`);
    end('error', 1);
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  /** Waits for the step or for the run to end, whichever comes first; false if the run ended. */
  const unlessEnded = <T>(step: Promise<T>): Promise<T | typeof ENDED> =>
    Promise.race([step, ending.promise.then((): typeof ENDED => ENDED)]);

  dispatch({ type: 'session/started', tMs: 0, config });
  frontEnd.start(store, controls);
  try {
    // A missing server, module or plugin: one line naming it, before anything starts.
    assertRunnable(model);
    ({ server, url } = await startServer());
    const started = server;
    const target = url;
    const container = 'container' in started ? (started as ContainerServer) : null;
    dispatch({ type: 'server/spawned', tMs: clock(), pid: started.pid, command: started.argv, url: target, ...(container ? { container: container.info } : {}) });
    if (container) {
      const onUsage = (usage: ContainerUsage) => dispatch({ type: 'server/container-usage', tMs: clock(), usage });
      // Local: the cgroup's own files, exact and cheap, often; remote: the engine's stats (a second a call).
      const { localCgroupReader, watchLocalUsage } = await import('../docker/cgroup.js');
      const readLocal = container.info.sampling === 'proc' ? localCgroupReader(started.pid) : null;
      usageWatch = readLocal
        ? watchLocalUsage(readLocal, LOCAL_CGROUP_MS, onUsage)
        : (await import('../docker/usage.js')).watchContainerUsage(container.container, CONTAINER_USAGE_MS, onUsage);
    }
    void started.exited.then(({ code, signal }) => {
      dispatch({ type: 'server/exited', tMs: clock(), code, signal, expected: started.stopping, stderrTail: started.outputTail() });
      // Before it is ready, waitReady reports the exit itself, with the right words.
      if (!started.stopping && store.getState().server?.readyAtMs != null) end('server-exited', 1);
    });

    // Ready: a model's app answers 200 (asking the upstream for no delay); the user's own
    // server answers anything; an attached one must answer at once (it is running already).
    const ready = attached
      ? assertAnswers(target, options.readyTimeoutMs)
      : waitReady(own ? target : `${target}?delay=0`, started, options.readyTimeoutMs, own ? { anyStatus: true, what: 'the command' } : {});
    if ((await unlessEnded(ready)) === ENDED) return await finish();
    dispatch({ type: 'server/ready', tMs: clock() });

    const samplerOptions = {
      intervalMs: config.intervalMs,
      sessionStartMs,
      onSnapshot: (snapshot: Snapshot) => dispatch({ type: 'proc/sample', tMs: snapshot.tMs, snapshot }),
      onError: (message: string) => {
        error = new RuntimeError(`sampler: ${message}`);
        end('error', 1);
      },
    };
    // A container on a remote engine: its threads only through the engine's top.
    sampler =
      container?.info.sampling === 'engine'
        ? (await import('../docker/top-sampler.js')).startEngineSampler({ container: container.container, ...samplerOptions })
        : startSamplerThread({ rootPid: started.pid, companions: companions?.processes ?? [], ...samplerOptions });
    // The 'before' shape: after ready, before the first request (a request would change it).
    if ((await unlessEnded(settledSample(sampler))) === ENDED) return await finish();

    const loadDone = deferred<void>();
    load = startLoad(
      {
        // The user's own server gets its URL as given: it knows nothing of the upstream.
        url: own ? target : `${target}?delay=${config.delayS}`,
        connections: config.connections,
        requests: config.requests,
        durationS: config.durationS,
        timeoutS: options.requestTimeoutS,
        keepAlive: config.keepAlive,
        batchMs: Math.min(250, config.intervalMs),
        rate: config.rate,
        ramp: config.ramp,
        adjustable,
      },
      {
        sessionStartMs,
        onStarted: (tMs) => dispatch({ type: 'load/started', tMs }),
        onBatch: (tMs, batch) => dispatch({ type: 'load/batch', tMs, batch }),
        onFinished: (tMs, totals) => {
          dispatch({ type: 'load/finished', tMs, totals });
          loadDone.resolve();
        },
        onError: (message) => {
          error = new RuntimeError(`load: ${message}`);
          end('error', 1);
        },
      },
      config.loadWorkers,
    );
    if ((await unlessEnded(loadDone.promise)) === ENDED) return await finish();
    // The 'after' shape: the first sample once the load has stopped.
    if ((await unlessEnded(sampler.sampleNow())) === ENDED) return await finish();
    if (!options.holdAfterLoad) end('completed', 0);
    return await finish();
  } catch (caught) {
    error = caught instanceof Error ? caught : new Error(String(caught));
    end('error', 1);
    return await finish();
  }

  /**
   * The server, by where it comes from: a registry model (the upstream it calls, its port,
   * what runs beside it, then the server), the user's command (--cmd: at the user's URL,
   * nothing else), or a running process (--attach: nothing is started).
   */
  async function startServer(): Promise<{ server: ServerProcess; url: string }> {
    if (own?.attachPid !== undefined) return { server: attachServer(own.attachPid), url: own.url };
    if (own) {
      await assertNothingListens(own.url);
      const { hostname, port } = new URL(own.url);
      // The command is the user's: it ignores what a registry model takes from the context.
      const launch = model.launch({ host: hostname, port: Number(port || 80), upstreamUrl: '', workers: null, threads: null });
      return { server: spawnServer(launch), url: own.url };
    }
    // Its failure is told, not fatal: the app's calls fail, and the load counts what follows.
    upstream = await (options.startUpstream ?? startUpstream)({ onFailed: (message) => dispatch({ type: 'upstream/failed', tMs: clock(), message }) });
    dispatch({ type: 'upstream/ready', tMs: clock(), url: upstream.url });

    const port = options.port ?? (await freePort(options.host));
    if (options.port !== null) await assertPortFree(options.port, options.host);
    // What runs beside the server (nginx in front) starts first and stops after it (finish).
    companions = (await model.startCompanions?.({ host: options.host, serverPort: port, readyTimeoutMs: options.readyTimeoutMs })) ?? null;
    const launch = model.launch({
      host: options.host,
      port,
      upstreamUrl: upstream.url,
      workers: config.workers,
      threads: config.threads,
      companions,
    });
    // With a proxy in front, the readiness probe and the load go through it.
    const url = `http://${options.host}:${companions?.frontPort ?? port}${model.path}`;
    if (options.docker) {
      const { startContainerServer } = await import('../docker/container.js');
      return { server: await startContainerServer(launch, { ...options.docker, model: model.name }), url };
    }
    return { server: spawnServer(launch), url };
  }

  async function finish(): Promise<SessionResult> {
    const { reason, exitCode } = await ending.promise;
    try {
      if (load) {
        const totals = await load.stop();
        if (store.getState().load.finishedAtMs === null) dispatch({ type: 'load/finished', tMs: clock(), totals });
      }
      if (sampler && server && reason !== 'server-exited' && store.getState().shape.after === null) {
        await Promise.race([sampler.sampleNow(), new Promise((r) => setTimeout(r, 1_000))]).catch(() => undefined);
      }
      await sampler?.stop();
      usageWatch?.stop();
      dispatch({ type: 'session/ended', tMs: clock(), reason });
      store.flush();
      await frontEnd.stop();
    } finally {
      usageWatch?.stop();
      await server?.stop();
      await companions?.stop();
      await upstream?.stop();
      store.close();
      for (const signal of signals) process.off(signal, onSignal);
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    }
    if (reason === 'server-exited' && !error && server) {
      const exit = store.getState().server?.exited;
      const how = exit?.signal ? `signal ${exit.signal}` : `exit code ${exit?.code}`;
      error = attached
        ? new RuntimeError(`the attached process ${server.pid} exited during the run`)
        : new RuntimeError(`the server exited during the run (${how})`, server.outputTail());
    }
    return { state: store.getState(), reason, exitCode: error ? (error as { exitCode?: number }).exitCode ?? 1 : exitCode, error, command: server?.argv ?? [], url };
  }
}

const ENDED: unique symbol = Symbol('ended');

/** How long the server's processes must stay the same before the 'before' shape is taken, and the most it waits. */
const SETTLE_MS = 300;
const SETTLE_MAX_MS = 3_000;

/**
 * A sample once the server's processes have stopped changing: a prefork server answers as soon
 * as its first worker does, while its master may still be forking the others (gunicorn sleeps
 * up to 0.1 s between forks), and 'before' must show them all. The last sample is the shape.
 */
async function settledSample(sampler: { sampleNow(): Promise<Snapshot> }): Promise<Snapshot> {
  const ownPids = (snapshot: Snapshot) => snapshot.processes.filter((p) => p.group === undefined).map((p) => p.pid).join(',');
  let last = await sampler.sampleNow();
  let stableSince = Date.now();
  const deadline = Date.now() + SETTLE_MAX_MS;
  while (Date.now() < deadline && Date.now() - stableSince < SETTLE_MS) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await sampler.sampleNow();
    if (ownPids(next) !== ownPids(last)) stableSince = Date.now();
    last = next;
  }
  return last;
}

/** An open loop's rate may be turned down to this, and up to this (the command line's bounds). */
const MIN_RATE = 0.1;
const MAX_RATE = 1_000_000;

/**
 * How many connections an adjustable closed loop may grow to: autocannon builds every client
 * at the start (idle ones park without a connection, gate.ts), so the ceiling is fixed then —
 * four times the start, at least 100 more, within the command line's 10,000 and -n.
 * An open loop keeps its -c cap: the rate decides how many of them send.
 */
export function adjustableConnections(config: SessionConfig): number {
  if (config.rate !== null) return config.connections;
  const ceiling = Math.min(10_000, Math.max(4 * config.connections, config.connections + 100));
  return config.requests === null ? ceiling : Math.max(config.connections, Math.min(ceiling, config.requests));
}
