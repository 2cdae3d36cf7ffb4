/**
 * A server run in a container on a Docker Engine (--docker, issue 7): what the command line
 * asks for, what the engine made, and the cgroup limits that matter when threads explode.
 */

/** --docker and the flags that only make sense with it. */
export interface DockerOptions {
  /** --docker-image; null: watchload's own model image, built locally when missing. */
  readonly image: string | null;
  /** --cpus: CPU quota in cores (HostConfig.NanoCpus); null: unlimited. */
  readonly cpus: number | null;
  /** --pids-limit: most processes + threads in the container (HostConfig.PidsLimit); null: unlimited. */
  readonly pidsLimit: number | null;
  /** --memory in bytes (HostConfig.Memory); null: unlimited. */
  readonly memoryBytes: number | null;
  /**
   * Where thread samples come from: the host's /proc (a local engine: the container's
   * processes have host pids), the engine's `top` (a remote one), or auto: /proc when the
   * container's main pid is visible in this host's /proc inside that container's cgroup.
   */
  readonly sampling: 'auto' | 'proc' | 'engine';
}

/** Where a sample of the server's threads comes from. */
export type SampleSource = 'proc' | 'engine';

/** The shortest interval between two engine samples: each one is an API call and a ps fork on the engine's host. */
export const MIN_ENGINE_INTERVAL_MS = 1000;

/**
 * The interval a source samples at when asked for askedMs: the engine's top never faster than
 * MIN_ENGINE_INTERVAL_MS. That floor is the source's, not a back-off: nothing to warn about.
 */
export function sourceIntervalMs(source: SampleSource | null, askedMs: number): number {
  return source === 'engine' ? Math.max(MIN_ENGINE_INTERVAL_MS, askedMs) : askedMs;
}

/** The container a run's server runs in: fixed once it has started. */
export interface ContainerInfo {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  /** The engine, as a user would name it: unix:///var/run/docker.sock, ssh://user@box, tcp://… */
  readonly engine: string;
  readonly sampling: SampleSource;
}

/**
 * The container's cgroup as the engine reports it, read every few seconds: the limits that
 * a thread explosion hits. null: not reported (or no limit, for the *Limit fields).
 */
export interface ContainerUsage {
  readonly pidsCurrent: number | null;
  readonly pidsLimit: number | null;
  /** CPU quota in cores (NanoCpus, or CpuQuota / CpuPeriod). */
  readonly cpuLimit: number | null;
  readonly memoryBytes: number | null;
  readonly memoryLimitBytes: number | null;
  /**
   * Forks and clones the pids limit refused so far (pids.events `max`): read only where the
   * cgroup's files are (a local engine); absent or null through the engine's stats.
   */
  readonly pidsRefused?: number | null;
}

/** Label on every container watchload creates; its value is the owner: "<hostname>:<pid>:<starttime>". */
export const OWNER_LABEL = 'io.watchload.owner';
