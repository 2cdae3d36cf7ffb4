import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { parseStat } from '../proc/parse.js';
import { RuntimeError, UsageError } from '../util/errors.js';
import type { ModelSpec } from './registry.js';

/**
 * The user's own server (issue 5): `--cmd COMMAND --url URL` starts it, `--attach PID --url URL`
 * watches one already running. Both are ModelSpecs of the 'custom' family whose `own` field
 * tells the runner what differs from the registry's models (ModelSpec.own).
 */

/** SessionConfig.model (and the report's `model`) of a run of the user's own server. */
export const CUSTOM_MODEL = 'custom';
export const ATTACH_MODEL = 'attach';

/** The user's own server (--cmd, --attach): it calls no upstream of ours, so --delay means nothing. */
export function isOwnServer(model: string): boolean {
  return model === CUSTOM_MODEL || model === ATTACH_MODEL;
}

/**
 * What the options that configure the registry's models are called on the command line, by
 * their commander key. Meaningless for the user's own server, so refused with --cmd/--attach.
 */
export const MODEL_OPTION_FLAGS: Readonly<Record<string, string>> = {
  model: '--model',
  workers: '--workers',
  threads: '--threads',
  asyncCores: '--async-cores',
  proxy: '--proxy',
  db: '--db',
  psycogreen: '--psycogreen',
  delay: '--delay',
  port: '--port',
};

/** --cmd, --attach and --url as parsed (commander's values; undefined when not given). */
export interface OwnServerFlags {
  readonly cmd?: string;
  readonly attach?: number;
  readonly url?: string;
}

/**
 * The user's own server the flags ask for, or null for a registry model. Throws UsageError
 * for what cannot go together; `givenModelFlags` are the flags of MODEL_OPTION_FLAGS given
 * on the command line. With --attach, the pid is checked here (checkAttachable).
 */
export function ownServer(flags: OwnServerFlags, givenModelFlags: readonly string[], host: AttachHost = realHost()): ModelSpec | null {
  const { cmd, attach, url } = flags;
  if (cmd === undefined && attach === undefined) {
    if (url !== undefined) throw new UsageError('--url is where your own server answers: give --cmd COMMAND or --attach PID with it');
    return null;
  }
  if (cmd !== undefined && attach !== undefined) throw new UsageError('--cmd starts a server, --attach watches a running one: give one of them');
  const which = cmd !== undefined ? '--cmd' : '--attach';
  for (const flag of givenModelFlags) {
    if (flag === '--delay') throw new UsageError(`--delay is the upstream's delay, which your own server does not call: drop --delay with ${which}`);
    if (flag === '--port') throw new UsageError(`your server's port is in --url: drop --port with ${which}`);
    throw new UsageError(`${flag} configures watchload's own models: drop it with ${which}`);
  }
  if (url === undefined) throw new UsageError(`${which} needs --url, where your server answers (e.g. --url http://127.0.0.1:8000/)`);
  const target = httpUrl(url);
  if (cmd !== undefined) {
    if (cmd.trim() === '') throw new UsageError('--cmd needs a command (e.g. --cmd "python3 -m http.server 8000")');
    return customModel(cmd, target);
  }
  checkAttachable(attach!, host);
  return attachedModel(attach!, target);
}

/** --url, checked: an http:// URL (the load generator speaks plain HTTP), as the user wrote it. */
export function httpUrl(raw: string): string {
  // `localhost:8000` would parse, as the scheme `localhost:`.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw new UsageError(`--url '${raw}' needs its scheme: http://${raw.replace(/^\/*/, '')}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url '${raw}' is not a valid URL (e.g. http://127.0.0.1:8000/)`);
  }
  if (url.protocol !== 'http:') throw new UsageError(`--url must be an http:// URL, not ${url.protocol.replace(/:$/, '')}:// (watchload's load speaks plain HTTP)`);
  if (url.hostname === '') throw new UsageError(`--url '${raw}' has no host`);
  return raw;
}

