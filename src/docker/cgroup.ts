import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerUsage } from './types.js';

/**
 * A local container's cgroup, read from the files the kernel keeps (cgroup v1 and v2): the
 * same numbers the engine's stats give, but exact and now (one read is a few file reads, where
 * the engine's one-shot stats take a second), and one they do not give: how many forks and
 * clones the pids limit refused (pids.events `max`), the moment a thread explosion hits it.
 */

/** A cgroup hierarchy as mounted: v1 names its controllers, v2 has them all. */
export interface CgroupMount {
  readonly mountPoint: string;
  /** The cgroup path the mount's root stands for (not '/' inside a cgroup namespace). */
  readonly root: string;
  /** v1: the controllers of this hierarchy; v2: null. */
  readonly controllers: readonly string[] | null;
}

/** The cgroup mounts of /proc/self/mountinfo (proc(5)): `… root mountpoint … - fstype source superopts`. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (after === undefined) continue;
    const [fstype, , superOptions = ''] = after.split(' ');
    const fields = before.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const unescape = (path: string) => path.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    mounts.push({
      root: unescape(fields[3]),
      mountPoint: unescape(fields[4]),
      controllers: fstype === 'cgroup2' ? null : superOptions.split(',').filter((o) => o !== 'rw' && o !== 'ro' && !o.includes('=')),
    });
  }
  return mounts;
}

/** /proc/PID/cgroup: `hierarchy-id:controllers:path`, v2 as `0::path`. */
export function parseProcCgroup(text: string): { readonly v1: ReadonlyMap<string, string>; readonly v2: string | null } {
  const v1 = new Map<string, string>();
  let v2: string | null = null;
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    if (match[1] === '0' && match[2] === '') v2 = match[3];
    else for (const controller of match[2].split(',')) v1.set(controller, match[3]);
  }
  return { v1, v2 };
}

/** The directory of `controller`'s files for a process's cgroup; null when not mounted here. */
export function controllerDir(controller: string, mounts: readonly CgroupMount[], cgroups: ReturnType<typeof parseProcCgroup>): string | null {
  const inside = (mount: CgroupMount, path: string) => {
    if (mount.root !== '/' && !path.startsWith(mount.root)) return null;
    return join(mount.mountPoint, mount.root === '/' ? path : path.slice(mount.root.length));
  };
  const v1Path = cgroups.v1.get(controller);
  const v1Mount = mounts.find((m) => m.controllers?.includes(controller));
  if (v1Path !== undefined && v1Mount !== undefined) return inside(v1Mount, v1Path);
  const v2Mount = mounts.find((m) => m.controllers === null);
  return cgroups.v2 !== null && v2Mount !== undefined ? inside(v2Mount, cgroups.v2) : null;
}

/** A limit file: `max` (v2, pids v1), -1 (cpu v1), or a page-rounded huge number (memory v1) mean none. */
function limitValue(text: string | null): number | null {
  if (text === null || text.trim() === 'max') return null;
  const value = Number(text.trim());
  return Number.isFinite(value) && value >= 0 && value < 2 ** 60 ? value : null;
}

function keyed(text: string | null, key: string): number | null {
  const match = text === null ? null : new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

/** The files read for one usage, by name relative to each controller's directory: pure from here. */
export interface CgroupFiles {
  read(controller: 'pids' | 'memory' | 'cpu', file: string): string | null;
  /** v2 names its files apart (memory.current, cpu.max); v1 as memory.usage_in_bytes, cpu.cfs_quota_us. */
  readonly v2: boolean;
}

export function usageFromFiles(files: CgroupFiles): ContainerUsage {
  const number = (text: string | null) => (text === null || !/^\d+\s*$/.test(text) ? null : Number(text));
  const pidsCurrent = number(files.read('pids', 'pids.current'));
  const pidsLimit = limitValue(files.read('pids', 'pids.max'));
  const pidsRefused = keyed(files.read('pids', 'pids.events'), 'max');
  const memoryStat = files.read('memory', 'memory.stat');
  let memoryBytes = number(files.read('memory', files.v2 ? 'memory.current' : 'memory.usage_in_bytes'));
  // As `docker stats` counts it: without the inactive page cache.
  const inactive = keyed(memoryStat, files.v2 ? 'inactive_file' : 'total_inactive_file');
  if (memoryBytes !== null && inactive !== null && inactive < memoryBytes) memoryBytes -= inactive;
  const memoryLimitBytes = limitValue(files.read('memory', files.v2 ? 'memory.max' : 'memory.limit_in_bytes'));
  let cpuLimit: number | null = null;
  if (files.v2) {
    const [quota, period] = (files.read('cpu', 'cpu.max') ?? 'max').trim().split(/\s+/);
    if (quota !== 'max' && Number(period) > 0) cpuLimit = Number(quota) / Number(period);
  } else {
    const quota = Number(files.read('cpu', 'cpu.cfs_quota_us') ?? -1);
    const period = Number(files.read('cpu', 'cpu.cfs_period_us') ?? 0);
    if (quota > 0 && period > 0) cpuLimit = quota / period;
  }
  return { pidsCurrent, pidsLimit, cpuLimit, memoryBytes, memoryLimitBytes, pidsRefused };
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The cgroup of a process of this host (a local container's init), or null when it cannot be
 * read here. The directories are found once; each call reads the files again.
 */
export function localCgroupReader(pid: number): (() => ContainerUsage) | null {
  const procCgroup = readOrNull(`/proc/${pid}/cgroup`);
  const mountinfo = readOrNull('/proc/self/mountinfo');
  if (procCgroup === null || mountinfo === null) return null;
  const mounts = parseCgroupMounts(mountinfo);
  const cgroups = parseProcCgroup(procCgroup);
  const dirs = { pids: controllerDir('pids', mounts, cgroups), memory: controllerDir('memory', mounts, cgroups), cpu: controllerDir('cpu', mounts, cgroups) };
  if (dirs.pids === null) return null;
  const v2 = !cgroups.v1.has('pids');
  const files: CgroupFiles = { v2, read: (controller, file) => (dirs[controller] === null ? null : readOrNull(join(dirs[controller]!, file))) };
  return () => usageFromFiles(files);
}

/** Reads the local cgroup every `everyMs` until stopped; a read that fails (the container gone) is skipped. */
export function watchLocalUsage(read: () => ContainerUsage, everyMs: number, onUsage: (usage: ContainerUsage) => void): { stop(): void } {
  const tick = () => {
    try {
      onUsage(read());
    } catch {
      // Gone between two reads: the runner sees the container end.
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
