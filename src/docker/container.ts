import { spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants, hostname } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { parseStat } from '../proc/parse.js';
import { packageRoot } from '../util/package-root.js';
import { RuntimeError } from '../util/errors.js';
import { startDeathGuard } from '../util/death-guard.js';
import type { Launch } from '../models/registry.js';
import { createOutputTail } from '../models/output-tail.js';
import { TAIL_LINES, type ExitStatus, type ServerProcess } from '../models/supervisor.js';
import type { Engine } from './engine.js';
import { OWNER_LABEL, type ContainerInfo, type DockerOptions, type SampleSource } from './types.js';

/** Where watchload's own files (the apps, the Node servers) are in the container. */
export const CONTAINER_ROOT = '/opt/watchload';
/** Node in the model image (Debian's nodejs): the host's node binary is not in the container. */
const CONTAINER_NODE = '/usr/bin/node';
const CONTAINER_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A server in a container: the same ServerProcess, plus what the engine made. */
export interface ContainerServer extends ServerProcess {
  readonly container: Dockerode.Container;
  readonly info: ContainerInfo;
}

/** The same launch, with the host's paths to watchload's files and to node turned into the container's. */
export function containerLaunch(launch: Launch, root = packageRoot(), nodePath = process.execPath): { cmd: string[]; env: string[]; workingDir: string } {
  const inContainer = (value: string): string => {
    if (value === nodePath) return CONTAINER_NODE;
    return value.split(root).join(CONTAINER_ROOT);
  };
  return {
    cmd: launch.argv.map(inContainer),
    env: [CONTAINER_PATH, ...Object.entries(launch.env).map(([key, value]) => `${key}=${inContainer(value)}`)],
    workingDir: inContainer(launch.cwd),
  };
}

/** This process, as a container's owner label: the host, the pid, and its start time (pids are reused). */
export function ownerLabel(pid = process.pid): string {
  return `${hostname()}:${pid}:${startTimeOf(pid) ?? 0}`;
}

function startTimeOf(pid: number): number | null {
  try {
    const stat = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return stat === null || stat.state === 'Z' ? null : stat.starttime;
  } catch {
    return null;
  }
}

/** True when the owner is a process of this host that no longer runs (or another one has its pid). */
export function ownerIsGone(owner: string, host = hostname(), startTime: (pid: number) => number | null = startTimeOf): boolean {
  const match = /^(.*):(\d+):(\d+)$/.exec(owner);
  if (!match || match[1] !== host) return false; // another machine's run: not ours to judge
  const started = startTime(Number(match[2]));
  return started === null || started !== Number(match[3]);
}

/**
 * Containers a killed watchload left behind (its guard killed too): found by label, removed
 * when their owner no longer runs on this host. Another host's or a live run's are left alone.
 */
