import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStat } from '../../src/proc/parse.js';
import { createProcReader, defaultMaxKeptFiles } from '../../src/proc/reader.js';

/** Descriptors this process holds now. */
const openFds = (): number => readdirSync('/proc/self/fd').length;

let sleeper: ChildProcess;
beforeAll(async () => {
  sleeper = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
  await once(sleeper, 'spawn');
});
afterAll(async () => {
  if (sleeper.exitCode === null && sleeper.signalCode === null) {
    sleeper.kill('SIGKILL');
    await once(sleeper, 'exit');
  }
});

describe('createProcReader on the real /proc', () => {
  it('reads a task stat that parses to the pid', () => {
    const text = createProcReader().readText(`/proc/${sleeper.pid}/task/${sleeper.pid}/stat`);
    expect(parseStat(text ?? '')?.comm).toBe('sleep');
  });

  it('reads files bigger than its buffer whole (a sleeping process smaps, ~20 kB)', () => {
    const path = `/proc/${sleeper.pid}/smaps`;
    const expected = readFileSync(path, 'utf8');
    expect(expected.length).toBeGreaterThan(4096);
    const reader = createProcReader({ initialBytes: 512 });
    expect(reader.readText(path)).toBe(expected);
    expect(reader.readText(`/proc/${sleeper.pid}/cmdline`)).toBe('/bin/sleep\u000030\u0000');
  });

  it('lists a task directory', () => {
    expect(createProcReader().listDir(`/proc/${sleeper.pid}/task`)).toEqual([String(sleeper.pid)]);
  });

  it('answers null, not an error, for what is gone', async () => {
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const pid = child.pid as number;
    child.kill('SIGKILL');
    await once(child, 'exit'); // reaped by node: /proc/<pid> is gone
    const reader = createProcReader();
    expect(reader.readText(`/proc/${pid}/stat`)).toBeNull();
    expect(reader.listDir(`/proc/${pid}/task`)).toBeNull();
    expect(reader.readText('/proc/self/no-such-file')).toBeNull();
  });

  it('still throws what is not about a vanished task', () => {
    expect(() => createProcReader().readText('/proc')).toThrow(/EISDIR/);
  });
});

describe('createProcReader: files kept open', () => {
  it('re-reads a kept file from the start on one descriptor, and lets it go on close()', () => {
    const reader = createProcReader();
    const before = openFds();
    const file = reader.openFile('/proc/self/stat', 'hot');
    const first = file.read();
    const second = file.read();
    expect(parseStat(first ?? '')?.pid).toBe(process.pid);
    expect(parseStat(second ?? '')?.pid).toBe(process.pid);
    expect([reader.keptFiles(), openFds()]).toEqual([1, before + 1]);
    file.close();
    file.close();
    expect([reader.keptFiles(), openFds(), file.read()]).toEqual([0, before, null]);
  });

  it('answers null once the task is gone and lets its descriptor go by itself', async () => {
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const reader = createProcReader();
    const before = openFds();
    const file = reader.openFile(`/proc/${child.pid}/task/${child.pid}/schedstat`, 'hot');
    expect(file.read()).toMatch(/^\d+ \d+ \d+\n$/);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(file.read()).toBeNull(); // ESRCH on the kept descriptor
    expect([reader.keptFiles(), openFds()]).toEqual([0, before]);
  });

  it('keeps a warm file from its second read, and lets its descriptor go on release() but keeps reading', () => {
    const reader = createProcReader();
    const before = openFds();
    const file = reader.openFile(`/proc/${sleeper.pid}/task/${sleeper.pid}/wchan`, 'warm');
    expect(file.read()).not.toBeNull();
    expect(reader.keptFiles()).toBe(0);
    expect(file.read()).not.toBeNull();
    expect([reader.keptFiles(), openFds()]).toEqual([1, before + 1]);
    file.release();
    expect([reader.keptFiles(), openFds()]).toEqual([0, before]);
    expect(file.read()).not.toBeNull(); // kept again: it was read before
    expect(reader.keptFiles()).toBe(1);
    file.close();
    expect(reader.keptFiles()).toBe(0);
  });

  it('keeps at most maxKeptFiles open, warm files at most half, and reads the rest by path', () => {
    const reader = createProcReader({ maxKeptFiles: 4 });
    const before = openFds();
    const warm = Array.from({ length: 3 }, () => reader.openFile(`/proc/${sleeper.pid}/task/${sleeper.pid}/stat`, 'warm'));
    const hot = Array.from({ length: 4 }, () => reader.openFile(`/proc/${sleeper.pid}/task/${sleeper.pid}/schedstat`, 'hot'));
    for (const f of [...warm, ...warm, ...hot]) expect(f.read()).not.toBeNull();
    expect([reader.keptFiles(), openFds() - before]).toEqual([4, 4]); // 2 warm, then 2 hot
    // A descriptor let go is taken up by the next file read beyond the cap.
    warm[0].close();
    for (const f of hot) f.read();
    expect(reader.keptFiles()).toBe(4);
    for (const f of [...warm, ...hot]) f.close();
    expect([reader.keptFiles(), openFds()]).toEqual([0, before]);
  });

  it.each([
    [1024, 512],
    [8_000, 4_000],
    [20_000, 8_192],
    [Infinity, 8_192],
    [null, 512],
  ])('with a soft open-files limit of %s, keeps at most %d', (limit, cap) => expect(defaultMaxKeptFiles(limit)).toBe(cap));
});
