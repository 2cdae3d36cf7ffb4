import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { pythonModels } from './python.js';
import { binary, DEBIAN, postgresBinDir, pythonModule, type Need } from './requirements.js';
import { startCompanions, type BackendProtocol, type CompanionContext, type RunningCompanions } from './companions.js';

/** Where and how a model's server is started. */
export interface LaunchContext {
  readonly host: string;
  readonly port: number;
  readonly upstreamUrl: string;
  /** Resolved from --workers or the model's default; null when the model has no such knob. */
  readonly workers: number | null;
  readonly threads: number | null;
  /**
   * Green threads per worker (--async-cores) for the gevent models; absent means the model's
   * default. Bound at the command line's edge by withAsyncCores: the session's config does
   * not carry it, and the server's command line (in the report) shows it.
   */
  readonly asyncCores?: number | null;
  /** What runs beside the server (nginx in front), started before it; absent: nothing. */
  readonly companions?: RunningCompanions | null;
  /**
   * --db postgres: the server runs the DB variant of the app (servers/app_db.py, patched_db.py),
   * whose connection string is in companions.env; psycogreen: patch psycopg2 for gevent first.
   * Bound by configureModel, like asyncCores. Absent or null: the plain app.
   */
  readonly db?: { readonly psycogreen: boolean } | null;
}

export interface Launch {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** The signal that makes this server stop cleanly (uWSGI, for one, reloads on SIGTERM). */
  readonly stopSignal: NodeJS.Signals;
  /**
   * What it gets when watchload dies without a word (SIGKILL): KILL by default. A master
   * whose workers outlive it (nginx's do) gets a signal it handles by stopping them first.
   */
  readonly deathSignal?: NodeJS.Signals;
  /** Run as this user and group (PostgreSQL refuses root); absent: as watchload. */
  readonly uid?: number;
  readonly gid?: number;
}

export interface ModelSpec {
  readonly name: string;
  readonly family: 'node' | 'python' | 'custom';
  /** One line for `--help` and `watchload models`. */
  readonly summary: string;
  /** The shape it should show, in words: what the demo is about. */
  readonly expectedShape: string;
  /**
   * Default for --workers / --threads / --async-cores; null when the model has no such knob
   * (the flag is then refused). asyncCores may be left out: no such knob.
   */
  readonly defaults: { readonly workers: number | null; readonly threads: number | null; readonly asyncCores?: number | null };
  /** What must be on this machine to run it, checked before anything starts. Left out: nothing (Node's models). */
  readonly needs?: readonly Need[];
  /** What a proxy in front speaks to it: uWSGI's binary protocol for the uWSGI models, else HTTP. */
  readonly proxyProtocol?: BackendProtocol;
  /** True when the app runs on gevent's hub (monkey-patched): the models --psycogreen applies to. */
  readonly gevent?: boolean;
  /**
   * Starts what runs beside the server (--proxy nginx), before the server; the runner passes
   * the result to launch() and stops it after the server. Absent: nothing runs beside it.
   */
  startCompanions?(context: CompanionContext): Promise<RunningCompanions>;
  /**
   * True when the server closes every connection after its response without saying so
   * (uWSGI's --http-socket answers HTTP/1.1 with no `Connection: close`, then closes): a
   * request sent on the reused connection would be lost as it closes. The load then opens a
   * connection per request, as the tutorial's ab does; behind a proxy it is not needed.
   */
  readonly closesConnections?: boolean;
  /** Path a readiness probe and the load use; the app forwards ?delay to the upstream. */
  readonly path: string;
  /**
   * The user's own server (--cmd, --attach; src/models/custom.ts): it answers at `url`, which
   * the readiness probe and the load use as given (no port is chosen, no upstream started, no
   * ?delay added: it knows nothing of them; any HTTP status means ready). With `attachPid` it
   * is already running: watched from that pid, never started nor stopped, launch() never
   * called. Absent: a model of the registry.
   */
  readonly own?: { readonly url: string; readonly attachPid?: number };
  launch(context: LaunchContext): Launch;
}

function nodeServer(script: string, context: LaunchContext, extraArgs: readonly string[] = []): Launch {
  return {
    argv: [
      process.execPath,
      join(packageRoot(), 'src', 'models', 'servers', script),
      ...extraArgs,
      '--host', context.host,
      '--port', String(context.port),
      '--upstream', context.upstreamUrl,
    ],
    env: {},
    cwd: packageRoot(),
    stopSignal: 'SIGTERM',
  };
}

