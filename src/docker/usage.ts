/**
 * The container's cgroup as the engine reports it (issue 7): how many pids (processes +
 * threads) against --pids-limit, the CPU quota, memory against --memory. What a thread
 * explosion runs into, shown in the header.
 *
 * Stats come from GET /containers/{id}/stats?stream=false&one-shot=true (API ≥ 1.41).
 * Measured on Docker 20.10.24 here: 1.0 s per call with one-shot, 2.0 s without (the engine's
 * collector publishes once a second, and without one-shot it waits for a second frame to fill
 * precpu_stats, which we do not use). Hence a background poll, never a call per frame.
 */
import type Dockerode from 'dockerode';
import { formatCount, formatRssBytes, formatSetting } from '../../components/format.js';
import type { ContainerUsage } from './types.js';

/** The HostConfig fields the limits come from (inspect's, or the ones the container was created with). */
export type LimitConfig = Pick<Dockerode.HostConfig, 'NanoCpus' | 'CpuQuota' | 'CpuPeriod' | 'Memory' | 'PidsLimit'>;

/** CFS period the kernel and the engine use when CpuQuota comes without CpuPeriod (100 ms). */
const DEFAULT_CPU_PERIOD_US = 100_000;

/** The container's CPU quota in cores: NanoCpus (--cpus), else CpuQuota / CpuPeriod; null when unlimited. */
export function cpuLimitOf(config: LimitConfig): number | null {
  if (config.NanoCpus !== undefined && config.NanoCpus > 0) return config.NanoCpus / 1e9;
  if (config.CpuQuota !== undefined && config.CpuQuota > 0) return config.CpuQuota / (config.CpuPeriod !== undefined && config.CpuPeriod > 0 ? config.CpuPeriod : DEFAULT_CPU_PERIOD_US);
  return null;
}

/**
 * What stats and the limits say, as ContainerUsage (pure). Memory in use is what `docker stats`
 * shows: usage less the inactive page cache (docker/cli calculateMemUsageUnixNoCache:
 * total_inactive_file on cgroup v1, inactive_file on v2). Without --memory the engine reports
 * the host's memory as the limit: HostConfig.Memory 0 says it is none. --pids-limit is
 * HostConfig.PidsLimit (null, 0 or -1: none), else what pids_stats reports.
 */
export function usageFrom(stats: Dockerode.ContainerStats, config: LimitConfig): ContainerUsage {
  const memory = stats.memory_stats as Partial<Dockerode.MemoryStats> | undefined;
  const cache = memory?.stats as Record<string, number | undefined> | undefined;
  const inactive = cache?.total_inactive_file ?? cache?.inactive_file;
  let memoryBytes: number | null = typeof memory?.usage === 'number' ? memory.usage : null;
  if (memoryBytes !== null && inactive !== undefined && inactive < memoryBytes) memoryBytes -= inactive;
  // pids_stats.limit is there only when pids.max is set (measured: absent without --pids-limit):
  // it also covers a limit the container did not ask for (the daemon's default-pids-limit).
  const reportedLimit = stats.pids_stats?.limit;
  const pidsLimit = (config.PidsLimit ?? 0) > 0 ? (config.PidsLimit ?? null) : reportedLimit !== undefined && reportedLimit > 0 && reportedLimit < 2 ** 32 ? reportedLimit : null;
  return {
    pidsCurrent: typeof stats.pids_stats?.current === 'number' ? stats.pids_stats.current : null,
    pidsLimit,
    cpuLimit: cpuLimitOf(config),
    memoryBytes,
    memoryLimitBytes: (config.Memory ?? 0) > 0 ? (config.Memory ?? null) : null,
  };
}

/** One reading: the limits from hostConfig (inspected when not given) and one one-shot stats call. */
export async function readContainerUsage(container: Dockerode.Container, hostConfig?: LimitConfig): Promise<ContainerUsage> {
  const config = hostConfig ?? (await container.inspect()).HostConfig;
  const stats = await container.stats({ stream: false, 'one-shot': true });
  return usageFrom(stats, config);
}

/**
 * Reads the usage every everyMs in the background until stop(): the limits once, then one
 * stats call at a time (a call takes about a second: a slow one delays the next, never
 * overlaps it). Failed calls are skipped silently: the container's end is seen elsewhere.
 * The timer does not keep the process alive.
 */
export function watchContainerUsage(container: Dockerode.Container, everyMs: number, onUsage: (usage: ContainerUsage) => void): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let config: LimitConfig | null = null;

  async function poll(): Promise<void> {
    const startedAt = performance.now();
    try {
      config ??= (await container.inspect()).HostConfig;
      const usage = await readContainerUsage(container, config);
      if (!stopped) onUsage(usage);
    } catch {
      // Gone, or the engine busy: the next poll tries again.
    }
    if (stopped) return;
    timer = setTimeout(() => void poll(), Math.max(0, everyMs - (performance.now() - startedAt)));
    timer.unref();
  }
  void poll();

  return {
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

/** A limit, rounder than a reading: "512 MiB", not "512.0 MiB". */
function formatLimitBytes(bytes: number): string {
  return formatRssBytes(bytes).replace(/\.0 /, ' ');
}

/** The header's line: `pids 57/200 · cpu ≤1.5 · mem 81.3 MiB/512 MiB`; unknown parts left out, limits only when set. */
export function formatUsage(usage: ContainerUsage): string {
  const parts: string[] = [];
  if (usage.pidsCurrent !== null) parts.push(`pids ${formatCount(usage.pidsCurrent)}${usage.pidsLimit !== null ? `/${formatCount(usage.pidsLimit)}` : ''}`);
  else if (usage.pidsLimit !== null) parts.push(`pids ≤${formatCount(usage.pidsLimit)}`);
  if (usage.cpuLimit !== null) parts.push(`cpu ≤${formatSetting(usage.cpuLimit)}`);
  if (usage.memoryBytes !== null) parts.push(`mem ${formatRssBytes(usage.memoryBytes)}${usage.memoryLimitBytes !== null ? `/${formatLimitBytes(usage.memoryLimitBytes)}` : ''}`);
  else if (usage.memoryLimitBytes !== null) parts.push(`mem ≤${formatLimitBytes(usage.memoryLimitBytes)}`);
  return parts.join(' · ');
}
