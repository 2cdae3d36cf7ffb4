import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModelImage } from '../../src/docker/image.js';
import type { ContainerUsage } from '../../src/docker/types.js';
import { cpuLimitOf, formatUsage, readContainerUsage, usageFrom, watchContainerUsage } from '../../src/docker/usage.js';

const MiB = 1024 * 1024;
const usage = (partial: Partial<ContainerUsage>): ContainerUsage => ({
  pidsCurrent: null,
  pidsLimit: null,
  cpuLimit: null,
  memoryBytes: null,
  memoryLimitBytes: null,
  ...partial,
});

describe('formatUsage', () => {
  it.each([
    [usage({ pidsCurrent: 57, pidsLimit: 200, cpuLimit: 1.5, memoryBytes: 81.3 * MiB, memoryLimitBytes: 512 * MiB }), 'pids 57/200 · cpu ≤1.5 · mem 81.3 MiB/512 MiB'],
    [usage({ pidsCurrent: 57, memoryBytes: 81.3 * MiB }), 'pids 57 · mem 81.3 MiB'],
    [usage({ pidsCurrent: 1234, pidsLimit: 4096, cpuLimit: 2 }), 'pids 1,234/4,096 · cpu ≤2'],
    [usage({ pidsLimit: 64, cpuLimit: 0.5, memoryLimitBytes: 1536 * MiB }), 'pids ≤64 · cpu ≤0.5 · mem ≤1536 MiB'],
    [usage({ memoryBytes: 20 * 1024 * MiB, memoryLimitBytes: 32 * 1024 * MiB }), 'mem 20.0 GiB/32 GiB'],
    [usage({}), ''],
  ])('%#: %s', (input, expected) => {
    expect(formatUsage(input)).toBe(expected);
  });
});

describe('usageFrom and cpuLimitOf', () => {
  const stats = (memory: object, pids: object = { current: 12 }) => ({ memory_stats: memory, pids_stats: pids }) as unknown as Dockerode.ContainerStats;

  it('takes the CPU quota from NanoCpus, else CpuQuota over CpuPeriod (100 ms by default)', () => {
    expect(cpuLimitOf({ NanoCpus: 1.5e9, CpuQuota: 0, CpuPeriod: 0 })).toBe(1.5);
    expect(cpuLimitOf({ NanoCpus: 0, CpuQuota: 50_000, CpuPeriod: 100_000 })).toBe(0.5);
    expect(cpuLimitOf({ CpuQuota: 250_000 })).toBe(2.5);
    expect(cpuLimitOf({ NanoCpus: 0, CpuQuota: 0, CpuPeriod: 0 })).toBeNull();
  });

  it('reports no memory limit without --memory, though the engine gives the host memory as one', () => {
    const read = usageFrom(stats({ usage: 20 * MiB, limit: 24 * 1024 * MiB, stats: { total_inactive_file: 2 * MiB } }), { Memory: 0, PidsLimit: 0 });
    expect(read).toEqual({ pidsCurrent: 12, pidsLimit: null, cpuLimit: null, memoryBytes: 18 * MiB, memoryLimitBytes: null });
  });

  it('subtracts the inactive page cache as docker stats does (cgroup v2 name), and takes the limits set', () => {
    const read = usageFrom(stats({ usage: 100 * MiB, limit: 128 * MiB, stats: { inactive_file: 30 * MiB } }, { current: 3, limit: 64 }), {
      Memory: 128 * MiB,
      PidsLimit: 64,
      NanoCpus: 0.5e9,
    });
    expect(read).toEqual({ pidsCurrent: 3, pidsLimit: 64, cpuLimit: 0.5, memoryBytes: 70 * MiB, memoryLimitBytes: 128 * MiB });
  });

  it('takes a pids limit the engine reports when the container set none (the daemon default), and tolerates missing stats', () => {
    expect(usageFrom(stats({}, { current: 5, limit: 2048 }), { PidsLimit: -1 }).pidsLimit).toBe(2048);
    expect(usageFrom({} as Dockerode.ContainerStats, {})).toEqual(usage({}));
  });
});

// The real thing: limits set on a container, read back through the engine. Outside CI a
// machine without an engine skips with a warning; in CI a missing engine fails here, loudly.
const docker = new Dockerode();
const haveEngine = await (docker.ping as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>)
  .call(docker, { abortSignal: AbortSignal.timeout(3000) })
  .then(() => true, () => false);
if (!haveEngine && !process.env.CI) console.warn('usage: no Docker engine answers (DOCKER_HOST): the engine test is skipped');

describe.skipIf(!haveEngine && !process.env.CI)('readContainerUsage against a real engine', () => {
  const THREADS = 10;
  let container: Dockerode.Container | null = null;

  beforeAll(async () => {
    if (!haveEngine) throw new Error(`no Docker engine answers at ${process.env.DOCKER_HOST ?? 'the default socket'}: start one (bash scripts/dockerd.sh start) and export DOCKER_HOST`);
    const image = process.env.WATCHLOAD_TEST_IMAGE ?? (await ensureModelImage(docker, () => undefined));
    container = await docker.createContainer({
      Image: image,
      Cmd: ['/usr/bin/python3', '-c', `import threading, time\nfor _ in range(${THREADS}): threading.Thread(target=time.sleep, args=(600,), daemon=True).start()\ntime.sleep(600)`],
      Labels: { 'io.watchload.test': 'helper' },
      HostConfig: { NetworkMode: 'none', Init: true, PidsLimit: 64, NanoCpus: 0.5e9, Memory: 128 * MiB },
    });
    await container.start();
    // Until all the threads are there.
    for (let i = 0; i < 50; i++) {
      const top = (await container.top({ ps_args: '-L -o pid,lwp' })) as { Processes: string[][] };
      if (top.Processes.length >= 1 + THREADS + 1) break;
      await sleep(100);
    }
  }, 600_000);

  afterAll(async () => {
    await container?.remove({ force: true }).catch(() => undefined);
  });

  it('reports the limits the container was started with, and its pids', async () => {
    const read = await readContainerUsage(container!);
    expect(read.pidsLimit).toBe(64);
    expect(read.cpuLimit).toBe(0.5);
    expect(read.memoryLimitBytes).toBe(128 * MiB);
    // The init, python's main thread and its threads.
    expect(read.pidsCurrent).toBeGreaterThanOrEqual(1 + 1 + THREADS);
    expect(read.memoryBytes).toBeGreaterThan(0);
    expect(read.memoryBytes).toBeLessThan(128 * MiB);
    expect(formatUsage(read)).toMatch(/^pids \d+\/64 · cpu ≤0\.5 · mem \d+\.\d MiB\/128 MiB$/);
  });

  it('watches in the background until stopped', async () => {
    const seen: ContainerUsage[] = [];
    const watch = watchContainerUsage(container!, 100, (u) => seen.push(u));
    for (let i = 0; i < 60 && seen.length < 2; i++) await sleep(100);
    watch.stop();
    const count = seen.length;
    expect(count).toBeGreaterThanOrEqual(2);
    expect(seen[0].pidsLimit).toBe(64);
    await sleep(1500);
    expect(seen.length).toBe(count);
  });
});
