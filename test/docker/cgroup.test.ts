import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { controllerDir, parseCgroupMounts, parseProcCgroup, usageFromFiles, type CgroupFiles } from '../../src/docker/cgroup.js';

// Recorded here (Debian 12, Docker 20.10, cgroup v1 with a cgroup2 'unified' mount beside it)
// from a container run with --pids-limit 64 --cpus 1.5 --memory 128m; `docker stats` read
// 624KiB / 128MiB and 2 pids at the same moment.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/docker/cgroup/${name}`, import.meta.url), 'utf8');

/** `== controller/file` sections of a recorded file, as a CgroupFiles. */
function recordedFiles(text: string, v2: boolean): CgroupFiles {
  const files = new Map<string, string>();
  for (const section of text.split(/^== /m).filter(Boolean)) {
    const newline = section.indexOf('\n');
    files.set(section.slice(0, newline), section.slice(newline + 1));
  }
  return { v2, read: (controller, file) => files.get(`${controller}/${file}`) ?? null };
}

describe('the cgroup of a local container', () => {
  it('finds each controller\'s directory from mountinfo and /proc/PID/cgroup (v1 beside a unified v2)', () => {
    const mounts = parseCgroupMounts(fixture('v1-mountinfo.txt'));
    expect(mounts.find((m) => m.mountPoint === '/sys/fs/cgroup/pids')).toEqual({ mountPoint: '/sys/fs/cgroup/pids', root: '/', controllers: ['pids'] });
    expect(mounts.find((m) => m.controllers === null)?.mountPoint).toBe('/sys/fs/cgroup/unified');
    const cgroups = parseProcCgroup(fixture('v1-proc-cgroup.txt'));
    expect(controllerDir('pids', mounts, cgroups)).toBe('/sys/fs/cgroup/pids/docker/CONTAINER');
    expect(controllerDir('memory', mounts, cgroups)).toBe('/sys/fs/cgroup/memory/docker/CONTAINER');
    expect(controllerDir('cpu', mounts, cgroups)).toBe('/sys/fs/cgroup/cpu/docker/CONTAINER');
  });

  it('reads the limits and the usage as docker stats does (v1)', () => {
    expect(usageFromFiles(recordedFiles(fixture('v1-files.txt'), false))).toEqual({
      pidsCurrent: 2,
      pidsLimit: 64,
      pidsRefused: 0,
      cpuLimit: 1.5,
      memoryBytes: 638_976,
      memoryLimitBytes: 128 * 1024 * 1024,
    });
  });

  it('v1 without limits: max, -1 and the page-rounded huge memory limit all read as none', () => {
    const files = recordedFiles(
      '== pids/pids.current\n7\n== pids/pids.max\nmax\n== pids/pids.events\nmax 0\n== memory/memory.usage_in_bytes\n1048576\n' +
        '== memory/memory.limit_in_bytes\n9223372036854771712\n== cpu/cpu.cfs_quota_us\n-1\n== cpu/cpu.cfs_period_us\n100000\n',
      false,
    );
    expect(usageFromFiles(files)).toEqual({ pidsCurrent: 7, pidsLimit: null, pidsRefused: 0, cpuLimit: null, memoryBytes: 1_048_576, memoryLimitBytes: null });
  });

  it('v2 (systemd\'s docker-ID.scope): cpu.max, memory.current/max, and the forks the limit refused', () => {
    const mounts = parseCgroupMounts('29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n');
    const cgroups = parseProcCgroup('0::/system.slice/docker-abc.scope\n');
    expect(controllerDir('pids', mounts, cgroups)).toBe('/sys/fs/cgroup/system.slice/docker-abc.scope');
    const files = recordedFiles(
      '== pids/pids.current\n30\n== pids/pids.max\n30\n== pids/pids.events\nmax 163\n== memory/memory.current\n52428800\n' +
        '== memory/memory.stat\nanon 40000000\ninactive_file 2428800\n== memory/memory.max\n268435456\n== cpu/cpu.max\n50000 100000\n',
      true,
    );
    expect(usageFromFiles(files)).toEqual({ pidsCurrent: 30, pidsLimit: 30, pidsRefused: 163, cpuLimit: 0.5, memoryBytes: 50_000_000, memoryLimitBytes: 268_435_456 });
  });

  it('a cgroup namespace\'s mount root is taken off the path; files that cannot be read are null', () => {
    const mounts = parseCgroupMounts('40 31 0:36 /docker /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n');
    expect(controllerDir('pids', mounts, parseProcCgroup('8:pids:/docker/xyz\n'))).toBe('/sys/fs/cgroup/pids/xyz');
    expect(controllerDir('pids', mounts, parseProcCgroup('8:pids:/other/xyz\n'))).toBeNull();
    expect(usageFromFiles({ v2: false, read: () => null })).toEqual({ pidsCurrent: null, pidsLimit: null, pidsRefused: null, cpuLimit: null, memoryBytes: null, memoryLimitBytes: null });
  });
});
