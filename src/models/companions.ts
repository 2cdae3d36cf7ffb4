import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { makeRunDir } from '../util/run-dirs.js';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeError } from '../util/errors.js';
import { freePort } from '../util/ports.js';
import { serversDir } from './python.js';
import { DEBIAN, INSTALL_COMMAND, postgresBinDir } from './requirements.js';
import { spawnServer, type ServerProcess } from './supervisor.js';

/**
 * Processes a model runs beside its server (issue 3): nginx in front of it (--proxy nginx),
 * PostgreSQL behind it (--db postgres). Each runs in a temp prefix of its own, in its own process group with a parent-death
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
  /** Extra environment for the server (DATABASE_URL with --db postgres). */
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
  /** How to stop it, when more than process.stop() (PostgreSQL's children); the dir is removed after. */
  readonly stop?: () => Promise<void>;
}

async function startNginx(context: CompanionContext, protocol: BackendProtocol): Promise<{ started: Started; port: number }> {
  const dir = makeRunDir('nginx');
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
    // nginx's workers outlive a master killed with SIGKILL; on SIGTERM it stops them first.
    deathSignal: 'SIGTERM',
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
    await (started.stop ? started.stop() : started.process.stop());
  } finally {
    rmSync(started.dir, { recursive: true, force: true });
  }
}

/** Starts what the options ask for; on any failure stops what it started, then throws. */
export async function startCompanions(
  options: { readonly proxy: 'nginx' | null; readonly backendProtocol: BackendProtocol; readonly db?: 'postgres' | null },
  context: CompanionContext,
): Promise<RunningCompanions> {
  const started: Started[] = [];
  let frontPort: number | null = null;
  const env: Record<string, string> = {};
  const stopAll = async () => {
    // Last started, first stopped: the front before what is behind it, the database last.
    for (const one of started.splice(0).reverse()) await stopOne(one);
  };
  try {
    if (options.db === 'postgres') {
      const postgres = await startPostgres(context);
      started.push(postgres.started);
      env.DATABASE_URL = postgres.url;
    }
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
    env,
    processes: started.map((one) => ({ name: one.name, pid: one.process.pid })),
    stop: () => (stopping ??= stopAll()),
  };
}

// --- PostgreSQL (--db postgres) ---------------------------------------------------------

/**
 * Enough connections for the load: the app opens one per request in flight (the tutorial's
 * app does), and PostgreSQL's default of 100 would refuse the 101st ("too many clients").
 */
const POSTGRES_MAX_CONNECTIONS = 1000;

/** uid and gid of a user in /etc/passwd, or null. */
function passwdUser(name: string): { uid: number; gid: number } | null {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return null;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/**
 * Who runs PostgreSQL: it refuses root ("root" execution of the PostgreSQL server is not
 * permitted), so as root the postgres user Debian's package creates; otherwise watchload's own user.
 */
function postgresUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const user = passwdUser('postgres');
  if (!user) throw new RuntimeError(`PostgreSQL refuses to run as root and there is no postgres user here: run ${INSTALL_COMMAND}`);
  return user;
}

/** Runs a short command to its end (bounded); rejects with its output's last lines on failure. */
function runToEnd(argv: readonly string[], options: { cwd: string; env: Record<string, string>; user: { uid: number; gid: number } | null; timeoutMs: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', (error) => reject(new RuntimeError(`cannot run ${argv[0]}: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        reject(new RuntimeError(`${argv[0]} failed (${how})`, output.split('\n').filter(Boolean).slice(-8)));
      }
    });
  });
}

/** Live (non-zombie) pids whose parent is `parent`, from /proc/<pid>/stat. */
function childrenOf(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent && fields[0] !== 'Z') children.push(Number(entry));
    } catch {
      // gone between readdir and read
    }
  }
  return children;
}