const MODELS: readonly ModelSpec[] = [
  {
    name: 'cluster',
    family: 'node',
    summary: 'node:cluster: a primary forks N workers up front; they share the port',
    expectedShape: 'prefork: 1 + N processes before the first request, threads flat under load',
    defaults: { workers: 4, threads: null, asyncCores: null },
    needs: [],
    path: '/',
    launch: (context) => nodeServer('node-cluster.cjs', context, ['--workers', String(context.workers)]),
  },
  {
    name: 'single',
    family: 'node',
    summary: 'one Node process, one event loop',
    expectedShape: '1 process, 7 threads, flat: concurrency without threads',
    defaults: { workers: null, threads: null, asyncCores: null },
    needs: [],
    path: '/',
    launch: (context) => nodeServer('node-single.cjs', context),
  },
  {
    name: 'worker-pool',
    family: 'node',
    summary: 'one Node process, a fixed pool of N worker_threads started up front; requests beyond N queue',
    expectedShape: 'pool: 1 process, 7 + N threads before the first request, flat under load',
    defaults: { workers: null, threads: 4, asyncCores: null },
    needs: [],
    path: '/',
    launch: (context) => nodeServer('node-worker-pool.cjs', context, ['--threads', String(context.threads)]),
  },
  {
    name: 'thread-per-request',
    family: 'node',
    summary: 'one Node process, a new worker_thread per request, ended when it answers (503 beyond 1,000 in flight)',
    expectedShape: 'on demand: 7 threads idle, 7 + one per request in flight under load, back to 7 after',
    defaults: { workers: null, threads: null, asyncCores: null },
    needs: [],
    path: '/',
    launch: (context) => nodeServer('node-thread-per-request.cjs', context),
  },
  {
    name: 'libuv-pool',
    family: 'node',
    summary: 'one Node process; each request also hashes (crypto.pbkdf2) on libuv\'s threadpool, UV_THREADPOOL_SIZE = N',
    expectedShape: 'lazy pool: 7 threads before the first request, 7 + N from the first request on, flat',
    defaults: { workers: null, threads: 4, asyncCores: null },
    needs: [],
    path: '/',
    launch: (context) => nodeServer('node-libuv-pool.cjs', context, ['--threads', String(context.threads)]),
  },
  {
    name: 'blocking',
    family: 'node',
    summary: 'one Node process whose handler blocks the event loop for the delay (Atomics.wait)',
    expectedShape: '1 process, 7 threads, one request at a time: about 1/delay requests/s',
    defaults: { workers: null, threads: null, asyncCores: null },
    needs: [],
    path: '/',
    launch: (context) => nodeServer('node-blocking.cjs', context),
  },
  ...pythonModels,
];

/** Options of a run that only some models take, bound at the command line's edge. */
export interface ModelOptions {
  /** --async-cores; undefined: the model's default. */
  readonly asyncCores?: number;
  /** --proxy: a server in front of the model's, where the load goes. */
  readonly proxy?: 'nginx' | null;
  /** --db: a database each request also waits on (the Python models' DB app), started by watchload. */
  readonly db?: 'postgres' | null;
  /** --psycogreen: psycogreen.gevent.patch_psycopg() before the app is imported (gevent models, with --db). */
  readonly psycogreen?: boolean;
}

/** What --db postgres needs here: psycopg2 for the app, PostgreSQL's own binaries for watchload. */
export function postgresNeeds(psycogreen: boolean): Need[] {
  // Not installed: name the Debian package's path, so the one-line error says what is missing.
  const bin = postgresBinDir() ?? `${DEBIAN.postgresRoot}/15/bin`;
  return [
    pythonModule('psycopg2'),
    ...(psycogreen ? [pythonModule('psycogreen')] : []),
    binary(`${bin}/initdb`),
    binary(`${bin}/postgres`),
    binary(`${bin}/pg_isready`),
  ];
}

/**
 * The model with the run's own options bound in: --async-cores into its launch (see
 * LaunchContext.asyncCores), --proxy and --db as companions started before the server, --db
 * also as the app it runs (LaunchContext.db). Which models accept which option is the
 * command line's check (cli-options.ts).
 */
export function configureModel(model: ModelSpec, options: ModelOptions): ModelSpec {
  let configured = model;
  if (options.asyncCores !== undefined) {
    const asyncCores = options.asyncCores;
    const base = configured;
    configured = { ...base, launch: (context) => base.launch({ ...context, asyncCores }) };
  }
  if (options.db) {
    const db = { psycogreen: options.psycogreen === true };
    const base = configured;
    configured = {
      ...base,
      needs: [...(base.needs ?? []), ...postgresNeeds(db.psycogreen)],
      launch: (context) => base.launch({ ...context, db }),
    };
  }
  if (options.proxy) {
    configured = { ...configured, needs: [...(configured.needs ?? []), binary(DEBIAN.nginx)] };
  }
  if (options.proxy || options.db) {
    const companions = { proxy: options.proxy ?? null, db: options.db ?? null, backendProtocol: model.proxyProtocol ?? 'http' } as const;
    configured = { ...configured, startCompanions: (context) => startCompanions(companions, context) };
  }
  return configured;
}

export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

export function findModel(name: string): ModelSpec | undefined {
  return MODELS.find((m) => m.name === name);
}

export function allModels(): readonly ModelSpec[] {
  return MODELS;
}