/** Shell syntax that makes a command more than one program: it must keep its shell. */
const COMPOUND = /[;&|()<>`\n{}!]|\$\(/;
/** First words that `exec` cannot take: builtins and keywords, or an assignment (FOO=1 cmd). */
const NOT_A_PROGRAM = new Set(['cd', 'export', 'set', 'unset', 'source', '.', 'eval', 'exec', 'ulimit', 'umask', 'trap', 'if', 'for', 'while', 'until', 'case']);

/**
 * The command as the shell should run it. Debian's sh (dash) forks for `sh -c 'node x.js'`
 * instead of handing over, and the shell would be counted as the server's master: a single
 * program gets `exec` so that it is the spawned pid and the tree is the server's alone. A
 * compound command (`cd x && gunicorn …`) keeps its shell; the README says so.
 */
export function shellCommand(command: string): string {
  const first = command.trim().split(/\s+/)[0] ?? '';
  if (command.trim() === '' || COMPOUND.test(command) || first.includes('=') || NOT_A_PROGRAM.has(first)) return command;
  return `exec ${command.trim()}`;
}

/**
 * `--cmd COMMAND`: the one place where watchload lets a shell interpret user input, because
 * the user asked for exactly that. A single program is exec'd in the shell's place (see
 * shellCommand); otherwise the shell runs it as a child. Either way it is the tree below the
 * spawned pid, in the spawned process group. It runs from the user's directory, so relative
 * paths in the command mean what they say.
 */
export function customModel(command: string, url: string): ModelSpec {
  return {
    name: CUSTOM_MODEL,
    family: 'custom',
    summary: `your own server: ${command}`,
    expectedShape: '',
    defaults: { workers: null, threads: null, asyncCores: null },
    needs: [{ kind: 'binary', path: '/bin/sh' }],
    path: new URL(url).pathname,
    own: { url },
    launch: () => ({ argv: ['/bin/sh', '-c', shellCommand(command)], env: {}, cwd: process.cwd(), stopSignal: 'SIGTERM' }),
  };
}

/** `--attach PID`: a server already running, watched from its pid; watchload starts nothing. */
export function attachedModel(pid: number, url: string): ModelSpec {
  return {
    name: ATTACH_MODEL,
    family: 'custom',
    summary: `the running process ${pid}`,
    expectedShape: '',
    defaults: { workers: null, threads: null, asyncCores: null },
    needs: [],
    path: new URL(url).pathname,
    own: { url, attachPid: pid },
    launch: () => {
      throw new Error(`attachedModel: process ${pid} is already running; it is never launched`);
    },
  };
}

/** What checkAttachable looks at: /proc, who watchload runs as, and its own pid. */
export interface AttachHost {
  readonly procDir: string;
  /** Effective uid of watchload (0: root, who may read every process). */
  readonly uid: number;
  readonly selfPid: number;
}

function realHost(): AttachHost {
  return { procDir: '/proc', uid: process.geteuid?.() ?? 0, selfPid: process.pid };
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Refuses, with one line, a pid watchload could not or should not watch: none, init,
 * watchload itself or one of its ancestors (its tree would hold watchload), a zombie, another
 * user's process (its threads' wchan, schedstat and fds are not readable: proc(5),
 * ptrace access mode), or one whose /proc/PID/task cannot be listed.
 */
export function checkAttachable(pid: number, host: AttachHost = realHost()): void {
  const flag = `--attach ${pid}`;
  if (pid === 1) throw new UsageError(`${flag} is init, the system's first process: give your server's pid`);
  if (pid === host.selfPid) throw new UsageError(`${flag} is watchload itself: give your server's pid`);
  const statText = readOrNull(`${host.procDir}/${pid}/stat`);
  const stat = statText === null ? null : parseStat(statText);
  if (stat === null) throw new UsageError(`${flag}: no such process`);
  if (stat.state === 'Z' || stat.state === 'X') throw new UsageError(`${flag}: process ${pid} has exited (a zombie)`);
  for (let p = host.selfPid, hops = 0; p > 1 && hops < 4096; hops++) {
    const text = readOrNull(`${host.procDir}/${p}/stat`);
    const parent = text === null ? null : parseStat(text)?.ppid ?? null;
    if (parent === null) break;
    if (parent === pid) throw new UsageError(`${flag} is an ancestor of watchload (its tree would include watchload itself): give your server's pid`);
    p = parent;
  }
  const uid = /^Uid:\s+(\d+)/m.exec(readOrNull(`${host.procDir}/${pid}/status`) ?? '')?.[1];
  if (host.uid !== 0 && uid !== undefined && Number(uid) !== host.uid) {
    throw new UsageError(`${flag}: process ${pid} belongs to another user (uid ${uid}); watchload can read its threads only as that user or as root`);
  }
  try {
    readdirSync(`${host.procDir}/${pid}/task`);
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${host.procDir}/${pid}/task (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): not a process watchload may read`);
  }
}

/**
 * Before --cmd starts: nothing may answer at the URL yet, or the readiness probe would take
 * someone else's server for the user's and the run would measure it.
 */
export function assertNothingListens(url: string, timeoutMs = 1_000): Promise<void> {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port || 80) });
    const done = (error: Error | null) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.once('connect', () =>
      done(new RuntimeError(`something already answers at ${url} before the command started: stop it, or watch it with --attach PID`)),
    );
    socket.once('error', () => done(null));
  });
}