export async function removeOrphanContainers(docker: Dockerode): Promise<string[]> {
  const listed = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  const removed: string[] = [];
  for (const entry of listed) {
    if (!ownerIsGone(entry.Labels[OWNER_LABEL] ?? '')) continue;
    try {
      await docker.getContainer(entry.Id).remove({ force: true });
      removed.push(entry.Names[0]?.replace(/^\//, '') ?? entry.Id.slice(0, 12));
    } catch {
      // Removed meanwhile by its guard, or by another run's cleanup.
    }
  }
  return removed;
}

/** watchload's files the servers run (the apps, the Node servers), as a tar rooted at / for putArchive. */
function serverFilesArchive(): Buffer {
  const tar = spawnSync(
    'tar',
    ['-C', packageRoot(), '--exclude=__pycache__', '--transform', `s,^,${CONTAINER_ROOT.slice(1)}/,`, '-c', 'src/models/servers'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  if (tar.status !== 0) throw new RuntimeError(`cannot pack the servers' files for the container: ${tar.stderr?.toString().trim() || tar.error?.message}`);
  return tar.stdout;
}

/** A tini/docker-init that reports its child killed by signal N exits with 128 + N. */
function exitStatus(statusCode: number): ExitStatus {
  if (statusCode > 128 && statusCode <= 128 + 64) {
    const name = Object.entries(constants.signals).find(([, number]) => number === statusCode - 128)?.[0];
    if (name) return { code: null, signal: name };
  }
  return { code: statusCode, signal: null };
}

/** Removes the container when watchload dies (src/docker/guard.cjs); without it, the next run does. */
function startGuard(containerId: string): ChildProcess | null {
  return startDeathGuard([process.execPath, join(packageRoot(), 'src', 'docker', 'guard.cjs'), containerId]);
}

/** The init's child: the server. The init forks it at once; give it a moment to appear. */
async function childOf(pid: number, timeoutMs = 3_000): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      if (children.length > 0) return Math.min(...children);
    } catch {
      return null;
    }
    await sleep(20);
  }
  return null;
}

/** The container's pid is this host's, in this container's cgroup: its processes are in our /proc. */
function visibleHere(hostPid: number, containerId: string): boolean {
  try {
    return hostPid > 0 && readFileSync(`/proc/${hostPid}/cgroup`, 'utf8').includes(containerId);
  } catch {
    return false;
  }
}

/** Through the engine: the child of the container's init, as the engine's host numbers it. */
async function serverPidFromTop(container: Dockerode.Container, initPid: number): Promise<number> {
  const top = await container.top({ ps_args: '-o pid,ppid' });
  const pidAt = top.Titles.indexOf('PID');
  const ppidAt = top.Titles.indexOf('PPID');
  const child = top.Processes.find((row: string[]) => Number(row[ppidAt]) === initPid);
  return child ? Number(child[pidAt]) : initPid;
}

export interface ContainerRequest {
  readonly engine: Engine;
  readonly image: string;
  readonly options: DockerOptions;
  readonly model: string;
}

/**
 * Runs the launch in a new container: the model's same command line, host networking (the
 * upstream and the load stay on the host's 127.0.0.1), an init so stop is immediate, a label
 * naming this process as its owner. The container is removed by stop(), on every path the
 * runner ends by; by a guard process when watchload is killed; by the next run otherwise.
 */
export async function startContainerServer(launch: Launch, request: ContainerRequest): Promise<ContainerServer> {
  const { engine, image, options } = request;
  const { docker } = engine;
  const { cmd, env, workingDir } = containerLaunch(launch);
  const name = `watchload-${request.model}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  let container: Dockerode.Container;
  try {
    container = await docker.createContainer({
      name,
      Image: image,
      Cmd: cmd,
      Env: env,
      WorkingDir: workingDir,
      StopSignal: launch.stopSignal,
      Labels: { [OWNER_LABEL]: ownerLabel(), 'io.watchload.model': request.model },
      HostConfig: {
        NetworkMode: 'host',
        Init: true,
        ...(options.cpus !== null ? { NanoCpus: Math.round(options.cpus * 1e9) } : {}),
        ...(options.pidsLimit !== null ? { PidsLimit: options.pidsLimit } : {}),
        ...(options.memoryBytes !== null ? { Memory: options.memoryBytes } : {}),
      },
    });
  } catch (error) {
    throw new RuntimeError(`the engine at ${engine.where} would not create the container: ${engineMessage(error)}`);
  }
  // From here on, every failure removes what was made.
  const guard = startGuard(container.id);
  const remove = async () => {
    await container.remove({ force: true }).catch(() => undefined);
    guard?.kill('SIGKILL');
  };
  try {
    await container.putArchive(serverFilesArchive(), { path: '/' });
    const tail = createOutputTail(TAIL_LINES);
    const output = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', tail.collector('stdout'));
    stderr.on('data', tail.collector('stderr'));
    docker.modem.demuxStream(output, stdout, stderr);
    // Asked before start: an exit right after start is not missed.
    const waited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    await container.start();
    const inspected = await container.inspect();
    const initPid = inspected.State.Pid;
    const exited: Promise<ExitStatus> = waited.then(
      async ({ StatusCode }) => {
        const state = await container.inspect().then((i) => i.State, () => null);
        if (state?.OOMKilled) tail.push(`the container was killed for memory: over its limit of ${options.memoryBytes ?? '?'} bytes (--memory)`);
        return exitStatus(StatusCode);
      },
      (error) => {
        tail.push(`lost the container: ${engineMessage(error)}`);
        return { code: null, signal: null };
      },
    );

    const local = options.sampling !== 'engine' && engine.local && visibleHere(initPid, container.id);
    if (options.sampling === 'proc' && !local) {
      throw new RuntimeError(`--docker-sampling proc: the container's processes are not in this host's /proc (a remote engine?): use --docker-sampling engine`);
    }
    const sampling: SampleSource = local ? 'proc' : 'engine';
    const pid = local ? (await childOf(initPid)) ?? initPid : await serverPidFromTop(container, initPid);
    const info: ContainerInfo = { id: container.id, name, image, engine: engine.where, sampling };

    let stopping = false;
    let stopped: Promise<void> | null = null;
    return {
      pid,
      argv: cmd,
      container,
      info,
      outputTail: () => tail.lines(),
      exited,
      get stopping() {
        return stopping;
      },
      stop(graceMs = 3_000) {
        stopping = true;
        stopped ??= (async () => {
          // The init passes the signal on to the server; SIGKILL after the grace, then removal.
          await container.kill({ signal: launch.stopSignal }).catch(() => undefined);
          const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
          if (!done) {
            await container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
            await Promise.race([exited, sleep(5_000)]);
          }
          output.removeAllListeners?.();
          (output as unknown as { destroy?: () => void }).destroy?.();
          await remove();
        })();
        return stopped;
      },
    };
  } catch (error) {
    await remove();
    if (error instanceof RuntimeError) throw error;
    throw new RuntimeError(`the container would not start on ${engine.where}: ${engineMessage(error)}`);
  }
}

/** The engine's own words (its JSON `message`), on one line. */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } }).json;
  const message = json?.message ?? (error as Error).message ?? String(error);
  return message.replace(/\s+/g, ' ').trim();
}
