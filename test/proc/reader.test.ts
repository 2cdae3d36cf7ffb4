import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStat } from '../../src/proc/parse.js';
import { createProcReader } from '../../src/proc/reader.js';

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
    const reader = createProcReader(512);
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
