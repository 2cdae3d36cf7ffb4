import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeError } from '../util/errors.js';
import { freePort } from '../util/ports.js';
import { serversDir } from './python.js';
import { DEBIAN } from './requirements.js';
import { spawnServer, type ServerProcess } from './supervisor.js';

/**
 * Processes a model runs beside its server (issue 3): nginx in front of it (--proxy nginx).
 * Each runs in a temp prefix of its own, in its own process group with a parent-death
 * signal (spawnServer), and is stopped, and its prefix removed, after the server.
 */

/** What nginx speaks to the server: HTTP, or uWSGI's binary protocol (uwsgi_pass). */
export type BackendProtocol = 'http' | 'uwsgi';

export interface CompanionContext {
  readonly host: string;
  /** The port the server itself listens on. */
  readonly serverPort: number;
  readonly readyTimeoutMs: number;
}

export interface RunningCompanions {
  /** Where the load and the readiness probe go instead of the server (nginx's port), or null. */
  readonly frontPort: number | null;
  /** What the server must speak behind the front (uWSGI: --socket instead of --http-socket). */
  readonly backendProtocol: BackendProtocol;
  /** Extra environment for the server. */
  readonly env: Readonly<Record<string, string>>;
  /** The companions' own processes (roots of their trees), for the report and for tests. */
  readonly processes: readonly { readonly name: string; readonly pid: number }[];
  /** Stops them all (each group, then SIGKILL after a grace) and removes their temp dirs. Idempotent. */
  stop(): Promise<void>;
}

/** Fills {{NAME}} in a template; a placeholder left unfilled is a bug, not a silent blank. */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template: no value for ${match}`);
    return value;
  });
}

/** The nginx.conf and site.conf for one run, from the readable templates in servers/. Pure. */
export function nginxConfig(templates: { main: string; site: string }, prefix: string, listen: string, backend: string): { main: string; site: string } {
  return {
    main: fillTemplate(templates.main, { PREFIX: prefix }),
    site: fillTemplate(templates.site, { LISTEN: listen, BACKEND: backend }),
  };
}

/** Resolves once something accepts TCP connections on host:port; rejects if `exited` settles first. */
async function waitListening(host: string, port: number, process: ServerProcess, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void process.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new RuntimeError(`${what} exited before it listened on ${host}:${port}`, process.outputTail());
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(25);
  }
  throw new RuntimeError(`${what} did not listen on ${host}:${port} within ${timeoutMs / 1000} s`, process.outputTail());
}

interface Started {
  readonly name: string;
  readonly process: ServerProcess;
  readonly dir: string;
}

async function startNginx(context: CompanionContext, protocol: BackendProtocol): Promise<{ started: Started; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'watchload-nginx-'));
  // nginx's worker runs as nobody: it must be able to reach the temp paths inside.
  chmodSync(dir, 0o755);
  const port = await freePort(context.host);
  const config = nginxConfig(
    {
      main: readFileSync(join(serversDir(), 'nginx.conf'), 'utf8'),
      site: readFileSync(join(serversDir(), protocol === 'uwsgi' ? 'nginx-uwsgi.conf' : 'nginx-http.conf'), 'utf8'),
    },
    dir,
    `${context.host}:${port}`,
    `${context.host}:${context.serverPort}`,
  );
  writeFileSync(join(dir, 'nginx.conf'), config.main);
  writeFileSync(join(dir, 'site.conf'), config.site);
  // -e: the error log nginx opens before it has read the config (else /var/log/nginx/error.log).
  const process = spawnServer({
    argv: [DEBIAN.nginx, '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
    env: {},
    cwd: dir,
    // nginx(8): SIGINT/SIGTERM fast shutdown; SIGQUIT would wait for open connections.
    stopSignal: 'SIGINT',
  });
  const started = { name: 'nginx', process, dir };
  try {
    await waitListening(context.host, port, process, 'nginx', context.readyTimeoutMs);
  } catch (error) {
    // nginx writes its complaints to its error log, not to stderr: show that log's last lines.
    let log: string[] = [];
    try {
      log = readFileSync(join(dir, 'error.log'), 'utf8').split('\n').filter(Boolean).slice(-8);
    } catch {
      // no log yet
    }
    await stopOne(started);
    if (error instanceof RuntimeError) throw new RuntimeError(error.message, [...error.details, ...log]);
    throw error;
  }
  return { started, port };
}

async function stopOne(started: Started): Promise<void> {
  try {
    await started.process.stop();
  } finally {
    rmSync(started.dir, { recursive: true, force: true });
  }
}

/** Starts what the options ask for; on any failure stops what it started, then throws. */
export async function startCompanions(options: { readonly proxy: 'nginx' | null; readonly backendProtocol: BackendProtocol }, context: CompanionContext): Promise<RunningCompanions> {
  const started: Started[] = [];
  let frontPort: number | null = null;
  const stopAll = async () => {
    // Last started, first stopped: the front before what is behind it.
    for (const one of started.splice(0).reverse()) await stopOne(one);
  };
  try {
    if (options.proxy === 'nginx') {
      const nginx = await startNginx(context, options.backendProtocol);
      started.push(nginx.started);
      frontPort = nginx.port;
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  let stopping: Promise<void> | null = null;
  return {
    frontPort,
    backendProtocol: options.proxy === null ? 'http' : options.backendProtocol,
    env: {},
    processes: started.map((one) => ({ name: one.name, pid: one.process.pid })),
    stop: () => (stopping ??= stopAll()),
  };
}