/** True while pid is a live process named postgres (its children keep the comm "postgres"). */
function isLivePostgres(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return comm === 'postgres' && state !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Stops PostgreSQL's postmaster and makes sure none of its processes survives. SIGINT is
 * PostgreSQL's fast shutdown (what `pg_ctl -m fast stop` sends): roll back, end every backend,
 * exit. Its children call setsid() (InitPostmasterChild), so a signal to the postmaster's
 * group does not reach them: they are tracked by parent pid while it lives, and any left
 * once it is gone (the SIGKILL fallback) are killed one by one.
 */
async function stopPostgres(postmaster: ServerProcess): Promise<void> {
  const tracked = new Set<number>();
  let done = false;
  const tracking = (async () => {
    while (!done) {
      for (const pid of childrenOf(postmaster.pid)) tracked.add(pid);
      await sleep(20);
    }
  })();
  try {
    await postmaster.stop(5_000);
  } finally {
    done = true;
    await tracking;
  }
  const deadline = Date.now() + 3_000;
  let left = [...tracked].filter(isLivePostgres);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(25);
    left = left.filter(isLivePostgres);
  }
  if (left.length > 0) throw new RuntimeError(`PostgreSQL processes ${left.join(', ')} did not end`);
}

/** Resolves once pg_isready says the server accepts connections; rejects if it exits first. */
async function waitPostgresReady(bin: string, host: string, port: number, postmaster: ServerProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void postmaster.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new RuntimeError(`PostgreSQL exited before it accepted connections on ${host}:${port}`, postmaster.outputTail());
    const ready = await runToEnd([join(bin, 'pg_isready'), '-q', '-h', host, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-t', '1'], {
      cwd: '/', env: {}, user: null, timeoutMs: 5_000,
    }).then(() => true, () => false);
    if (ready) return;
    await sleep(50);
  }
  throw new RuntimeError(`PostgreSQL did not accept connections on ${host}:${port} within ${timeoutMs / 1000} s`, postmaster.outputTail());
}

/**
 * A PostgreSQL of the run's own: initdb into a temp dir (user postgres), then the
 * postgres server itself in the foreground (so that setpriv's parent-death signal reaches it),
 * on a free loopback port, its unix socket in the temp dir, never the system's cluster.
 */
async function startPostgres(context: CompanionContext): Promise<{ started: Started; url: string }> {
  const bin = postgresBinDir();
  if (!bin) throw new RuntimeError(`--db postgres needs PostgreSQL's server (initdb, postgres under ${DEBIAN.postgresRoot}/N/bin), not found here: run ${INSTALL_COMMAND}`);
  const user = postgresUser();
  const dir = makeRunDir('postgres');
  const data = join(dir, 'data');
  const env = { LC_ALL: 'C', HOME: dir };
  let started: Started | null = null;
  try {
    // The server's user must own the dir: initdb creates the data dir in it, the server its socket.
    if (user) chownSync(dir, user.uid, user.gid);
    // TCP on 127.0.0.1 needs a password, random per run: any local user can reach that port, and
    // a superuser session runs programs (COPY … TO PROGRAM). Trust only on the unix socket, in
    // the run's 0700 dir. TCP stays: a server in a container (--docker, host network) reaches it.
    const password = randomBytes(24).toString('hex');
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, password + '\n', { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    // --no-sync: a throwaway cluster need not wait for the disk.
    await runToEnd(
      [
        join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`,
        '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions',
      ],
      { cwd: dir, env, user, timeoutMs: 60_000 },
    );
    rmSync(pwfile, { force: true });
    const port = await freePort(context.host);
    const postmaster = spawnServer({
      argv: [
        join(bin, 'postgres'), '-D', data,
        '-c', `listen_addresses=${context.host}`, '-c', `port=${port}`, '-c', `unix_socket_directories=${dir}`,
        '-c', `max_connections=${POSTGRES_MAX_CONNECTIONS}`, '-c', 'fsync=off',
      ],
      env,
      cwd: dir,
      // PostgreSQL's fast shutdown; stopPostgres makes sure of its children.
      stopSignal: 'SIGINT',
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    started = { name: 'postgres', process: postmaster, dir, stop: () => stopPostgres(postmaster) };
    await waitPostgresReady(bin, context.host, port, postmaster, context.readyTimeoutMs);
    return { started, url: `postgresql://postgres:${password}@${context.host}:${port}/postgres` };
  } catch (error) {
    if (started) await stopOne(started);
    else rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
