import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcReader } from '../../src/proc/reader.js';
import { createSampler } from '../../src/proc/sampler.js';

/**
 * The sampler over a real tree with the real reader: what it keeps open, and that it lets go.
 * The tree is the benchmarks' generated server (bench/fixtures/idle-threads.py): THREADS idle
 * threads over a root and a forked child; it exits at EOF of its stdin.
 */
const FIXTURE = fileURLToPath(new URL('../../bench/fixtures/idle-threads.py', import.meta.url));
const THREADS = 40;

type Tree = ChildProcessByStdio<Writable, Readable, null>;
/** The running tree, and its 'close' (after 'exit', once its pipes to us are closed too). */
let tree: { readonly process: Tree; readonly closed: Promise<unknown> } | null = null;

const openFds = (): number => readdirSync('/proc/self/fd').length;
const tasksOf = (pid: number): number => readdirSync(`/proc/${pid}/task`).length;

async function startTree(): Promise<{ root: number; child: number }> {
  const started: Tree = spawn('/usr/bin/python3', [FIXTURE, String(THREADS), '2'], { stdio: ['pipe', 'pipe', 'inherit'] });
  tree = { process: started, closed: once(started, 'close') };
  const [chunk] = (await once(started.stdout, 'data')) as [Buffer];
  const match = /^READY (\d+)/.exec(chunk.toString());
  if (match === null) throw new Error(`fixture said ${chunk.toString()}`);
  return { root: started.pid as number, child: Number(match[1]) };
}

/** Kills the root (its child exits at EOF of the root's pipe) and waits until it is reaped. */
async function endTree(): Promise<void> {
  const t = tree;
  tree = null;
  if (t === null) return;
  t.process.kill('SIGKILL');
  await t.closed;
}

afterEach(endTree);

describe('sampler on a real tree: descriptors', () => {
  it('keeps one descriptor per file it re-reads, and none once the tree died', async () => {
    const beforeTree = openFds(); // the tree's pipes to us are descriptors too
    const { root, child } = await startTree();
    const reader = createProcReader();
    const sampler = createSampler({ rootPid: root, reader, nowMs: () => performance.now() });
    const before = openFds();
    const first = sampler.sample();
    expect(first.processes.map((p) => [p.pid, p.threads.length])).toEqual([
      [root, tasksOf(root)],
      [child, tasksOf(child)],
    ]);
    expect(first.processes.reduce((n, p) => n + p.threads.length, 0)).toBe(THREADS);
    sampler.sample();
    // An idle tree: per thread only schedstat (stat and wchan were read once, at first
    // sight, and are kept only once read again); per process its stat and statm.
    expect(reader.keptFiles()).toBe(THREADS + 2 * 2);
    expect(openFds() - before).toBe(reader.keptFiles());

    await endTree(); // the child exits at EOF of the root's pipe
    let s = sampler.sample();
    for (let i = 0; i < 50 && s.processes.length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      s = sampler.sample();
    }
    expect(s.processes).toEqual([]);
    expect([reader.keptFiles(), openFds()]).toEqual([0, beforeTree]);
  });

  it('never holds more than its cap, and still sees every thread', async () => {
    const { root } = await startTree();
    const reader = createProcReader({ maxKeptFiles: 30 });
    const sampler = createSampler({ rootPid: root, reader, nowMs: () => performance.now() });
    const before = openFds();
    for (let i = 0; i < 3; i++) {
      const s = sampler.sample();
      expect(s.processes.reduce((n, p) => n + p.threads.length, 0)).toBe(THREADS);
      expect(reader.keptFiles()).toBeLessThanOrEqual(30);
      expect(openFds() - before).toBe(reader.keptFiles());
    }
    sampler.close();
    expect([reader.keptFiles(), openFds()]).toEqual([0, before]);
  });
});
