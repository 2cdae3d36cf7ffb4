import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';

/** Where and how a model's server is started. */
export interface LaunchContext {
  readonly host: string;
  readonly port: number;
  readonly upstreamUrl: string;
  /** Resolved from --workers or the model's default; null when the model has no such knob. */
  readonly workers: number | null;
  readonly threads: number | null;
}

export interface Launch {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** The signal that makes this server stop cleanly (uWSGI, for one, reloads on SIGTERM). */
  readonly stopSignal: NodeJS.Signals;
}

export interface ModelSpec {
  readonly name: string;
  readonly family: 'node' | 'python' | 'custom';
  /** One line for `--help` and `watchload models`. */
  readonly summary: string;
  /** The shape it should show, in words: what the demo is about. */
  readonly expectedShape: string;
  /** Default for --workers / --threads; null when the model has no such knob (the flag is then refused). */
  readonly defaults: { readonly workers: number | null; readonly threads: number | null };
  /** Path a readiness probe and the load use; the app forwards ?delay to the upstream. */
  readonly path: string;
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
    defaults: { workers: 4, threads: null },
    path: '/',
    launch: (context) => nodeServer('node-cluster.cjs', context, ['--workers', String(context.workers)]),
  },
  {
    name: 'single',
    family: 'node',
    summary: 'one Node process, one event loop',
    expectedShape: '1 process, 7 threads, flat: concurrency without threads',
    defaults: { workers: null, threads: null },
    path: '/',
    launch: (context) => nodeServer('node-single.cjs', context),
  },
];

export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

export function findModel(name: string): ModelSpec | undefined {
  return MODELS.find((m) => m.name === name);
}

export function allModels(): readonly ModelSpec[] {
  return MODELS;
}
