import { get } from 'node:http';
import { createServer } from 'node:net';
import { startChild, stopChild, waitForLine } from './children.js';
import { distModule, REPO_ROOT } from './machine.js';
import { processCpuMs } from './threads.js';

/**
 * A watchload model's server started the way the CLI starts it (the launch from the built
 * model registry: same argv, env and cwd), beside the same slow upstream
 * (servers/upstream.mjs), for peers to load: `wrk` against exactly what `watchload --model M`
 * runs. Both are our children, in their own process groups, killed with us.
 */
export interface ModelServer {
  /** `http://127.0.0.1:PORT/` (the model's path); add `?delay=S`. */
  readonly url: string;
  readonly serverPid: number;
  readonly upstreamPid: number;
  /** The server's own command line, as watchload's header shows it. */
  readonly argv: readonly string[];
  /** CPU the upstream process has used so far, ms (it runs beside the load tool). */
  upstreamCpuMs(): number;
  stop(): Promise<void>;
}

interface Launch {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}
interface ModelSpec {
  readonly name: string;
  readonly path: string;
  launch(context: { host: string; port: number; upstreamUrl: string; workers: number | null; threads: number | null }): Launch;
  readonly defaults: { readonly workers: number | null; readonly threads: number | null };
}

/** Why the model cannot run here (its Debian packages are missing, say), or null. */
export async function modelMissing(modelName: string): Promise<string | null> {
  let registry: { findModel(name: string): (ModelSpec & { needs?: readonly unknown[] }) | undefined };
  let requirements: { missingForModel(model: unknown): unknown[]; describeNeed(need: unknown): string };
  try {
    registry = await import(distModule('src/models/registry.js'));
    requirements = await import(distModule('src/models/requirements.js'));
  } catch (error) {
    return (error as Error).message;
  }
  const model = registry.findModel(modelName);
  if (!model) return `no model ${modelName} in dist/src/models/registry.js`;
  const missing = requirements.missingForModel(model);
  return missing.length === 0 ? null : `needs ${missing.map((n) => requirements.describeNeed(n)).join(', ')} (bash scripts/install-servers.sh)`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Ready = `GET /?delay=0` answers 200 with the app's body (an open port is not enough: SERVERS.md). */
async function waitReady(url: string, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = get(`${url}?delay=0`, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(res.statusCode === 200 && body.startsWith('Hi there!')));
      });
      req.setTimeout(2_000, () => req.destroy());
      req.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!alive()) throw new Error(`the server exited before it was ready (${url})`);
    if (performance.now() > deadline) throw new Error(`the server at ${url} was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startModelServer(
  modelName: string,
  options: {
    workers?: number | null;
    threads?: number | null;
    /** Prefixes for the server's and the upstream's argv (taskset, say). */
    serverWrap?: readonly string[];
    upstreamWrap?: readonly string[];
    readyTimeoutMs?: number;
  } = {},
): Promise<ModelServer> {
  const { findModel } = (await import(distModule('src/models/registry.js'))) as { findModel(name: string): ModelSpec | undefined };
  const model = findModel(modelName);
  if (!model) throw new Error(`no model ${modelName} in dist/src/models/registry.js`);
  const upstream = startChild([...(options.upstreamWrap ?? []), process.execPath, `${REPO_ROOT}bench/servers/upstream.mjs`]);
  let server: ReturnType<typeof startChild> | null = null;
  try {
    const [, upstreamPort] = await waitForLine(upstream, /^LISTENING (\d+)$/, 10_000);
    const port = await freePort();
    const launch = model.launch({
      host: '127.0.0.1',
      port,
      upstreamUrl: `http://127.0.0.1:${upstreamPort}/`,
      workers: options.workers === undefined ? model.defaults.workers : options.workers,
      threads: options.threads === undefined ? model.defaults.threads : options.threads,
    });
    const started = startChild([...(options.serverWrap ?? []), ...launch.argv], { cwd: launch.cwd, env: { ...process.env, ...launch.env }, stderr: 'ignore' });
    server = started;
    // Drain its output: a server blocked on a full stdout pipe would stall.
    started.stdout?.resume();
    const url = `http://127.0.0.1:${port}${model.path}`;
    await waitReady(url, options.readyTimeoutMs ?? 30_000, () => started.exitCode === null && started.signalCode === null);
    const upstreamPid = upstream.pid as number;
    return {
      url,
      serverPid: started.pid as number,
      upstreamPid,
      argv: launch.argv,
      upstreamCpuMs: () => processCpuMs(upstreamPid) ?? 0,
      async stop() {
        await stopChild(started);
        await stopChild(upstream);
      },
    };
  } catch (error) {
    if (server) await stopChild(server);
    await stopChild(upstream);
    throw error;
  }
}
